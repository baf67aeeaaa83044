// Ranged decryption: `decryptRange` and `decryptRangeStream` read plaintext bytes [start, end)
// of a stored message, fetching only its header, the frames that hold the range and the final
// frame (which proves the message's size). The core locates every frame and checks each one's
// place (`RangeDecryptor`); this reads the bytes from the source and opens each frame with an
// AES-GCM (node:crypto, WebCrypto, or the core's) before any of its bytes are released.
//
// A source is `{ size, read(offset, length) }`, a Blob (a File), or a URL (string or URL) read
// with HTTP Range requests. See docs/ranges.md in the repository for the arithmetic.

import { checkedBytes, codedError, core as wasm, requireInit } from './runtime.js';
import { checkKeyring, concat, describe, readHeader, readOptions, typeError, unwrapMessage, wholeBytes } from './keyring-protocol.js';
import { importContentKey } from './engine-external.js';
import { chooseEngine } from './streams.js';

const RANGE_OPTIONS = ['start', 'end', 'allowSigned', 'encryptionContext', 'commitmentPolicy', 'maxEncryptedDataKeys', 'maxFrameLength'];
/** Bytes read at a time while the header is read. */
const HEADER_READ = 4096;
/** Bytes at the end of a signed message that hold its footer (u16 length, DER signature). */
const TAIL_READ = 130;
/** Bytes of a frame before its ciphertext, at most. */
const FRAME_PREFIX = 24;

/**
 * Plaintext bytes `[start, end)` of the message `source` holds: `{ plaintext, header }`.
 * @param {object} keyring
 * @param {object | Blob | string | URL} source
 * @param {object} options `{ start, end, allowSigned?, ...decrypt options }`
 */
export async function decryptRange(keyring, source, options) {
  const api = 'decryptRange';
  const reader = await openRange(keyring, source, options, api);
  try {
    const parts = [new Uint8Array(0)];
    for await (const part of reader.parts()) parts.push(part);
    const plaintext = concat(parts);
    return { plaintext, header: reader.header };
  } finally {
    reader.close();
  }
}

/**
 * The same as a ReadableStream of plaintext, one frame's slice at a time (memory: a frame), with a
 * `header` promise.
 */
