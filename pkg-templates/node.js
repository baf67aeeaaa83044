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
import { Transform } from 'node:stream';
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
  const stream = { options: ENCRYPT_OPTIONS, open: openEncryptStream.bind(null, keyring), keepsChunks: false };
  return transformFile('encryptFile', input, output, options, stream);
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
  // A decryptor keeps the chunks it was given (by reference) until it framed their bytes.
  const stream = { options: DECRYPT_OPTIONS, open: openDecryptStream.bind(null, keyring), keepsChunks: true };
  return transformFile('decryptFile', input, output, options, stream);
}

/**
 * Streams `input` through the stream `kind.open(options, api)` makes (its option names in
 * `kind.options`; `kind.keepsChunks`: whether it may keep a written chunk after the write
 * resolved) into a temporary file next to `output`, then moves that to `output` (atomically: a
 * rename, or a hard link when it must not replace a file). On any failure the temporary file is
 * deleted and the error rethrown.
 */
async function transformFile(api, input, output, options, kind) {
  const inputPath = pathOf(input, `${api}: input`);
  const outputPath = pathOf(output, `${api}: output`);
  const { overwrite = false } = readOptions(options, api, [...kind.options, 'overwrite']);
  if (typeof overwrite !== 'boolean') {
    throw typeError(`${api}: options.overwrite must be a boolean, got ${describe(overwrite)}`);
  }
  const { overwrite: _, ...rest } = options ?? {};
  const stream = kind.open(rest, api); // bad options throw here, before any file is touched

  const temporary = join(dirname(outputPath), `.${basename(outputPath)}.${randomBytes(6).toString('hex')}.envseal-partial`);
  let source;
  let sink;
  let created = false;
  try {
    if (!overwrite) await refuseExisting(outputPath, api);
    source = await open(inputPath, 'r'); // errors as Node's: code ENOENT, EACCES, EISDIR, ...
    sink = await open(temporary, 'wx', FILE_MODE);
    created = true;
    const [bytesRead, bytesWritten] = await pump(source, stream, sink, kind.keepsChunks);
    await sink.sync();
    await sink.close();
    sink = undefined;
    await commit(temporary, outputPath, overwrite, api);
    return { header: await stream.header, bytesRead, bytesWritten };
  } catch (error) {
    stream.readable.cancel(error).catch(() => {}); // releases the stream if pump never ran
    await sink?.close().catch(() => {});
    if (created) await unlink(temporary).catch(() => {});
    throw error;
  } finally {
    await source?.close().catch(() => {});
  }
}

/**
 * Reads `source` into the stream's writable side while its readable side is written to `sink`.
 * Resolves with the bytes read and written; the first failure (of either file or of the stream)
 * stops both sides and is the one rethrown.
 */
async function pump(source, stream, sink, keepsChunks) {
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let failure;
  const fail = (error) => {
    failure ??= { error };
  };
  let bytesRead = 0;
  let bytesWritten = 0;

  const feed = async () => {
    // One buffer, reused, unless the stream may keep what it was given.
    let buffer = new Uint8Array(READ_BYTES);
    try {
      for (;;) {
        if (keepsChunks && bytesRead > 0) buffer = new Uint8Array(READ_BYTES);
        const { bytesRead: n } = await source.read(buffer, 0, buffer.length, null);
        if (n === 0) break;
        bytesRead += n;
        await writer.write(buffer.subarray(0, n));
      }
      await writer.close();
    } catch (error) {
      fail(error);
      await writer.abort(error).catch(() => {});
    }
  };
  const drain = async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        await writeAll(sink, value);
        bytesWritten += value.length;
      }
    } catch (error) {
      fail(error);
      await reader.cancel(error).catch(() => {});
    }
  };
  await Promise.all([feed(), drain()]);
  if (failure) throw failure.error;
  return [bytesRead, bytesWritten];
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
