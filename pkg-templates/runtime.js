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
