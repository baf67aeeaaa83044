// The WebAssembly module, its loader (`init`), and what every part of the package shares: the
// guarded core (`core`), the "used before init" check and errors with a stable `code`.

import initWasm, * as glue from './wasm/envseal.js';

let ready = false;
/** @type {Promise<void> | undefined} */
let loading;
/** @type {WebAssembly.Module | URL | Promise<WebAssembly.Module> | undefined} Where the module
 * came from, if it can be had again (compiled once a worker asks for it). */
let wasmSource;

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
      wasmSource = reloadable(module_or_path);
      ready = true;
    })();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/** `source` if the module can be loaded from it again (a compiled module, or an address), for
 * the workers of the 'workers' engine; undefined for bytes and responses, which were consumed. */
function reloadable(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof URL) return source;
  const address = typeof source === 'string' ? source : typeof Request === 'function' && source instanceof Request ? source.url : undefined;
  if (address === undefined || !URL.canParse(address, globalThis.location?.href)) return undefined;
  return new URL(address, globalThis.location?.href);
}

/** Whether `compiledModule` has a module to give. */
export function wasmReloadable() {
  return wasmSource !== undefined;
}

/** The compiled WebAssembly module, compiled again from its address if `init` was given one (the
 * HTTP cache usually has it), for a worker to instantiate; undefined if `init` was given bytes or
 * a response. */
export function compiledModule() {
  if (wasmSource instanceof URL) {
    const address = wasmSource;
    wasmSource = (async () => {
      const response = await fetch(address);
      if (!response.ok) throw new Error(`fetching ${address} again for the workers: HTTP ${response.status}`);
      return WebAssembly.compile(await response.arrayBuffer());
    })();
    // A failure is not kept: the next stream tries again.
    wasmSource.catch(() => {
      wasmSource = address;
    });
  }
  return Promise.resolve(wasmSource);
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

// ---- the guarded core -------------------------------------------------------------------------
// A trap inside the WebAssembly module (a bug: inputs are checked before they cross) leaves its
// instance in an unknown state. Every call into the module goes through `core`, which turns a
// trap into a coded INTERNAL_ERROR and re-instantiates the module from the compiled code it
// already has (the glue is built with wasm-bindgen's --experimental-reset-state-function), so the
// calls that follow work. Objects of the trapped instance (keyrings, materials, stream state) are
// stale: using one is INVALID_STATE, and freeing one touches nothing.

/** How many times the module was re-instantiated; the glue's instance id follows it. */
let generation = 0;

/** Whether `object` belongs to an instance that was replaced. */
function isStale(object) {
  return typeof object?.__wbg_inst === 'number' && object.__wbg_inst !== generation;
}

/** What a failed call into the module becomes: a trap is an INTERNAL_ERROR, after which the
 * module is re-instantiated; anything else (the core's coded errors) passes through. */
function afterFailure(error) {
  if (!(error instanceof WebAssembly.RuntimeError)) return error;
  let recovered = 'it was re-instantiated: keyrings and streams created before this call must be created again';
  try {
    glue.__wbg_reset_state();
    generation += 1;
  } catch (reset) {
    recovered = `re-instantiating it failed too (${reset?.message ?? reset})`;
  }
  return codedError(
    'INTERNAL_ERROR',
    `envseal's WebAssembly module trapped (${error.message}), a bug in envseal: please report it; ${recovered}`,
  );
}

function staleError(className) {
  return codedError(
    'INVALID_STATE',
    `this ${className} was created before envseal re-instantiated its WebAssembly module after an ` +
      'INTERNAL_ERROR: create it again',
  );
}

/** `original` (a glue function, method or accessor) guarded: a trap becomes an INTERNAL_ERROR,
 * and an object of a replaced instance is refused (`frees`: freeing one is a no-op instead). */
function guarded(original, className, frees = false) {
  return function (...args) {
    if (isStale(this)) {
      // The glue's free() would release this pointer in the new instance: forget it instead.
      if (frees) return void this.__destroy_into_raw();
      throw staleError(className);
    }
    try {
      return original.apply(this, args);
    } catch (error) {
      throw afterFailure(error);
    }
  };
}

/** `glue`'s exports with every function, constructor, method and accessor guarded. Methods are
 * patched on the glue's own prototypes, so objects the glue creates itself are guarded too. */
function guardGlue(exports) {
  const out = {};
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== 'function' || name === 'default' || name === 'initSync' || name.startsWith('__wbg')) continue;
    if (/^[A-Z]/.test(name)) {
      guardPrototype(value.prototype, name);
      const construct = (target, args, newTarget) => {
        try {
          return Reflect.construct(target, args, newTarget);
        } catch (error) {
          throw afterFailure(error);
        }
      };
      out[name] = new Proxy(value, { construct });
    } else {
      out[name] = guarded(value, name);
    }
  }
  return Object.freeze(out);
}

function guardPrototype(prototype, className) {
  for (const key of Reflect.ownKeys(prototype)) {
    if (key === 'constructor' || (typeof key === 'string' && key.startsWith('__'))) continue;
    const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
    const frees = key === 'free' || key === Symbol.dispose;
    for (const slot of ['value', 'get', 'set']) {
      if (typeof descriptor[slot] === 'function') descriptor[slot] = guarded(descriptor[slot], className, frees);
    }
    Object.defineProperty(prototype, key, descriptor);
  }
}

/** The WebAssembly core, guarded: what the rest of the package calls. */
export const core = guardGlue(glue);

// ---- errors -----------------------------------------------------------------------------------

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
