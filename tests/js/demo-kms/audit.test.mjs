// The audit trail: one entry per call (and per service event) with time, operation, key,
// encryption context, request id and outcome; never plaintext, data keys, key material or blobs.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DemoKeyService } from '../../../pkg-templates/demo-kms/index.js';

import { DAY, START, UUID, rejectsKms, setup, text64 } from './helpers.mjs';

/** Runs every operation once (and a few failures); returns what was sent and received. */
async function everyOperation() {
  const { service, clock, entries, key } = await setup();
  const secrets = [];
  const blobs = [];
  const call = async (op, input) => {
    clock.advance(1000);
    try {
      const out = await service.request(op, input);
      if (out.Plaintext) secrets.push(out.Plaintext);
      if (out.CiphertextBlob) blobs.push(out.CiphertextBlob);
      return out;
    } catch (e) {
      return e;
    }
  };
  const plaintext = text64('top secret plaintext');
  secrets.push(plaintext);
  const other = (await call('CreateKey', { Description: 'other', Tags: [{ TagKey: 't', TagValue: 'v' }] })).KeyMetadata;
  await call('DescribeKey', { KeyId: key.KeyId });
  await call('ListKeys', {});
  await call('ListResourceTags', { KeyId: other.KeyId });
  await call('CreateAlias', { AliasName: 'alias/audited', TargetKeyId: key.KeyId });
  await call('UpdateAlias', { AliasName: 'alias/audited', TargetKeyId: key.Arn });
  await call('ListAliases', {});
  const { CiphertextBlob } = await call('Encrypt', { KeyId: 'alias/audited', Plaintext: plaintext, EncryptionContext: { file: 'a.txt' } });
  await call('Decrypt', { CiphertextBlob, EncryptionContext: { file: 'a.txt' } });
  await call('ReEncrypt', {
    CiphertextBlob,
    SourceEncryptionContext: { file: 'a.txt' },
    DestinationKeyId: other.KeyId,
    DestinationEncryptionContext: { file: 'b.txt' },
  });
  await call('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { use: 'gdk' } });
  await call('GenerateDataKeyWithoutPlaintext', { KeyId: key.KeyId, NumberOfBytes: 16 });
  await call('DisableKey', { KeyId: other.KeyId });
  await call('EnableKey', { KeyId: other.KeyId });
  await call('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 180 });
  await call('GetKeyRotationStatus', { KeyId: key.KeyId });
  await call('DisableKeyRotation', { KeyId: key.KeyId });
  await call('RotateKeyOnDemand', { KeyId: key.KeyId });
  await call('ListKeyRotations', { KeyId: key.KeyId });
  await call('ScheduleKeyDeletion', { KeyId: other.KeyId, PendingWindowInDays: 7 });
  await call('CancelKeyDeletion', { KeyId: other.KeyId });
  await call('DeleteAlias', { AliasName: 'alias/audited' });
  // failures
  await call('Decrypt', { CiphertextBlob, EncryptionContext: { file: 'wrong.txt' } });
  await call('Encrypt', { KeyId: 'alias/missing', Plaintext: plaintext });
  await call('Encrypt', { KeyId: key.KeyId, Plaintext: text64('x'.repeat(5000)) });
  await call('NoSuchOperation', {});
  return { service, clock, entries, key, other, secrets, blobs };
}

describe('audit entries', () => {
  test('one entry per call, in order, with time, request id, key, context and outcome', async () => {
    const { service, entries, key, other } = await everyOperation();
    const log = await service.auditLog();
    assert.equal(log.length, 1 + 26, 'setup CreateKey + every call above');
    assert.deepEqual(entries, log, 'onAudit saw the same entries');
    assert.deepEqual(log.map((e) => e.operation), [
      'CreateKey', 'CreateKey', 'DescribeKey', 'ListKeys', 'ListResourceTags', 'CreateAlias', 'UpdateAlias', 'ListAliases',
      'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DisableKey', 'EnableKey',
      'EnableKeyRotation', 'GetKeyRotationStatus', 'DisableKeyRotation', 'RotateKeyOnDemand', 'ListKeyRotations',
      'ScheduleKeyDeletion', 'CancelKeyDeletion', 'DeleteAlias', 'Decrypt', 'Encrypt', 'Encrypt', 'NoSuchOperation',
    ]);
    const ids = new Set(log.map((e) => e.requestId));
    assert.equal(ids.size, log.length, 'request ids are unique');
    log.forEach((e, i) => {
      assert.match(e.requestId, UUID);
      assert.equal(e.eventType, 'AwsApiCall');
      assert.equal(e.time, new Date(START + i * 1000).toISOString(), 'time comes from the clock');
      assert.ok(e.outcome === 'ok' || e.outcome === 'error');
    });
    const byOp = (op, n = 0) => log.filter((e) => e.operation === op)[n];
    assert.deepEqual(byOp('Encrypt'), {
      time: byOp('Encrypt').time,
      eventType: 'AwsApiCall',
      requestId: byOp('Encrypt').requestId,
      operation: 'Encrypt',
      keyId: key.Arn, // resolved from the alias
      encryptionContext: { file: 'a.txt' },
      keyMaterialVersion: 1,
      outcome: 'ok',
    });
    assert.equal(byOp('Decrypt').keyId, key.Arn, 'Decrypt without KeyId: the key the blob names');
    assert.deepEqual(
      (({ keyId, sourceKeyId, encryptionContext, sourceEncryptionContext }) => ({ keyId, sourceKeyId, encryptionContext, sourceEncryptionContext }))(byOp('ReEncrypt')),
      { keyId: other.Arn, sourceKeyId: key.Arn, encryptionContext: { file: 'b.txt' }, sourceEncryptionContext: { file: 'a.txt' } },
    );
    assert.deepEqual(byOp('GenerateDataKey').parameters, { KeySpec: 'AES_256' });
    assert.deepEqual(byOp('GenerateDataKeyWithoutPlaintext').parameters, { NumberOfBytes: 16 });
    assert.deepEqual(byOp('EnableKeyRotation').parameters, { RotationPeriodInDays: 180 });
    assert.deepEqual(byOp('ScheduleKeyDeletion').parameters, { PendingWindowInDays: 7 });
    assert.equal(byOp('CreateAlias').aliasName, 'alias/audited');
    assert.equal(byOp('CreateAlias').keyId, key.Arn);
    assert.equal(byOp('DeleteAlias').keyId, key.Arn);
    assert.equal(byOp('CreateKey', 1).keyId, other.Arn);
    assert.equal(byOp('RotateKeyOnDemand').keyMaterialVersion, 2);
    assert.equal(byOp('ListKeys').keyId, undefined);

    const wrongContext = byOp('Decrypt', 1);
    assert.deepEqual(
      { outcome: wrongContext.outcome, errorCode: wrongContext.errorCode, keyId: wrongContext.keyId, encryptionContext: wrongContext.encryptionContext },
      { outcome: 'error', errorCode: 'InvalidCiphertextException', keyId: key.Arn, encryptionContext: { file: 'wrong.txt' } },
    );
    assert.equal(typeof wrongContext.errorMessage, 'string');
    const missing = byOp('Encrypt', 1);
    assert.deepEqual([missing.errorCode, missing.keyId], ['NotFoundException', 'alias/missing'], 'unresolved: the key as the caller named it');
    assert.equal(byOp('Encrypt', 2).errorCode, 'ValidationException');
    assert.equal(byOp('NoSuchOperation').errorCode, 'UnknownOperationException');
    for (const e of log.filter((x) => x.outcome === 'ok')) {
      assert.equal(e.errorCode, undefined);
      assert.equal(e.errorMessage, undefined);
    }
  });

  test('never plaintext, data keys, key material or ciphertext blobs', async () => {
    const { service, secrets, blobs } = await everyOperation();
    const exported = await service.exportAuditLog();
    assert.ok(secrets.length >= 3 && blobs.length >= 4);
    for (const value of [...secrets, ...blobs]) {
      assert.ok(!exported.includes(value), `the log contains ${value.slice(0, 12)}...`);
      assert.ok(!exported.includes(value.slice(4, 24)), 'not even part of it');
      assert.ok(!exported.includes(Buffer.from(value, 'base64').toString('hex').slice(0, 16)), 'nor its hex');
    }
    assert.ok(!exported.includes('top secret plaintext'));
    assert.ok(!/"(Plaintext|CiphertextBlob|key|materials)":|CryptoKey/.test(exported), 'no secret-carrying field names');
  });
});

describe('what a failed call cannot put in the log', () => {
  test('validation errors never quote Description, Policy or GrantTokens', async () => {
    const { service } = await setup();
    const description = 'SECRET-DESCRIPTION-'.repeat(500); // over 8192 characters
    const e1 = await rejectsKms(service.request('CreateKey', { Description: description }), 'ValidationException');
    assert.match(e1.message, /at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192/);
    const tokens = Array.from({ length: 11 }, (_, i) => `SECRET-GRANT-TOKEN-${i}`);
    const { KeyMetadata } = await service.request('CreateKey', {});
    await rejectsKms(service.request('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: text64('x'), GrantTokens: tokens }), 'ValidationException');
    await rejectsKms(service.request('CreateKey', { Policy: '', Description: 'SECRET-SHORT' }), 'ValidationException');
    const exported = await service.exportAuditLog();
    assert.doesNotMatch(exported, /SECRET-/, 'neither the error messages nor any field quote them');
  });

  test('the encryption context is capped (8192 UTF-8 bytes); a refused one is not logged', async () => {
    const { service, key } = await setup();
    const huge = { blob: 'x'.repeat(5 * 1024 * 1024) };
    const e = await rejectsKms(service.request('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: huge }), 'ValidationException');
    assert.match(e.message, /at most 8192 UTF-8 bytes together, not 5242884/);
    const [entry] = await service.auditLog({ operation: 'GenerateDataKey' });
    assert.equal(entry.outcome, 'error');
    assert.equal(entry.encryptionContext, undefined);
    assert.ok((await service.exportAuditLog()).length < 4096, 'the log stays small');
    // 8192 bytes exactly (a 2-byte character counts 2) is accepted and logged.
    const fits = { k: '\u00e9'.repeat(4095) + 'z' }; // 1 + 8190 + 1
    await service.request('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: fits });
    const ok = (await service.auditLog({ operation: 'GenerateDataKey' })).at(-1);
    assert.deepEqual([ok.outcome, ok.encryptionContext], ['ok', fits]);
    await rejectsKms(
      service.request('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { ...fits, z: '' } }),
      'ValidationException',
    );
  });

  test('lone surrogates are refused, so two contexts can never authenticate (or log) as one', async () => {
    const { service, key } = await setup();
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: text64('x'), EncryptionContext: { file: 'a' } });
    for (const context of [{ file: 'a\ud800' }, { file: 'a\udfff' }, { ['k\udc00']: 'v' }]) {
      const e = await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: text64('x'), EncryptionContext: context }), 'ValidationException');
      assert.match(e.message, /well-formed Unicode/);
      await rejectsKms(service.request('Decrypt', { CiphertextBlob, EncryptionContext: context }), 'ValidationException');
    }
    await rejectsKms(service.request('CreateAlias', { AliasName: 'alias/\ud800', TargetKeyId: key.KeyId }), 'ValidationException');
    // A well-formed non-BMP character is fine.
    await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: text64('x'), EncryptionContext: { file: 'a\u{1F600}' } });
    const logged = (await service.auditLog({ operation: 'Encrypt' })).filter((x) => x.outcome === 'error');
    assert.ok(logged.length >= 3 && logged.every((x) => x.encryptionContext === undefined));
  });
});

describe('querying and exporting', () => {
  test('filter by key (id or ARN), operation, since; limit keeps the most recent', async () => {
    const { service, key, other } = await everyOperation();
    const all = await service.auditLog();
    const forKey = await service.auditLog({ keyId: key.KeyId });
    assert.deepEqual(forKey, await service.auditLog({ keyId: key.Arn }));
    assert.ok(forKey.length > 5);
    // Resolved calls log the ARN; a call that failed validation logs the key as given.
    assert.ok(forKey.every((e) => [key.Arn, key.KeyId].includes(e.keyId) || e.sourceKeyId === key.Arn));
    assert.ok((await service.auditLog({ keyId: other.KeyId })).some((e) => e.operation === 'ReEncrypt'));
    assert.deepEqual((await service.auditLog({ operation: 'Encrypt' })).map((e) => e.outcome), ['ok', 'error', 'error']);
    assert.deepEqual(await service.auditLog({ operation: 'Encrypt', keyId: key.KeyId }), (await service.auditLog({ operation: 'Encrypt' })).slice(0, 1).concat((await service.auditLog({ operation: 'Encrypt' })).slice(2)));
    const since = all[20].time;
    assert.deepEqual(await service.auditLog({ since }), all.slice(20));
    assert.deepEqual(await service.auditLog({ since: new Date(since) }), all.slice(20));
    assert.deepEqual(await service.auditLog({ since: Date.parse(since) }), all.slice(20));
    assert.deepEqual(await service.auditLog({ limit: 3 }), all.slice(-3));
    assert.deepEqual(await service.auditLog({ limit: 0 }), []);
    await assert.rejects(service.auditLog({ since: 'yesterday-ish' }), TypeError);
    await assert.rejects(service.auditLog({ limit: -1 }), TypeError);
  });

  test('exportAuditLog is JSON Lines of the same entries', async () => {
    const { service } = await everyOperation();
    const text = await service.exportAuditLog();
    assert.ok(text.endsWith('\n'));
    const lines = text.slice(0, -1).split('\n');
    assert.deepEqual(lines.map((l) => JSON.parse(l)), await service.auditLog());
    assert.equal(await service.exportAuditLog({ operation: 'nothing' }), '');
    const one = await service.exportAuditLog({ limit: 1 });
    assert.equal(one.split('\n').length, 2);
  });

  test('request context: request id, SigV4 access key id and user agent are recorded', async () => {
    const { service } = await setup();
    await service.request('ListKeys', {}, { requestId: 'req-1', accessKeyId: 'AKIDEXAMPLE', userAgent: 'aws-sdk-js/3' });
    const [entry] = await service.auditLog({ operation: 'ListKeys' });
    assert.equal(entry.requestId, 'req-1');
    assert.equal(entry.claimedAccessKeyId, 'AKIDEXAMPLE');
    assert.equal(entry.claimedUserAgent, 'aws-sdk-js/3');
    assert.equal(entry.accessKeyId, undefined, 'never shown as if verified');
  });

  test('a throwing onAudit listener does not fail the call; clearAuditLog empties the log', async () => {
    const service = new DemoKeyService({
      onAudit: () => {
        throw new Error('listener bug');
      },
    });
    await service.request('CreateKey', {});
    assert.equal((await service.auditLog()).length, 1);
    await service.clearAuditLog();
    assert.deepEqual(await service.auditLog(), []);
  });

  test('service events (deletion) are entries too, before the call that noticed them', async () => {
    const { service, clock, key } = await setup();
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId, PendingWindowInDays: 7 });
    clock.advance(8 * DAY);
    await service.request('ListKeys', {});
    const ops = (await service.auditLog()).map((e) => `${e.eventType}:${e.operation}`);
    assert.deepEqual(ops, ['AwsApiCall:CreateKey', 'AwsApiCall:ScheduleKeyDeletion', 'AwsServiceEvent:DeleteKey', 'AwsApiCall:ListKeys']);
  });
});
