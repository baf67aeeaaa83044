// ScheduleKeyDeletion and CancelKeyDeletion on an injected clock: the pending window, and a key
// that is gone (NotFoundException) once its deletion date has passed.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DAY, rejectsKms, setup } from './helpers.mjs';

describe('ScheduleKeyDeletion', () => {
  test('30 days by default; returns the deletion date from the clock', async () => {
    const { service, key, clock } = await setup();
    const out = await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId });
    assert.deepEqual(out, {
      KeyId: key.Arn,
      DeletionDate: (clock() + 30 * DAY) / 1000,
      KeyState: 'PendingDeletion',
      PendingWindowInDays: 30,
    });
    const { KeyMetadata } = await service.request('DescribeKey', { KeyId: key.KeyId });
    assert.equal(KeyMetadata.KeyState, 'PendingDeletion');
    assert.equal(KeyMetadata.Enabled, false);
    assert.equal(KeyMetadata.DeletionDate, out.DeletionDate);
  });

  test('PendingWindowInDays is 7 to 30', async () => {
    const { service, clock } = await setup();
    for (const days of [7, 30]) {
      const { KeyMetadata } = await service.request('CreateKey', {});
      const out = await service.request('ScheduleKeyDeletion', { KeyId: KeyMetadata.Arn, PendingWindowInDays: days });
      assert.equal(out.PendingWindowInDays, days);
      assert.equal(out.DeletionDate, (clock() + days * DAY) / 1000);
    }
    const { KeyMetadata } = await service.request('CreateKey', {});
    await rejectsKms(
      service.request('ScheduleKeyDeletion', { KeyId: KeyMetadata.KeyId, PendingWindowInDays: 6 }),
      'ValidationException',
      /^1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7$/,
    );
    await rejectsKms(service.request('ScheduleKeyDeletion', { KeyId: KeyMetadata.KeyId, PendingWindowInDays: 31 }), 'ValidationException', /less than or equal to 30/);
    await rejectsKms(service.request('ScheduleKeyDeletion', { KeyId: KeyMetadata.KeyId, PendingWindowInDays: '7' }), 'SerializationException');
  });

  test('a key already pending deletion is KMSInvalidStateException; a disabled key can be scheduled', async () => {
    const { service, key } = await setup();
    await service.request('DisableKey', { KeyId: key.KeyId });
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId, PendingWindowInDays: 7 });
    await rejectsKms(service.request('ScheduleKeyDeletion', { KeyId: key.KeyId }), 'KMSInvalidStateException', new RegExp(`^${key.Arn} is pending deletion\\.$`));
  });

  test('takes a key id or ARN, not an alias', async () => {
    const { service, key } = await setup();
    await service.request('CreateAlias', { AliasName: 'alias/del', TargetKeyId: key.KeyId });
    await rejectsKms(service.request('ScheduleKeyDeletion', { KeyId: 'alias/del' }), 'NotFoundException');
    await rejectsKms(service.request('CancelKeyDeletion', { KeyId: 'alias/del' }), 'NotFoundException');
    await rejectsKms(service.request('ScheduleKeyDeletion', {}), 'ValidationException');
  });
});

describe('CancelKeyDeletion', () => {
  test('brings the key back Disabled; it must be enabled before use', async () => {
    const { service, key } = await setup();
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' });
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId });
    assert.deepEqual(await service.request('CancelKeyDeletion', { KeyId: key.KeyId }), { KeyId: key.Arn });
    const { KeyMetadata } = await service.request('DescribeKey', { KeyId: key.KeyId });
    assert.equal(KeyMetadata.KeyState, 'Disabled');
    assert.equal(KeyMetadata.DeletionDate, undefined);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob }), 'DisabledException');
    await service.request('EnableKey', { KeyId: key.KeyId });
    assert.equal((await service.request('Decrypt', { CiphertextBlob })).Plaintext, 'AQID');
  });

  test('a key not pending deletion is KMSInvalidStateException', async () => {
    const { service, key } = await setup();
    await rejectsKms(service.request('CancelKeyDeletion', { KeyId: key.KeyId }), 'KMSInvalidStateException', new RegExp(`^${key.Arn} is not pending deletion\\.$`));
  });
});

describe('the end of the pending window', () => {
  test('the key, its aliases and its ciphertexts are gone: NotFoundException', async () => {
    const { service, key, clock } = await setup();
    await service.request('CreateAlias', { AliasName: 'alias/doomed', TargetKeyId: key.KeyId });
    const other = (await service.request('CreateKey', {})).KeyMetadata;
    await service.request('CreateAlias', { AliasName: 'alias/kept', TargetKeyId: other.KeyId });
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' });
    const { DeletionDate } = await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId, PendingWindowInDays: 7 });

    clock.set(DeletionDate * 1000 - 1);
    assert.equal((await service.request('DescribeKey', { KeyId: key.KeyId })).KeyMetadata.KeyState, 'PendingDeletion');
    await rejectsKms(service.request('Decrypt', { CiphertextBlob }), 'KMSInvalidStateException');

    clock.set(DeletionDate * 1000);
    const gone = new RegExp(`^Key '${key.Arn}' does not exist$`);
    await rejectsKms(service.request('DescribeKey', { KeyId: key.KeyId }), 'NotFoundException', gone);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob }), 'NotFoundException', gone);
    await rejectsKms(service.request('CancelKeyDeletion', { KeyId: key.KeyId }), 'NotFoundException');
    await rejectsKms(service.request('Encrypt', { KeyId: 'alias/doomed', Plaintext: 'AQID' }), 'NotFoundException', /alias\/doomed is not found/);
    assert.deepEqual((await service.request('ListKeys', {})).Keys.map((k) => k.KeyId), [other.KeyId]);
    assert.deepEqual((await service.request('ListAliases', {})).Aliases.map((a) => a.AliasName), ['alias/kept']);
    const [event] = await service.auditLog({ operation: 'DeleteKey' });
    assert.deepEqual(
      { eventType: event.eventType, keyId: event.keyId, outcome: event.outcome, time: event.time },
      { eventType: 'AwsServiceEvent', keyId: key.Arn, outcome: 'ok', time: new Date(DeletionDate * 1000).toISOString() },
    );
  });

  test('the clock may be a Date', async () => {
    let now = new Date('2031-05-01T00:00:00Z');
    const { service, key } = await setup({ clock: () => now });
    assert.equal(key.CreationDate, now.getTime() / 1000);
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId, PendingWindowInDays: 7 });
    now = new Date(now.getTime() + 7 * DAY);
    await rejectsKms(service.request('DescribeKey', { KeyId: key.KeyId }), 'NotFoundException');
  });
});
