// KmsKeyring in headless Chromium (../browser-harness.mjs), from the installed package:
//   - through the demo key service's service-worker endpoint: new KmsKeyring({ keyId, endpoint: '<origin>/demo-kms/' });
//   - with the demo key service as its transport, in a page and in a Worker;
//   - against moto, cross-origin (moto answers CORS preflights), with SigV4-signed requests.
// Needs moto (ENVSEAL_MOTO_URL, from scripts/with-moto.sh); fails without it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startHarness } from '../browser-harness.mjs';

import { MOTO_CREDENTIALS, createMotoKey, motoUrl } from './helpers.mjs';

// The page's own root service worker pulls in the ready-made demo one, so its scope (/) covers the page.
const FILES = {
  '/': ['<!doctype html><meta charset="utf-8"><title>envseal kms</title>', '.html'],
  '/sw.js': ["import '/envseal/demo-kms/service-worker.js';", '.js'],
  // A Worker that runs the KmsKeyring round trip sent to it.
  '/kms-worker.js': [
    `import { init, KmsKeyring, encrypt, decrypt } from '/envseal/index.js';
     import { DemoKeyService } from '/envseal/demo-kms/index.js';
     self.onmessage = async ({ data }) => {
       try {
         await init();
         const results = {};
         const service = new DemoKeyService();
         const { KeyMetadata } = await service.request('CreateKey', {});
         const viaDemo = new KmsKeyring({ keyId: KeyMetadata.Arn, transport: service.request });
         const viaMoto = new KmsKeyring({ keyId: data.motoArn, endpoint: data.motoUrl, credentials: data.credentials });
         for (const [name, keyring] of [['demo', viaDemo], ['moto', viaMoto]]) {
           const { ciphertext } = await encrypt(keyring, new TextEncoder().encode('worker ' + name), { suite: 0x0578 });
           results[name] = new TextDecoder().decode((await decrypt(keyring, ciphertext)).plaintext);
         }
         postMessage({ ok: true, results });
       } catch (e) {
         postMessage({ ok: false, error: (e.code ?? '') + ': ' + e.message });
       }
     };`,
    '.js',
  ],
};

let harness;
let origin;

before(async () => {
  motoUrl();
  harness = await startHarness({ files: FILES });
  origin = harness.origin;
});

after(() => harness?.close());

