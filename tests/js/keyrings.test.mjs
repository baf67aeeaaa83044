// Keyrings: raw AES key sizes, multi-keyrings whose members each decrypt alone, handles, and
// generateDataKey (whose wrapped keys are checked independently with WebCrypto).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { MultiKeyring, RawAesKeyring, decrypt, encrypt, generateDataKey, init } from 'envseal';

import { aesKeyring, bytes, rejectsWithCode } from './helpers.mjs';

await init();

describe('RawAesKeyring', () => {
  test('16-, 24- and 32-byte wrapping keys', async () => {
    for (const length of [16, 24, 32]) {
      const keyring = aesKeyring(`k${length}`, 5, length);
      const { ciphertext } = await encrypt(keyring, bytes(100));
      assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, bytes(100));
      // the same key bytes in a second object decrypt too
      assert.deepEqual((await decrypt(aesKeyring(`k${length}`, 5, length), ciphertext)).plaintext, bytes(100));
    }
  });

  test('exposes its names, never its key, and leaves the caller buffer alone', () => {
    const wrappingKey = new Uint8Array(32).fill(9);
    const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'name', wrappingKey: wrappingKey.subarray(0) });
    assert.equal(keyring.keyNamespace, 'ns');
    assert.equal(keyring.keyName, 'name');
    assert.equal(String(keyring), 'raw AES keyring "ns"/"name"');
    assert.deepEqual(wrappingKey, new Uint8Array(32).fill(9));
    assert.ok(keyring instanceof RawAesKeyring);
  });

  test('free() releases it; keyrings built from it keep working', async () => {
    const a = aesKeyring('freed', 6);
    const multi = new MultiKeyring({ generator: a });
    a.free();
    const e = await rejectsWithCode(encrypt(a, bytes(1)), 'INVALID_ARGUMENT', TypeError);
    assert.match(e.message, /free/);
    const { ciphertext } = await encrypt(multi, bytes(10));
    assert.deepEqual((await decrypt(aesKeyring('freed', 6), ciphertext)).plaintext, bytes(10));
  });
});

describe('MultiKeyring', () => {
  const generator = aesKeyring('generator', 1);
  const children = [aesKeyring('child-1', 2, 16), aesKeyring('child-2', 3, 24)];
  const multi = new MultiKeyring({ generator, children });

  test('every member alone decrypts', async () => {
    const plaintext = bytes(5000, 11);
    const { ciphertext, header } = await encrypt(multi, plaintext, { encryptionContext: { k: 'v' } });
    assert.deepEqual(
      header.encryptedDataKeys.map((e) => new TextDecoder().decode(e.providerInfo.subarray(0, -20))),
      ['generator', 'child-1', 'child-2'],
    );
    for (const member of [generator, ...children, multi]) {
      assert.deepEqual((await decrypt(member, ciphertext)).plaintext, plaintext, String(member));
    }
    await rejectsWithCode(decrypt(aesKeyring('child-1', 99, 16), ciphertext), 'NO_MATCHING_KEY');
  });

  test('both suites', async () => {
    for (const suite of [0x0478, 0x0578]) {
      const { ciphertext } = await encrypt(multi, bytes(10), { suite });
      for (const member of children) {
        assert.deepEqual((await decrypt(member, ciphertext)).plaintext, bytes(10));
      }
    }
  });

  test('members stay usable on their own, and multi-keyrings nest', async () => {
    const { ciphertext } = await encrypt(children[1], bytes(7));
    assert.deepEqual((await decrypt(multi, ciphertext)).plaintext, bytes(7));
    const nested = new MultiKeyring({ generator: aesKeyring('outer', 4), children: [multi] });
    const { ciphertext: c2, header } = await encrypt(nested, bytes(8));
    assert.equal(header.encryptedDataKeys.length, 4);
    assert.deepEqual((await decrypt(children[0], c2)).plaintext, bytes(8));
  });

  test('without a generator it decrypts but cannot encrypt', async () => {
    const decryptOnly = new MultiKeyring({ children });
    const { ciphertext } = await encrypt(multi, bytes(3));
    assert.deepEqual((await decrypt(decryptOnly, ciphertext)).plaintext, bytes(3));
    await rejectsWithCode(encrypt(decryptOnly, bytes(3)), 'INVALID_ARGUMENT');
  });

  test('describes its members', () => {
    assert.equal(
      String(multi),
      'multi-keyring [raw AES keyring "js-tests"/"generator", raw AES keyring "js-tests"/"child-1", ' +
        'raw AES keyring "js-tests"/"child-2"]',
    );
  });
});

