// KmsKeyring from the installed package against moto (a local KMS-compatible server): round trips
// in both suites, one-shot and streaming; multi-keyrings across kinds (KMS + RSA + AES) whose
// members each decrypt alone; discovery with an account filter; generateDataKey; wrong and
// unknown keys. moto's URL comes from scripts/with-moto.sh (ENVSEAL_MOTO_URL); without it every
// test here fails.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';

import {
  KmsKeyring,
  MultiKeyring,
  RawAesKeyring,
  RawRsaKeyring,
  decrypt,
  decryptStream,
  encrypt,
  encryptStream,
  generateDataKey,
  init,
} from 'envseal';

import { MOTO_CREDENTIALS, bytes, createMotoKey, motoCall, motoKeyring, motoUrl, rejectsWithCode, text, through, utf8 } from './helpers.mjs';

await init();

const testdata = new URL('../../../src/keyring/testdata/', import.meta.url);
const RSA_PRIVATE = readFileSync(new URL('rsa-2048-private.pem', testdata), 'utf8');
const RSA_PUBLIC = readFileSync(new URL('rsa-2048-public.pem', testdata), 'utf8');

const SUITES = [0x0478, 0x0578];
let arn;
let keyring;

before(async () => {
  motoUrl(); // fails the suite, with a hint, without moto
  arn = await createMotoKey();
  keyring = motoKeyring(arn);
});

