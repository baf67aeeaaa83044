// KmsKeyring failures, each with its code: unreachable endpoint and timeout (KMS_UNAVAILABLE, with
// `reason`), KMS error bodies (KMS_ERROR with `kmsType`), HTTP errors without a KMS body
// (KMS_UNAVAILABLE), malformed or wrong-shaped answers (KMS_BAD_RESPONSE), failing custom
// transports; the requests the default transport sends; option checks. Tiny local HTTP servers play
// the broken KMS.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';

import { KmsKeyring, RawAesKeyring, decrypt, decryptStream, encrypt, encryptStream, init } from 'envseal';

import { localServer, rejectsWithCode, text, through } from './helpers.mjs';

await init();

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k';
const B64_KEY = Buffer.alloc(32, 7).toString('base64');
const kmsBody = (type, message) => JSON.stringify({ __type: type, message });

/** A message whose one EDK is an `aws-kms` EDK for ARN (so decryption asks that key). */
async function kmsMessage() {
  const transport = async (op) => {
    assert.equal(op, 'GenerateDataKey');
    return { KeyId: ARN, Plaintext: B64_KEY, CiphertextBlob: 'AQID' };
  };
  return (await encrypt(new KmsKeyring({ keyId: ARN, transport }), text('secret'))).ciphertext;
}

/** A keyring whose endpoint is a local server answering every request with `answer`. */
async function keyringAnswering(answer, extra = {}) {
  const server = await localServer(typeof answer === 'function' ? answer : () => answer);
  servers.push(server);
  return { keyring: new KmsKeyring({ keyId: ARN, endpoint: server.url, ...extra }), server };
}

const servers = [];
let message;

