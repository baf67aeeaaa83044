// envseal/node: what a Node backend expects on top of the Web Streams API: files and Node streams.
//
// Node only. This module imports node: modules, so it is its own entry point ('envseal/node');
// the browser entry point ('envseal') never loads it. Every byte still goes through the streams of
// streams.js: this layer only moves bytes between them and the file system, and decides what is
// left on disk when something fails (nothing: the output appears, whole, only once the message
// was written, or read and verified, to its end).

import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

import { codedError } from './runtime.js';
import { describe, readOptions, typeError } from './keyring-protocol.js';
import { DECRYPT_OPTIONS, ENCRYPT_OPTIONS, openDecryptStream, openEncryptStream } from './streams.js';

/** Bytes read from the input file per read (and so per chunk written into the stream). */
const READ_BYTES = 1024 * 1024;

/** Permissions of the file being written: plaintext or not, only its owner reads it. */
const FILE_MODE = 0o600;

// ---- files ----------------------------------------------------------------------------------

/**
 * Encrypts the file at `input` into one message at `output`: `{ header, bytesRead, bytesWritten }`.
 * @param {object} keyring
 * @param {string | URL} input
 * @param {string | URL} output
 * @param {object} [options] the options of `encryptStream`, and `overwrite`
 */
export function encryptFile(keyring, input, output, options) {
  return transformFile('encryptFile', input, output, options, ENCRYPT_OPTIONS, openEncryptStream.bind(null, keyring));
}

/**
 * Decrypts the message in the file at `input` into `output`: `{ header, bytesRead, bytesWritten }`.
 * `output` appears only once the whole message was read and verified (its signature too).
 * @param {object} keyring
 * @param {string | URL} input
 * @param {string | URL} output
 * @param {object} [options] the options of `decryptStream`, and `overwrite`
 */
export function decryptFile(keyring, input, output, options) {
  return transformFile('decryptFile', input, output, options, DECRYPT_OPTIONS, openDecryptStream.bind(null, keyring));
}

/**
 * Streams `input` through the Node stream `openStream(options, api, Transform)` makes (its option
 * names: `streamOptions`) into a temporary file next to `output`, then moves that to `output`
 * (atomically: a rename, or a hard link when it must not replace a file). On any failure the
 * temporary file is deleted and the error rethrown.
 */
async function transformFile(api, input, output, options, streamOptions, openStream) {
  const inputPath = pathOf(input, `${api}: input`);
  const outputPath = pathOf(output, `${api}: output`);
  const { overwrite = false } = readOptions(options, api, [...streamOptions, 'overwrite']);
  if (typeof overwrite !== 'boolean') {
    throw typeError(`${api}: options.overwrite must be a boolean, got ${describe(overwrite)}`);
  }
  const { overwrite: _, ...rest } = options ?? {};
  const stream = openStream(rest, api, Transform); // bad options throw here, before any file is touched

  const temporary = join(dirname(outputPath), `.${basename(outputPath)}.${randomBytes(6).toString('hex')}.envseal-partial`);
  let source;
  let sink;
  let created = false;
  try {
    if (!overwrite) await refuseExisting(outputPath, api);
    source = await open(inputPath, 'r'); // errors as Node's: code ENOENT, EACCES, EISDIR, ...
    sink = await open(temporary, 'wx', FILE_MODE);
    created = true;
    // The read stream closes `source` when it ends or fails (the close in `finally` then does nothing).
    const reading = source.createReadStream({ highWaterMark: READ_BYTES });
    const writing = syncedWriter(sink);
    await pipeline(reading, stream, writing); // the first failure of any of them, which stops all
    await sink.close();
    sink = undefined;
    await commit(temporary, outputPath, overwrite, api);
    return { header: await stream.header, bytesRead: reading.bytesRead, bytesWritten: writing.bytesWritten };
  } catch (error) {
    stream.destroy(); // releases the stream if the pipeline never ran
    await sink?.close().catch(() => {});
    if (created) await unlink(temporary).catch(() => {});
    throw error;
  } finally {
    await source?.close().catch(() => {});
  }
}

/** A Writable into `file` that syncs it when it ends (a stream of the handle's own would keep
 * the handle from closing until the stream does, and closes it before it can be synced). */
function syncedWriter(file) {
  const writer = new Writable({
    write(chunk, _encoding, done) {
      writeAll(file, chunk).then(() => {
        writer.bytesWritten += chunk.length;
        done();
      }, done);
    },
    final(done) {
      file.sync().then(() => done(), done);
    },
  });
  writer.bytesWritten = 0;
  return writer;
}

async function writeAll(file, bytes) {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset, null);
    offset += bytesWritten;
  }
}

/** Moves the finished temporary file to `output`: replacing what is there (`overwrite`) or, by
 * default, only if nothing is (a hard link fails if the name exists; where the file system has
 * no hard links, a check and a rename). */
async function commit(temporary, output, overwrite, api) {
  if (overwrite) return rename(temporary, output);
  try {
    await link(temporary, output);
  } catch (error) {
    if (error?.code === 'EEXIST') throw outputExists(output, api);
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(error?.code)) throw error;
    await refuseExisting(output, api);
    return rename(temporary, output);
  }
  await unlink(temporary).catch(() => {}); // a second name of the output's bytes at worst
}

async function refuseExisting(path, api) {
  if (await exists(path)) throw outputExists(path, api);
}

function outputExists(path, api) {
  return codedError('OUTPUT_EXISTS', `${api}: ${path} exists; pass { overwrite: true } to replace it`);
}

/** Whether a file (or a dangling link) has this name. */
async function exists(path) {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (error?.code === 'ENOENT') return false;
    throw error;
  }
}

function pathOf(value, label) {
  if (typeof value === 'string' && value.length > 0) return value;
  if (value instanceof URL) {
    if (value.protocol !== 'file:') throw typeError(`${label} must be a file: URL, got ${value.protocol} URL`);
    return fileURLToPath(value);
  }
  throw typeError(`${label} must be a path (a non-empty string or a file: URL), got ${describe(value)}`);
}

// ---- Node streams ---------------------------------------------------------------------------

/**
 * `encryptStream` as a Node `Transform` stream (for `stream.pipeline`), with the same `header`
 * promise: the same steps, without a Web stream in between.
 * @param {object} keyring
 * @param {object} [options]
 */
export function createEncryptStream(keyring, options) {
  return openEncryptStream(keyring, options, 'createEncryptStream', Transform);
}

/**
 * `decryptStream` as a Node `Transform` stream (for `stream.pipeline`), with the same `header` promise.
 * @param {object} keyring
 * @param {object} [options]
 */
export function createDecryptStream(keyring, options) {
  return openDecryptStream(keyring, options, 'createDecryptStream', Transform);
}
