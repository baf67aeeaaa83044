// Running keyrings: every keyring, of any kind, runs through the core's keyring steps
// (src/keyring/step.rs). A step either finishes or asks for one call the core cannot make — a KMS
// request, or a call into an application's own keyring — and this file makes it and hands the
// answer back. KMS, multi-keyring and discovery logic live only in the core; the JavaScript
// keyring classes hold configuration and perform the I/O (KmsKeyring[KMS_REQUEST]).
//
// An application's own keyring is any object with
//   async onEncrypt(materials)                         materials: an EncryptionMaterials handle
//   async onDecrypt({ suiteId, encryptionContext }, encryptedDataKeys) -> Uint8Array | null
// The core's keyrings (RawAesKeyring, RawRsaKeyring, KmsKeyring, MultiKeyring) are recognised
// by their `__keyringHandle` method; those that need no calls run inside the core in one go.

// `core as wasm`: the WebAssembly core, every call guarded against a trap.
import { codedError, core as wasm } from './runtime.js';

/** A MultiKeyring's members (generator first, then the children), as the core numbers them. */
export const MEMBERS = Symbol('envseal.members');
/** A KmsKeyring's transport: `(operation, body, keyId) => Promise<answer JSON text>`. */
export const KMS_REQUEST = Symbol('envseal.kmsRequest');

/** The header is fed to the core in pieces of this size (a large chunk is not copied into
 * WebAssembly just to read the header at its start). */
const HEADER_PIECE = 16 * 1024;

/**
 * Feeds `dec` (state 'header') the header at the start of `bytes`: `{ used, complete }`, how many
 * bytes it took (all of them, or those up to the end of the header) and whether the header is
 * complete (the state is then 'need-data-key').
 */
export function readHeader(dec, bytes) {
  let used = 0;
  for (;;) {
    const piece = bytes.subarray(used, used + HEADER_PIECE);
    const taken = dec.readHeader(piece);
    used += taken;
    // The core takes every byte the header needs: fewer than offered means it is complete.
    if (taken < piece.length) return { used, complete: true };
    // Every byte offered was header: it may end exactly here.
    if (dec.state !== 'header') return { used, complete: true };
    if (used === bytes.length) return { used, complete: false };
  }
}

// ---- telling keyrings apart -----------------------------------------------------------------

/** Whether `keyring` is one of the core's keyrings (it can hand the core a keyring handle). */
export function isCoreKeyring(keyring) {
  return keyring !== null && typeof keyring === 'object' && typeof keyring.__keyringHandle === 'function';
}

/** Whether `keyring` is an application's own keyring: `onEncrypt` and `onDecrypt`, no handle. */
export function isJsKeyring(keyring) {
  return (
    keyring !== null &&
    typeof keyring === 'object' &&
    !isCoreKeyring(keyring) &&
    typeof keyring.onEncrypt === 'function' &&
    typeof keyring.onDecrypt === 'function'
  );
}

/** What the core said of each keyring object: whether it runs inside the core in one go. A
 * keyring's members never change, so the answer holds for the object's life. */
const inCore = new WeakMap();

/** Whether `keyring` runs inside the core in one go (no step asks JavaScript for a call). */
export function runsInCore(keyring) {
  if (!isCoreKeyring(keyring)) return false;
  let answer = inCore.get(keyring);
  if (answer === undefined) {
    answer = !wasm.keyringNeedsCaller(keyring);
    inCore.set(keyring, answer);
  }
  return answer;
}

