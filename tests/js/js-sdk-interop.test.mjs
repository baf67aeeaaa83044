// Interop with the official AWS Encryption SDK for JavaScript in Node (@aws-crypto/client-node
// 5.0.2), both directions, one-shot and streaming on both sides: raw AES (256 and 128) and raw RSA
// (OAEP-SHA256, OAEP-SHA1) keyrings, suites 0x0478 and 0x0578, frame lengths 128 and 4096, sizes
// 0, 1, F-1, F, F+1, 2F, 3F+7, contexts empty, ASCII and non-BMP.
//
// That SDK's raw AES keyring, by default, orders the encryption context with
// String.prototype.localeCompare when it builds the wrapping AAD (aws-encryption-sdk-javascript
// issue 428; its `utf8Sorting: true` option fixes it), not by UTF-8 bytes as the spec and the other
// SDKs do: even ASCII keys differ ('a' < 'B' for localeCompare, 'B' < 'a' in bytes). envseal reads
// such messages (its npm raw AES keyring retries in localeCompare order) but writes the spec's
// order, so for a context whose two orders differ the default JS SDK keyring cannot unwrap what
// envseal writes: a test below pins that down (and that `utf8Sorting: true` reads it).

import assert from 'node:assert/strict';
import { constants, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';

import * as official from '@aws-crypto/client-node';
import { RawAesKeyring, RawRsaKeyring, decrypt, decryptStream, encrypt, encryptStream, init } from 'envseal';

import { bytes } from './helpers.mjs';
import { through } from './stream-helpers.mjs';

await init();

const sdk = official.buildClient(official.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const NAMESPACE = 'envseal-interop';
const RSA_PEM = readFileSync(new URL('../../cli/tests/data/rsa-2048-private.pem', import.meta.url), 'utf8');
const RSA_PUBLIC_PEM = createPublicKey(RSA_PEM).export({ type: 'spki', format: 'pem' });
const SUITE_IDS = {
  0x0478: official.AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
  0x0578: official.AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
};
const CONTEXTS = {
  empty: {},
  ascii: { purpose: 'interop', tenant: 'acme' },
  // Non-BMP, in keys and values; keys whose localeCompare order is their UTF-8 order, also next to
  // the signing suite's aws-crypto-public-key (so none starts with 'a').
  nonBmp: { 'b\u{1F600}': 'smile', c: 'v\u00e9', 'd\u{1F512}': '\u{10FFFF}' },
};
// localeCompare: U+1F600 < 'a' < 'B'; UTF-8 bytes: 'B' (42) < 'a' (61) < U+1F600 (F0 9F 98 80).
const ORDERS_DIFFER = { B: 'upper', a: 'lower', '\u{1F600}': 'smile' };

/** The same wrapping key for both SDKs. */
const KEYS = {
  'aes-256': {
    envseal: () => new RawAesKeyring({ keyNamespace: NAMESPACE, keyName: 'aes-256', wrappingKey: aesBytes(32) }),
    official: () =>
      new official.RawAesKeyringNode({
        keyNamespace: NAMESPACE,
        keyName: 'aes-256',
        unencryptedMasterKey: aesBytes(32),
        wrappingSuite: official.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      }),
  },
  'aes-128': {
    envseal: () => new RawAesKeyring({ keyNamespace: NAMESPACE, keyName: 'aes-128', wrappingKey: aesBytes(16) }),
    official: () =>
      new official.RawAesKeyringNode({
        keyNamespace: NAMESPACE,
        keyName: 'aes-128',
        unencryptedMasterKey: aesBytes(16),
        wrappingSuite: official.RawAesWrappingSuiteIdentifier.AES128_GCM_IV12_TAG16_NO_PADDING,
      }),
  },
  ...Object.fromEntries(
    [
      ['sha256', 'oaep-sha256'],
      ['sha1', 'oaep-sha1'],
    ].map(([hash, padding]) => [
      `rsa-${padding}`,
      {
        envseal: () => new RawRsaKeyring({ keyNamespace: NAMESPACE, keyName: `rsa-${padding}`, privateKey: RSA_PEM, padding }),
        official: () =>
          new official.RawRsaKeyringNode({
            keyNamespace: NAMESPACE,
            keyName: `rsa-${padding}`,
            rsaKey: { privateKey: RSA_PEM, publicKey: RSA_PUBLIC_PEM },
            padding: constants.RSA_PKCS1_OAEP_PADDING,
            oaepHash: hash,
          }),
      },
    ]),
  ),
};

function aesBytes(n) {
  return Uint8Array.from({ length: n }, (_, i) => i);
}

/** Every case: [name, key, suite, frame length, context, size]. */
function cases() {
  const out = [];
  for (const suite of [0x0478, 0x0578]) {
    for (const frame of [128, 4096]) {
      for (const [contextName, context] of Object.entries(CONTEXTS)) {
        for (const size of [0, 1, frame - 1, frame, frame + 1, 2 * frame, 3 * frame + 7]) {
          out.push([`aes-256 ${hex(suite)} F${frame} ${contextName} n${size}`, 'aes-256', suite, frame, context, size]);
        }
      }
    }
    for (const key of ['aes-128', 'rsa-oaep-sha256', 'rsa-oaep-sha1']) {
      for (const size of [0, 4095, 4096, 8192]) out.push([`${key} ${hex(suite)} F4096 ascii n${size}`, key, suite, 4096, CONTEXTS.ascii, size]);
    }
  }
  return out;
}

function hex(n) {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** The official SDK's encrypt (one-shot or its Node stream). */
async function officialEncrypt(keyring, plaintext, { suite, frame, context, streaming }) {
  const options = { suiteId: SUITE_IDS[suite], frameLength: frame, encryptionContext: context };
  if (!streaming) return (await sdk.encrypt(keyring, plaintext, options)).result;
  return collect(Readable.from([Buffer.from(plaintext)]).pipe(sdk.encryptStream(keyring, options)));
}

/** The official SDK's decrypt: `{ plaintext, header }`. */
async function officialDecrypt(keyring, ciphertext, streaming) {
  if (!streaming) {
    const { plaintext, messageHeader } = await sdk.decrypt(keyring, ciphertext);
    return { plaintext: new Uint8Array(plaintext), header: messageHeader };
  }
  let header;
  const stream = sdk.decryptStream(keyring).once('MessageHeader', (h) => {
    header = h;
  });
  const plaintext = await collect(Readable.from([Buffer.from(ciphertext)]).pipe(stream));
  return { plaintext, header };
}

function collect(readable) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    readable.on('data', (c) => chunks.push(c));
    readable.on('error', reject);
    readable.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
  });
}

