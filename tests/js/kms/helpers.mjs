// Shared helpers of the KmsKeyring suites: the moto server (its URL comes from
// scripts/with-moto.sh as ENVSEAL_MOTO_URL; a suite that needs it fails, it does not skip, when
// it is missing), raw KMS calls for test setup, tiny local HTTP servers that answer like a broken
// KMS, and stream plumbing.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';

import { KmsKeyring, init, signSigV4 } from 'envseal';

/** moto's credentials and region (it checks neither, but routes by the SigV4 credential scope). */
export const MOTO_CREDENTIALS = Object.freeze({ accessKeyId: 'testing', secretAccessKey: 'testing' });
export const MOTO_REGION = 'us-east-1';

/** The moto server's URL; throws (so the suite fails) when the suites run without it. */
export function motoUrl() {
  const url = process.env.ENVSEAL_MOTO_URL;
  if (!url) {
    throw new Error(
      'ENVSEAL_MOTO_URL is not set: these tests need a moto server. Run them as ' +
        '`scripts/with-moto.sh node --test tests/js/kms/` (make test-js does), after scripts/setup.sh python',
    );
  }
  return url.endsWith('/') ? url : `${url}/`;
}

/** One raw KMS JSON call to moto (signed, so moto routes it to KMS); resolves with the answer. */
export async function motoCall(operation, input = {}) {
  await init();
  const url = new URL(motoUrl());
  const body = JSON.stringify(input);
  const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` };
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  Object.assign(headers, signSigV4({ method: 'POST', host: url.host, path: '/', headers, body }, MOTO_CREDENTIALS, MOTO_REGION, 'kms', amzDate));
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  assert.equal(response.status, 200, `moto ${operation}: HTTP ${response.status}: ${text}`);
  return JSON.parse(text);
}

/** A fresh symmetric key on moto: its ARN. */
export async function createMotoKey(description = 'envseal js test') {
  const { KeyMetadata } = await motoCall('CreateKey', { Description: description });
  return KeyMetadata.Arn;
}

/** A KmsKeyring for `keyId` on moto (signed requests). */
export function motoKeyring(keyId, extra = {}) {
  return new KmsKeyring({ keyId, endpoint: motoUrl(), credentials: MOTO_CREDENTIALS, ...extra });
}

/**
 * A local HTTP server on 127.0.0.1 answering every request with `handler(req, body)` →
 * `{ status, headers?, body }` (or never, if it returns null). Returns its URL, the requests it
 * saw, and close().
 */
export async function localServer(handler) {
  const seen = [];
  const hanging = new Set();
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    seen.push({ method: req.method, url: req.url, headers: req.headers, body });
    const answer = await handler(req, body);
    if (answer === null) {
      hanging.add(res);
      return;
    }
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? '');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections?.();
        server.close(resolve);
      }),
  };
}

// The suites' one byte generator, error assertion and stream pump.
export { bytes, rejectsWithCode } from '../helpers.mjs';
export { through } from '../stream-helpers.mjs';

export const text = (s) => new TextEncoder().encode(s);
export const utf8 = (b) => new TextDecoder().decode(b);