/** Throws a TypeError (INVALID_ARGUMENT) unless `keyring` is a keyring of either kind. */
export function checkKeyring(keyring, label) {
  if (isCoreKeyring(keyring) || isJsKeyring(keyring)) return;
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

/** `keyring` as the core sees it: itself, or an application's keyring in a ForeignKeyring (to
 * free once the core holds it). */
export function coreKeyringOf(keyring) {
  return isCoreKeyring(keyring) ? keyring : new wasm.ForeignKeyring(keyringName(keyring));
}

// ---- running a keyring ------------------------------------------------------------------------

/**
 * Runs `keyring` through the core's steps: `step(run, answer)` is one step of the KeyringRun
 * (`run.wrap(...)`, `run.unwrapMessage(...)`, `run.unwrap(...)`); each call a step asks for is
 * made here. `context()` gives what an application's keyring is called with:
 * `{ materials }` when wrapping, `{ decryption, edks }` when unwrapping. Resolves with the last
 * step's `{ done, ... }`.
 */
async function run(keyring, step, context) {
  const core = coreKeyringOf(keyring);
  let keyringRun;
  try {
    keyringRun = new wasm.KeyringRun(core);
  } finally {
    if (core !== keyring) core.free();
  }
  try {
    let answer;
    for (;;) {
      const out = step(keyringRun, answer);
      answer?.key?.fill(0); // an application keyring's data key, copied into the core
      if (!out.call) return out;
      answer = await perform(memberAt(keyring, out.path), out, context);
    }
  } finally {
    keyringRun.free();
  }
}

/** The keyring at `path` (member indexes, outermost first) from `root`. */
function memberAt(root, path) {
  let keyring = root;
  for (const index of path) keyring = keyring[MEMBERS][index];
  return keyring;
}

/** Makes one call a step asked for: `{ text }`, `{}`, `{ key }`, or `{ error }` if it failed. */
async function perform(target, call, context) {
  try {
    switch (call.kind) {
      case 'kms':
        return { text: await target[KMS_REQUEST](call.operation, call.body, call.keyId) };
      case 'wrap':
        await target.onEncrypt(context().materials);
        return {};
      default: {
        const { decryption, edks } = context();
        return { key: checkedKey(target, await target.onDecrypt(decryption, edks)) };
      }
    }
  } catch (error) {
    return { error };
  }
}

/** What an application keyring's onDecrypt resolved to, if it is a data key or null. */
function checkedKey(keyring, key) {
  if (key === null || key === undefined) return null;
  if (key instanceof Uint8Array) return key;
  throw codedError(
    'KEYRING_ERROR',
    `keyring error: ${keyringName(keyring)}.onDecrypt must resolve to a Uint8Array data key or null, got ${describe(key)}`,
  );
}

/**
 * `Base` with the keyring interface every envseal keyring class offers (so that an application's
 * own keyring can compose it): `onEncrypt(materials)` and `onDecrypt({ suiteId, encryptionContext },
 * encryptedDataKeys)`, both run by the core's steps.
 */
export function withKeyringInterface(Base = Object) {
  return class extends Base {
    /** Generates the data key (unless one is set) and wraps it, adding this keyring's EDK(s). */
    async onEncrypt(materials) {
      await wrapKey(this, materials);
    }

    /** The data key (a copy) from this keyring's EDKs, or null if the message has none of them. */
    async onDecrypt(materials, encryptedDataKeys) {
      return unwrapKey(this, materials, encryptedDataKeys);
    }
  };
}

/** Lets `keyring` generate (if none is set) and wrap the data key of `materials`. */
export async function wrapKey(keyring, materials) {
  if (runsInCore(keyring)) {
    materials.wrapWith(keyring);
    return;
  }
  await run(keyring, (r, answer) => r.wrap(materials, answer), () => ({ materials }));
}

/** The data key `keyring` unwraps from `edks` for `{ suiteId, encryptionContext }` (a copy: wipe
 * it once used), or null if none of them is the keyring's. */
export async function unwrapKey(keyring, decryption, edks) {
  const out = await run(keyring, (r, answer) => r.unwrap(decryption, edks, answer), () => ({ decryption, edks }));
  return out.key;
}

/** With `dec` waiting for its data key (state 'need-data-key'), lets `keyring` find it; the core
 * then verifies the header (or reports NO_MATCHING_KEY / ENCRYPTION_CONTEXT_MISMATCH). */
export async function unwrapMessage(dec, keyring) {
  if (runsInCore(keyring)) {
    dec.unwrapWith(keyring);
    return;
  }
  const context = () => {
    const header = dec.header;
    return { decryption: { suiteId: header.suiteId, encryptionContext: dec.keyringContext }, edks: header.encryptedDataKeys };
  };
  await run(keyring, (r, answer) => r.unwrapMessage(dec, answer), context);
}

// ---- the operations ---------------------------------------------------------------------------

/**
 * Starts the materials of one message (synchronously, so bad options throw at once).
 * `api`: 'encrypt', 'encryptStream' or 'generateDataKey' (names the caller in errors).
 */
export function newMaterials(options, api) {
  return new wasm.EncryptionMaterials(options, api);
}

/** Runs `keyring` on `materials` and builds the MessageEncryptor (materials freed). */
export async function encryptorFromKeyring(keyring, materials) {
  try {
    await wrapKey(keyring, materials);
    return wasm.encryptorFromMaterials(materials);
  } finally {
    materials.free();
  }
}

/** `encrypt` with a keyring that makes calls: `{ ciphertext, header }`. */
export async function encryptWithKeyring(keyring, plaintext, options) {
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

/** `generateDataKey` with a keyring that makes calls: `{ plaintextKey, encryptedDataKeys, encryptionContext }`. */
export async function generateDataKeyWithKeyring(keyring, options) {
  const materials = newMaterials(options, 'generateDataKey');
  try {
    await wrapKey(keyring, materials);
    return wasm.generateDataKeyResult(materials);
  } finally {
    materials.free();
  }
}

/** `decrypt` with a keyring that makes calls: `{ plaintext, header }`. */
export async function decryptWithKeyring(keyring, ciphertext, options) {
  const input = bytesOf(ciphertext, 'decrypt: ciphertext');
  const dec = new wasm.MessageDecryptor(options, 'decrypt');
  try {
    const { used: offset, complete } = readHeader(dec, input);
    if (!complete) dec.finish(); // TRUNCATED: the input ended inside the header
    await unwrapMessage(dec, keyring);
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

/** `value` if it is a whole number of bytes from 0 to 2^53 - 1 (a length or an offset), else a
 * TypeError (not a number) or RangeError naming `label`. */
export function wholeBytes(value, label) {
  if (typeof value !== 'number') throw typeError(`${label} must be a whole number of bytes, got ${describe(value)}`);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw codedError('INVALID_ARGUMENT', `${label} must be a whole number of bytes from 0 to 2^53 - 1, got ${value}`, RangeError);
  }
  return value;
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
export function concat(parts) {
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
