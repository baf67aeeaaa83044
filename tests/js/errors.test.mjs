// Failures: every decrypt error has its stable code, tampering and truncation never yield
// plaintext, and wrong argument types are TypeErrors with code INVALID_ARGUMENT.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { MultiKeyring, RawAesKeyring, decrypt, encrypt, generateDataKey, init } from 'envseal';

import { aesKeyring, bytes, rejectsWithCode } from './helpers.mjs';

await init();

const keyring = aesKeyring('errors', 3);
const plaintext = bytes(3000, 9);
const { ciphertext: message } = await encrypt(keyring, plaintext, {
  frameLength: 1024,
  encryptionContext: { tenant: 'acme', purpose: 'test' },
});
const { ciphertext: signed } = await encrypt(keyring, plaintext, { frameLength: 1024, suite: 0x0578 });

describe('decrypt errors', () => {
  test('wrong wrapping key bytes: NO_MATCHING_KEY', async () => {
    const e = await rejectsWithCode(decrypt(aesKeyring('errors', 4), message), 'NO_MATCHING_KEY');
    assert.match(e.message, /errors/);
  });

  test('a keyring the message does not name: NO_MATCHING_KEY naming the message key', async () => {
    const e = await rejectsWithCode(decrypt(aesKeyring('someone-else', 3), message), 'NO_MATCHING_KEY');
    assert.match(e.message, /js-tests/);
  });

  test('a flipped byte in the body: DECRYPT_FAILED', async () => {
    for (const at of [message.length - 1, message.length - 20, message.length - 1500]) {
      const m = message.slice();
      m[at] ^= 0x01;
      await rejectsWithCode(decrypt(keyring, m), 'DECRYPT_FAILED');
    }
  });

  test('a flipped signature: SIGNATURE_INVALID', async () => {
    const m = signed.slice();
    m[m.length - 10] ^= 0x01;
    await rejectsWithCode(decrypt(keyring, m), 'SIGNATURE_INVALID');
  });

  test('any flipped byte fails with a code, never plaintext', async () => {
    const allowed = new Set([
      'DECRYPT_FAILED',
      'NO_MATCHING_KEY',
      'MALFORMED_HEADER',
      'MALFORMED_BODY',
      'UNSUPPORTED_VERSION',
      'UNSUPPORTED_SUITE',
      'COMMITMENT_POLICY',
      'COMMITMENT_MISMATCH',
      'TRUNCATED',
      'TRAILING_DATA',
      'LIMIT_EXCEEDED',
    ]);
    for (let at = 0; at < message.length; at += 7) {
      const m = message.slice();
      m[at] ^= 0x40;
      const e = await decrypt(keyring, m).then(
        () => assert.fail(`flipping byte ${at} went unnoticed`),
        (err) => err,
      );
      assert.ok(allowed.has(e.code), `byte ${at}: unexpected ${e.code}: ${e.message}`);
    }
  });

  test('truncated anywhere: TRUNCATED', async () => {
    for (const msg of [message, signed]) {
      for (const cut of [0, 1, 10, 100, 300, msg.length - 1500, msg.length - 100, msg.length - 1]) {
        await rejectsWithCode(decrypt(keyring, msg.subarray(0, cut)), 'TRUNCATED');
      }
    }
  });

  test('bytes after the message: TRAILING_DATA', async () => {
    for (const msg of [message, signed]) {
      for (const extra of [[0], [1, 2, 3], [...msg.subarray(0, 50)]]) {
        const m = new Uint8Array([...msg, ...extra]);
        const e = await rejectsWithCode(decrypt(keyring, m), 'TRAILING_DATA');
        assert.match(e.message, new RegExp(`${extra.length} unexpected byte`));
      }
    }
  });

  test('a context value that differs from the message: ENCRYPTION_CONTEXT_MISMATCH', async () => {
    const e = await rejectsWithCode(
      decrypt(keyring, message, { encryptionContext: { tenant: 'evil' } }),
      'ENCRYPTION_CONTEXT_MISMATCH',
    );
    assert.match(e.message, /tenant/);
    await decrypt(keyring, message, { encryptionContext: { tenant: 'acme' } });
    // a key the message does not store is a required pair, and it was not authenticated
    await rejectsWithCode(
      decrypt(keyring, message, { encryptionContext: { tenant: 'acme', region: 'eu' } }),
      'ENCRYPTION_CONTEXT_MISMATCH',
    );
  });

  test('more EDKs than maxEncryptedDataKeys: TOO_MANY_EDKS', async () => {
    const multi = new MultiKeyring({ generator: keyring, children: [aesKeyring('b'), aesKeyring('c')] });
    const { ciphertext } = await encrypt(multi, plaintext);
    const e = await rejectsWithCode(decrypt(keyring, ciphertext, { maxEncryptedDataKeys: 2 }), 'TOO_MANY_EDKS');
    assert.match(e.message, /3/);
    await decrypt(keyring, ciphertext, { maxEncryptedDataKeys: 3 });
  });

  test('frames larger than maxFrameLength: LIMIT_EXCEEDED before buffering', async () => {
    await rejectsWithCode(decrypt(keyring, message, { maxFrameLength: 1023 }), 'LIMIT_EXCEEDED');
    await decrypt(keyring, message, { maxFrameLength: 1024 });
  });

  test('not a message: UNSUPPORTED_VERSION or MALFORMED_HEADER', async () => {
    await rejectsWithCode(decrypt(keyring, new TextEncoder().encode('hello, world')), 'UNSUPPORTED_VERSION');
    const badSuite = message.slice();
    badSuite[1] = 0x99;
    await rejectsWithCode(decrypt(keyring, badSuite), 'UNSUPPORTED_SUITE');
  });

  test('the module stays usable after many failures', async () => {
    for (let i = 0; i < 200; i++) {
      await decrypt(keyring, bytes(100 + i, i + 1)).catch(() => {});
    }
    assert.deepEqual((await decrypt(keyring, message)).plaintext, plaintext);
  });
});

