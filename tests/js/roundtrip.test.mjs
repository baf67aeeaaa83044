// Round trips through the installed package: sizes around the frame length, both suites,
// encryption contexts, every accepted input type, and the header returned.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { AlgorithmSuite, decrypt, encrypt, init } from 'envseal';

import { aesKeyring, bytes } from './helpers.mjs';

await init();

const SUITES = [
  AlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  AlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
];
const hex = (n) => `0x${n.toString(16).padStart(4, '0')}`;

describe('round trips', () => {
  const keyring = aesKeyring('round-trip');
  for (const suite of SUITES) {
    for (const frameLength of [1024, 65536]) {
      const F = frameLength;
      for (const size of [0, 1, F - 1, F, F + 1, 2 * F + 17]) {
        test(`suite ${hex(suite)}, frame ${F}, ${size} bytes`, async () => {
          const plaintext = bytes(size, size + 1);
          const { ciphertext, header } = await encrypt(keyring, plaintext, { suite, frameLength });
          assert.equal(header.suiteId, suite);
          assert.equal(header.frameLength, F);
          const out = await decrypt(keyring, ciphertext);
          assert.deepEqual(out.plaintext, plaintext);
          assert.deepEqual(out.header, header);
        });
      }
    }
    test(`suite ${hex(suite)}, 1 MiB with the default frame length`, async () => {
      const plaintext = bytes(1 << 20, 7);
      const { ciphertext, header } = await encrypt(keyring, plaintext, { suite });
      assert.equal(header.frameLength, 65536);
      assert.ok(ciphertext.length > plaintext.length);
      assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, plaintext);
    });
  }
});

describe('encryption context', () => {
  const keyring = aesKeyring('context');
  test('unicode keys and values round trip and are required back', async () => {
    const encryptionContext = { 'ключ': 'значение', '名前': '値 🔐', emoji: '👩‍💻', empty: '', 'a b': 'c=d' };
    const { ciphertext, header } = await encrypt(keyring, bytes(10), { encryptionContext });
    assert.deepEqual(header.encryptionContext, encryptionContext);
    const out = await decrypt(keyring, ciphertext, { encryptionContext });
    assert.deepEqual(out.header.encryptionContext, encryptionContext);
    // a subset is enough
    await decrypt(keyring, ciphertext, { encryptionContext: { '名前': '値 🔐' } });
  });

  test('keys such as __proto__ stay ordinary keys', async () => {
    const encryptionContext = JSON.parse('{"__proto__": "p", "constructor": "c", "toString": "t"}');
    const { ciphertext } = await encrypt(keyring, bytes(3), { encryptionContext });
    const { header } = await decrypt(keyring, ciphertext, { encryptionContext });
    assert.deepEqual(Object.keys(header.encryptionContext).sort(), ['__proto__', 'constructor', 'toString']);
    assert.equal(Object.getPrototypeOf(header.encryptionContext), Object.prototype);
  });

  test('the signing suite adds its public key to the stored context', async () => {
    const { header } = await encrypt(keyring, bytes(3), { suite: 0x0578, encryptionContext: { a: 'b' } });
    assert.equal(header.encryptionContext.a, 'b');
    assert.match(header.encryptionContext['aws-crypto-public-key'], /^[A-Za-z0-9+/]+=*$/);
  });
});

describe('inputs and outputs', () => {
  const keyring = aesKeyring('inputs');
  const data = bytes(300, 3);

  test('ArrayBuffer, SharedArrayBuffer, offset views, other typed arrays, DataView and Buffer are read as their bytes', async () => {
    const padded = new Uint8Array(400);
    padded.set(data, 50);
    const shared = new SharedArrayBuffer(300);
    new Uint8Array(shared).set(data);
    const inputs = [
      data.slice().buffer,
      padded.subarray(50, 350),
      new DataView(padded.buffer, 50, 300),
      new Uint16Array(data.slice().buffer),
      Buffer.from(data),
      shared,
    ];
    for (const input of inputs) {
      const { ciphertext } = await encrypt(keyring, input);
      assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, data, input.constructor.name);
      // ciphertext given as another view type works too
      assert.deepEqual((await decrypt(keyring, new DataView(ciphertext.buffer))).plaintext, data);
    }
  });

  test('outputs are fresh Uint8Arrays that own their buffer', async () => {
    const { ciphertext } = await encrypt(keyring, data);
    const { plaintext } = await decrypt(keyring, ciphertext);
    for (const out of [ciphertext, plaintext]) {
      assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
      assert.equal(out.byteOffset, 0);
      assert.equal(out.buffer.byteLength, out.length);
    }
  });

  test('the input is copied when the call starts', async () => {
    const input = data.slice();
    const pending = encrypt(keyring, input);
    input.fill(0);
    const { ciphertext } = await pending;
    assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, data);
  });

  test('each message has a fresh message id and data key', async () => {
    const a = await encrypt(keyring, data);
    const b = await encrypt(keyring, data);
    assert.notDeepEqual(a.header.messageId, b.header.messageId);
    assert.notDeepEqual(a.ciphertext, b.ciphertext);
  });
});

describe('header', () => {
  test('has every documented field, the same from encrypt and decrypt', async () => {
    const keyring = aesKeyring('header-key', 2, 24);
    const { ciphertext, header } = await encrypt(keyring, bytes(5000), {
      encryptionContext: { tenant: 't1' },
      frameLength: 4096,
    });
    assert.deepEqual(Object.keys(header).sort(), [
      'contentType',
      'encryptedDataKeys',
      'encryptionContext',
      'frameLength',
      'headerLength',
      'messageId',
      'suiteId',
      'version',
    ]);
    assert.equal(header.version, 2);
    assert.equal(header.suiteId, 0x0478);
    assert.ok(header.messageId instanceof Uint8Array);
    assert.equal(header.messageId.length, 32);
    assert.deepEqual(header.encryptionContext, { tenant: 't1' });
    assert.equal(header.contentType, 'framed');
    assert.equal(header.frameLength, 4096);
    assert.equal(header.encryptedDataKeys.length, 1);
    const [edk] = header.encryptedDataKeys;
    assert.equal(edk.providerId, 'js-tests');
    const name = new TextEncoder().encode('header-key');
    assert.deepEqual(edk.providerInfo.subarray(0, name.length), name);
    // key name || u32 tag bits (128) || u32 IV length (12) || IV
    assert.deepEqual([...edk.providerInfo.subarray(name.length, name.length + 8)], [0, 0, 0, 128, 0, 0, 0, 12]);
    assert.equal(edk.providerInfo.length, name.length + 8 + 12);
    assert.equal(edk.ciphertext.length, 32 + 16);
    assert.deepEqual((await decrypt(keyring, ciphertext)).header, header);
    // the message starts with version 2 and the suite id
    assert.deepEqual([...ciphertext.subarray(0, 3)], [0x02, 0x04, 0x78]);
  });
});
