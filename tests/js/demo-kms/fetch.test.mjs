// The KMS JSON 1.1 protocol over fetch (handleKmsFetch, kmsFetchListener), with real Request and
// Response objects, as a service worker answers them.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import {
  DemoKeyService,
  KmsError,
  MemoryKeyStore,
  handleKmsFetch,
  isKmsEndpoint,
  kmsErrorResponse,
  kmsFetchListener,
} from '../../../pkg-templates/demo-kms/index.js';

import { UUID, serveOverHttp, setup, text64 } from './helpers.mjs';

const ENDPOINT = 'http://localhost:8080/demo-kms/';

/** A KMS JSON 1.1 request, signed the way SigV4 signs it (the signature itself is not checked). */
function kmsRequest(operation, body, { target = `TrentService.${operation}`, headers = {}, method = 'POST' } = {}) {
  return new Request(ENDPOINT, {
    method,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      ...(target ? { 'x-amz-target': target } : {}),
      'x-amz-date': '20300101T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20300101/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000',
      ...headers,
    },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

async function call(service, operation, body, options) {
  const response = await handleKmsFetch(service, kmsRequest(operation, body, options));
  const text = await response.text();
  return { response, status: response.status, body: text ? JSON.parse(text) : null };
}

describe('handleKmsFetch', () => {
  test('a full round trip: CreateKey, CreateAlias, GenerateDataKey, Decrypt', async () => {
    const { service } = await setup();
    const created = await call(service, 'CreateKey', { Description: 'over fetch' });
    assert.equal(created.status, 200);
    assert.equal(created.response.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.match(created.response.headers.get('x-amzn-requestid'), UUID);
    const key = created.body.KeyMetadata;
    assert.equal(key.Description, 'over fetch');
    assert.equal((await call(service, 'CreateAlias', { AliasName: 'alias/web', TargetKeyId: key.KeyId })).status, 200);
    const gdk = await call(service, 'GenerateDataKey', { KeyId: 'alias/web', KeySpec: 'AES_256', EncryptionContext: { app: 'web' } });
    assert.equal(gdk.status, 200);
    assert.equal(Buffer.from(gdk.body.Plaintext, 'base64').length, 32);
    const dec = await call(service, 'Decrypt', { CiphertextBlob: gdk.body.CiphertextBlob, EncryptionContext: { app: 'web' } });
    assert.deepEqual(dec.body, { KeyId: key.Arn, Plaintext: gdk.body.Plaintext, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT', KeyMaterialId: key.CurrentKeyMaterialId });
    // Operations without output answer an empty JSON object.
    assert.deepEqual((await call(service, 'DisableKey', { KeyId: key.KeyId })).body, {});
    // The response's request id is the audit entry's; the SigV4 access key id is recorded.
    const [entry] = await service.auditLog({ operation: 'DisableKey' });
    assert.equal(entry.claimedAccessKeyId, 'AKIDEXAMPLE');
    const disabled = await handleKmsFetch(service, kmsRequest('Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' }));
    const [failed] = await service.auditLog({ operation: 'Encrypt' });
    assert.equal(failed.requestId, disabled.headers.get('x-amzn-requestid'));
  });

  test('KMS errors are HTTP 400 with {"__type", "message"}', async () => {
    const { service, key } = await setup();
    const cases = [
      ['DescribeKey', { KeyId: 'alias/none' }, 'NotFoundException'],
      ['Encrypt', { KeyId: key.KeyId }, 'ValidationException'],
      ['Decrypt', { CiphertextBlob: text64('not a blob at all, no no no no no') }, 'InvalidCiphertextException'],
      ['GenerateDataKey', { KeyId: key.KeyId, NumberOfBytes: 'many' }, 'SerializationException'],
      ['CancelKeyDeletion', { KeyId: key.KeyId }, 'KMSInvalidStateException'],
    ];
    for (const [op, input, type] of cases) {
      const { status, body, response } = await call(service, op, input);
      assert.equal(status, 400, op);
      assert.deepEqual(Object.keys(body), ['__type', 'message']);
      assert.equal(body.__type, type);
      assert.equal(typeof body.message, 'string');
      assert.equal(response.headers.get('content-type'), 'application/x-amz-json-1.1');
    }
    await service.request('DisableKey', { KeyId: key.KeyId });
    const { body } = await call(service, 'Encrypt', { KeyId: key.KeyId, Plaintext: 'AQID' });
    assert.deepEqual(body, { __type: 'DisabledException', message: `${key.Arn} is disabled.` });
  });

  test('protocol errors: target, method, body', async () => {
    const { service } = await setup();
    const noTarget = await call(service, 'ListKeys', {}, { target: null });
    assert.deepEqual([noTarget.status, noTarget.body.__type], [400, 'UnknownOperationException']);
    const otherService = await call(service, 'ListKeys', {}, { target: 'DynamoDB_20120810.ListTables' });
    assert.deepEqual([otherService.status, otherService.body.__type], [400, 'UnknownOperationException']);
    const unknown = await call(service, 'Sign', {});
    assert.deepEqual([unknown.status, unknown.body.__type], [400, 'UnknownOperationException']);
    const badJson = await call(service, 'ListKeys', '{"Limit": ');
    assert.deepEqual([badJson.status, badJson.body.__type], [400, 'SerializationException']);
    const array = await call(service, 'ListKeys', '[1, 2]');
    assert.deepEqual([array.status, array.body.__type], [400, 'SerializationException']);
    const empty = await call(service, 'ListKeys', '');
    assert.equal(empty.status, 200, 'an empty body is an empty request');
    assert.equal(empty.body.Keys.length, 1);
    const get = await handleKmsFetch(service, kmsRequest('ListKeys', null, { method: 'GET' }));
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
    assert.equal((await get.json()).__type, 'UnknownOperationException');
    const preflight = await handleKmsFetch(service, new Request(ENDPOINT, { method: 'OPTIONS' }));
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-headers'), /x-amz-target/);
    // Every request that named a KMS operation is in the audit log; the one without a target is not.
    const ops = (await service.auditLog()).map((e) => `${e.operation}:${e.errorCode ?? 'ok'}`);
    assert.deepEqual(ops, ['CreateKey:ok', 'Sign:UnknownOperationException', 'ListKeys:SerializationException', 'ListKeys:SerializationException', 'ListKeys:ok']);
  });

  test('an internal failure is HTTP 500 KMSInternalException', async () => {
    const store = new MemoryKeyStore();
    store.listKeys = async () => {
      throw new Error('disk on fire');
    };
    const service = new DemoKeyService({ store });
    const { status, body } = await call(service, 'ListKeys', {});
    assert.equal(status, 500);
    assert.equal(body.__type, 'KMSInternalException');
    assert.match(body.message, /disk on fire/);
    await assert.rejects(service.request('ListKeys', {}), (e) => e instanceof KmsError && e.status === 500 && e.cause.message === 'disk on fire');
  });
});

describe('kmsErrorResponse', () => {
  test('KMS errors keep their type; anything else is KMSInternalException', () => {
    assert.deepEqual(kmsErrorResponse(new KmsError('NotFoundException', 'gone')), { status: 400, body: { __type: 'NotFoundException', message: 'gone' } });
    assert.deepEqual(kmsErrorResponse(new KmsError('KMSInternalException', 'oops')).status, 500);
    const internal = kmsErrorResponse(new TypeError('bug'));
    assert.equal(internal.status, 500);
    assert.equal(internal.body.__type, 'KMSInternalException');
    assert.equal(kmsErrorResponse('a string').body.__type, 'KMSInternalException');
    const error = new KmsError('DisabledException', 'off');
    assert.ok(error instanceof Error);
    assert.deepEqual([error.name, error.code, error.__type, error.status], ['DisabledException', 'DisabledException', 'DisabledException', 400]);
  });
});

describe('kmsFetchListener and isKmsEndpoint', () => {
  const fakeEvent = (request) => {
    const event = { request, responded: undefined, respondWith: (p) => (event.responded = p) };
    return event;
  };

  test('answers requests to its endpoint and lets everything else through', async () => {
    const service = new DemoKeyService();
    const listener = kmsFetchListener(service, { path: 'http://localhost:8080/demo-kms/' });
    const hit = fakeEvent(kmsRequest('CreateKey', {}));
    listener(hit);
    assert.ok(hit.responded, 'answered');
    assert.equal((await hit.responded).status, 200);
    const miss = fakeEvent(new Request('http://localhost:8080/app.js'));
    listener(miss);
    assert.equal(miss.responded, undefined, 'not ours: the browser fetches it');
  });

  test('paths are resolved against the worker location; the trailing slash is optional', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'location');
    Object.defineProperty(globalThis, 'location', { value: { href: 'http://localhost:8080/sw.js' }, configurable: true });
    after(() => {
      if (saved) Object.defineProperty(globalThis, 'location', saved);
      else delete globalThis.location;
    });
    assert.ok(isKmsEndpoint('http://localhost:8080/demo-kms/', '/demo-kms/'));
    assert.ok(isKmsEndpoint('http://localhost:8080/demo-kms', '/demo-kms/'));
    assert.ok(isKmsEndpoint('http://localhost:8080/demo-kms/', '/demo-kms'));
    assert.ok(!isKmsEndpoint('http://localhost:8080/demo-kms/x', '/demo-kms/'));
    assert.ok(!isKmsEndpoint('http://elsewhere:8080/demo-kms/', '/demo-kms/'), 'another origin');
    assert.ok(isKmsEndpoint('http://localhost:4566/', 'http://localhost:4566'));
    assert.ok(isKmsEndpoint('http://localhost:8080/demo-kms/?x=1', '/demo-kms/'), 'the query does not matter');
  });
});

describe('over real HTTP', () => {
  test('fetch() from a client reaches the service', async () => {
    const { service, key } = await setup();
    const server = await serveOverHttp(service);
    after(server.close);
    const post = (op, body) =>
      fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${op}` },
        body: JSON.stringify(body),
      });
    const enc = await post('Encrypt', { KeyId: key.Arn, Plaintext: text64('over the wire') });
    assert.equal(enc.status, 200);
    const { CiphertextBlob } = await enc.json();
    const dec = await (await post('Decrypt', { CiphertextBlob })).json();
    assert.equal(Buffer.from(dec.Plaintext, 'base64').toString(), 'over the wire');
    const err = await post('Decrypt', { CiphertextBlob, KeyId: 'alias/nope' });
    assert.equal(err.status, 400);
    assert.equal((await err.json()).__type, 'NotFoundException');
  });
});