describe('argument errors', () => {
  const some = new Uint8Array([1]);
  const typeError = (p) => rejectsWithCode(p, 'INVALID_ARGUMENT', TypeError);
  const rangeError = (p) => rejectsWithCode(p, 'INVALID_ARGUMENT', RangeError);

  test('plaintext and ciphertext must be bytes', async () => {
    for (const bad of ['text', 42, null, undefined, [1, 2], { length: 1 }, true]) {
      await typeError(encrypt(keyring, bad));
      await typeError(decrypt(keyring, bad));
    }
    const e = await typeError(encrypt(keyring, 'text'));
    assert.match(e.message, /TextEncoder/);
  });

  test('keyring must be an envseal keyring', async () => {
    for (const bad of [undefined, null, {}, 'keyring', { __keyringHandle: 1 }, new Uint8Array(32)]) {
      await typeError(encrypt(bad, some));
      await typeError(decrypt(bad, some));
      await typeError(generateDataKey(bad));
    }
  });

  test('options must be an object with known keys of the right types', async () => {
    await typeError(encrypt(keyring, some, 'options'));
    await typeError(encrypt(keyring, some, [1]));
    const e = await typeError(encrypt(keyring, some, { encryptionContex: { a: 'b' } }));
    assert.match(e.message, /encryptionContex/);
    await typeError(decrypt(keyring, message, { encryptioncontext: {} }));
    await typeError(encrypt(keyring, some, { suite: '0x0478' }));
    await typeError(encrypt(keyring, some, { frameLength: '1024' }));
    await typeError(encrypt(keyring, some, { encryptionContext: 'a=b' }));
    await typeError(encrypt(keyring, some, { encryptionContext: [['a', 'b']] }));
    await typeError(encrypt(keyring, some, { encryptionContext: new Map([['a', 'b']]) }));
    await typeError(encrypt(keyring, some, { encryptionContext: { n: 1 } }));
    await typeError(decrypt(keyring, message, { commitmentPolicy: 1 }));
    await typeError(decrypt(keyring, message, { maxEncryptedDataKeys: '2' }));
    await typeError(generateDataKey(keyring, { frameLength: 5 }));
  });

  test('numbers out of range are RangeErrors', async () => {
    for (const frameLength of [0, -1, 1.5, 2 ** 31, NaN, Infinity]) {
      await rangeError(encrypt(keyring, some, { frameLength }));
    }
    await rangeError(encrypt(keyring, some, { suite: -1 }));
    await rangeError(encrypt(keyring, some, { suite: 0x10000 }));
    await rangeError(decrypt(keyring, message, { maxEncryptedDataKeys: 0 }));
    await rangeError(decrypt(keyring, message, { maxEncryptedDataKeys: 65536 }));
    await rangeError(decrypt(keyring, message, { maxFrameLength: 0 }));
  });

  test('values the core refuses keep its codes', async () => {
    await rejectsWithCode(encrypt(keyring, some, { suite: 0x0479 }), 'UNSUPPORTED_SUITE');
    await rejectsWithCode(encrypt(keyring, some, { suite: 0x0178 }), 'COMMITMENT_POLICY');
    await rejectsWithCode(encrypt(keyring, some, { encryptionContext: { 'aws-crypto-x': '1' } }), 'INVALID_ARGUMENT');
    await rejectsWithCode(decrypt(keyring, message, { commitmentPolicy: 'ALLOW_ALL' }), 'INVALID_ARGUMENT');
  });

  test('undefined and null options mean defaults', async () => {
    for (const options of [undefined, null, {}, { suite: undefined, frameLength: null }]) {
      await encrypt(keyring, some, options);
    }
    for (const options of [undefined, null, {}, { encryptionContext: undefined, maxFrameLength: null }]) {
      await decrypt(keyring, message, options);
    }
  });

  test('keyring constructors check their options', async () => {
    const wrappingKey = new Uint8Array(32);
    await rejectsWithCode(() => new RawAesKeyring(), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(() => new RawAesKeyring({ keyName: 'k', wrappingKey }), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(() => new RawAesKeyring({ keyNamespace: 1, keyName: 'k', wrappingKey }), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(
      () => new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: 'secret' }),
      'INVALID_ARGUMENT',
      TypeError,
    );
    await rejectsWithCode(
      () => new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey, extra: 1 }),
      'INVALID_ARGUMENT',
      TypeError,
    );
    for (const length of [0, 15, 20, 31, 33, 64]) {
      const e = await rejectsWithCode(
        () => new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: new Uint8Array(length) }),
        'INVALID_ARGUMENT',
      );
      assert.match(e.message, new RegExp(`got ${length}`));
    }
    await rejectsWithCode(
      () => new RawAesKeyring({ keyNamespace: 'aws-kms', keyName: 'k', wrappingKey }),
      'INVALID_ARGUMENT',
    );
    await rejectsWithCode(() => new MultiKeyring(), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(() => new MultiKeyring({}), 'INVALID_ARGUMENT');
    await rejectsWithCode(() => new MultiKeyring({ children: keyring }), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(() => new MultiKeyring({ children: [keyring, {}] }), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(() => new MultiKeyring({ generator: 'k' }), 'INVALID_ARGUMENT', TypeError);
  });
});
