// Keyrings that live in JavaScript (KmsKeyring, whose transport is async; a MultiKeyring with such a
// member; an application's own keyring) and how the operations use them.
//
// A JavaScript keyring is any object with
//   async onEncrypt(materials)                         materials: an EncryptionMaterials handle
//   async onDecrypt({ suiteId, encryptionContext }, encryptedDataKeys) -> Uint8Array | null
// WebAssembly keyrings (RawAesKeyring, RawRsaKeyring, an all-WebAssembly MultiKeyring) are
// recognised by their `__keyringHandle` method and keep their synchronous path through the core.
//
// The core stays synchronous and sans-io. Encryption: new EncryptionMaterials -> await
// keyring.onEncrypt -> encryptorFromMaterials. Decryption is two-phase: push the header into a
// MessageDecryptor -> await keyring.onDecrypt -> provideDataKey (the core verifies the key
// commitment and the header tag), or, with no key, the core's own NO_MATCHING_KEY /
// ENCRYPTION_CONTEXT_MISMATCH through a KeyringOutcome.

import { codedError } from './runtime.js';
// The WebAssembly core, every call guarded against a trap (runtime.js).
import { core as wasm } from './runtime.js';

/** The header is fed to the core in pieces of this size (a large chunk is not copied into
 * WebAssembly just to read the header at its start). */
const HEADER_PIECE = 16 * 1024;

/**
 * Feeds `dec` (state 'header') the header at the start of `bytes`; returns how many bytes it
 * took: all of them, or those up to the end of the header (the state is then 'need-data-key').
 */
export function readHeader(dec, bytes) {
  let offset = 0;
  while (offset < bytes.length && dec.state === 'header') {
    const used = dec.readHeader(bytes.subarray(offset, offset + HEADER_PIECE));
    // Never: the core takes every byte the header needs. A guard against spinning forever.
    if (used === 0) throw codedError('INTERNAL_ERROR', 'envseal bug: the header reader took no bytes');
    offset += used;
  }
  return offset;
}

// ---- telling keyrings apart -----------------------------------------------------------------

/** Whether `keyring` is a WebAssembly keyring (it can hand the core a keyring handle). */
export function isWasmKeyring(keyring) {
  return keyring !== null && typeof keyring === 'object' && typeof keyring.__keyringHandle === 'function';
}

/** Whether `keyring` is a JavaScript keyring: `onEncrypt` and `onDecrypt` methods, no handle. */
export function isJsKeyring(keyring) {
  return (
    keyring !== null &&
    typeof keyring === 'object' &&
    !isWasmKeyring(keyring) &&
    typeof keyring.onEncrypt === 'function' &&
    typeof keyring.onDecrypt === 'function'
  );
}

/** Throws a TypeError (INVALID_ARGUMENT) unless `keyring` is a keyring of either kind. */
export function checkKeyring(keyring, label) {
  if (isWasmKeyring(keyring) || isJsKeyring(keyring)) return;
  throw typeError(
    `${label} must be an envseal keyring (RawAesKeyring, RawRsaKeyring, KmsKeyring, MultiKeyring) or an ` +
      `object with onEncrypt and onDecrypt methods, got ${describe(keyring)}`,
  );
}

/** How a keyring is named in error messages. */
export function keyringName(keyring) {
  try {
    if (typeof keyring?.toString === 'function' && keyring.toString !== Object.prototype.toString) {
      return String(keyring);
    }
  } catch {
    // fall through
  }
  return keyring?.constructor?.name ? `${keyring.constructor.name} keyring` : 'keyring';
}

// ---- running a keyring of either kind -------------------------------------------------------

/** Lets `keyring` (either kind) generate and/or wrap the data key of `materials`. */
export async function runOnEncrypt(keyring, materials) {
  if (isWasmKeyring(keyring)) {
    materials.wrapWith(keyring);
    return;
  }
  await keyring.onEncrypt(materials);
}

/** Asks `keyring` (either kind) for the data key: a Uint8Array (the caller wipes it) or null. */
export async function runOnDecrypt(keyring, materials, encryptedDataKeys) {
  if (isWasmKeyring(keyring)) return wasm.unwrapDataKey(keyring, materials, encryptedDataKeys) ?? null;
  const key = await keyring.onDecrypt(materials, encryptedDataKeys);
  if (key === null || key === undefined) return null;
  if (!(key instanceof Uint8Array)) {
    throw codedError(
      'KEYRING_ERROR',
      `keyring error: ${keyringName(keyring)}.onDecrypt must resolve to a Uint8Array data key or null, got ${describe(key)}`,
    );
  }
  return key;
}

/** NO_MATCHING_KEY for keyrings that each failed: `errors` keeps every failure. */
export function noMatchingKey(errors) {
  const error = codedError(
    'NO_MATCHING_KEY',
    `no keyring could decrypt a data key: ${errors.map((e) => e?.message ?? String(e)).join('; ')}`,
  );
  error.errors = errors;
  return error;
}

// ---- encryption -----------------------------------------------------------------------------

/**
 * Starts the materials of one message (synchronously, so bad options throw at once).
 * `api`: 'encrypt', 'encryptStream' or 'generateDataKey' (names the caller in errors).
 */
