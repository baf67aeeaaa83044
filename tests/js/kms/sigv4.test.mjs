// The SigV4 signer the package exposes (signSigV4, computed in the WebAssembly core; KmsKeyring
// signs with it) gives botocore's signatures for tests/data/sigv4-botocore.json (made by
// tests/interop/sigv4_botocore.py; `make test-interop` checks botocore still agrees).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { init, signSigV4 } from 'envseal';

import { rejectsWithCode, text } from './helpers.mjs';

await init();

const { cases } = JSON.parse(readFileSync(new URL('../../data/sigv4-botocore.json', import.meta.url), 'utf8'));

test('botocore\'s signatures, body as a string and as bytes', () => {
  assert.ok(cases.length >= 5);
  for (const c of cases) {
    const credentials = { accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key, sessionToken: c.session_token };
    for (const body of [c.body, text(c.body)]) {
      const request = {
        method: 'POST',
        host: c.host,
        path: '/',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': c.target },
        body,
      };
      const signed = signSigV4(request, credentials, c.region, c.service, c.amz_date);
      const want = Object.fromEntries(Object.entries(c.expected).filter(([, v]) => v !== null));
      assert.deepEqual(signed, want, c.name);
    }
  }
});

test('bad input is refused with INVALID_ARGUMENT', async () => {
  const request = { method: 'POST', host: 'h', path: '/', body: '' };
  const credentials = { accessKeyId: 'a', secretAccessKey: 's' };
  for (const date of ['2026-11-28', '20261128T1236Z', '20261128X123600Z']) {
    await rejectsWithCode(() => signSigV4(request, credentials, 'r', 'kms', date), 'INVALID_ARGUMENT');
  }
  await rejectsWithCode(() => signSigV4(request, credentials, '', 'kms', '20261128T123600Z'), 'INVALID_ARGUMENT');
  await rejectsWithCode(() => signSigV4(request, { accessKeyId: 'a' }, 'r', 'kms', '20261128T123600Z'), 'INVALID_ARGUMENT', TypeError);
  await rejectsWithCode(() => signSigV4({ ...request, headers: { a: 1 } }, credentials, 'r', 'kms', '20261128T123600Z'), 'INVALID_ARGUMENT', TypeError);
  await rejectsWithCode(() => signSigV4({ ...request, body: 5 }, credentials, 'r', 'kms', '20261128T123600Z'), 'INVALID_ARGUMENT', TypeError);
});