/** The ESDK encryption context serialization (the raw AES keyring's AAD). */
function serializeContext(context) {
  const enc = new TextEncoder();
  const pairs = Object.entries(context)
    .map(([k, v]) => [enc.encode(k), enc.encode(v)])
    .sort(([a], [b]) => Buffer.compare(a, b));
  if (pairs.length === 0) return new Uint8Array(0);
  const parts = [[pairs.length >> 8, pairs.length & 0xff]];
  for (const [k, v] of pairs) parts.push([k.length >> 8, k.length & 0xff], k, [v.length >> 8, v.length & 0xff], v);
  return new Uint8Array(parts.flatMap((p) => [...p]));
}

/** Unwraps a raw AES EDK with WebCrypto, independently of envseal. */
async function unwrapWithWebCrypto(edk, wrappingKey, context) {
  const iv = edk.providerInfo.subarray(edk.providerInfo.length - 12);
  const key = await crypto.subtle.importKey('raw', wrappingKey, 'AES-GCM', false, ['decrypt']);
  const params = { name: 'AES-GCM', iv, additionalData: serializeContext(context), tagLength: 128 };
  return new Uint8Array(await crypto.subtle.decrypt(params, key, edk.ciphertext));
}

describe('generateDataKey', () => {
  const keyA = new Uint8Array(32).fill(21);
  const keyB = new Uint8Array(16).fill(22);
  const a = new RawAesKeyring({ keyNamespace: 'gdk', keyName: 'a', wrappingKey: keyA });
  const b = new RawAesKeyring({ keyNamespace: 'gdk', keyName: 'b', wrappingKey: keyB });
  const multi = new MultiKeyring({ generator: a, children: [b] });

  test('a fresh 32-byte key, wrapped once per member, bound to the context', async () => {
    for (const encryptionContext of [undefined, { purpose: 'backup', 'é': 'ü' }]) {
      const result = await generateDataKey(multi, { encryptionContext });
      assert.deepEqual(Object.keys(result).sort(), ['encryptedDataKeys', 'encryptionContext', 'plaintextKey']);
      assert.equal(result.plaintextKey.length, 32);
      assert.deepEqual(result.encryptionContext, encryptionContext ?? {});
      assert.deepEqual(result.encryptedDataKeys.map((e) => e.providerId), ['gdk', 'gdk']);
      const [edkA, edkB] = result.encryptedDataKeys;
      assert.deepEqual(await unwrapWithWebCrypto(edkA, keyA, result.encryptionContext), result.plaintextKey);
      assert.deepEqual(await unwrapWithWebCrypto(edkB, keyB, result.encryptionContext), result.plaintextKey);
    }
    const again = await generateDataKey(multi);
    const first = await generateDataKey(multi);
    assert.notDeepEqual(again.plaintextKey, first.plaintextKey);
  });

  test('refuses signing suites: their per-message key could never be used', async () => {
    await rejectsWithCode(generateDataKey(a, { suite: 0x0578, encryptionContext: { x: 'y' } }), 'INVALID_ARGUMENT');
  });

  test('refuses non-committing suites and unknown options', async () => {
    await rejectsWithCode(generateDataKey(a, { suite: 0x0178 }), 'COMMITMENT_POLICY');
    await rejectsWithCode(generateDataKey(a, { frameLength: 4 }), 'INVALID_ARGUMENT', TypeError);
  });
});