export function newMaterials(options, api) {
  return new wasm.EncryptionMaterials(options, api);
}

/** Runs the JavaScript keyring on `materials` and builds the MessageEncryptor (materials freed). */
export async function encryptorFromKeyring(keyring, materials) {
  try {
    await keyring.onEncrypt(materials);
    return wasm.encryptorFromMaterials(materials);
  } finally {
    materials.free();
  }
}

/** `encrypt` with a JavaScript keyring: `{ ciphertext, header }`. */
export async function encryptWithJsKeyring(keyring, plaintext, options) {
  const input = bytesOf(plaintext, 'encrypt: plaintext');
  const enc = await encryptorFromKeyring(keyring, newMaterials(options, 'encrypt'));
  try {
    const first = enc.push(input);
    const last = enc.finish();
    return { ciphertext: concat([first, last]), header: enc.header };
  } finally {
    enc.free();
  }
}

/** `generateDataKey` with a JavaScript keyring: `{ plaintextKey, encryptedDataKeys, encryptionContext }`. */
export async function generateDataKeyWithJsKeyring(keyring, options) {
  const materials = newMaterials(options, 'generateDataKey');
  try {
    await keyring.onEncrypt(materials);
    return wasm.generateDataKeyResult(materials);
  } finally {
    materials.free();
  }
}

// ---- decryption -----------------------------------------------------------------------------

/**
 * With `dec` waiting for its data key (state 'need-data-key'), asks the JavaScript `keyring` for it
 * and hands it over; the core then verifies the header. No key: the core's NO_MATCHING_KEY (naming
 * the message's providers) or ENCRYPTION_CONTEXT_MISMATCH (when required pairs were given).
 */
export async function unwrapWithJsKeyring(dec, keyring) {
  const header = dec.header;
  const materials = { suiteId: header.suiteId, encryptionContext: dec.keyringContext };
  let key;
  try {
    key = await runOnDecrypt(keyring, materials, header.encryptedDataKeys);
  } catch (error) {
    if (error?.code !== 'NO_MATCHING_KEY') throw error;
    // Through the core, which turns it into ENCRYPTION_CONTEXT_MISMATCH when required pairs were given.
    const reason = String(error.message).replace(/^no keyring could decrypt a data key: /, '');
    throw coreNoKey(dec, keyring, reason, error);
  }
  if (key === null) throw coreNoKey(dec, keyring, null);
  try {
    dec.provideDataKey(key);
  } finally {
    key.fill(0);
  }
}

/** The core's error for "no data key" (it always throws). */
function coreNoKey(dec, keyring, reason, original) {
  const outcome = new wasm.KeyringOutcome(keyringName(keyring), reason);
  try {
    dec.unwrapWith(outcome);
  } catch (error) {
    if (original) {
      if (original.errors) error.errors = original.errors;
      error.cause = original;
    }
    return error;
  } finally {
    outcome.free();
  }
  return codedError('NO_MATCHING_KEY', 'no keyring could decrypt a data key');
}

/** `decrypt` with a JavaScript keyring: `{ plaintext, header }`. */
export async function decryptWithJsKeyring(keyring, ciphertext, options) {
  const input = bytesOf(ciphertext, 'decrypt: ciphertext');
  const dec = new wasm.MessageDecryptor(options, 'decrypt');
  try {
    const offset = readHeader(dec, input);
    if (dec.state === 'header') dec.finish(); // TRUNCATED: the input ended inside the header
    await unwrapWithJsKeyring(dec, keyring);
    const body = dec.push(input.subarray(offset));
    const last = dec.finish();
    const plaintext = concat([body, last]);
    // The parts were copied into `plaintext` (unless it is one of them): wipe them.
    for (const part of [body, last]) if (part !== plaintext) part.fill(0);
    return { plaintext, header: dec.header };
  } finally {
    dec.free();
  }
}

// ---- small helpers --------------------------------------------------------------------------

export function typeError(message) {
  return codedError('INVALID_ARGUMENT', message, TypeError);
}

export function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return value.constructor?.name ? `a ${value.constructor.name}` : 'an object';
  return `a ${typeof value}`;
}

/** The options object's own enumerable properties; unknown keys are refused. */
export function readOptions(options, api, known, required = false) {
  const expected = `{ ${known.join(', ')} }`;
  if (options === undefined || options === null) {
    if (!required) return {};
    throw typeError(`${api}: options must be an object ${expected}, got ${describe(options)}`);
  }
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(`${api}: options must be an object ${expected}, got ${describe(options)}`);
  }
  const read = {};
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) {
      throw typeError(`${api}: unknown option ${JSON.stringify(key)}; the options are ${expected}`);
    }
    if (value !== undefined && value !== null) read[key] = value;
  }
  return read;
}

/** `value` as a Uint8Array over the same memory, or a TypeError naming `label`. */
export function bytesOf(value, label) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) return new Uint8Array(value);
  const hint = typeof value === 'string' ? ' (encode strings first, e.g. with TextEncoder)' : '';
  throw typeError(`${label} must be a Uint8Array, an ArrayBuffer or another ArrayBufferView, got ${describe(value)}${hint}`);
}

/** The parts joined; a part itself when it is the only non-empty one. */
function concat(parts) {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? parts[0];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
