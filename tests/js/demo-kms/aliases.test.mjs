// Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases, and their errors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DAY, rejectsKms, setup } from './helpers.mjs';

const ARN_PREFIX = 'arn:aws:kms:us-east-1:111122223333:';

describe('CreateAlias', () => {
  test('creates an alias that names the key, by key id or key ARN', async () => {
    const { service, key, clock } = await setup();
    assert.deepEqual(await service.request('CreateAlias', { AliasName: 'alias/by-id', TargetKeyId: key.KeyId }), {});
    clock.advance(1000);
    await service.request('CreateAlias', { AliasName: 'alias/team/by_arn-2', TargetKeyId: key.Arn });
    const { Aliases, Truncated } = await service.request('ListAliases', {});
    assert.equal(Truncated, false);
    assert.deepEqual(Aliases, [
      { AliasName: 'alias/by-id', AliasArn: `${ARN_PREFIX}alias/by-id`, TargetKeyId: key.KeyId, CreationDate: key.CreationDate, LastUpdatedDate: key.CreationDate },
      { AliasName: 'alias/team/by_arn-2', AliasArn: `${ARN_PREFIX}alias/team/by_arn-2`, TargetKeyId: key.KeyId, CreationDate: key.CreationDate + 1, LastUpdatedDate: key.CreationDate + 1 },
    ]);
  });

  test('alias names: prefix, reserved alias/aws/, characters, length', async () => {
    const { service, key } = await setup();
    const create = (AliasName) => service.request('CreateAlias', { AliasName, TargetKeyId: key.KeyId });
    await rejectsKms(create('no-prefix'), 'ValidationException', /^Alias must start with the prefix "alias\/"/);
    await rejectsKms(create('alias/aws/mine'), 'NotAuthorizedException', /reserved/);
    await rejectsKms(create('alias/a:b'), 'ValidationException', /^alias\/a:b contains invalid characters for an alias$/);
    await rejectsKms(create('alias/'), 'ValidationException', /invalid characters/);
    await rejectsKms(
      create('alias/white space'),
      'ValidationException',
      /^1 validation error detected: Value 'alias\/white space' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: \^\[a-zA-Z0-9:\/_-\]\+\$$/,
    );
    await rejectsKms(create(`alias/${'a'.repeat(251)}`), 'ValidationException', /less than or equal to 256/);
    await rejectsKms(service.request('CreateAlias', { TargetKeyId: key.KeyId }), 'ValidationException', /Value null at 'aliasName'/);
    await rejectsKms(
      service.request('CreateAlias', {}),
      'ValidationException',
      /^2 validation errors detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null; Value null at 'targetKeyId'/,
    );
  });

  test('an existing name is AlreadyExistsException; the target must be a key, and not pending deletion', async () => {
    const { service, key } = await setup();
    await service.request('CreateAlias', { AliasName: 'alias/taken', TargetKeyId: key.KeyId });
    await rejectsKms(
      service.request('CreateAlias', { AliasName: 'alias/taken', TargetKeyId: key.KeyId }),
      'AlreadyExistsException',
      new RegExp(`^An alias with the name ${ARN_PREFIX}alias/taken already exists$`),
    );
    await rejectsKms(service.request('CreateAlias', { AliasName: 'alias/x', TargetKeyId: 'alias/taken' }), 'ValidationException', /Aliases must refer to keys/);
    await rejectsKms(service.request('CreateAlias', { AliasName: 'alias/x', TargetKeyId: '00000000-0000-4000-8000-000000000000' }), 'NotFoundException');
    await service.request('DisableKey', { KeyId: key.KeyId });
    await service.request('CreateAlias', { AliasName: 'alias/on-disabled', TargetKeyId: key.KeyId }); // allowed
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId });
    await rejectsKms(service.request('CreateAlias', { AliasName: 'alias/x', TargetKeyId: key.KeyId }), 'KMSInvalidStateException', /pending deletion/);
  });
});

