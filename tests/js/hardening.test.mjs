// Hardening round 2, package-level findings (each test failed before its fix):
// lone surrogates in encryption contexts and key names are refused, not turned into U+FFFD.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RawAesKeyring, decrypt, decryptStream, encrypt, encryptStream, generateDataKey, init } from 'envseal';

import { aesKeyring, bytes, rejectsWithCode } from './helpers.mjs';

await init();

const keyring = aesKeyring('hardening');

describe('lone surrogates are refused wherever a string enters', () => {
  // 'a\ud800' and 'a\udfff' are different JavaScript strings; both have no UTF-8 form and used to
  // become 'a\ufffd', so a message written under one decrypted under the other.
  const lone = ['a\ud800', 'a\udfff', '\udc00x', 'x\ud83d'];

  test('in context values and keys: encrypt, decrypt, streams, generateDataKey', async () => {
    for (const s of lone) {
      await rejectsWithCode(encrypt(keyring, bytes(10), { encryptionContext: { file: s } }), 'INVALID_ARGUMENT');
      await rejectsWithCode(encrypt(keyring, bytes(10), { encryptionContext: { [s]: 'v' } }), 'INVALID_ARGUMENT');
      await rejectsWithCode(generateDataKey(keyring, { encryptionContext: { file: s } }), 'INVALID_ARGUMENT');
      assert.throws(() => encryptStream(keyring, { encryptionContext: { file: s } }), (e) => e.code === 'INVALID_ARGUMENT');
    }
    const { ciphertext } = await encrypt(keyring, bytes(10), { encryptionContext: { file: 'a\ufffd' } });
    for (const s of lone.slice(0, 2)) {
      await rejectsWithCode(decrypt(keyring, ciphertext, { encryptionContext: { file: s } }), 'INVALID_ARGUMENT');
      assert.throws(() => decryptStream(keyring, { encryptionContext: { file: s } }), (e) => e.code === 'INVALID_ARGUMENT');
    }
  });

  test('the error says why', async () => {
    const e = await rejectsWithCode(encrypt(keyring, bytes(1), { encryptionContext: { file: 'a\ud800' } }), 'INVALID_ARGUMENT');
    assert.match(e.message, /lone surrogate/);
    assert.match(e.message, /encryptionContext/);
  });

  test('in key names and namespaces', () => {
    const wrappingKey = new Uint8Array(32);
    for (const s of lone) {
      assert.throws(() => new RawAesKeyring({ keyNamespace: s, keyName: 'k', wrappingKey }), (e) => e.code === 'INVALID_ARGUMENT');
      assert.throws(() => new RawAesKeyring({ keyNamespace: 'n', keyName: s, wrappingKey: new Uint8Array(32) }), (e) => e.code === 'INVALID_ARGUMENT');
    }
  });

  test('well-formed non-BMP strings (surrogate pairs) still work', async () => {
    const encryptionContext = { '\u{1F600}': '\u{10FFFF}', '\uFF21': 'x' };
    const { ciphertext, header } = await encrypt(keyring, bytes(10), { encryptionContext });
    assert.deepEqual(header.encryptionContext, encryptionContext);
    assert.deepEqual((await decrypt(keyring, ciphertext, { encryptionContext })).plaintext, bytes(10));
  });
});
