// Key lifecycle: CreateKey, DescribeKey, ListKeys, ListResourceTags, EnableKey, DisableKey, and
// the four ways to name a key.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DemoKeyService } from '../../../pkg-templates/demo-kms/index.js';

import { START, UUID, rejectsKms, setup, text64 } from './helpers.mjs';

describe('CreateKey', () => {
  test('a symmetric key by default, with the KeyMetadata KMS returns', async () => {
    const { key } = await setup();
    assert.match(key.KeyId, UUID);
    assert.deepEqual(Object.keys(key).sort(), [
      'AWSAccountId', 'Arn', 'CreationDate', 'CurrentKeyMaterialId', 'CustomerMasterKeySpec', 'Description', 'Enabled',
      'EncryptionAlgorithms', 'KeyId', 'KeyManager', 'KeySpec', 'KeyState', 'KeyUsage', 'MultiRegion', 'Origin',
    ]);
    assert.equal(key.Arn, `arn:aws:kms:us-east-1:111122223333:key/${key.KeyId}`);
    assert.equal(key.AWSAccountId, '111122223333');
    assert.equal(key.CreationDate, START / 1000, 'timestamps are epoch seconds, from the clock');
    assert.equal(key.Enabled, true);
    assert.equal(key.KeyState, 'Enabled');
    assert.equal(key.Description, 'test key');
    assert.equal(key.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(key.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(key.CustomerMasterKeySpec, 'SYMMETRIC_DEFAULT');
    assert.deepEqual(key.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    assert.equal(key.Origin, 'AWS_KMS');
    assert.equal(key.KeyManager, 'CUSTOMER');
    assert.equal(key.MultiRegion, false);
    assert.match(key.CurrentKeyMaterialId, /^[0-9a-f]{64}$/);
  });

  test('no input at all, and the explicit defaults', async () => {
    const service = new DemoKeyService();
    const a = (await service.request('CreateKey')).KeyMetadata;
    assert.equal(a.Description, '');
    const b = (
      await service.request('CreateKey', {
        KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', Origin: 'AWS_KMS', MultiRegion: false,
        Policy: '{"Version":"2012-10-17","Statement":[]}', BypassPolicyLockoutSafetyCheck: true,
      })
    ).KeyMetadata;
    assert.notEqual(a.KeyId, b.KeyId);
    assert.equal((await service.request('CreateKey', { CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT' })).KeyMetadata.KeySpec, 'SYMMETRIC_DEFAULT');
  });

  test('region and account id go into ARNs', async () => {
    const service = new DemoKeyService({ region: 'eu-west-3', accountId: '123456789012' });
    const { KeyMetadata } = await service.request('CreateKey', {});
    assert.equal(KeyMetadata.Arn, `arn:aws:kms:eu-west-3:123456789012:key/${KeyMetadata.KeyId}`);
    assert.equal(KeyMetadata.AWSAccountId, '123456789012');
    assert.equal(service.region, 'eu-west-3');
    assert.equal(service.accountId, '123456789012');
  });

  test('tags are kept and listed; bad tags are rejected', async () => {
    const { service } = await setup();
    const Tags = [{ TagKey: 'team', TagValue: 'web' }, { TagKey: 'empty', TagValue: '' }];
    const { KeyMetadata } = await service.request('CreateKey', { Tags });
    assert.deepEqual(await service.request('ListResourceTags', { KeyId: KeyMetadata.KeyId }), { Tags, Truncated: false });
    await rejectsKms(service.request('CreateKey', { Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'a', TagValue: '2' }] }), 'TagException', /Duplicate/);
    await rejectsKms(service.request('CreateKey', { Tags: [{ TagKey: 'aws:x', TagValue: '1' }] }), 'TagException', /reserved/);
    await rejectsKms(service.request('CreateKey', { Tags: Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: '' })) }), 'TagException');
    await rejectsKms(
      service.request('CreateKey', { Tags: [{ TagKey: '', TagValue: 'x' }] }),
      'ValidationException',
      /Value '' at 'tags\.1\.member\.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    );
    await rejectsKms(
      service.request('CreateKey', { Tags: [{ TagKey: 'k' }] }),
      'ValidationException',
      /Value null at 'tags\.1\.member\.tagValue' failed to satisfy constraint: Member must not be null/,
    );
    await rejectsKms(service.request('CreateKey', { Tags: [{ TagKey: 'k'.repeat(129), TagValue: '' }] }), 'ValidationException', /less than or equal to 128/);
    await rejectsKms(service.request('CreateKey', { Tags: [{ TagKey: 'k', TagValue: 'v'.repeat(257) }] }), 'ValidationException', /less than or equal to 256/);
  });

  test('what the demo service does not make is UnsupportedOperationException; bad enums are ValidationException', async () => {
    const { service } = await setup();
    for (const input of [
      { KeySpec: 'RSA_2048' },
      { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
      { KeyUsage: 'SIGN_VERIFY' },
      { Origin: 'EXTERNAL' },
      { MultiRegion: true },
      { CustomKeyStoreId: 'cks-1234567890abcdef0' },
    ]) {
      await rejectsKms(service.request('CreateKey', input), 'UnsupportedOperationException');
    }
    await rejectsKms(
      service.request('CreateKey', { KeySpec: 'AES_256' }),
      'ValidationException',
      /^1 validation error detected: Value 'AES_256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[RSA_2048, /,
    );
    await rejectsKms(service.request('CreateKey', { KeyUsage: 'WRAP' }), 'ValidationException', /at 'keyUsage'/);
    await rejectsKms(service.request('CreateKey', { Description: 'd'.repeat(8193) }), 'ValidationException', /at 'description'.*less than or equal to 8192/);
    await rejectsKms(
      service.request('CreateKey', { KeySpec: 'SYMMETRIC_DEFAULT', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT' }),
      'ValidationException',
      /CustomerMasterKeySpec is deprecated/,
    );
    await rejectsKms(service.request('CreateKey', { Policy: 'not json' }), 'MalformedPolicyDocumentException');
  });
});

describe('DescribeKey and key identifiers', () => {
  test('key id, key ARN, alias name and alias ARN all name the key', async () => {
    const { service, key } = await setup();
    await service.request('CreateAlias', { AliasName: 'alias/app', TargetKeyId: key.KeyId });
    for (const KeyId of [key.KeyId, key.KeyId.toUpperCase(), key.Arn, 'alias/app', 'arn:aws:kms:us-east-1:111122223333:alias/app']) {
      const { KeyMetadata } = await service.request('DescribeKey', { KeyId });
      assert.deepEqual(KeyMetadata, key, KeyId);
    }
  });

  test('unknown and malformed identifiers are NotFoundException, with the KMS messages', async () => {
    const { service, key } = await setup();
    const missing = '00000000-0000-4000-8000-000000000000';
    await rejectsKms(
      service.request('DescribeKey', { KeyId: missing }),
      'NotFoundException',
      new RegExp(`^Key 'arn:aws:kms:us-east-1:111122223333:key/${missing}' does not exist$`),
    );
    await rejectsKms(service.request('DescribeKey', { KeyId: 'not-a-key' }), 'NotFoundException', /^Invalid keyId not-a-key$/);
    await rejectsKms(
      service.request('DescribeKey', { KeyId: 'alias/none' }),
      'NotFoundException',
      /^Alias arn:aws:kms:us-east-1:111122223333:alias\/none is not found\.$/,
    );
    // The right key id under another region or account is another key.
    for (const arn of [key.Arn.replace('us-east-1', 'us-west-2'), key.Arn.replace('111122223333', '999999999999')]) {
      await rejectsKms(service.request('DescribeKey', { KeyId: arn }), 'NotFoundException', /does not exist/);
    }
    await rejectsKms(service.request('DescribeKey', { KeyId: 'arn:aws:kms:us-west-2:111122223333:alias/app' }), 'NotFoundException', /is not found/);
  });

  test('KeyId is required and bounded', async () => {
    const { service } = await setup();
    await rejectsKms(
      service.request('DescribeKey', {}),
      'ValidationException',
      /^1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null$/,
    );
    await rejectsKms(service.request('DescribeKey', { KeyId: '' }), 'ValidationException', /Value '' at 'keyId'.*greater than or equal to 1/);
    await rejectsKms(service.request('DescribeKey', { KeyId: 'k'.repeat(2049) }), 'ValidationException', /less than or equal to 2048/);
  });

  test('works on disabled keys and keys pending deletion', async () => {
    const { service, key } = await setup();
    await service.request('DisableKey', { KeyId: key.KeyId });
    assert.equal((await service.request('DescribeKey', { KeyId: key.KeyId })).KeyMetadata.KeyState, 'Disabled');
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId });
    const { KeyMetadata } = await service.request('DescribeKey', { KeyId: key.KeyId });
    assert.equal(KeyMetadata.KeyState, 'PendingDeletion');
    assert.equal(KeyMetadata.Enabled, false);
    assert.equal(typeof KeyMetadata.DeletionDate, 'number');
  });
});

describe('ListKeys', () => {
  test('lists every key in creation order, with Limit and Marker', async () => {
    const { service, clock, key } = await setup();
    const ids = [key.KeyId];
    for (let i = 0; i < 4; i++) {
      clock.advance(1000);
      ids.push((await service.request('CreateKey', {})).KeyMetadata.KeyId);
    }
    const all = await service.request('ListKeys', {});
    assert.deepEqual(all, {
      Keys: ids.map((KeyId) => ({ KeyId, KeyArn: `arn:aws:kms:us-east-1:111122223333:key/${KeyId}` })),
      Truncated: false,
    });
    const seen = [];
    let Marker;
    do {
      const page = await service.request('ListKeys', { Limit: 2, ...(Marker ? { Marker } : {}) });
      assert.ok(page.Keys.length <= 2);
      seen.push(...page.Keys.map((k) => k.KeyId));
      assert.equal(page.Truncated, page.NextMarker !== undefined);
      Marker = page.NextMarker;
    } while (Marker);
    assert.deepEqual(seen, ids);
    await rejectsKms(service.request('ListKeys', { Marker: '@@@' }), 'InvalidMarkerException');
    await rejectsKms(service.request('ListKeys', { Limit: 0 }), 'ValidationException', /Value '0' at 'limit'.*greater than or equal to 1/);
    await rejectsKms(service.request('ListKeys', { Limit: 1001 }), 'ValidationException', /less than or equal to 1000/);
  });

  test('an empty service lists nothing', async () => {
    assert.deepEqual(await new DemoKeyService().request('ListKeys'), { Keys: [], Truncated: false });
  });
});

describe('EnableKey and DisableKey', () => {
  test('a disabled key refuses cryptographic operations with DisabledException, until enabled', async () => {
    const { service, key } = await setup();
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: text64('hi') });
    assert.deepEqual(await service.request('DisableKey', { KeyId: key.Arn }), {});
    await service.request('DisableKey', { KeyId: key.KeyId }); // idempotent
    const meta = (await service.request('DescribeKey', { KeyId: key.KeyId })).KeyMetadata;
    assert.equal(meta.KeyState, 'Disabled');
    assert.equal(meta.Enabled, false);
    const disabled = new RegExp(`^${key.Arn} is disabled\\.$`);
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: text64('hi') }), 'DisabledException', disabled);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob }), 'DisabledException', disabled);
    await rejectsKms(service.request('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256' }), 'DisabledException');
    await rejectsKms(service.request('GenerateDataKeyWithoutPlaintext', { KeyId: key.KeyId, KeySpec: 'AES_256' }), 'DisabledException');
    await rejectsKms(service.request('ReEncrypt', { CiphertextBlob, DestinationKeyId: key.KeyId }), 'DisabledException');
    assert.deepEqual(await service.request('EnableKey', { KeyId: key.KeyId }), {});
    assert.equal((await service.request('DescribeKey', { KeyId: key.KeyId })).KeyMetadata.KeyState, 'Enabled');
    assert.equal((await service.request('Decrypt', { CiphertextBlob })).Plaintext, text64('hi'));
  });

  test('take a key id or ARN, not an alias; unknown keys are NotFoundException', async () => {
    const { service, key } = await setup();
    await service.request('CreateAlias', { AliasName: 'alias/k', TargetKeyId: key.KeyId });
    for (const op of ['EnableKey', 'DisableKey']) {
      await rejectsKms(service.request(op, { KeyId: 'alias/k' }), 'NotFoundException', /Invalid keyId alias\/k/);
      await rejectsKms(service.request(op, { KeyId: '00000000-0000-4000-8000-000000000000' }), 'NotFoundException');
      await rejectsKms(service.request(op, {}), 'ValidationException');
    }
  });

  test('a key pending deletion can be neither enabled nor disabled', async () => {
    const { service, key } = await setup();
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId });
    const pending = new RegExp(`^${key.Arn} is pending deletion\\.$`);
    await rejectsKms(service.request('EnableKey', { KeyId: key.KeyId }), 'KMSInvalidStateException', pending);
    await rejectsKms(service.request('DisableKey', { KeyId: key.KeyId }), 'KMSInvalidStateException', pending);
  });
});

describe('ListResourceTags', () => {
  test('pages tags; takes no alias', async () => {
    const { service } = await setup();
    const Tags = Array.from({ length: 5 }, (_, i) => ({ TagKey: `k${i}`, TagValue: `v${i}` }));
    const { KeyMetadata } = await service.request('CreateKey', { Tags });
    const first = await service.request('ListResourceTags', { KeyId: KeyMetadata.Arn, Limit: 3 });
    assert.deepEqual(first.Tags, Tags.slice(0, 3));
    assert.equal(first.Truncated, true);
    const second = await service.request('ListResourceTags', { KeyId: KeyMetadata.Arn, Marker: first.NextMarker });
    assert.deepEqual(second, { Tags: Tags.slice(3), Truncated: false });
    await service.request('CreateAlias', { AliasName: 'alias/tagged', TargetKeyId: KeyMetadata.KeyId });
    await rejectsKms(service.request('ListResourceTags', { KeyId: 'alias/tagged' }), 'NotFoundException');
  });
});