test('KmsKeyring through the demo key service worker endpoint (<origin>/demo-kms/)', { timeout: 120_000 }, async () => {
  const { context, page, errors } = await harness.open();
  const result = await page.evaluate(async (origin) => {
    const { registerKmsServiceWorker } = await import('/envseal/demo-kms/index.js');
    await registerKmsServiceWorker('/sw.js', { path: '/demo-kms/', database: 'kms-keyring-test' });
    const { init, KmsKeyring, MultiKeyring, RawAesKeyring, encrypt, decrypt, encryptStream, decryptStream } = await import('/envseal/index.js');
    await init();
    const kms = async (op, body) => {
      const response = await fetch('/demo-kms/', {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${op}` },
        body: JSON.stringify(body),
      });
      return response.json();
    };
    const { KeyMetadata } = await kms('CreateKey', { Description: 'page key' });
    const out = { arnOk: KeyMetadata.Arn.startsWith('arn:aws:kms:'), suites: {} };
    const keyring = new KmsKeyring({ keyId: KeyMetadata.Arn, endpoint: `${origin}/demo-kms/` });
    const relative = new KmsKeyring({ keyId: KeyMetadata.Arn, endpoint: '/demo-kms/' });
    const plaintext = new Uint8Array(100_000);
    for (let i = 0; i < plaintext.length; i += 65_536) crypto.getRandomValues(plaintext.subarray(i, i + 65_536));
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    const collect = async (stream) => {
      const parts = [];
      for await (const part of stream) parts.push(part);
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let offset = 0;
      for (const p of parts) {
        all.set(p, offset);
        offset += p.length;
      }
      return all;
    };
    for (const suite of [0x0478, 0x0578]) {
      const { ciphertext, header } = await encrypt(keyring, plaintext, { suite, encryptionContext: { page: 'yes' } });
      const oneShot = same((await decrypt(relative, ciphertext)).plaintext, plaintext);
      const encrypted = await collect(new Blob([plaintext]).stream().pipeThrough(encryptStream(keyring, { suite, frameLength: 8192 })));
      const streamed = same(await collect(new Blob([encrypted]).stream().pipeThrough(decryptStream(keyring))), plaintext);
      out.suites[suite] = { oneShot, streamed, providerId: header.encryptedDataKeys[0].providerId };
    }
    // A multi-keyring: KMS generator + AES child; the AES key alone reads it.
    const aes = new RawAesKeyring({ keyNamespace: 'page', keyName: 'aes', wrappingKey: new Uint8Array(32).fill(2) });
    const { ciphertext: multi } = await encrypt(new MultiKeyring({ generator: keyring, children: [aes] }), plaintext);
    out.multi = same((await decrypt(aes, multi)).plaintext, plaintext);
    // Key states are enforced by the demo service.
    await kms('DisableKey', { KeyId: KeyMetadata.KeyId });
    out.disabled = await encrypt(keyring, plaintext).then(() => 'encrypted!', (e) => [e.code, e.kmsType]);
    out.disabledDecrypt = await decrypt(keyring, multi).then(() => 'decrypted!', (e) => [e.code, e.kmsType]);
    await kms('EnableKey', { KeyId: KeyMetadata.KeyId });
    out.enabled = same((await decrypt(keyring, multi)).plaintext, plaintext);
    out.controlled = navigator.serviceWorker.controller !== null;
    return out;
  }, origin);
  assert.deepEqual(result, {
    arnOk: true,
    suites: {
      1144: { oneShot: true, streamed: true, providerId: 'aws-kms' },
      1400: { oneShot: true, streamed: true, providerId: 'aws-kms' },
    },
    multi: true,
    disabled: ['KMS_ERROR', 'DisabledException'],
    disabledDecrypt: ['KMS_ERROR', 'DisabledException'],
    enabled: true,
    controlled: true,
  });
  assert.deepEqual(errors, []);
  await context.close();
});

test('KmsKeyring against moto from a page, cross-origin and signed; and in a Worker', { timeout: 120_000 }, async () => {
  const motoArn = await createMotoKey('chromium');
  const { context, page, errors } = await harness.open();
  const args = { motoArn, motoUrl: motoUrl(), credentials: MOTO_CREDENTIALS };
  const result = await page.evaluate(async ({ motoArn, motoUrl, credentials }) => {
    const { init, KmsKeyring, encrypt, decrypt, encryptStream, decryptStream } = await import('/envseal/index.js');
    await init();
    const keyring = new KmsKeyring({ keyId: motoArn, endpoint: motoUrl, credentials });
    const plaintext = new Uint8Array(70_000);
    for (let i = 0; i < plaintext.length; i += 65_536) crypto.getRandomValues(plaintext.subarray(i, i + 65_536));
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    const out = {};
    for (const suite of [0x0478, 0x0578]) {
      const { ciphertext, header } = await encrypt(keyring, plaintext, { suite, encryptionContext: { from: 'chromium' } });
      const back = await decrypt(keyring, ciphertext);
      const streamed = await new Response(new Blob([plaintext]).stream().pipeThrough(encryptStream(keyring, { suite }))).arrayBuffer();
      const read = await new Response(new Blob([streamed]).stream().pipeThrough(decryptStream(keyring))).arrayBuffer();
      out[suite] = {
        oneShot: same(back.plaintext, plaintext),
        stream: same(new Uint8Array(read), plaintext),
        providerInfo: new TextDecoder().decode(header.encryptedDataKeys[0].providerInfo) === motoArn,
      };
    }
    // A closed port: KMS_UNAVAILABLE (network).
    const closed = new KmsKeyring({ keyId: motoArn, endpoint: 'http://127.0.0.1:9/', credentials });
    out.unreachable = await encrypt(closed, plaintext).then(() => 'encrypted!', (e) => [e.code, e.reason]);
    // In a dedicated Worker: the demo service as a transport, and moto.
    out.worker = await new Promise((resolve) => {
      const worker = new Worker('/kms-worker.js', { type: 'module' });
      worker.onmessage = ({ data }) => {
        worker.terminate();
        resolve(data);
      };
      worker.onerror = (e) => resolve({ ok: false, error: e.message });
      worker.postMessage({ motoArn, motoUrl, credentials });
    });
    return out;
  }, args);
  assert.deepEqual(result, {
    1144: { oneShot: true, stream: true, providerInfo: true },
    1400: { oneShot: true, stream: true, providerInfo: true },
    unreachable: ['KMS_UNAVAILABLE', 'network'],
    worker: { ok: true, results: { demo: 'worker demo', moto: 'worker moto' } },
  });
  assert.deepEqual(errors, []);
  await context.close();
});
