// Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext: outputs,
// the blob format, encryption context binding, tampering, and every error path.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BLOB_VERSION, encodeEncryptionContext } from '../../../pkg-templates/demo-kms/index.js';

import { b64, blobInfo, rejectsKms, setup, text64, unb64 } from './helpers.mjs';

const bytes = (n, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('Encrypt and Decrypt', () => {
  test('round-trip 1 to 4096 bytes; the blob names the key and material version 1', async () => {
    const { service, key } = await setup();
    for (const n of [1, 2, 100, 4095, 4096]) {
      const plaintext = b64(bytes(n));
      const out = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: plaintext });
      assert.deepEqual(Object.keys(out).sort(), ['CiphertextBlob', 'EncryptionAlgorithm', 'KeyId']);
      assert.equal(out.KeyId, key.Arn);
      assert.equal(out.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
      const info = blobInfo(out.CiphertextBlob);
      assert.deepEqual(
        { version: info.version, keyId: info.keyId, materialVersion: info.materialVersion, length: info.length },
        { version: BLOB_VERSION, keyId: key.KeyId, materialVersion: 1, length: 1 + 2 + 36 + 4 + 12 + n + 16 },
      );
      assert.equal(BLOB_VERSION, 0xd1);
      const back = await service.request('Decrypt', { CiphertextBlob: out.CiphertextBlob });
      assert.deepEqual(back, {
        KeyId: key.Arn,
        Plaintext: plaintext,
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        KeyMaterialId: key.CurrentKeyMaterialId,
      });
    }
  });

  test('the same plaintext encrypts differently each time (fresh IV)', async () => {
    const { service, key } = await setup();
    const a = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AAAA' });
    const b = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AAAA' });
    assert.notEqual(a.CiphertextBlob, b.CiphertextBlob);
  });

  test('Plaintext: 1 to 4096 bytes, required, never echoed in the message; Uint8Array accepted', async () => {
    const { service, key } = await setup();
    const big = b64(bytes(4097));
    const e = await rejectsKms(
      service.request('Encrypt', { KeyId: key.KeyId, Plaintext: big }),
      'ValidationException',
      /^1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096$/,
    );
    assert.ok(!e.message.includes(big.slice(0, 16)));
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: '' }), 'ValidationException', /greater than or equal to 1/);
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId }), 'ValidationException', /Value null at 'plaintext'/);
    await rejectsKms(service.request('Encrypt', { Plaintext: 'AA==' }), 'ValidationException', /Value null at 'keyId'/);
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'not base64!' }), 'SerializationException');
    const raw = bytes(10);
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: raw });
    assert.deepEqual(raw, bytes(10), 'the caller buffer is left alone');
    assert.equal((await service.request('Decrypt', { CiphertextBlob: unb64(CiphertextBlob) })).Plaintext, b64(raw));
  });

  test('Decrypt with a KeyId: the same key by any name works; another key is IncorrectKeyException', async () => {
    const { service, key } = await setup();
    const other = (await service.request('CreateKey', {})).KeyMetadata;
    await service.request('CreateAlias', { AliasName: 'alias/mine', TargetKeyId: key.KeyId });
    await service.request('CreateAlias', { AliasName: 'alias/other', TargetKeyId: other.KeyId });
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: 'alias/mine', Plaintext: 'AQID' });
    for (const KeyId of [key.KeyId, key.Arn, 'alias/mine', 'arn:aws:kms:us-east-1:111122223333:alias/mine']) {
      assert.equal((await service.request('Decrypt', { CiphertextBlob, KeyId })).Plaintext, 'AQID');
    }
    for (const KeyId of [other.KeyId, 'alias/other']) {
      await rejectsKms(service.request('Decrypt', { CiphertextBlob, KeyId }), 'IncorrectKeyException', /does not identify a CMK that can perform this operation/);
    }
    await rejectsKms(service.request('Decrypt', { CiphertextBlob, KeyId: 'alias/none' }), 'NotFoundException');
  });

  test('Decrypt input errors', async () => {
    const { service } = await setup();
    await rejectsKms(service.request('Decrypt', {}), 'ValidationException', /Value null at 'ciphertextBlob'/);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob: '' }), 'ValidationException', /^1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1$/);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob: b64(bytes(6145)) }), 'ValidationException', /less than or equal to 6144/);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob: 'AQID$' }), 'SerializationException', /base64/);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob: 42 }), 'SerializationException');
  });

  test('blobs that are not ours, truncated or tampered with are InvalidCiphertextException', async () => {
    const { service, key } = await setup();
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: b64(bytes(40)), EncryptionContext: { a: 'b' } });
    const blob = unb64(CiphertextBlob);
    const { headerLength } = blobInfo(CiphertextBlob);
    const decrypt = (bytesIn) => service.request('Decrypt', { CiphertextBlob: b64(bytesIn), EncryptionContext: { a: 'b' } });
    // A real KMS blob starts 0x01 0x02 0x02 0x00; random bytes; an empty-looking blob.
    for (const junk of [Uint8Array.of(1, 2, 2, 0, 0x78, ...bytes(150)), bytes(200, 3), new Uint8Array(80)]) {
      await rejectsKms(decrypt(junk), 'InvalidCiphertextException');
    }
    for (let n = 1; n < blob.length; n += n < 60 ? 1 : 7) {
      await rejectsKms(decrypt(blob.subarray(0, n)), 'InvalidCiphertextException', undefined);
    }
    for (let i = 0; i < blob.length; i++) {
      const tampered = blob.slice();
      tampered[i] ^= 0x01;
      // A key id byte flipped to another hex digit names another (unknown) key: NotFoundException,
      // as for a deleted key. Everything else is InvalidCiphertextException.
      const e = await decrypt(tampered).then(() => assert.fail(`byte ${i} flipped still decrypts`), (err) => err);
      const renamesKey = i >= 3 && i < 3 + 36 && /^[0-9a-f]$/.test(String.fromCharCode(tampered[i]));
      assert.equal(e.__type, renamesKey ? 'NotFoundException' : 'InvalidCiphertextException', `byte ${i}`);
    }
    const longer = new Uint8Array(blob.length + 1);
    longer.set(blob);
    await rejectsKms(decrypt(longer), 'InvalidCiphertextException');
    assert.equal((await decrypt(blob)).Plaintext, b64(bytes(40)), 'the untouched blob still decrypts');
    assert.ok(headerLength > 0);
  });

  test('the encryption context is bound: missing, extra, changed or re-split pairs fail', async () => {
    const { service, key } = await setup();
    const context = { tenant: 'acme', 'file ✓': 'report.pdf', '': 'empty key', empty: '' };
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionContext: context });
    const reordered = Object.fromEntries(Object.entries(context).reverse());
    assert.equal((await service.request('Decrypt', { CiphertextBlob, EncryptionContext: reordered })).Plaintext, 'AQID');
    const { tenant, ...missing } = context;
    for (const wrong of [undefined, {}, missing, { ...context, extra: 'x' }, { ...context, tenant: 'acme2' }, { ...context, tenant: 'Acme' }]) {
      await rejectsKms(service.request('Decrypt', { CiphertextBlob, ...(wrong ? { EncryptionContext: wrong } : {}) }), 'InvalidCiphertextException');
    }
    assert.ok(tenant);
    // {"ab":"c"} and {"a":"bc"} concatenate to the same bytes; the length-prefixed encoding tells them apart.
    const split = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionContext: { ab: 'c' } });
    await rejectsKms(service.request('Decrypt', { CiphertextBlob: split.CiphertextBlob, EncryptionContext: { a: 'bc' } }), 'InvalidCiphertextException');
    // No context on encrypt: only no context (or an empty one) decrypts.
    const none = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' });
    assert.equal((await service.request('Decrypt', { CiphertextBlob: none.CiphertextBlob, EncryptionContext: {} })).Plaintext, 'AQID');
    await rejectsKms(service.request('Decrypt', { CiphertextBlob: none.CiphertextBlob, EncryptionContext: { a: 'b' } }), 'InvalidCiphertextException');
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionContext: { n: 1 } }), 'SerializationException');
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionContext: ['a'] }), 'SerializationException');
  });

  test('the encryption context encoding: count, then sorted length-prefixed pairs', () => {
    const hex = (u8) => Buffer.from(u8).toString('hex');
    assert.equal(hex(encodeEncryptionContext({})), '00000000');
    assert.equal(
      hex(encodeEncryptionContext({ b: 'xy', a: '' })),
      '00000002' + '00000001' + '61' + '00000000' + '00000001' + '62' + '00000002' + '7879',
    );
    // Sorted by UTF-8 bytes, not UTF-16 code units: U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80).
    const encoded = encodeEncryptionContext({ '😀': '1', '～': '2' });
    assert.equal(hex(encoded.subarray(4, 8 + 3)), '00000003efbd9e');
    assert.notEqual(hex(encodeEncryptionContext({ ab: 'c' })), hex(encodeEncryptionContext({ a: 'bc' })));
  });

  test('asymmetric algorithms are InvalidKeyUsageException; unknown ones ValidationException', async () => {
    const { service, key } = await setup();
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }), 'InvalidKeyUsageException');
    await rejectsKms(service.request('Decrypt', { CiphertextBlob, EncryptionAlgorithm: 'SM2PKE' }), 'InvalidKeyUsageException');
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionAlgorithm: 'AES' }), 'ValidationException', /at 'encryptionAlgorithm'.*enum value set: \[SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE\]/);
  });

  test('DryRun answers DryRunOperationException and does nothing; GrantTokens are accepted', async () => {
    const { service, key } = await setup();
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', GrantTokens: ['token'] });
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', DryRun: true }), 'DryRunOperationException');
    await rejectsKms(service.request('Decrypt', { CiphertextBlob, DryRun: true }), 'DryRunOperationException');
    await rejectsKms(service.request('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256', DryRun: true }), 'DryRunOperationException');
    await rejectsKms(service.request('ReEncrypt', { CiphertextBlob, DestinationKeyId: key.KeyId, DryRun: true }), 'DryRunOperationException');
    assert.equal((await service.request('Decrypt', { CiphertextBlob, DryRun: false })).Plaintext, 'AQID');
    await rejectsKms(service.request('Decrypt', { CiphertextBlob, GrantTokens: Array(11).fill('t') }), 'ValidationException', /at 'grantTokens'.*less than or equal to 10/);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob, Recipient: { AttestationDocument: 'AA==' } }), 'UnsupportedOperationException');
  });

  test('a key pending deletion refuses cryptographic operations with KMSInvalidStateException', async () => {
    const { service, key } = await setup();
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' });
    await service.request('ScheduleKeyDeletion', { KeyId: key.KeyId });
    const pending = /is pending deletion\.$/;
    await rejectsKms(service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' }), 'KMSInvalidStateException', pending);
    await rejectsKms(service.request('Decrypt', { CiphertextBlob }), 'KMSInvalidStateException', pending);
    await rejectsKms(service.request('GenerateDataKey', { KeyId: key.KeyId, NumberOfBytes: 32 }), 'KMSInvalidStateException', pending);
    await rejectsKms(service.request('GenerateDataKeyWithoutPlaintext', { KeyId: key.KeyId, NumberOfBytes: 32 }), 'KMSInvalidStateException', pending);
  });
});