describe('UpdateAlias', () => {
  test('points an alias at another key; the alias must exist', async () => {
    const { service, key, clock } = await setup();
    const other = (await service.request('CreateKey', {})).KeyMetadata;
    await service.request('CreateAlias', { AliasName: 'alias/current', TargetKeyId: key.KeyId });
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: 'alias/current', Plaintext: 'AQID' });
    clock.advance(DAY);
    assert.deepEqual(await service.request('UpdateAlias', { AliasName: 'alias/current', TargetKeyId: other.Arn }), {});
    const [alias] = (await service.request('ListAliases', {})).Aliases;
    assert.equal(alias.TargetKeyId, other.KeyId);
    assert.equal(alias.LastUpdatedDate, alias.CreationDate + DAY / 1000);
    assert.equal((await service.request('Encrypt', { KeyId: 'alias/current', Plaintext: 'AQID' })).KeyId, other.Arn);
    // The old ciphertext names its own key, not the alias: it still decrypts.
    assert.equal((await service.request('Decrypt', { CiphertextBlob })).KeyId, key.Arn);
    await rejectsKms(service.request('UpdateAlias', { AliasName: 'alias/none', TargetKeyId: key.KeyId }), 'NotFoundException', /alias\/none is not found/);
    await rejectsKms(service.request('UpdateAlias', { AliasName: 'alias/current', TargetKeyId: 'alias/current' }), 'ValidationException');
    await rejectsKms(service.request('UpdateAlias', { AliasName: 'alias/aws/s3', TargetKeyId: key.KeyId }), 'NotAuthorizedException');
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId });
    await rejectsKms(service.request('UpdateAlias', { AliasName: 'alias/current', TargetKeyId: key.KeyId }), 'KMSInvalidStateException');
  });
});

describe('DeleteAlias', () => {
  test('deletes the alias, not the key', async () => {
    const { service, key } = await setup();
    await service.request('CreateAlias', { AliasName: 'alias/gone', TargetKeyId: key.KeyId });
    assert.deepEqual(await service.request('DeleteAlias', { AliasName: 'alias/gone' }), {});
    assert.deepEqual((await service.request('ListAliases', {})).Aliases, []);
    await rejectsKms(service.request('DescribeKey', { KeyId: 'alias/gone' }), 'NotFoundException');
    await service.request('DescribeKey', { KeyId: key.KeyId });
    await rejectsKms(service.request('DeleteAlias', { AliasName: 'alias/gone' }), 'NotFoundException', new RegExp(`^Alias ${ARN_PREFIX}alias/gone is not found\\.$`));
    await rejectsKms(service.request('DeleteAlias', { AliasName: 'gone' }), 'ValidationException', /prefix/);
    await rejectsKms(service.request('DeleteAlias', {}), 'ValidationException');
  });

  test('works while the key is pending deletion', async () => {
    const { service, key } = await setup();
    await service.request('CreateAlias', { AliasName: 'alias/p', TargetKeyId: key.KeyId });
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId });
    await service.request('DeleteAlias', { AliasName: 'alias/p' });
  });
});

describe('ListAliases', () => {
  test('filters by key (id or ARN, not alias), pages with Limit and Marker, sorted by name', async () => {
    const { service, key } = await setup();
    const other = (await service.request('CreateKey', {})).KeyMetadata;
    for (const name of ['c', 'a', 'b']) await service.request('CreateAlias', { AliasName: `alias/${name}`, TargetKeyId: key.KeyId });
    await service.request('CreateAlias', { AliasName: 'alias/other', TargetKeyId: other.KeyId });
    const names = async (input) => (await service.request('ListAliases', input)).Aliases.map((a) => a.AliasName);
    assert.deepEqual(await names({}), ['alias/a', 'alias/b', 'alias/c', 'alias/other']);
    assert.deepEqual(await names({ KeyId: key.KeyId }), ['alias/a', 'alias/b', 'alias/c']);
    assert.deepEqual(await names({ KeyId: other.Arn }), ['alias/other']);
    const first = await service.request('ListAliases', { Limit: 3 });
    assert.equal(first.Truncated, true);
    assert.deepEqual((await service.request('ListAliases', { Limit: 3, Marker: first.NextMarker })).Aliases.map((a) => a.AliasName), ['alias/other']);
    await rejectsKms(service.request('ListAliases', { KeyId: 'alias/a' }), 'NotFoundException');
    await rejectsKms(service.request('ListAliases', { KeyId: '00000000-0000-4000-8000-000000000000' }), 'NotFoundException');
    await rejectsKms(service.request('ListAliases', { Marker: 'not base64!' }), 'InvalidMarkerException');
  });
});
