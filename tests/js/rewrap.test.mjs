// rewrap / rewrapStream: a message moved to other keys with its frames copied byte for byte; the
// new key opens it (envseal and the official AWS Encryption SDK for JavaScript), the old one does
// not; a keyring that runs step by step (the path KMS keyrings take) on either side; streams in
// any chunking; what cannot be rewrapped is refused with a code.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import * as official from '@aws-crypto/client-node';
import { RawAesKeyring, decrypt, encrypt, init, rewrap, rewrapStream } from 'envseal';

import { bytes, rejectsWithCode } from './helpers.mjs';
import { through } from './stream-helpers.mjs';

await init();

const key = (fill) => new Uint8Array(32).fill(fill);
const keyring = (name, fill) => new RawAesKeyring({ keyNamespace: 'rewrap', keyName: name, wrappingKey: key(fill) });
const oldKeys = keyring('old', 1);
const newKeys = keyring('new', 2);
const F = 4096;
const sdk = official.buildClient(official.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const sdkKeyring = (name, fill) =>
  new official.RawAesKeyringNode({
    keyNamespace: 'rewrap',
    keyName: name,
    unencryptedMasterKey: key(fill),
    wrappingSuite: official.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });

/** An application keyring (run step by step, as KMS keyrings are) over a raw AES keyring. */
const stepwise = (inner) => ({
  onEncrypt: (materials) => inner.onEncrypt(materials),
  onDecrypt: (materials, edks) => inner.onDecrypt(materials, edks),
});

describe('rewrap', () => {
  for (const suite of [0x0478, 0x0578]) {
    test(`suite 0x0${suite.toString(16)}: the new key opens it, the old does not, the frames are the same bytes`, async () => {
      for (const size of [0, 1, F, F + 1, 5 * F + 9]) {
        const plaintext = bytes(size, size);
        const { ciphertext, header: oldHeader } = await encrypt(oldKeys, plaintext, { suite, frameLength: F, encryptionContext: { team: 'a' } });
        const { ciphertext: moved, header } = await rewrap(oldKeys, newKeys, ciphertext);
        assert.deepEqual((await decrypt(newKeys, moved)).plaintext, plaintext);
        await rejectsWithCode(decrypt(oldKeys, moved), 'NO_MATCHING_KEY');
        const footer = suite === 0x0578 ? 105 : 0;
        assert.deepEqual(
          moved.subarray(header.headerLength, moved.length - footer),
          ciphertext.subarray(oldHeader.headerLength, ciphertext.length - footer),
          'frames copied',
        );
        assert.deepEqual(header.messageId, oldHeader.messageId);
        assert.equal(header.encryptionContext.team, 'a');
        // The official JavaScript SDK reads it with the new key.
        const { plaintext: read } = await sdk.decrypt(sdkKeyring('new', 2), moved);
        assert.deepEqual(new Uint8Array(read), plaintext, `the AWS SDK, ${size} bytes`);
      }
    });
  }

  test('keyrings that run step by step, on both sides', async () => {
    const plaintext = bytes(3 * F + 1);
    const { ciphertext } = await encrypt(oldKeys, plaintext, { frameLength: F });
    const { ciphertext: moved } = await rewrap(stepwise(oldKeys), stepwise(newKeys), ciphertext);
    assert.deepEqual((await decrypt(newKeys, moved)).plaintext, plaintext);
  });

  test('rewrapStream in any chunking writes a message the new key opens', async () => {
    for (const suite of [0x0478, 0x0578]) {
      const plaintext = bytes(7 * F + 3);
      const { ciphertext } = await encrypt(oldKeys, plaintext, { suite, frameLength: F });
      for (const chunk of [1, 100, F + 7, 1 << 20]) {
        const stream = rewrapStream(oldKeys, newKeys);
        const moved = await through(ciphertext, chunk, stream);
        assert.deepEqual((await decrypt(newKeys, moved)).plaintext, plaintext, `${chunk}-byte chunks`);
        assert.equal((await stream.header).suiteId, suite);
      }
    }
  });

  test('what cannot be rewrapped is refused with a code, and a stream errors', async () => {
    const { ciphertext } = await encrypt(oldKeys, bytes(2 * F), { frameLength: F, suite: 0x0578 });
    await rejectsWithCode(rewrap(keyring('other', 3), newKeys, ciphertext), 'NO_MATCHING_KEY');
    await rejectsWithCode(rewrap(oldKeys, newKeys, ciphertext.subarray(0, ciphertext.length - 1)), 'TRUNCATED');
    await rejectsWithCode(rewrap(oldKeys, newKeys, ciphertext.subarray(0, 20)), 'TRUNCATED');
    await rejectsWithCode(rewrap(oldKeys, newKeys, new Uint8Array([...ciphertext, 0])), 'TRAILING_DATA');
    const badSignature = ciphertext.slice();
    badSignature[badSignature.length - 1] ^= 1;
    await rejectsWithCode(rewrap(oldKeys, newKeys, badSignature), 'SIGNATURE_INVALID');
    await rejectsWithCode(() => rewrap({}, newKeys, ciphertext), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(() => rewrap(oldKeys, newKeys, ciphertext, { frameIvs: 'unique' }), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(() => rewrap(oldKeys, newKeys, 'text'), 'INVALID_ARGUMENT', TypeError);
    const stream = rewrapStream(oldKeys, newKeys);
    await assert.rejects(through(badSignature, 1000, stream), { code: 'SIGNATURE_INVALID' });
    assert.equal((await stream.header).suiteId, 0x0578, 'the new header came before the old signature failed');
    const early = rewrapStream(keyring('other', 3), newKeys);
    await assert.rejects(through(ciphertext, 1000, early), { code: 'NO_MATCHING_KEY' });
    await assert.rejects(early.header, { code: 'NO_MATCHING_KEY' });
  });
});