export function decryptRangeStream(keyring, source, options) {
  const api = 'decryptRangeStream';
  requireInit(`${api}()`);
  checkArguments(keyring, options, api);
  let header;
  const headerPromise = new Promise((resolve, reject) => (header = { resolve, reject }));
  headerPromise.catch(() => {});
  let reader;
  let parts;
  const stream = new ReadableStream(
    {
      async pull(controller) {
        try {
          if (!reader) {
            reader = await openRange(keyring, source, options, api);
            header.resolve(reader.header);
            parts = reader.parts();
          }
          const { value, done } = await parts.next();
          if (done) {
            reader.close();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          header.reject(error);
          reader?.close();
          controller.error(error);
        }
      },
      cancel() {
        reader?.close();
      },
    },
    { highWaterMark: 0 },
  );
  Object.defineProperty(stream, 'header', { value: headerPromise, enumerable: true });
  return stream;
}

// ---- one ranged read --------------------------------------------------------------------------

function checkArguments(keyring, options, api) {
  checkKeyring(keyring, `${api}: keyring`);
  const o = readOptions(options, api, RANGE_OPTIONS, true);
  for (const name of ['start', 'end']) wholeBytes(o[name], `${api}: options.${name}`);
  if (o.end < o.start) {
    throw codedError('INVALID_ARGUMENT', `${api}: options.end (${o.end}) is before options.start (${o.start})`, RangeError);
  }
  if (o.allowSigned !== undefined && typeof o.allowSigned !== 'boolean') {
    throw typeError(`${api}: options.allowSigned must be a boolean, got ${describe(o.allowSigned)}`);
  }
  return o;
}

/** Reads and verifies the header, and locates the frames of the range. */
async function openRange(keyring, source, options, api) {
  requireInit(`${api}()`);
  const o = checkArguments(keyring, options, api);
  const { start, end, allowSigned = false, ...decryptOptions } = o;
  const src = await sourceOf(source, api);
  const dec = new wasm.MessageDecryptor(decryptOptions, api);
  let ranges;
  try {
    for (let at = 0; ; ) {
      if (at >= src.size) {
        dec.finish(); // TRUNCATED: the message ends inside its header
        throw codedError('TRUNCATED', `${api}: the source ended inside the message header`);
      }
      const chunk = await src.read(at, Math.min(HEADER_READ, src.size - at));
      const { used, complete } = readHeader(dec, chunk);
      at += used;
      if (complete) break;
    }
    await unwrapMessage(dec, keyring);
    const signed = dec.signed === true;
    const tail = signed && allowSigned ? await src.read(src.size - Math.min(src.size, TAIL_READ), Math.min(src.size, TAIL_READ)) : undefined;
    ranges = dec.intoRanges(src.size, tail, allowSigned);
  } finally {
    dec.free();
  }
  let needed;
  let opener;
  try {
    needed = ranges.framesFor(start, end);
    opener = await frameOpener(ranges, api);
  } catch (error) {
    ranges.free();
    throw error;
  }
  const read = async (index) => {
    const { offset, length } = ranges.readOf(index);
    const plaintext = await opener(index, await src.read(offset, length));
    const [from, to] = ranges.sliceOf(index, start, end);
    if (from === 0 && to === plaintext.length) return plaintext;
    // A copy of the range's bytes, and the rest of the frame wiped: a view would keep the
    // frame's plaintext outside the range reachable through its buffer.
    const part = plaintext.slice(from, to);
    plaintext.fill(0);
    return part;
  };
  return {
    header: ranges.header,
    /** The range's plaintext, frame by frame. The final frame is opened first: it proves the
     * message's size, so no byte of a cut or extended message is released. */
    async *parts() {
      const last = await read(needed.final);
      if (needed.first === null) return;
      for (let index = needed.first; index <= needed.last; index++) {
        const part = index === needed.final ? last : await read(index);
        if (part.length > 0) yield part;
      }
    },
    /** Frees the core's handle (once; later calls do nothing). */
    close() {
      ranges?.free();
      ranges = undefined;
    },
  };
}

/** Opens frame `index` from its bytes: with the AES-GCM engine 'auto' picks (node:crypto or
 * WebCrypto, so plaintext never enters WebAssembly), else with the core's. */
async function frameOpener(ranges, api) {
  const { aead } = chooseEngine({}, api);
  if (!aead) return async (index, bytes) => ranges.open(index, bytes);
  const key = await importContentKey(aead, ranges, 'decrypt');
  return async (index, bytes) => {
    const frame = ranges.frame(index, bytes.length, bytes.subarray(0, FRAME_PREFIX));
    try {
      return await aead.open(key, frame.iv, frame.aad, bytes.subarray(frame.prefixLen));
    } catch {
      throw wasm.decryptFailedError();
    }
  };
}

// ---- sources ----------------------------------------------------------------------------------

/** `{ size, read(offset, length) -> Promise<Uint8Array> }` over what the caller gave, with every
 * read checked: exactly `length` bytes, else IO_ERROR. */
async function sourceOf(source, api) {
  if (typeof Blob === 'function' && source instanceof Blob) {
    return checkedSource(source.size, async (o, l) => new Uint8Array(await source.slice(o, o + l).arrayBuffer()), api);
  }
  if (typeof source === 'string' || source instanceof URL) return httpSource(source, api);
  if (source !== null && typeof source === 'object' && typeof source.read === 'function') {
    const { size } = source;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw typeError(`${api}: source.size must be a whole number of bytes, got ${describe(size)}`);
    }
    return checkedSource(size, (o, l) => source.read(o, l), api);
  }
  throw typeError(`${api}: source must be { size, read(offset, length) }, a Blob, or a URL, got ${describe(source)}`);
}

function checkedSource(size, read, api) {
  return {
    size,
    async read(offset, length) {
      let bytes;
      try {
        bytes = await read(offset, length);
      } catch (error) {
        if (error?.code === 'IO_ERROR') throw error;
        throw codedError('IO_ERROR', `${api}: reading ${length} bytes at offset ${offset} failed: ${error?.message ?? error}`);
      }
      bytes = checkedBytes(bytes, `${api}: what read(${offset}, ${length}) returned`);
      if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
        const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : describe(bytes);
        throw codedError('IO_ERROR', `${api}: read(${offset}, ${length}) must give ${length} bytes, gave ${got}`);
      }
      return bytes;
    },
  };
}

/** A URL read with HTTP Range requests; the first (the header's) also tells the size. */
async function httpSource(url, api) {
  const get = async (from, length) => {
    let response;
    try {
      response = await fetch(url, { headers: { Range: `bytes=${from}-${from + length - 1}` } });
    } catch (error) {
      throw codedError('IO_ERROR', `${api}: fetching ${url} failed: ${error?.message ?? error}`);
    }
    if (response.status === 416 && from === 0) return { size: 0, bytes: new Uint8Array(0) };
    if (response.status !== 206) {
      await response.body?.cancel();
      throw codedError(
        'IO_ERROR',
        `${api}: ${url} answered HTTP ${response.status} to a Range request; it must answer 206 Partial Content ` +
          '(and expose Content-Range to this origin)',
      );
    }
    const total = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
    return { size: total ? Number(total[1]) : undefined, bytes: new Uint8Array(await response.arrayBuffer()) };
  };
  const first = await get(0, HEADER_READ);
  if (first.size === undefined || !Number.isSafeInteger(first.size)) {
    throw codedError('IO_ERROR', `${api}: ${url} gave no size in Content-Range (bytes a-b/size); expose it to this origin`);
  }
  return checkedSource(
    first.size,
    async (offset, length) =>
      offset + length <= first.bytes.length ? first.bytes.subarray(offset, offset + length) : (await get(offset, length)).bytes,
    api,
  );
}