describe('ReEncrypt', () => {
  test('moves a ciphertext to another key and context without showing the plaintext', async () => {
    const { service, key } = await setup();
    const dest = (await service.request('CreateKey', {})).KeyMetadata;
    await service.request('CreateAlias', { AliasName: 'alias/dest', TargetKeyId: dest.KeyId });
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'c2VjcmV0', EncryptionContext: { v: '1' } });
    const out = await service.request('ReEncrypt', {
      CiphertextBlob,
      SourceEncryptionContext: { v: '1' },
      SourceKeyId: key.Arn,
      DestinationKeyId: 'alias/dest',
      DestinationEncryptionContext: { v: '2' },
    });
    assert.deepEqual(Object.keys(out).sort(), [
      'CiphertextBlob', 'DestinationEncryptionAlgorithm', 'DestinationKeyMaterialId', 'KeyId', 'SourceEncryptionAlgorithm', 'SourceKeyId', 'SourceKeyMaterialId',
    ]);
    assert.equal(out.SourceKeyId, key.Arn);
    assert.equal(out.KeyId, dest.Arn);
    assert.equal(out.SourceKeyMaterialId, key.CurrentKeyMaterialId);
    assert.equal(out.DestinationKeyMaterialId, dest.CurrentKeyMaterialId);
    assert.equal(blobInfo(out.CiphertextBlob).keyId, dest.KeyId);
    assert.equal((await service.request('Decrypt', { CiphertextBlob: out.CiphertextBlob, EncryptionContext: { v: '2' } })).Plaintext, 'c2VjcmV0');
    await rejectsKms(service.request('Decrypt', { CiphertextBlob: out.CiphertextBlob, EncryptionContext: { v: '1' } }), 'InvalidCiphertextException');
    // To the same key, e.g. to move to the newest key material.
    const same = await service.request('ReEncrypt', { CiphertextBlob, SourceEncryptionContext: { v: '1' }, DestinationKeyId: key.KeyId });
    assert.equal(same.KeyId, key.Arn);
    assert.equal((await service.request('Decrypt', { CiphertextBlob: same.CiphertextBlob })).Plaintext, 'c2VjcmV0');
  });

  test('errors: source context, source key, destination key and their states', async () => {
    const { service, key } = await setup();
    const dest = (await service.request('CreateKey', {})).KeyMetadata;
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID', EncryptionContext: { v: '1' } });
    const base = { CiphertextBlob, SourceEncryptionContext: { v: '1' }, DestinationKeyId: dest.KeyId };
    await rejectsKms(service.request('ReEncrypt', { ...base, SourceEncryptionContext: { v: '2' } }), 'InvalidCiphertextException');
    await rejectsKms(service.request('ReEncrypt', { ...base, SourceKeyId: dest.KeyId }), 'IncorrectKeyException');
    await rejectsKms(service.request('ReEncrypt', { ...base, DestinationKeyId: 'alias/none' }), 'NotFoundException');
    await rejectsKms(service.request('ReEncrypt', { CiphertextBlob }), 'ValidationException', /Value null at 'destinationKeyId'/);
    await rejectsKms(service.request('ReEncrypt', { DestinationKeyId: dest.KeyId }), 'ValidationException', /Value null at 'ciphertextBlob'/);
    await rejectsKms(service.request('ReEncrypt', { ...base, DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }), 'InvalidKeyUsageException');
    await service.request('DisableKey', { KeyId: dest.KeyId });
    await rejectsKms(service.request('ReEncrypt', base), 'DisabledException', new RegExp(dest.KeyId));
    await service.request('EnableKey', { KeyId: dest.KeyId });
    await service.request('DisableKey', { KeyId: key.KeyId });
    await rejectsKms(service.request('ReEncrypt', base), 'DisabledException', new RegExp(key.KeyId));
  });
});