describe('KmsKeyring on moto', () => {
  test('one-shot round trips in both suites, with an encryption context; the EDK names the key ARN', async () => {
    for (const suite of SUITES) {
      const plaintext = bytes(100_000, suite);
      const { ciphertext, header } = await encrypt(keyring, plaintext, { suite, encryptionContext: { tenant: 'acme' } });
      assert.equal(header.suiteId, suite);
      assert.equal(header.encryptedDataKeys.length, 1);
      const [edk] = header.encryptedDataKeys;
      assert.equal(edk.providerId, 'aws-kms');
      assert.equal(utf8(edk.providerInfo), arn);
      const back = await decrypt(keyring, ciphertext, { encryptionContext: { tenant: 'acme' } });
      assert.deepEqual(back.plaintext, plaintext);
      assert.equal(back.header.encryptionContext.tenant, 'acme');
      // A second keyring object for the same key (as a server would build) decrypts too.
      assert.deepEqual((await decrypt(motoKeyring(arn), ciphertext)).plaintext, plaintext);
    }
  });

  test('streaming round trips in both suites, both engines, and across one-shot/stream', async () => {
    for (const suite of SUITES) {
      for (const engine of ['webcrypto', 'wasm']) {
        const plaintext = bytes(300_001, suite + engine.length);
        const stream = encryptStream(keyring, { suite, engine, frameLength: 4096 });
        const ciphertext = await through(plaintext, 65_536, stream);
        const header = await stream.header;
        assert.equal(utf8(header.encryptedDataKeys[0].providerInfo), arn);
        assert.deepEqual(await through(ciphertext, 10_007, decryptStream(keyring, { engine })), plaintext);
        assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, plaintext);
      }
      const { ciphertext } = await encrypt(keyring, bytes(5000, 3), { suite, frameLength: 1000 });
      assert.deepEqual(await through(ciphertext, 333, decryptStream(keyring)), bytes(5000, 3));
    }
  });

  test('empty plaintext, and keys given by alias for encryption', async () => {
    const { ciphertext } = await encrypt(keyring, new Uint8Array(0));
    assert.equal((await decrypt(keyring, ciphertext)).plaintext.length, 0);
    await motoCall('CreateAlias', { AliasName: 'alias/envseal-js', TargetKeyId: arn });
    const byAlias = new KmsKeyring({ keyId: 'alias/envseal-js', endpoint: motoUrl(), region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    const { ciphertext: c2, header } = await encrypt(byAlias, text('via alias'));
    // KMS answers with the key ARN, and that is what the EDK records.
    assert.equal(utf8(header.encryptedDataKeys[0].providerInfo), arn);
    assert.equal(utf8((await decrypt(keyring, c2)).plaintext), 'via alias');
  });

  test('credentials may be an async function (refreshing temporary credentials)', async () => {
    let calls = 0;
    const refreshing = motoKeyring(arn, {
      credentials: async () => {
        calls++;
        return { ...MOTO_CREDENTIALS, sessionToken: 'token', expiration: new Date() };
      },
    });
    const { ciphertext } = await encrypt(refreshing, text('refreshed'));
    assert.equal(utf8((await decrypt(refreshing, ciphertext)).plaintext), 'refreshed');
    assert.equal(calls, 2);
  });

  test('generateDataKey: the plaintext key and its KMS-wrapped form', async () => {
    const { plaintextKey, encryptedDataKeys, encryptionContext } = await generateDataKey(keyring, {
      encryptionContext: { purpose: 'dek' },
    });
    assert.equal(plaintextKey.length, 32);
    assert.deepEqual(encryptionContext, { purpose: 'dek' });
    assert.equal(encryptedDataKeys.length, 1);
    const { Plaintext, KeyId } = await motoCall('Decrypt', {
      CiphertextBlob: Buffer.from(encryptedDataKeys[0].ciphertext).toString('base64'),
      EncryptionContext: { purpose: 'dek' },
    });
    assert.equal(KeyId, arn);
    assert.deepEqual(new Uint8Array(Buffer.from(Plaintext, 'base64')), plaintextKey);
    await rejectsWithCode(generateDataKey(keyring, { suite: 0x0578 }), 'INVALID_ARGUMENT');
  });
});

describe('MultiKeyring across kinds', () => {
  const aes = () => new RawAesKeyring({ keyNamespace: 'js-kms', keyName: 'aes', wrappingKey: new Uint8Array(32).fill(4) });
  const rsa = () => new RawRsaKeyring({ keyNamespace: 'js-kms', keyName: 'rsa', privateKey: RSA_PRIVATE, padding: 'oaep-sha256' });

  test('KMS generator + RSA and AES children: each member alone decrypts, one-shot and streaming', async () => {
    const rsaPublicOnly = new RawRsaKeyring({ keyNamespace: 'js-kms', keyName: 'rsa', publicKey: RSA_PUBLIC, padding: 'OAEP-SHA256' });
    assert.equal(rsaPublicOnly.canDecrypt, false);
    const multi = new MultiKeyring({ generator: keyring, children: [rsaPublicOnly, aes()] });
    // Issue 11: the multi-keyring is the core's whatever its members; JavaScript only makes the KMS
    // member's requests (before, a multi-keyring with a KMS member ran in JavaScript).
    assert.equal(typeof multi.__keyringHandle, 'function', 'a multi-keyring is the core\'s, with any members');
    assert.match(String(multi), /^multi-keyring \[KMS keyring ".*", raw RSA keyring "js-kms"\/"rsa" \(OaepSha256\), raw AES keyring "js-kms"\/"aes"\]$/);
    for (const suite of SUITES) {
      const plaintext = bytes(70_000, suite + 7);
      const { ciphertext, header } = await encrypt(multi, plaintext, { suite, encryptionContext: { app: 'multi' } });
      assert.deepEqual(
        header.encryptedDataKeys.map((e) => e.providerId),
        ['aws-kms', 'js-kms', 'js-kms'],
      );
      for (const member of [motoKeyring(arn), rsa(), aes(), multi]) {
        assert.deepEqual((await decrypt(member, ciphertext)).plaintext, plaintext, `${member} (suite ${suite})`);
        assert.deepEqual(await through(ciphertext, 8191, decryptStream(member)), plaintext, `${member} streaming`);
      }
      const streamed = await through(plaintext, 20_000, encryptStream(multi, { suite }));
      for (const member of [keyring, rsa(), aes()]) {
        assert.deepEqual((await decrypt(member, streamed)).plaintext, plaintext, `${member} reads the stream`);
      }
    }
  });

  test('KMS as a child wraps the generator\'s key with Encrypt; nested multi-keyrings', async () => {
    const multi = new MultiKeyring({ generator: aes(), children: [keyring] });
    const { ciphertext, header } = await encrypt(multi, text('kms child'));
    assert.deepEqual(header.encryptedDataKeys.map((e) => e.providerId), ['js-kms', 'aws-kms']);
    assert.equal(utf8((await decrypt(keyring, ciphertext)).plaintext), 'kms child');
    const second = await createMotoKey('second');
    const nested = new MultiKeyring({ generator: rsa(), children: [multi, motoKeyring(second)] });
    const { ciphertext: c2, header: h2 } = await encrypt(nested, text('nested'));
    assert.equal(h2.encryptedDataKeys.length, 4);
    for (const member of [motoKeyring(second), keyring, aes(), rsa()]) {
      assert.equal(utf8((await decrypt(member, c2)).plaintext), 'nested', String(member));
    }
  });

  test('a member freed after the multi-keyring was built does not break it', async () => {
    const a = aes();
    const multi = new MultiKeyring({ generator: keyring, children: [a] });
    a.free();
    const { ciphertext } = await encrypt(multi, text('pinned'));
    assert.equal(utf8((await decrypt(aes(), ciphertext)).plaintext), 'pinned');
  });

  test('decryption tries members in order and reports every failure', async () => {
    const other = await createMotoKey('other');
    const { ciphertext } = await encrypt(motoKeyring(other), text('x'));
    const wrongAes = new RawAesKeyring({ keyNamespace: 'js-kms', keyName: 'aes', wrappingKey: new Uint8Array(32).fill(5) });
    // Neither member has an EDK of this message: the core names the message's providers.
    const e = await rejectsWithCode(decrypt(new MultiKeyring({ generator: keyring, children: [wrongAes] }), ciphertext), 'NO_MATCHING_KEY');
    assert.match(e.message, /"aws-kms"\//);
    // A generator-less multi-keyring cannot start a message.
    await rejectsWithCode(encrypt(new MultiKeyring({ children: [keyring] }), text('x')), 'INVALID_ARGUMENT');
  });
});

describe('discovery', () => {
  test('decrypts any key its filter allows; another account or partition finds nothing', async () => {
    const account = arn.split(':')[4];
    const { ciphertext } = await encrypt(keyring, text('discover me'), { suite: 0x0578 });
    const endpoint = motoUrl();
    const discovery = (filter) =>
      new KmsKeyring({ discovery: true, ...(filter ? { discoveryFilter: filter } : {}), endpoint, credentials: MOTO_CREDENTIALS, region: 'us-east-1' });
    assert.equal(utf8((await decrypt(discovery({ partition: 'aws', accounts: [account] }), ciphertext)).plaintext), 'discover me');
    assert.equal(utf8((await decrypt(discovery(null), ciphertext)).plaintext), 'discover me');
    assert.equal(String(discovery(null)), 'KMS discovery keyring');
    await rejectsWithCode(decrypt(discovery({ partition: 'aws', accounts: ['000000000000'] }), ciphertext), 'NO_MATCHING_KEY');
    await rejectsWithCode(decrypt(discovery({ partition: 'aws-cn', accounts: [account] }), ciphertext), 'NO_MATCHING_KEY');
    await rejectsWithCode(encrypt(discovery(null), text('x')), 'INVALID_ARGUMENT');
    // Two KMS EDKs: the first one that decrypts wins.
    const second = await createMotoKey('second for discovery');
    const multi = new MultiKeyring({ generator: motoKeyring(second), children: [keyring] });
    const { ciphertext: two } = await encrypt(multi, text('two keys'));
    assert.equal(utf8((await decrypt(discovery({ partition: 'aws', accounts: [account] }), two)).plaintext), 'two keys');
  });
});

describe('wrong and unknown keys', () => {
  test('a keyring for another key: NO_MATCHING_KEY naming the message\'s keys', async () => {
    const { ciphertext } = await encrypt(keyring, text('x'));
    const other = motoKeyring(await createMotoKey('unrelated'));
    const e = await rejectsWithCode(decrypt(other, ciphertext), 'NO_MATCHING_KEY');
    assert.ok(e.message.includes(arn), e.message);
    await rejectsWithCode(through(ciphertext, 100, decryptStream(other)), 'NO_MATCHING_KEY');
  });

  test('an unknown key id: KMS_ERROR with kmsType NotFoundException', async () => {
    const ghost = motoKeyring('arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000');
    const e = await rejectsWithCode(encrypt(ghost, text('x')), 'KMS_ERROR');
    assert.equal(e.kmsType, 'NotFoundException');
    assert.match(e.message, /NotFoundException/);
    const s = encryptStream(ghost);
    const e2 = await rejectsWithCode(through(text('x'), 1, s), 'KMS_ERROR');
    assert.equal(e2.kmsType, 'NotFoundException');
    await rejectsWithCode(s.header, 'KMS_ERROR');
  });

  test('a wrong encryption context for a KMS EDK: the KMS error (InvalidCiphertextException)', async () => {
    const { ciphertext } = await encrypt(keyring, text('x'), { encryptionContext: { a: 'b' } });
    // A required pair the message does not store is sent to KMS, which refuses it.
    const e = await decrypt(keyring, ciphertext, { encryptionContext: { c: 'd' } }).catch((error) => error);
    assert.ok(['KMS_ERROR', 'ENCRYPTION_CONTEXT_MISMATCH'].includes(e.code), `${e.code}: ${e.message}`);
    // A stored pair with another value is refused by the core before KMS is asked.
    await rejectsWithCode(decrypt(keyring, ciphertext, { encryptionContext: { a: 'x' } }), 'ENCRYPTION_CONTEXT_MISMATCH');
  });
});
