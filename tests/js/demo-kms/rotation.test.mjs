// Rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand,
// ListKeyRotations, and automatic rotation on the service's clock. Old material stays, so old
// ciphertexts decrypt; new ciphertexts use the newest material (the blob says which).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DAY, blobInfo, rejectsKms, setup } from './helpers.mjs';

describe('rotation status', () => {
  test('off by default; on with a 365-day period by default; RotationPeriodInDays 90-2560', async () => {
    const { service, key, clock } = await setup();
    assert.deepEqual(await service.request('GetKeyRotationStatus', { KeyId: key.KeyId }), { KeyRotationEnabled: false, KeyId: key.KeyId });
    assert.deepEqual(await service.request('EnableKeyRotation', { KeyId: key.KeyId }), {});
    assert.deepEqual(await service.request('GetKeyRotationStatus', { KeyId: key.Arn }), {
      KeyRotationEnabled: true,
      KeyId: key.KeyId,
      RotationPeriodInDays: 365,
      NextRotationDate: (clock() + 365 * DAY) / 1000,
    });
    await service.request('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 90 });
    let status = await service.request('GetKeyRotationStatus', { KeyId: key.KeyId });
    assert.equal(status.RotationPeriodInDays, 90);
    assert.equal(status.NextRotationDate, (clock() + 90 * DAY) / 1000);
    await service.request('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 2560 });
    assert.equal((await service.request('GetKeyRotationStatus', { KeyId: key.KeyId })).RotationPeriodInDays, 2560);
    await rejectsKms(
      service.request('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 89 }),
      'ValidationException',
      /^1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90$/,
    );
    await rejectsKms(service.request('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 2561 }), 'ValidationException', /less than or equal to 2560/);
    assert.deepEqual(await service.request('DisableKeyRotation', { KeyId: key.KeyId }), {});
    status = await service.request('GetKeyRotationStatus', { KeyId: key.KeyId });
    assert.deepEqual(status, { KeyRotationEnabled: false, KeyId: key.KeyId });
  });

  test('key states: disabled -> DisabledException, pending deletion -> KMSInvalidStateException; status reads always work', async () => {
    const { service, key } = await setup();
    await service.request('DisableKey', { KeyId: key.KeyId });
    for (const op of ['EnableKeyRotation', 'DisableKeyRotation', 'RotateKeyOnDemand']) {
      await rejectsKms(service.request(op, { KeyId: key.KeyId }), 'DisabledException', /is disabled\.$/);
    }
    await service.request('GetKeyRotationStatus', { KeyId: key.KeyId });
    await service.request('ListKeyRotations', { KeyId: key.KeyId });
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId });
    for (const op of ['EnableKeyRotation', 'DisableKeyRotation', 'RotateKeyOnDemand']) {
      await rejectsKms(service.request(op, { KeyId: key.KeyId }), 'KMSInvalidStateException', /is pending deletion\.$/);
    }
    await service.request('GetKeyRotationStatus', { KeyId: key.KeyId });
    await service.request('ListKeyRotations', { KeyId: key.KeyId });
  });

  test('take a key id or ARN, not an alias; unknown key -> NotFoundException; KeyId required', async () => {
    const { service, key } = await setup();
    await service.request('CreateAlias', { AliasName: 'alias/r', TargetKeyId: key.KeyId });
    for (const op of ['EnableKeyRotation', 'DisableKeyRotation', 'GetKeyRotationStatus', 'RotateKeyOnDemand', 'ListKeyRotations']) {
      await rejectsKms(service.request(op, { KeyId: 'alias/r' }), 'NotFoundException');
      await rejectsKms(service.request(op, { KeyId: '00000000-0000-4000-8000-000000000000' }), 'NotFoundException', /does not exist/);
      await rejectsKms(service.request(op, {}), 'ValidationException', /Value null at 'keyId'/);
    }
  });
});

describe('RotateKeyOnDemand', () => {
  test('old ciphertexts decrypt with their material; new ones use the newest version', async () => {
    const { service, key, clock } = await setup();
    const v1 = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'djE=' });
    assert.equal(blobInfo(v1.CiphertextBlob).materialVersion, 1);
    clock.advance(DAY);
    assert.deepEqual(await service.request('RotateKeyOnDemand', { KeyId: key.Arn }), { KeyId: key.KeyId });
    const after = (await service.request('DescribeKey', { KeyId: key.KeyId })).KeyMetadata;
    assert.notEqual(after.CurrentKeyMaterialId, key.CurrentKeyMaterialId);
    assert.equal(after.KeyId, key.KeyId, 'the key id and ARN do not change');
    const v2 = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'djI=' });
    assert.equal(blobInfo(v2.CiphertextBlob).materialVersion, 2);
    const gdk = await service.request('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256' });
    assert.equal(blobInfo(gdk.CiphertextBlob).materialVersion, 2);
    assert.equal(gdk.KeyMaterialId, after.CurrentKeyMaterialId);

    const old = await service.request('Decrypt', { CiphertextBlob: v1.CiphertextBlob });
    assert.equal(old.Plaintext, 'djE=');
    assert.equal(old.KeyMaterialId, key.CurrentKeyMaterialId, 'decrypted with the first material');
    const fresh = await service.request('Decrypt', { CiphertextBlob: v2.CiphertextBlob });
    assert.equal(fresh.KeyMaterialId, after.CurrentKeyMaterialId);

    // ReEncrypt to the same key moves an old ciphertext to the newest material.
    const moved = await service.request('ReEncrypt', { CiphertextBlob: v1.CiphertextBlob, DestinationKeyId: key.KeyId });
    assert.equal(blobInfo(moved.CiphertextBlob).materialVersion, 2);
    assert.equal(moved.SourceKeyMaterialId, key.CurrentKeyMaterialId);
    assert.equal(moved.DestinationKeyMaterialId, after.CurrentKeyMaterialId);

    // A blob naming a version the key does not have is InvalidCiphertextException.
    const forged = Buffer.from(v2.CiphertextBlob, 'base64');
    forged.writeUInt32BE(3, blobInfo(v2.CiphertextBlob).headerLength - 4);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob: forged.toString('base64') }), 'InvalidCiphertextException');
    // Nor can a version-2 blob be passed off as version 1: the version is authenticated.
    forged.writeUInt32BE(1, blobInfo(v2.CiphertextBlob).headerLength - 4);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob: forged.toString('base64') }), 'InvalidCiphertextException');
  });

  test('at most 10 on-demand rotations per key: then LimitExceededException', async () => {
    const { service, key } = await setup();
    for (let i = 0; i < 10; i++) await service.request('RotateKeyOnDemand', { KeyId: key.KeyId });
    await rejectsKms(service.request('RotateKeyOnDemand', { KeyId: key.KeyId }), 'LimitExceededException', /10/);
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' });
    assert.equal(blobInfo(CiphertextBlob).materialVersion, 11);
    const other = (await service.request('CreateKey', {})).KeyMetadata;
    await service.request('RotateKeyOnDemand', { KeyId: other.KeyId }); // the limit is per key
  });
});

