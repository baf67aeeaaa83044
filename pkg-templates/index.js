// envseal: client-side envelope encryption in the AWS Encryption SDK message format.
//
// This file is the package's entry point: the wasm loader (`init`) and the public API, a thin
// layer over the wasm-bindgen glue in ./wasm/. It runs unchanged in a page, a Worker and Node 20+
// (no `window`, no `Buffer`); bundlers (Vite, webpack, esbuild) find the .wasm through the
// `new URL(..., import.meta.url)` in runtime.js. The Web Streams API lives in streams.js.

// `core as wasm`: the WebAssembly core, every call guarded against a trap.
import { checkedBytes, core as wasm, MAX_ONE_SHOT_BYTES, requireInit } from './runtime.js';
import {
  checkKeyring,
  decryptWithKeyring,
  encryptWithKeyring,
  generateDataKeyWithKeyring,
  runsInCore,
  withKeyringInterface,
} from './keyring-protocol.js';

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

// ---- loader -------------------------------------------------------------------------------

export { init } from './runtime.js';

// ---- streams (streams.js) -------------------------------------------------------------------

export { decryptStream, encryptStream } from './streams.js';
export { decryptRange, decryptRangeStream } from './ranges.js';
export { rewrap, rewrapStream } from './rewrap.js';

/** The exact length of the message envseal writes with `header` for `plaintextLength` bytes. */
export function ciphertextLength(header, plaintextLength) {
  requireInit('ciphertextLength()');
  return wasm.ciphertextLength(header, plaintextLength);
}

// ---- keyrings -------------------------------------------------------------------------------

/** A raw AES-GCM keyring: wraps data keys under a 16-, 24- or 32-byte key the application holds. */
export class RawAesKeyring extends withKeyringInterface(wasm.RawAesKeyring) {
  /** @param {{ keyNamespace: string, keyName: string, wrappingKey: Uint8Array }} options */
  constructor(options) {
    requireInit('RawAesKeyring');
    super(withCheckedBytes(options, ['wrappingKey'], 'RawAesKeyring'));
  }
}

/** A raw RSA keyring: wraps data keys with an RSA public key (OAEP), unwraps them with the private key. */
export class RawRsaKeyring extends withKeyringInterface(wasm.RawRsaKeyring) {
  /** @param {{ keyNamespace: string, keyName: string, publicKey?: string | Uint8Array, privateKey?: string | Uint8Array, padding: string }} options */
  constructor(options) {
    requireInit('RawRsaKeyring');
    super(withCheckedBytes(options, ['publicKey', 'privateKey'], 'RawRsaKeyring'));
  }
}

export { KmsKeyring, signSigV4 } from './kms-keyring.js';
export { MultiKeyring } from './multi-keyring.js';

// ---- one-shot operations --------------------------------------------------------------------
// Keyrings that need no calls (raw keyrings, multi-keyrings of them) run inside the core in one
// synchronous call; the others are run step by step, their calls awaited (keyring-protocol.js).

/** Encrypts `plaintext` into one message: `{ ciphertext, header }`. */
export async function encrypt(keyring, plaintext, options) {
  requireInit('encrypt()');
  plaintext = checkedBytes(plaintext, 'encrypt: plaintext', MAX_ONE_SHOT_BYTES);
  if (runsInCore(keyring)) return wasm.encrypt(keyring, plaintext, options);
  checkKeyring(keyring, 'encrypt: keyring');
  return encryptWithKeyring(keyring, plaintext, options);
}

/** Decrypts one complete message: `{ plaintext, header }`. */
export async function decrypt(keyring, ciphertext, options) {
  requireInit('decrypt()');
  ciphertext = checkedBytes(ciphertext, 'decrypt: ciphertext', MAX_ONE_SHOT_BYTES);
  if (runsInCore(keyring)) return wasm.decrypt(keyring, ciphertext, options);
  checkKeyring(keyring, 'decrypt: keyring');
  return decryptWithKeyring(keyring, ciphertext, options);
}

/** A fresh data key and its wrapped forms: `{ plaintextKey, encryptedDataKeys, encryptionContext }`. */
export async function generateDataKey(keyring, options) {
  requireInit('generateDataKey()');
  if (runsInCore(keyring)) return wasm.generateDataKey(keyring, options);
  checkKeyring(keyring, 'generateDataKey: keyring');
  return generateDataKeyWithKeyring(keyring, options);
}

/** `options` with the byte-valued `keys` checked (see `checkedBytes`) before they cross into
 * WebAssembly; anything else is left for the core to check. */
function withCheckedBytes(options, keys, api) {
  if (options === null || typeof options !== 'object') return options;
  const out = { ...options };
  for (const key of keys) {
    if (out[key] !== undefined) out[key] = checkedBytes(out[key], `${api}: options.${key}`);
  }
  return out;
}
