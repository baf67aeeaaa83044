// The service object: construction, request() as a transport, request shapes (SerializationException
// and ValidationException), unknown operations, and one-at-a-time execution.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DemoKeyService, MemoryKeyStore, OPERATION_NAMES } from '../../../pkg-templates/demo-kms/index.js';

import { rejectsKms, setup } from './helpers.mjs';

describe('DemoKeyService', () => {
  test('answers the KMS operations of DESIGN.md §6', () => {
    assert.deepEqual([...OPERATION_NAMES].sort(), [
      'CancelKeyDeletion', 'CreateAlias', 'CreateKey', 'Decrypt', 'DeleteAlias', 'DescribeKey', 'DisableKey',
      'DisableKeyRotation', 'EnableKey', 'EnableKeyRotation', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext',
      'GetKeyRotationStatus', 'ListAliases', 'ListKeyRotations', 'ListKeys', 'ListResourceTags', 'ReEncrypt',
      'RotateKeyOnDemand', 'ScheduleKeyDeletion', 'UpdateAlias',
    ]);
  });

  test('request is bound: it is a KMS transport (operation, input) => Promise<output>', async () => {
    const { service, key } = await setup();
    const transport = service.request;
    const { CiphertextBlob } = await transport('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' });
    assert.equal((await transport('Decrypt', { CiphertextBlob })).Plaintext, 'AQID');
  });

  test('constructor options are checked', () => {
    assert.throws(() => new DemoKeyService({ region: 'US East' }), TypeError);
    assert.throws(() => new DemoKeyService({ accountId: '123' }), TypeError);
    assert.throws(() => new DemoKeyService({ clock: 5 }), TypeError);
    assert.throws(() => new DemoKeyService({ onAudit: 'log' }), TypeError);
    assert.throws(() => new DemoKeyService({ store: {} }), /store has no getKey\(\)/);
    assert.ok(new DemoKeyService().store instanceof MemoryKeyStore);
  });

  test('a clock that returns nonsense is a TypeError, not a KMS error', async () => {
    const service = new DemoKeyService({ clock: () => 'noon' });
    await assert.rejects(service.request('ListKeys', {}), TypeError);
  });
});

describe('request shapes', () => {
  test('an unknown operation is UnknownOperationException', async () => {
    const service = new DemoKeyService();
    await rejectsKms(service.request('Sign', {}), 'UnknownOperationException', /Sign/);
    await rejectsKms(service.request('toString', {}), 'UnknownOperationException');
    await rejectsKms(service.request('__proto__', {}), 'UnknownOperationException');
    await rejectsKms(service.request(42, {}), 'UnknownOperationException');
  });

  test('input that is not an object is SerializationException; absent input is {}', async () => {
    const service = new DemoKeyService();
    for (const input of ['{}', 5, [], true, new Uint8Array(2)]) await rejectsKms(service.request('ListKeys', input), 'SerializationException');
    assert.equal((await service.request('ListKeys')).Truncated, false);
    assert.equal((await service.request('ListKeys', null)).Truncated, false);
  });

  test('a member of the wrong JSON type is SerializationException', async () => {
    const { service, key } = await setup();
    const cases = [
      ['DescribeKey', { KeyId: 42 }],
      ['DescribeKey', { KeyId: { id: key.KeyId } }],
      ['ListKeys', { Limit: '10' }],
      ['Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', DryRun: 'false' }],
      ['Encrypt', { KeyId: key.KeyId, Plaintext: ['AQID'] }],
      ['Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionContext: 'a=b' }],
      ['Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionContext: { a: null } }],
      ['Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', GrantTokens: 'token' }],
      ['Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', GrantTokens: [1] }],
      ['CreateKey', { Tags: { TagKey: 'a', TagValue: 'b' } }],
      ['CreateKey', { Tags: ['a'] }],
      ['CreateKey', { Tags: [{ TagKey: 1, TagValue: 'b' }] }],
      ['Decrypt', { CiphertextBlob: 'AQID', Recipient: 'enclave' }],
    ];
    for (const [op, input] of cases) {
      const e = await rejectsKms(service.request(op, input), 'SerializationException');
      assert.match(e.message, /can not be converted|base64/, JSON.stringify(input));
    }
  });

  test('several violations are reported together, as AWS does', async () => {
    const { service } = await setup();
    await rejectsKms(
      service.request('GenerateDataKey', { KeyId: '', NumberOfBytes: 2048, KeySpec: 'AES_1' }),
      'ValidationException',
      /^3 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '2048' at 'numberOfBytes' .*; Value 'AES_1' at 'keySpec' /,
    );
  });

  test('unknown members are ignored; null members are absent', async () => {
    const { service, key } = await setup();
    const out = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', Future: 'field', EncryptionContext: null, GrantTokens: null });
    assert.equal((await service.request('Decrypt', { CiphertextBlob: out.CiphertextBlob, KeyId: null })).Plaintext, 'AQID');
  });

  test('base64: padding optional, nothing else accepted', async () => {
    const { service, key } = await setup();
    for (const Plaintext of ['AQID', 'AQI=', 'AQI', 'AQ==', 'AQ', 'QUJD']) {
      await service.request('Encrypt', { KeyId: key.KeyId, Plaintext });
    }
    for (const Plaintext of ['A', 'AQ=', 'AQ I=', 'AQ-_', 'AQID\n', '====']) {
      await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext }), 'SerializationException');
    }
  });
});

describe('one operation at a time', () => {
  test('concurrent calls do not lose updates', async () => {
    const { service, key } = await setup();
    await Promise.all(Array.from({ length: 10 }, () => service.request('RotateKeyOnDemand', { KeyId: key.KeyId })));
    const rotations = await service.request('ListKeyRotations', { KeyId: key.KeyId });
    assert.equal(rotations.Rotations.length, 10);
    const results = await Promise.allSettled([
      service.request('CreateAlias', { AliasName: 'alias/race', TargetKeyId: key.KeyId }),
      service.request('CreateAlias', { AliasName: 'alias/race', TargetKeyId: key.KeyId }),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected']);
    assert.equal(results[1].reason.__type, 'AlreadyExistsException');
    // A failed call does not block the ones after it.
    await rejectsKms(service.request('DescribeKey', { KeyId: 'alias/none' }), 'NotFoundException');
    await service.request('DescribeKey', { KeyId: 'alias/race' });
  });
});
