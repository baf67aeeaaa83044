// Known answers: messages written by the official AWS Encryption SDK for .NET (shared
// esdk-vectors, raw AES cases) decrypt to the expected plaintext; its known-bad messages fail.
// The directory is $ENVSEAL_VECTORS_DIR or shared/esdk-vectors beside the repository.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { RawAesKeyring, decrypt, init } from 'envseal';

import { vectorsDir } from './helpers.mjs';

await init();

const root = vectorsDir();

/** The raw AES cases of an `awses-decrypt` manifest, with what each needs to run. */
function aesCases(dirName) {
  const dir = join(root, dirName);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')).keys;
  const file = (uri) => readFileSync(join(dir, uri.replace(/^file:\/\//, '')));
  return Object.entries(manifest.tests)
    .filter(([, t]) => t['master-keys'].every((k) => k.type === 'raw' && k['encryption-algorithm'] === 'aes'))
    .map(([name, t]) => {
      const keyrings = t['master-keys'].map((mk) => {
        const key = keys[mk.key];
        return new RawAesKeyring({
          keyNamespace: mk['provider-id'],
          keyName: key['key-id'],
          wrappingKey: new Uint8Array(Buffer.from(key.material, 'base64')),
        });
      });
      return {
        name,
        suite: parseInt(name.slice(0, 4), 16),
        keyring: keyrings[0],
        ciphertext: new Uint8Array(file(t.ciphertext)),
        encryptionContext: t['encryption-context'] ?? {},
        plaintext: t.result.output ? new Uint8Array(file(t.result.output.plaintext)) : undefined,
      };
    });
}

describe('net-4.0.1-raw: ESDK-NET messages decrypt', () => {
  const cases = aesCases('net-4.0.1-raw');
  test('the manifest has raw AES cases for every suite', () => {
    assert.equal(cases.length, 33);
    assert.equal(new Set(cases.map((c) => c.suite)).size, 11);
  });
  for (const c of cases) {
    test(c.name, async () => {
      // Legacy (v1) suites are read only when the policy allows them.
      const commitmentPolicy = c.suite >= 0x0478 ? undefined : 'REQUIRE_ENCRYPT_ALLOW_DECRYPT';
      const { plaintext, header } = await decrypt(c.keyring, c.ciphertext, {
        encryptionContext: c.encryptionContext,
        commitmentPolicy,
      });
      assert.deepEqual(plaintext, c.plaintext);
      assert.equal(header.suiteId, c.suite);
      assert.equal(header.version, c.suite >= 0x0478 ? 2 : 1);
      if (c.suite < 0x0478) {
        await assert.rejects(decrypt(c.keyring, c.ciphertext, { encryptionContext: c.encryptionContext }), {
          code: 'COMMITMENT_POLICY',
        });
      }
    });
  }
});

describe('net-4.0.0-known-bad: messages a conforming decryptor rejects', () => {
  for (const c of aesCases('net-4.0.0-known-bad')) {
    test(c.name, async () => {
      assert.equal(c.plaintext, undefined);
      const error = await decrypt(c.keyring, c.ciphertext, {
        encryptionContext: c.encryptionContext,
        commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT',
      }).then(
        () => assert.fail('a known-bad message decrypted'),
        (e) => e,
      );
      assert.ok(['DECRYPT_FAILED', 'COMMITMENT_MISMATCH'].includes(error.code), `${error.code}: ${error.message}`);
    });
  }
});