before(async () => {
  message = await kmsMessage();
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('transport failures', () => {
  test('unreachable endpoint: KMS_UNAVAILABLE, reason network', async () => {
    const probe = createServer();
    await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address();
    await new Promise((resolve) => probe.close(resolve)); // nothing listens there now
    const keyring = new KmsKeyring({ keyId: ARN, endpoint: `http://127.0.0.1:${port}/` });
    for (const attempt of [encrypt(keyring, text('x')), decrypt(keyring, message)]) {
      const e = await rejectsWithCode(attempt, 'KMS_UNAVAILABLE');
      assert.equal(e.reason, 'network');
      assert.match(e.message, /ECONNREFUSED|failed/);
      assert.ok(e.message.includes(`127.0.0.1:${port}`), e.message);
    }
    const e = await rejectsWithCode(through(text('x'), 1, encryptStream(keyring)), 'KMS_UNAVAILABLE');
    assert.equal(e.reason, 'network');
  });

  test('no answer within timeoutMs: KMS_UNAVAILABLE, reason timeout', async () => {
    const { keyring } = await keyringAnswering(null, { timeoutMs: 200 });
    const started = Date.now();
    const e = await rejectsWithCode(encrypt(keyring, text('x')), 'KMS_UNAVAILABLE');
    assert.equal(e.reason, 'timeout');
    assert.match(e.message, /200 ms/);
    assert.ok(Date.now() - started < 5000);
    const e2 = await rejectsWithCode(through(message, 1000, decryptStream(keyring)), 'KMS_UNAVAILABLE');
    assert.equal(e2.reason, 'timeout');
  });

  test('HTTP 4xx with a KMS error body: KMS_ERROR with kmsType and kmsMessage', async () => {
    const { keyring } = await keyringAnswering({
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: kmsBody('com.amazonaws.kms#DisabledException', 'key is disabled'),
    });
    for (const attempt of [encrypt(keyring, text('x')), decrypt(keyring, message)]) {
      const e = await rejectsWithCode(attempt, 'KMS_ERROR');
      assert.equal(e.kmsType, 'DisabledException');
      assert.equal(e.kmsMessage, 'key is disabled');
      assert.equal(e.httpStatus, 400);
      assert.equal(e.message, 'KMS DisabledException: key is disabled');
    }
    const { keyring: denied } = await keyringAnswering({ status: 400, body: JSON.stringify({ __type: 'AccessDeniedException', Message: 'not here' }) });
    const e = await rejectsWithCode(encrypt(denied, text('x')), 'KMS_ERROR');
    assert.deepEqual([e.kmsType, e.kmsMessage], ['AccessDeniedException', 'not here']);
  });

  test('HTTP 5xx: without a KMS body KMS_UNAVAILABLE (reason http); with one KMS_ERROR', async () => {
    for (const [status, body] of [[500, ''], [502, '<html>bad gateway</html>'], [503, 'oops']]) {
      const { keyring } = await keyringAnswering({ status, body });
      const e = await rejectsWithCode(encrypt(keyring, text('x')), 'KMS_UNAVAILABLE');
      assert.equal(e.reason, 'http');
      assert.equal(e.httpStatus, status);
      assert.match(e.message, new RegExp(`HTTP ${status}`));
    }
    const { keyring } = await keyringAnswering({ status: 500, body: kmsBody('KMSInternalException', 'try later') });
    const e = await rejectsWithCode(decrypt(keyring, message), 'KMS_ERROR');
    assert.equal(e.kmsType, 'KMSInternalException');
  });

  test('HTTP 4xx without a KMS body (a misconfigured endpoint): KMS_UNAVAILABLE', async () => {
    const { keyring } = await keyringAnswering({ status: 404, body: 'Not Found' });
    const e = await rejectsWithCode(encrypt(keyring, text('x')), 'KMS_UNAVAILABLE');
    assert.equal(e.httpStatus, 404);
  });

  test('malformed JSON: KMS_BAD_RESPONSE', async () => {
    const { keyring } = await keyringAnswering({ status: 200, body: '{junk!' });
    const e = await rejectsWithCode(encrypt(keyring, text('x')), 'KMS_BAD_RESPONSE');
    assert.match(e.message, /not JSON/);
    await rejectsWithCode(decrypt(keyring, message), 'KMS_BAD_RESPONSE');
    const { keyring: xml } = await keyringAnswering({ status: 200, body: '<?xml version="1.0"?><Buckets/>' });
    await rejectsWithCode(encrypt(xml, text('x')), 'KMS_BAD_RESPONSE');
  });

  test('JSON of the wrong shape: KMS_BAD_RESPONSE, checked by the core', async () => {
    const bad = [
      [{}, /no string field "Plaintext"/],
      [[1, 2], /JSON object/],
      [{ KeyId: ARN, Plaintext: 'not base64!', CiphertextBlob: 'AQID' }, /not base64/],
      [{ KeyId: ARN, Plaintext: Buffer.alloc(16).toString('base64'), CiphertextBlob: 'AQID' }, /16-byte key, expected 32/],
      [{ KeyId: 'alias/x', Plaintext: B64_KEY, CiphertextBlob: 'AQID' }, /not a KMS key ARN/],
      [{ KeyId: ARN, Plaintext: B64_KEY }, /CiphertextBlob/],
    ];
    for (const [answer, pattern] of bad) {
      const { keyring } = await keyringAnswering({ status: 200, body: JSON.stringify(answer) });
      const e = await rejectsWithCode(encrypt(keyring, text('x')), 'KMS_BAD_RESPONSE');
      assert.match(e.message, pattern);
    }
    // Decrypt answered by another key than asked.
    const other = 'arn:aws:kms:us-east-1:111122223333:key/other';
    const { keyring } = await keyringAnswering({ status: 200, body: JSON.stringify({ KeyId: other, Plaintext: B64_KEY }) });
    const e = await rejectsWithCode(decrypt(keyring, message), 'KMS_BAD_RESPONSE');
    assert.match(e.message, /not the requested/);
  });

  test('a Decrypt answer with the wrong data key: the core\'s commitment check fails it', async () => {
    const wrong = Buffer.alloc(32, 8).toString('base64');
    const { keyring } = await keyringAnswering({ status: 200, body: JSON.stringify({ KeyId: ARN, Plaintext: wrong }) });
    await rejectsWithCode(decrypt(keyring, message), 'COMMITMENT_MISMATCH');
  });
});

describe('the requests the default transport sends', () => {
  test('POST KMS JSON 1.1 with X-Amz-Target, unsigned without credentials', async () => {
    const { keyring, server } = await keyringAnswering((req, body) => {
      const request = JSON.parse(body);
      return {
        status: 200,
        body: JSON.stringify({ KeyId: ARN, Plaintext: B64_KEY, CiphertextBlob: Buffer.from(request.KeyId).toString('base64') }),
      };
    }, { grantTokens: ['grant-1'] });
    await encrypt(keyring, text('x'), { encryptionContext: { tenant: 'acme' } });
    const [seen] = server.seen;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/');
    assert.equal(seen.headers['content-type'], 'application/x-amz-json-1.1');
    assert.equal(seen.headers['x-amz-target'], 'TrentService.GenerateDataKey');
    assert.equal(seen.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(seen.body), {
      KeyId: ARN,
      NumberOfBytes: 32,
      EncryptionContext: { tenant: 'acme' },
      GrantTokens: ['grant-1'],
    });
  });

  test('with credentials: SigV4 for the region of the key ARN, over the endpoint path', async () => {
    const server = await localServer(() => ({ status: 200, body: JSON.stringify({ KeyId: ARN, Plaintext: B64_KEY, CiphertextBlob: 'AQID' }) }));
    servers.push(server);
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' };
    const keyring = new KmsKeyring({ keyId: 'arn:aws:kms:eu-west-3:111122223333:key/k', endpoint: `${server.url}kms/`, credentials });
    await encrypt(keyring, text('x')).catch(() => {}); // the answer names another key: only the request matters
    const [seen] = server.seen;
    assert.equal(seen.url, '/kms/');
    assert.match(seen.headers['x-amz-date'], /^\d{8}T\d{6}Z$/);
    assert.equal(seen.headers['x-amz-security-token'], 'session');
    assert.match(
      seen.headers.authorization,
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-3\/kms\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    assert.equal(String(keyring).includes('secret'), false);
  });

  test('without an endpoint: https://kms.<region>.amazonaws.com/ (aws-cn: .com.cn), per EDK for discovery', async () => {
    const urls = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (url) => {
      urls.push(String(url));
      return new Response(kmsBody('AccessDeniedException', 'stubbed'), { status: 400 });
    };
    try {
      await rejectsWithCode(encrypt(new KmsKeyring({ keyId: 'arn:aws:kms:ap-south-1:111122223333:key/k' }), text('x')), 'KMS_ERROR');
      await rejectsWithCode(encrypt(new KmsKeyring({ keyId: 'arn:aws-cn:kms:cn-north-1:111122223333:key/k' }), text('x')), 'KMS_ERROR');
      await rejectsWithCode(encrypt(new KmsKeyring({ keyId: 'alias/x', region: 'sa-east-1' }), text('x')), 'KMS_ERROR');
      await rejectsWithCode(decrypt(new KmsKeyring({ discovery: true }), message), 'KMS_ERROR');
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.deepEqual(urls, [
      'https://kms.ap-south-1.amazonaws.com/',
      'https://kms.cn-north-1.amazonaws.com.cn/',
      'https://kms.sa-east-1.amazonaws.com/',
      'https://kms.us-east-1.amazonaws.com/',
    ]);
  });
});

describe('custom transports', () => {
  test('receive (operation, request) and may answer an object, JSON text or a fetch Response', async () => {
    const calls = [];
    const answers = [
      (r) => ({ KeyId: ARN, Plaintext: B64_KEY, CiphertextBlob: Buffer.from(r.KeyId).toString('base64') }),
      (r) => JSON.stringify({ KeyId: ARN, Plaintext: B64_KEY, CiphertextBlob: Buffer.from(r.KeyId).toString('base64') }),
      (r) => new Response(JSON.stringify({ KeyId: ARN, Plaintext: B64_KEY, CiphertextBlob: Buffer.from(r.KeyId).toString('base64') })),
    ];
    for (const answer of answers) {
      const keyring = new KmsKeyring({
        keyId: ARN,
        transport: async (operation, request) => {
          calls.push(operation);
          return operation === 'Decrypt' ? { KeyId: ARN, Plaintext: B64_KEY } : answer(request);
        },
      });
      const { ciphertext } = await encrypt(keyring, text('via transport'));
      assert.equal(new TextDecoder().decode((await decrypt(keyring, ciphertext)).plaintext), 'via transport');
    }
    assert.deepEqual(calls, ['GenerateDataKey', 'Decrypt', 'GenerateDataKey', 'Decrypt', 'GenerateDataKey', 'Decrypt']);
  });

  test('a thrown KMS exception (demo KmsError, AWS SDK error) is KMS_ERROR; anything else KMS_UNAVAILABLE', async () => {
    const demoStyle = Object.assign(new Error('arn is disabled.'), { name: 'DisabledException', __type: 'DisabledException', status: 400 });
    const sdkStyle = Object.assign(new Error('denied'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    for (const [thrown, type] of [[demoStyle, 'DisabledException'], [sdkStyle, 'AccessDeniedException']]) {
      const keyring = new KmsKeyring({ keyId: ARN, transport: async () => Promise.reject(thrown) });
      const e = await rejectsWithCode(encrypt(keyring, text('x')), 'KMS_ERROR');
      assert.equal(e.kmsType, type);
      assert.equal(e.httpStatus, 400);
      assert.equal(e.cause, thrown);
    }
    const broken = new KmsKeyring({ keyId: ARN, transport: async () => { throw new TypeError('proxy down'); } });
    const e = await rejectsWithCode(decrypt(broken, message), 'KMS_UNAVAILABLE');
    assert.equal(e.reason, 'transport');
    assert.match(e.message, /proxy down/);
    const nonsense = new KmsKeyring({ keyId: ARN, transport: async () => 42 });
    await rejectsWithCode(encrypt(nonsense, text('x')), 'KMS_BAD_RESPONSE');
    const notJson = new KmsKeyring({ keyId: ARN, transport: async () => 'nope' });
    await rejectsWithCode(encrypt(notJson, text('x')), 'KMS_BAD_RESPONSE');
    const status = new KmsKeyring({ keyId: ARN, transport: async () => new Response(kmsBody('NotFoundException', 'gone'), { status: 400 }) });
    assert.equal((await rejectsWithCode(encrypt(status, text('x')), 'KMS_ERROR')).kmsType, 'NotFoundException');
  });

  test('several KMS EDKs that all fail: NO_MATCHING_KEY listing each failure in `errors`', async () => {
    const second = 'arn:aws:kms:us-east-1:111122223333:key/second';
    let n = 0;
    const generator = new KmsKeyring({ keyId: ARN, transport: async () => ({ KeyId: ARN, Plaintext: B64_KEY, CiphertextBlob: 'AQ==' }) });
    const child = new KmsKeyring({ keyId: second, transport: async () => ({ KeyId: second, CiphertextBlob: 'Ag==' }) });
    const { MultiKeyring } = await import('envseal');
    const { ciphertext } = await encrypt(new MultiKeyring({ generator, children: [child] }), text('x'));
    const failing = new KmsKeyring({
      discovery: true,
      transport: async () => {
        n++;
        throw Object.assign(new Error(`no ${n}`), { __type: n === 1 ? 'DisabledException' : 'KMSInvalidStateException' });
      },
    });
    const e = await rejectsWithCode(decrypt(failing, ciphertext), 'NO_MATCHING_KEY');
    assert.deepEqual(e.errors.map((x) => x.kmsType), ['DisabledException', 'KMSInvalidStateException']);
    assert.match(e.message, /DisabledException.*KMSInvalidStateException/);
  });
});

describe('options', () => {
  test('are checked when the keyring is made', async () => {
    const typeErrors = [
      undefined,
      {},
      { keyId: 1 },
      { keyId: ARN, endpoint: 5 },
      { keyId: ARN, grantTokens: 'g' },
      { keyId: ARN, transport: 'fetch' },
      { keyId: ARN, credentials: { accessKeyId: 'a' } },
      { keyId: ARN, timeoutMs: '100' },
      { keyId: ARN, keyid: ARN },
      { discovery: 'yes' },
      { discovery: true, discoveryFilter: { partition: 'aws', accounts: [] } },
      { discovery: true, discoveryFilter: { partition: 'aws' } },
    ];
    for (const options of typeErrors) {
      await rejectsWithCode(() => new KmsKeyring(options), 'INVALID_ARGUMENT', TypeError);
    }
    const valueErrors = [
      { keyId: '' },
      { keyId: 'alias/x' }, // no region, no endpoint
      { keyId: ARN, endpoint: 'ftp://kms.example/' },
      { keyId: ARN, endpoint: 'not a url' },
      { keyId: ARN, transport: async () => ({}), endpoint: 'http://127.0.0.1/' },
      { discovery: true, keyId: ARN },
      { keyId: ARN, discoveryFilter: { partition: 'aws', accounts: ['1'] } },
    ];
    for (const options of valueErrors) {
      await rejectsWithCode(() => new KmsKeyring(options), 'INVALID_ARGUMENT');
    }
    await rejectsWithCode(() => new KmsKeyring({ keyId: ARN, timeoutMs: 0 }), 'INVALID_ARGUMENT', RangeError);
    const keyring = new KmsKeyring({ keyId: ARN, transport: async () => ({}) });
    assert.equal(keyring.keyId, ARN);
    assert.equal(keyring.discovery, false);
    assert.equal(String(keyring), `KMS keyring "${ARN}"`);
  });

  test('a bad plaintext or option fails before KMS is called', async () => {
    let calls = 0;
    const keyring = new KmsKeyring({ keyId: ARN, transport: async () => { calls++; return {}; } });
    await rejectsWithCode(encrypt(keyring, 'text'), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(encrypt(keyring, text('x'), { suite: 0x0014 }), 'COMMITMENT_POLICY');
    await rejectsWithCode(encrypt(keyring, text('x'), { encryptionContext: { 'aws-crypto-x': 'y' } }), 'INVALID_ARGUMENT');
    await rejectsWithCode(() => encryptStream(keyring, { frameLength: 0 }), 'INVALID_ARGUMENT', RangeError);
    await rejectsWithCode(() => encryptStream(keyring, { nope: 1 }), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(decrypt(keyring, 'text'), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(decrypt(keyring, message.subarray(0, 40)), 'TRUNCATED');
    assert.equal(calls, 0);
    // The message is not KMS's: nothing to ask KMS, the core names the providers found.
    const aes = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'n', wrappingKey: new Uint8Array(32) });
    const { ciphertext } = await encrypt(aes, text('x'));
    const e = await rejectsWithCode(decrypt(keyring, ciphertext), 'NO_MATCHING_KEY');
    assert.match(e.message, /"ns"\/"n"/);
    assert.equal(calls, 0);
  });
});