/** The context a header carries, without the signing suite's aws-crypto-public-key (required there). */
function storedContext(context, suite) {
  const { 'aws-crypto-public-key': publicKey, ...rest } = context;
  assert.equal(publicKey !== undefined, suite === 0x0578, 'aws-crypto-public-key exactly for the signing suite');
  return rest;
}

describe('@aws-crypto/client-node writes, envseal reads', () => {
  const all = cases();
  test(`${all.length} messages (JS SDK one-shot and stream alternately; envseal decrypt and decryptStream)`, async () => {
    let i = 0;
    for (const [name, key, suite, frame, context, size] of all) {
      const plaintext = bytes(size, size + 1);
      const ciphertext = await officialEncrypt(KEYS[key].official(), plaintext, { suite, frame, context, streaming: i % 2 === 1 }).catch((e) => {
        throw new Error(`${name}: JS SDK encrypt: ${e.message}`);
      });
      const { plaintext: back, header } = await decrypt(KEYS[key].envseal(), ciphertext).catch((e) => {
        throw new Error(`${name}: ${e.code} ${e.message}`);
      });
      assert.deepEqual(back, plaintext, `${name}: decrypt`);
      assert.equal(header.suiteId, suite, name);
      assert.equal(header.frameLength, frame, name);
      assert.deepEqual(storedContext(header.encryptionContext, suite), context, name);
      assert.deepEqual(await through(ciphertext, 1000 + i, decryptStream(KEYS[key].envseal())), plaintext, `${name}: decryptStream`);
      i += 1;
    }
  });

  test('a context whose localeCompare and UTF-8 orders differ (the JS SDK wraps in localeCompare order): envseal reads it', async () => {
    for (const suite of [0x0478, 0x0578]) {
      for (const streaming of [false, true]) {
        const plaintext = bytes(5000, 7);
        const ciphertext = await officialEncrypt(KEYS['aes-256'].official(), plaintext, { suite, frame: 4096, context: ORDERS_DIFFER, streaming });
        assert.deepEqual((await decrypt(KEYS['aes-256'].envseal(), ciphertext)).plaintext, plaintext, `${hex(suite)} ${streaming}`);
        assert.deepEqual(await through(ciphertext, 777, decryptStream(KEYS['aes-256'].envseal())), plaintext);
      }
    }
  });
});

