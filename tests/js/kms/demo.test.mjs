// KmsKeyring with envseal's demo key service: as a transport (`transport: service.request`) and as
// an HTTP endpoint (handleKmsFetch, as its service worker answers). The demo service enforces key
// states, which moto does not: disabled and pending-deletion keys fail with their KMS exceptions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { KmsKeyring, MultiKeyring, RawAesKeyring, decrypt, decryptStream, encrypt, encryptStream, init } from 'envseal';

import { DemoKeyService, handleKmsFetch } from 'envseal/demo-kms';
import { bytes, localServer, rejectsWithCode, text, through, utf8 } from './helpers.mjs';

await init();

/** Serves `handleKmsFetch(service, request)` over HTTP on 127.0.0.1, as its service worker answers fetches. */
async function serveOverHttp(service) {
  const server = await localServer(async (req, body) => {
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).map(([k, v]) => [k, String(v)]),
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
    });
    const response = await handleKmsFetch(service, request);
    return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  });
  return { endpoint: server.url, close: server.close };
}

async function setup() {
  const service = new DemoKeyService();
  const { KeyMetadata } = await service.request('CreateKey', { Description: 'envseal js test' });
  return { service, arn: KeyMetadata.Arn, keyring: new KmsKeyring({ keyId: KeyMetadata.Arn, transport: service.request }) };
}

describe('the demo key service as a transport', () => {
  test('round trips in both suites, one-shot and streaming; the audit log sees each call', async () => {
    const { service, arn, keyring } = await setup();
    for (const suite of [0x0478, 0x0578]) {
      const plaintext = bytes(50_000, suite);
      const { ciphertext, header } = await encrypt(keyring, plaintext, { suite, encryptionContext: { user: 'alice' } });
      assert.equal(utf8(header.encryptedDataKeys[0].providerInfo), arn);
      assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, plaintext);
      const streamed = await through(plaintext, 7000, encryptStream(keyring, { suite }));
      assert.deepEqual(await through(streamed, 5000, decryptStream(keyring)), plaintext);
    }
    const audit = (await service.auditLog({ keyId: arn })).filter((e) => e.operation !== 'CreateKey');
    assert.deepEqual(
      audit.map((e) => `${e.operation}:${e.outcome}`),
      ['GenerateDataKey:ok', 'Decrypt:ok', 'GenerateDataKey:ok', 'Decrypt:ok', 'GenerateDataKey:ok', 'Decrypt:ok', 'GenerateDataKey:ok', 'Decrypt:ok'],
    );
    // KMS binds the whole context, including the signing suite's public key.
    assert.equal(audit[4].encryptionContext.user, 'alice');
    assert.ok('aws-crypto-public-key' in audit[4].encryptionContext);
  });

  test('a disabled key: KMS_ERROR DisabledException (encrypt, decrypt, streams); enabled again it works', async () => {
    const { service, arn, keyring } = await setup();
    const { ciphertext } = await encrypt(keyring, text('before'));
    await service.request('DisableKey', { KeyId: arn });
    for (const attempt of [
      encrypt(keyring, text('x')),
      decrypt(keyring, ciphertext),
      through(text('x'), 1, encryptStream(keyring)),
      through(ciphertext, 100, decryptStream(keyring)),
    ]) {
      const e = await rejectsWithCode(attempt, 'KMS_ERROR');
      assert.equal(e.kmsType, 'DisabledException');
      assert.match(e.message, /is disabled/);
    }
    await service.request('EnableKey', { KeyId: arn });
    assert.equal(utf8((await decrypt(keyring, ciphertext)).plaintext), 'before');
  });

  test('a key pending deletion: KMS_ERROR KMSInvalidStateException; an unknown key: NotFoundException', async () => {
    const { service, arn, keyring } = await setup();
    const { ciphertext } = await encrypt(keyring, text('x'));
    await service.request('ScheduleKeyDeletion', { KeyId: arn, PendingWindowInDays: 7 });
    assert.equal((await rejectsWithCode(decrypt(keyring, ciphertext), 'KMS_ERROR')).kmsType, 'KMSInvalidStateException');
    const ghost = new KmsKeyring({ keyId: arn.replace(/key\/.*/, 'key/00000000-0000-4000-8000-000000000000'), transport: service.request });
    assert.equal((await rejectsWithCode(encrypt(ghost, text('x')), 'KMS_ERROR')).kmsType, 'NotFoundException');
  });

  test('a multi-keyring with a disabled KMS generator still decrypts through its AES child', async () => {
    const { service, arn, keyring } = await setup();
    const aes = new RawAesKeyring({ keyNamespace: 'demo', keyName: 'aes', wrappingKey: new Uint8Array(16).fill(3) });
    const multi = new MultiKeyring({ generator: keyring, children: [aes] });
    const { ciphertext } = await encrypt(multi, text('fallback'));
    await service.request('DisableKey', { KeyId: arn });
    assert.equal(utf8((await decrypt(multi, ciphertext)).plaintext), 'fallback');
    // Only the KMS member: its error, through the multi-keyring's NO_MATCHING_KEY.
    const kmsOnly = new MultiKeyring({ generator: keyring, children: [new RawAesKeyring({ keyNamespace: 'demo', keyName: 'other', wrappingKey: new Uint8Array(16) })] });
    const e = await rejectsWithCode(decrypt(kmsOnly, ciphertext), 'NO_MATCHING_KEY');
    assert.equal(e.errors.length, 1);
    assert.equal(e.errors[0].kmsType, 'DisabledException');
  });

  test('discovery tries each KMS EDK in order: a disabled first key, then one that works', async () => {
    const { service, arn: first, keyring } = await setup();
    const { KeyMetadata } = await service.request('CreateKey', {});
    const second = new KmsKeyring({ keyId: KeyMetadata.Arn, transport: service.request });
    const { ciphertext } = await encrypt(new MultiKeyring({ generator: keyring, children: [second] }), text('either'));
    await service.request('DisableKey', { KeyId: first });
    const discovery = new KmsKeyring({ discovery: true, discoveryFilter: { partition: 'aws', accounts: [service.accountId] }, transport: service.request });
    assert.equal(utf8((await decrypt(discovery, ciphertext)).plaintext), 'either');
    await service.request('DisableKey', { KeyId: KeyMetadata.Arn });
    const e = await rejectsWithCode(decrypt(discovery, ciphertext), 'NO_MATCHING_KEY');
    assert.deepEqual(e.errors.map((x) => x.kmsType), ['DisabledException', 'DisabledException']);
  });

  test('after rotation, old messages still decrypt and new ones use the new material', async () => {
    const { service, arn, keyring } = await setup();
    const { ciphertext: old } = await encrypt(keyring, text('old'));
    await service.request('RotateKeyOnDemand', { KeyId: arn });
    const { ciphertext: fresh } = await encrypt(keyring, text('fresh'));
    assert.equal(utf8((await decrypt(keyring, old)).plaintext), 'old');
    assert.equal(utf8((await decrypt(keyring, fresh)).plaintext), 'fresh');
  });
});

