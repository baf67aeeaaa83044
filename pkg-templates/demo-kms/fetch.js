// @ts-check
// The KMS JSON 1.1 protocol over fetch: `POST` with `X-Amz-Target: TrentService.<Operation>` and
// a JSON body; answers `application/x-amz-json-1.1`, errors as HTTP 400 (500 for internal
// errors) with `{"__type": "...", "message": "..."}`. Uses only Request and Response, so it runs
// in a service worker, a page, a Worker or Node 18+.
//
// SigV4 signatures are accepted and NOT verified: anyone who can reach the endpoint can use every
// key. The signing access key id is recorded in the audit log.

import { kmsErrorResponse } from './errors.js';
import { MALFORMED_JSON } from './schema.js';

const JSON_11 = 'application/x-amz-json-1.1';
const TARGET = /^TrentService\.([A-Za-z0-9]+)$/;
const CREDENTIAL = /Credential=([A-Za-z0-9]+)\//;

/** CORS headers, so that a page on another origin (or a cross-origin fetch) can call the endpoint. */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers':
    'authorization, content-type, x-amz-target, x-amz-date, x-amz-security-token, x-amz-user-agent, x-amz-content-sha256, amz-sdk-invocation-id, amz-sdk-request',
  'access-control-expose-headers': 'x-amzn-requestid',
  'access-control-max-age': '600',
};

/**
 * Answers one KMS JSON request with `service`. Every request that names a `TrentService`
 * operation is run through `service.request` and so lands in the audit log, even when its body
 * is not valid JSON.
 * @param {import('./service.js').DemoKeyService} service
 * @param {Request} request
 * @returns {Promise<Response>}
 */
export async function handleKmsFetch(service, request) {
  const requestId = crypto.randomUUID();
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
  if (request.method !== 'POST') {
    return reply(requestId, 405, {
      __type: 'UnknownOperationException',
      message: `The KMS JSON protocol uses POST, not ${request.method}.`,
    }, { allow: 'POST, OPTIONS' });
  }
  const target = TARGET.exec(request.headers.get('x-amz-target') ?? '');
  if (!target) {
    return reply(requestId, 400, {
      __type: 'UnknownOperationException',
      message: 'The X-Amz-Target header must name a KMS operation, e.g. TrentService.Encrypt.',
    });
  }
  const text = await request.text();
  /** @type {unknown} */
  let input;
  try {
    input = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    input = MALFORMED_JSON;
  }
  const accessKeyId = CREDENTIAL.exec(request.headers.get('authorization') ?? '')?.[1];
  const userAgent = request.headers.get('x-amz-user-agent') ?? request.headers.get('user-agent') ?? undefined;
  try {
    const output = await service.request(target[1], input, { requestId, accessKeyId, userAgent });
    return reply(requestId, 200, output);
  } catch (error) {
    const { status, body } = kmsErrorResponse(error);
    return reply(requestId, status, body);
  }
}

/**
 * @param {string} requestId
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [extraHeaders]
 */
function reply(requestId, status, body, extraHeaders = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': JSON_11, 'x-amzn-requestid': requestId, ...CORS, ...extraHeaders },
  });
}

/**
 * Whether `url` is the endpoint at `endpoint`: a path on the current origin (`/demo-kms/`), or an
 * absolute URL (`http://localhost:4566/`). A trailing slash is optional.
 * @param {string | URL} url
 * @param {string} endpoint
 */
export function isKmsEndpoint(url, endpoint) {
  const target = new URL(url);
  const base = globalThis.location?.href;
  let want;
  try {
    want = new URL(endpoint, base);
  } catch {
    return false;
  }
  const trim = (/** @type {string} */ p) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
  return target.origin === want.origin && trim(target.pathname) === trim(want.pathname);
}

/**
 * A service worker `fetch` listener that answers requests to `path` with `service`, and lets
 * every other request through untouched:
 * `self.addEventListener('fetch', kmsFetchListener(service, { path: '/demo-kms/' }))`.
 * @param {import('./service.js').DemoKeyService} service
 * @param {{ path?: string }} [options] the endpoint path or URL; default `/demo-kms/`
 * @returns {(event: { request: Request, respondWith(response: Promise<Response>): void }) => void}
 */
export function kmsFetchListener(service, { path = '/demo-kms/' } = {}) {
  return (event) => {
    if (isKmsEndpoint(event.request.url, path)) event.respondWith(handleKmsFetch(service, event.request));
  };
}
