// Shared helpers of the node:test suites. The suites import the *installed* package ('envseal'),
// exactly as an application would.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { RawAesKeyring } from 'envseal';

/** Deterministic test bytes. */
export function bytes(length, seed = 1) {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A raw AES keyring in namespace `js-tests`; `fill` picks the key bytes. */
export function aesKeyring(keyName = 'key', fill = 1, length = 32) {
  return new RawAesKeyring({ keyNamespace: 'js-tests', keyName, wrappingKey: new Uint8Array(length).fill(fill) });
}

/**
 * Asserts that `promiseOrFn` rejects/throws an Error with `code` (and, if given, of class `type`).
 * Returns the error.
 */
export async function rejectsWithCode(promiseOrFn, code, type = Error) {
  let error;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected an error with code ${code}, but nothing was thrown`);
  assert.ok(error instanceof type, `expected a ${type.name}, got ${error?.constructor?.name}: ${error?.message}`);
  assert.equal(error.code, code, `expected code ${code}, got ${error.code}: ${error.message}`);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  return error;
}

/** The shared ESDK test vectors: $ENVSEAL_VECTORS_DIR, or shared/esdk-vectors beside the repository. */
export function vectorsDir() {
  const dir = process.env.ENVSEAL_VECTORS_DIR ?? fileURLToPath(new URL('../../../shared/esdk-vectors', import.meta.url));
  if (!existsSync(dir)) {
    throw new Error(
      `ESDK test vectors not found at ${dir}: set ENVSEAL_VECTORS_DIR to the esdk-vectors directory ` +
        '(it holds net-4.0.1-raw/ and net-4.0.0-known-bad/)',
    );
  }
  return dir;
}