describe('GenerateDataKey and GenerateDataKeyWithoutPlaintext', () => {
  test('KeySpec AES_256 / AES_128 or NumberOfBytes 1-1024; the blob decrypts to the data key', async () => {
    const { service, key } = await setup();
    for (const [spec, length] of [[{ KeySpec: 'AES_256' }, 32], [{ KeySpec: 'AES_128' }, 16], [{ NumberOfBytes: 1 }, 1], [{ NumberOfBytes: 1024 }, 1024], [{ NumberOfBytes: 64 }, 64]]) {
      const out = await service.request('GenerateDataKey', { KeyId: key.KeyId, EncryptionContext: { purpose: 'test' }, ...spec });
      assert.deepEqual(Object.keys(out).sort(), ['CiphertextBlob', 'KeyId', 'KeyMaterialId', 'Plaintext']);
      assert.equal(out.KeyId, key.Arn);
      assert.equal(out.KeyMaterialId, key.CurrentKeyMaterialId);
      assert.equal(unb64(out.Plaintext).length, length);
      const back = await service.request('Decrypt', { CiphertextBlob: out.CiphertextBlob, EncryptionContext: { purpose: 'test' } });
      assert.equal(back.Plaintext, out.Plaintext);
    }
    const a = await service.request('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256' });
    const b = await service.request('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256' });
    assert.notEqual(a.Plaintext, b.Plaintext, 'fresh random data keys');
  });

  test('WithoutPlaintext returns no plaintext; Decrypt recovers one of the right length', async () => {
    const { service, key } = await setup();
    await service.request('CreateAlias', { AliasName: 'alias/gdk', TargetKeyId: key.KeyId });
    const out = await service.request('GenerateDataKeyWithoutPlaintext', { KeyId: 'alias/gdk', KeySpec: 'AES_128' });
    assert.deepEqual(Object.keys(out).sort(), ['CiphertextBlob', 'KeyId', 'KeyMaterialId']);
    assert.equal(out.KeyId, key.Arn);
    assert.equal(unb64((await service.request('Decrypt', { CiphertextBlob: out.CiphertextBlob })).Plaintext).length, 16);
  });

  test('exactly one of KeySpec and NumberOfBytes, each within its bounds', async () => {
    const { service, key } = await setup();
    for (const op of ['GenerateDataKey', 'GenerateDataKeyWithoutPlaintext']) {
      const either = /^Please specify either number of bytes or key spec\.$/;
      await rejectsKms(service.request(op, { KeyId: key.KeyId }), 'ValidationException', either);
      await rejectsKms(service.request(op, { KeyId: key.KeyId, KeySpec: 'AES_256', NumberOfBytes: 32 }), 'ValidationException', either);
      await rejectsKms(service.request(op, { KeyId: key.KeyId, NumberOfBytes: 0 }), 'ValidationException', /^1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1$/);
      await rejectsKms(service.request(op, { KeyId: key.KeyId, NumberOfBytes: 1025 }), 'ValidationException', /Value '1025' at 'numberOfBytes'.*less than or equal to 1024/);
      await rejectsKms(service.request(op, { KeyId: key.KeyId, KeySpec: 'AES_512' }), 'ValidationException', /Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[AES_256, AES_128\]/);
      await rejectsKms(service.request(op, { KeyId: key.KeyId, NumberOfBytes: '32' }), 'SerializationException');
      await rejectsKms(service.request(op, { KeyId: key.KeyId, NumberOfBytes: 1.5 }), 'SerializationException');
      await rejectsKms(service.request(op, { KeyId: 'alias/missing', KeySpec: 'AES_256' }), 'NotFoundException');
      await rejectsKms(service.request(op, { KeySpec: 'AES_256' }), 'ValidationException', /Value null at 'keyId'/);
    }
    await rejectsKms(service.request('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256', Recipient: {} }), 'UnsupportedOperationException');
  });
});
