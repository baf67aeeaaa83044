// Hardening round 2, KMS findings: a discovery keyring cannot be steered to another host by the
// key ARN inside a message, the default transport follows no redirect, and plain http goes only
// to this machine unless allowInsecureHttp says otherwise. Each test failed before the fix.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { KmsKeyring, decrypt, encrypt, init } from 'envseal';

import { localServer, rejectsWithCode, text } from './helpers.mjs';

await init();

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k';
const B64_KEY = Buffer.alloc(32, 7).toString('base64');
const servers = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** A message whose one EDK names a key in `region` (9 characters): written for us-east-1, then
 * the region's bytes replaced, as a hostile writer would (the header tag is then wrong, but a
 * discovery keyring reads the EDK before anything is authenticated). */
async function messageInRegion(region) {
  assert.equal(region.length, 'us-east-1'.length);
  const transport = async () => ({ KeyId: ARN, Plaintext: B64_KEY, CiphertextBlob: 'AQID' });
  const message = Buffer.from((await encrypt(new KmsKeyring({ keyId: ARN, transport }), text('secret'))).ciphertext);
  const at = message.indexOf(ARN);
  assert.ok(at > 0);
  message.write(region, at + 'arn:aws:kms:'.length, 'latin1');
  return new Uint8Array(message);
}

/** Runs `body` with fetch replaced by a recorder answering AccessDeniedException. */
async function withRecordedFetch(body) {
  const calls = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    calls.push({ url: String(url), init });
    return new Response(JSON.stringify({ __type: 'AccessDeniedException', message: 'stub' }), { status: 400 });
  };
  try {
    await body();
  } finally {
    globalThis.fetch = realFetch;
  }
  return calls;
}

describe('a discovery keyring builds hosts only from checked region names', () => {
  for (const region of ['evil.ex/?', 'evil.ex#x', 'e.evil.ex', 'x@evil.ex']) {
    test(`an EDK claiming region ${JSON.stringify(region)} is not tried, and nothing is sent`, async () => {
      const message = await messageInRegion(region);
      const calls = await withRecordedFetch(async () => {
        const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' };
        await rejectsWithCode(decrypt(new KmsKeyring({ discovery: true, credentials }), message), 'NO_MATCHING_KEY');
      });
      assert.deepEqual(calls, [], 'no request left this process');
    });
  }

  test('a well-formed ARN reaches its region of the AWS partition, and a configured region wins', async () => {
    const message = await messageInRegion('eu-west-3');
    const calls = await withRecordedFetch(async () => {
      await rejectsWithCode(decrypt(new KmsKeyring({ discovery: true }), message), 'KMS_ERROR');
      await rejectsWithCode(decrypt(new KmsKeyring({ discovery: true, region: 'eu-central-1' }), message), 'KMS_ERROR');
    });
    assert.deepEqual(calls.map((c) => c.url), ['https://kms.eu-west-3.amazonaws.com/', 'https://kms.eu-central-1.amazonaws.com/']);
  });

  test('a region option that is not a region name is refused', () => {
    for (const region of ['attacker.example/?', 'US-EAST-1', 'east']) {
      assert.throws(() => new KmsKeyring({ keyId: ARN, region }), (e) => e.code === 'INVALID_ARGUMENT', region);
    }
  });
});

describe('the default transport', () => {
  test('follows no redirect: the Encrypt body (a plaintext data key) never reaches the other origin', async () => {
    const elsewhere = await localServer(() => ({ status: 200, body: JSON.stringify({ KeyId: ARN, CiphertextBlob: 'AQID' }) }));
    const redirecting = await localServer(() => ({ status: 307, headers: { location: elsewhere.url } }));
    servers.push(elsewhere, redirecting);
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' };
    const keyring = new KmsKeyring({ keyId: ARN, endpoint: redirecting.url, credentials });
    const e = await rejectsWithCode(encrypt(keyring, text('x')), 'KMS_UNAVAILABLE');
    assert.match(e.message, /redirect/);
    assert.equal(redirecting.seen.length, 1);
    assert.deepEqual(elsewhere.seen, [], 'the redirect target saw nothing');
  });

  test('with fetch stubbed, every request says redirect: error', async () => {
    const calls = await withRecordedFetch(() => rejectsWithCode(encrypt(new KmsKeyring({ keyId: ARN }), text('x')), 'KMS_ERROR'));
    assert.equal(calls[0].init.redirect, 'error');
  });

  test('plain http only to this machine unless allowInsecureHttp', () => {
    for (const endpoint of ['http://kms.example.com/', 'http://10.0.0.8:4566/', 'http://127.0.0.1.example.com/']) {
      assert.throws(() => new KmsKeyring({ keyId: ARN, endpoint }), (e) => e.code === 'INVALID_ARGUMENT' && /allowInsecureHttp/.test(e.message), endpoint);
      assert.ok(new KmsKeyring({ keyId: ARN, endpoint, allowInsecureHttp: true }));
    }
    for (const endpoint of ['http://127.0.0.1:4566/', 'http://localhost:8080/kms/', 'http://[::1]:9/', 'https://kms.example.com/']) {
      assert.ok(new KmsKeyring({ keyId: ARN, endpoint }), endpoint);
    }
    assert.throws(() => new KmsKeyring({ keyId: ARN, endpoint: 'http://127.0.0.1/', allowInsecureHttp: 'yes' }), TypeError);
  });
});