describe('envseal writes, @aws-crypto/client-node reads', () => {
  const all = cases();
  test(`${all.length} messages (envseal encrypt and encryptStream alternately; JS SDK decrypt and decryptStream)`, async () => {
    let i = 0;
    for (const [name, key, suite, frame, context, size] of all) {
      const plaintext = bytes(size, size + 2);
      const options = { suite, frameLength: frame, encryptionContext: context };
      const ciphertext =
        i % 2 === 0
          ? (await encrypt(KEYS[key].envseal(), plaintext, options)).ciphertext
          : await through(plaintext, 999, encryptStream(KEYS[key].envseal(), options));
      for (const streaming of [false, true]) {
        const { plaintext: back, header } = await officialDecrypt(KEYS[key].official(), ciphertext, streaming).catch((e) => {
          throw new Error(`${name}: JS SDK ${streaming ? 'decryptStream' : 'decrypt'}: ${e.message}`);
        });
        assert.deepEqual(back, plaintext, `${name}: JS SDK ${streaming ? 'decryptStream' : 'decrypt'}`);
        assert.equal(header.suiteId, suite, name);
        assert.equal(header.frameLength, frame, name);
        assert.deepEqual(storedContext(header.encryptionContext, suite), context, name);
      }
      i += 1;
    }
  });

  test('known JS SDK bug (its issue 428): it cannot unwrap envseal\'s raw AES EDK under a context whose orders differ', async () => {
    const { ciphertext } = await encrypt(KEYS['aes-256'].envseal(), bytes(100), { encryptionContext: ORDERS_DIFFER });
    await assert.rejects(officialDecrypt(KEYS['aes-256'].official(), ciphertext, false), /unencryptedDataKey|decrypt|Unable/i);
    // envseal wrote the spec's order: the Python SDK and envseal itself read it (see
    // tests/interop/python_reads.py for the Python side); RSA wraps are unaffected.
    assert.deepEqual((await decrypt(KEYS['aes-256'].envseal(), ciphertext)).plaintext, bytes(100));
    const rsa = (await encrypt(KEYS['rsa-oaep-sha256'].envseal(), bytes(100), { encryptionContext: ORDERS_DIFFER })).ciphertext;
    assert.deepEqual((await officialDecrypt(KEYS['rsa-oaep-sha256'].official(), rsa, false)).plaintext, bytes(100));
    // The JS SDK's own fix: a raw AES keyring built with utf8Sorting reads it.
    const sorted = new official.RawAesKeyringNode({
      keyNamespace: NAMESPACE,
      keyName: 'aes-256',
      unencryptedMasterKey: aesBytes(32),
      wrappingSuite: official.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      utf8Sorting: true,
    });
    assert.deepEqual((await officialDecrypt(sorted, ciphertext, false)).plaintext, bytes(100));
  });
});