describe('ListKeyRotations', () => {
  test('lists completed rotations; ALL_KEY_MATERIAL adds the first material; pages', async () => {
    const { service, key, clock } = await setup();
    assert.deepEqual(await service.request('ListKeyRotations', { KeyId: key.KeyId }), { Rotations: [], Truncated: false });
    const times = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(DAY);
      times.push(clock() / 1000);
      await service.request('RotateKeyOnDemand', { KeyId: key.KeyId });
    }
    const { Rotations, Truncated } = await service.request('ListKeyRotations', { KeyId: key.Arn });
    assert.equal(Truncated, false);
    assert.deepEqual(Rotations.map((r) => [r.RotationType, r.RotationDate, r.KeyMaterialState]), [
      ['ON_DEMAND', times[0], 'NON_CURRENT'],
      ['ON_DEMAND', times[1], 'NON_CURRENT'],
      ['ON_DEMAND', times[2], 'CURRENT'],
    ]);
    for (const r of Rotations) {
      assert.equal(r.KeyId, key.KeyId);
      assert.match(r.KeyMaterialId, /^[0-9a-f]{64}$/);
    }
    const all = await service.request('ListKeyRotations', { KeyId: key.KeyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' });
    assert.equal(all.Rotations.length, 4);
    assert.deepEqual(all.Rotations[0], { KeyId: key.KeyId, KeyMaterialId: key.CurrentKeyMaterialId, KeyMaterialState: 'NON_CURRENT' });
    const page1 = await service.request('ListKeyRotations', { KeyId: key.KeyId, Limit: 2 });
    assert.equal(page1.Rotations.length, 2);
    assert.equal(page1.Truncated, true);
    const page2 = await service.request('ListKeyRotations', { KeyId: key.KeyId, Limit: 2, Marker: page1.NextMarker });
    assert.deepEqual(page2.Rotations, Rotations.slice(2));
    assert.equal(page2.Truncated, false);
    await rejectsKms(service.request('ListKeyRotations', { KeyId: key.KeyId, IncludeKeyMaterial: 'SOME' }), 'ValidationException', /at 'includeKeyMaterial'/);
  });
});

describe('automatic rotation', () => {
  test('happens when the clock passes NextRotationDate, as a service event in the audit log', async () => {
    const { service, key, clock } = await setup();
    await service.request('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 90 });
    const before = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' });
    clock.advance(90 * DAY - 1);
    assert.equal(blobInfo((await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' })).CiphertextBlob).materialVersion, 1);
    clock.advance(1);
    const after = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' });
    assert.equal(blobInfo(after.CiphertextBlob).materialVersion, 2);
    assert.equal((await service.request('Decrypt', { CiphertextBlob: before.CiphertextBlob })).Plaintext, 'AQID');
    const { Rotations } = await service.request('ListKeyRotations', { KeyId: key.KeyId });
    assert.deepEqual(Rotations.map((r) => [r.RotationType, r.RotationDate]), [['AUTOMATIC', clock() / 1000]]);
    const status = await service.request('GetKeyRotationStatus', { KeyId: key.KeyId });
    assert.equal(status.NextRotationDate, (clock() + 90 * DAY) / 1000);
    const [event] = await service.auditLog({ operation: 'RotateKey' });
    assert.equal(event.eventType, 'AwsServiceEvent');
    assert.equal(event.keyId, key.Arn);
    assert.equal(event.keyMaterialVersion, 2);
    assert.equal(event.time, new Date(clock()).toISOString());
  });

  test('a disabled key is not rotated until it is enabled again', async () => {
    const { service, key, clock } = await setup();
    await service.request('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 90 });
    await service.request('DisableKey', { KeyId: key.KeyId });
    clock.advance(200 * DAY);
    await service.request('DescribeKey', { KeyId: key.KeyId });
    assert.deepEqual((await service.request('ListKeyRotations', { KeyId: key.KeyId })).Rotations, []);
    await service.request('EnableKey', { KeyId: key.KeyId });
    await service.request('DescribeKey', { KeyId: key.KeyId });
    assert.equal((await service.request('ListKeyRotations', { KeyId: key.KeyId })).Rotations.length, 1);
  });
});