describe('the demo key service over HTTP (handleKmsFetch)', () => {
  test('KmsKeyring({ endpoint }) talks to it unchanged, signed or not', async () => {
    const service = new DemoKeyService({ region: 'eu-central-1' });
    const { KeyMetadata } = await service.request('CreateKey', {});
    const { endpoint, close } = await serveOverHttp(service);
    try {
      const plain = new KmsKeyring({ keyId: KeyMetadata.Arn, endpoint });
      const signed = new KmsKeyring({ keyId: KeyMetadata.Arn, endpoint, credentials: { accessKeyId: 'AKIDDEMO', secretAccessKey: 's' } });
      const { ciphertext } = await encrypt(plain, text('over http'), { suite: 0x0578 });
      assert.equal(utf8((await decrypt(signed, ciphertext)).plaintext), 'over http');
      const audit = (await service.auditLog({ keyId: KeyMetadata.Arn })).filter((e) => e.operation !== 'CreateKey');
      assert.deepEqual(audit.map((e) => [e.operation, e.claimedAccessKeyId ?? null]), [['GenerateDataKey', null], ['Decrypt', 'AKIDDEMO']]);
      await service.request('DisableKey', { KeyId: KeyMetadata.Arn });
      const e = await rejectsWithCode(decrypt(plain, ciphertext), 'KMS_ERROR');
      assert.equal(e.kmsType, 'DisabledException');
      assert.equal(e.httpStatus, 400);
    } finally {
      await close();
    }
  });
});
