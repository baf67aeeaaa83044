// The WebAssembly module, its loader (`init`), and what every part of the package shares: the
// "used before init" check and errors with a stable `code`.

import initWasm from './wasm/envseal.js';

let ready = false;
/** @type {Promise<void> | undefined} */
let loading;

/**
 * Loads and instantiates the WebAssembly module. Call (and await) it once before anything else;
 * later and concurrent calls return the same promise. If loading fails, the next call retries.
 *
 * @param {string | URL | Request | Response | BufferSource | WebAssembly.Module} [source]
 *   Where the .wasm is, for setups the default does not cover. By default: the `wasm/envseal_bg.wasm`
 *   file next to this module (read from disk in Node, fetched elsewhere).
 * @returns {Promise<void>}
 */
export function init(source) {
  if (!loading) {
    loading = (async () => {
      const module_or_path = source ?? (await defaultSource());
      await initWasm({ module_or_path });
      ready = true;
    })();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

async function defaultSource() {
  const url = new URL('./wasm/envseal_bg.wasm', import.meta.url);
  if (url.protocol === 'file:') {
    // Node (and other runtimes that load modules from disk): fetch() cannot read file: URLs.
    // The specifier is not a literal, so bundlers building for browsers leave it alone.
    const fs = 'node:fs/promises';
    const { readFile } = await import(/* @vite-ignore */ /* webpackIgnore: true */ fs);
    return readFile(url);
  }
  return url;
}

/** Throws `NOT_INITIALIZED` unless `init()` has resolved. `api` names the caller in the message. */
export function requireInit(api) {
  if (!ready) {
    throw codedError(
      'NOT_INITIALIZED',
      `envseal is not initialized: call \`await init()\` (imported from 'envseal') once before using ${api}`,
    );
  }
}

/** An error with a stable `code`, like the ones the WebAssembly side throws. */
export function codedError(code, message, ErrorClass = Error) {
  const error = new ErrorClass(message);
  error.code = code;
  return error;
}

/**
 * Largest plaintext or ciphertext that one-shot `encrypt`/`decrypt` take: the core holds the input
 * and its result in WebAssembly memory (at most 4 GiB). Larger inputs belong in the streams.
 */
export const MAX_ONE_SHOT_BYTES = 1024 * 1024 * 1024;

/**
 * Checks, before it crosses into WebAssembly, an argument that should be bytes: a view or buffer
 * that was transferred (detached) is a coded TypeError here (inside an export it would break the
 * module for good), and one longer than `max` is LIMIT_EXCEEDED. Anything that is not bytes is
 * returned as is, for the core to refuse with its own message.
 * @param {unknown} value
 * @param {string} label names the argument in errors
 * @param {number} [max]
 */
export function checkedBytes(value, label, max = Infinity) {
  let view;
  try {
    if (value instanceof Uint8Array) view = value;
    else if (ArrayBuffer.isView(value)) view = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    else if (value instanceof ArrayBuffer || isSharedArrayBuffer(value)) view = new Uint8Array(value);
    else return value;
    // A view of a detached buffer reads as empty; only building a new view over it tells.
    if (view.byteLength === 0) new Uint8Array(view.buffer);
  } catch {
    throw codedError(
      'INVALID_ARGUMENT',
      `${label}: its ArrayBuffer was detached (transferred to a Worker or with structuredClone), so it holds no bytes`,
      TypeError,
    );
  }
  if (view.byteLength > max) {
    throw codedError(
      'LIMIT_EXCEEDED',
      `${label} is ${view.byteLength} bytes, more than the ${max} this one-shot call takes: use encryptStream/decryptStream`,
      RangeError,
    );
  }
  return view;
}

function isSharedArrayBuffer(value) {
  return typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer;
}
