// envseal: client-side envelope encryption in the AWS Encryption SDK message format.
//
// This file is the package's entry point: the wasm loader (`init`) and the public API, a thin
// layer over the wasm-bindgen glue in ./wasm/. It runs unchanged in a page, a Worker and Node 20+
// (no `window`, no `Buffer`); bundlers (Vite, webpack, esbuild) find the .wasm through the
// `new URL(..., import.meta.url)` below.

import initWasm, * as wasm from './wasm/envseal.js';

/** Algorithm suite ids envseal encrypts with (it decrypts every ESDK suite). */
export const AlgorithmSuite = Object.freeze({
  /** AES-256-GCM, HKDF-SHA512, key commitment, no signature (the default). */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY: 0x0478,
  /** As above, plus an ECDSA P-384 signature over the whole message. */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 0x0578,
});

/** Commitment policies, by the specification's names. */
export const CommitmentPolicy = Object.freeze({
  REQUIRE_ENCRYPT_REQUIRE_DECRYPT: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT',
  REQUIRE_ENCRYPT_ALLOW_DECRYPT: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT',
  FORBID_ENCRYPT_ALLOW_DECRYPT: 'FORBID_ENCRYPT_ALLOW_DECRYPT',
});

// ---- loader ---------------------------------------------------------------------------------

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

function requireInit(api) {
  if (!ready) {
    const error = new Error(
      `envseal is not initialized: call \`await init()\` (imported from 'envseal') once before using ${api}`,
    );
    error.code = 'NOT_INITIALIZED';
    throw error;
  }
}

// ---- keyrings -------------------------------------------------------------------------------

/** A raw AES-GCM keyring: wraps data keys under a 16-, 24- or 32-byte key the application holds. */
export class RawAesKeyring extends wasm.RawAesKeyring {
  /** @param {{ keyNamespace: string, keyName: string, wrappingKey: Uint8Array }} options */
  constructor(options) {
    requireInit('RawAesKeyring');
    super(options);
  }
}

/** A keyring of keyrings: the generator makes the data key, and every member can decrypt. */
export class MultiKeyring extends wasm.MultiKeyring {
  /** @param {{ generator?: object, children?: object[] }} options */
  constructor(options) {
    requireInit('MultiKeyring');
    super(options);
  }
}

// ---- one-shot operations --------------------------------------------------------------------
// Async although the work is synchronous today: keyrings that call a key service (KMS) will be
// async, and the API should not change when they arrive.

/** Encrypts `plaintext` into one message: `{ ciphertext, header }`. */
export async function encrypt(keyring, plaintext, options) {
  requireInit('encrypt()');
  return wasm.encrypt(keyring, plaintext, options);
}

/** Decrypts one complete message: `{ plaintext, header }`. */
export async function decrypt(keyring, ciphertext, options) {
  requireInit('decrypt()');
  return wasm.decrypt(keyring, ciphertext, options);
}

/** A fresh data key and its wrapped forms: `{ plaintextKey, encryptedDataKeys, encryptionContext }`. */
export async function generateDataKey(keyring, options) {
  requireInit('generateDataKey()');
  return wasm.generateDataKey(keyring, options);
}
