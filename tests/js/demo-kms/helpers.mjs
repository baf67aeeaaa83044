// Shared helpers of the demo key service suites (node:test, in-memory store).

import assert from 'node:assert/strict';

import { DemoKeyService } from '../../../pkg-templates/demo-kms/index.js';

export const DAY = 86_400_000;
export const START = Date.UTC(2030, 0, 1);

/** A clock the test moves by hand. */
export function fakeClock(start = START) {
  let now = start;
  const clock = () => now;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}

/** A fresh service on a fake clock, with one enabled key; `entries` collects onAudit calls. */
export async function setup(options = {}) {
  const clock = fakeClock();
  const entries = [];
  const service = new DemoKeyService({ clock, onAudit: (e) => entries.push(e), ...options });
  const { KeyMetadata } = await service.request('CreateKey', { Description: 'test key' });
  return { service, clock, entries, key: KeyMetadata };
}

/** Asserts that `promise` rejects with a KMS error of `type` (name, code and __type) and returns it. */
export async function rejectsKms(promise, type, messagePattern) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${type}, but the call succeeded`);
  assert.ok(error instanceof Error, 'a KMS error is an Error');
  assert.equal(error.__type, type, `expected ${type}, got ${error.__type}: ${error.message}`);
  assert.equal(error.name, type);
  assert.equal(error.code, type);
  assert.equal(typeof error.message, 'string');
  if (messagePattern) assert.match(error.message, messagePattern);
  return error;
}

export const b64 = (bytes) => Buffer.from(bytes).toString('base64');
export const unb64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));
export const text64 = (s) => Buffer.from(s, 'utf8').toString('base64');

/** The key id and material version a demo ciphertext blob names (see docs/demo-kms.md). */
export function blobInfo(base64Blob) {
  const blob = unb64(base64Blob);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const idLength = view.getUint16(1);
  return {
    version: blob[0],
    keyId: new TextDecoder().decode(blob.subarray(3, 3 + idLength)),
    materialVersion: view.getUint32(3 + idLength),
    headerLength: 3 + idLength + 4,
    length: blob.length,
  };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Serves `handleKmsFetch(service, request)` over real HTTP on 127.0.0.1 (a random port), the way a
 * service worker answers fetches; returns the endpoint URL and a close function.
 */
export async function serveOverHttp(service) {
  const { createServer } = await import('node:http');
  const { handleKmsFetch } = await import('../../../pkg-templates/demo-kms/index.js');
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
    });
    const response = await handleKmsFetch(service, request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
