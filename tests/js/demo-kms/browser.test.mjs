// The demo key service in headless Chromium: IndexedDB persistence across a reload (key material
// stays a non-extractable CryptoKey), and the service-worker endpoint speaking KMS JSON 1.1 to
// fetch(). In headless Chromium through ../browser-harness.mjs, which serves pkg-templates/demo-kms
// itself (no build needed) at /pkg/demo-kms/.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startHarness } from '../browser-harness.mjs';

const moduleDir = fileURLToPath(new URL('../../../pkg-templates/demo-kms/', import.meta.url));

// The application's own root service worker: it only pulls in the ready-made one, so that its
// scope (/) covers the page.
const rootWorker = `import './pkg/demo-kms/service-worker.js';`;
const page = '<!doctype html><meta charset="utf-8"><title>demo kms</title>';

let harness;

before(async () => {
  harness = await startHarness({
    files: { '/': [page, '.html'], '/index.html': [page, '.html'], '/sw.js': [rootWorker, '.js'] },
    mounts: { '/pkg/demo-kms/': moduleDir },
  });
});

after(() => harness?.close());

test('IndexedDbKeyStore: keys, rotation and the audit log survive a reload', { timeout: 60_000 }, async () => {
  const { context, page: tab, errors } = await harness.open();
  const first = await tab.evaluate(async () => {
    const { DemoKeyService, IndexedDbKeyStore } = await import('/pkg/demo-kms/index.js');
    const service = new DemoKeyService({ store: new IndexedDbKeyStore('persist-test') });
    const { KeyMetadata } = await service.request('CreateKey', { Description: 'survives' });
    await service.request('CreateAlias', { AliasName: 'alias/persist', TargetKeyId: KeyMetadata.KeyId });
    const old = await service.request('Encrypt', { KeyId: 'alias/persist', Plaintext: btoa('before rotation'), EncryptionContext: { v: '1' } });
    await service.request('RotateKeyOnDemand', { KeyId: KeyMetadata.KeyId });
    const fresh = await service.request('Encrypt', { KeyId: 'alias/persist', Plaintext: btoa('after rotation') });
    await service.request('DisableKey', { KeyId: KeyMetadata.KeyId });
    return { keyId: KeyMetadata.KeyId, old: old.CiphertextBlob, fresh: fresh.CiphertextBlob };
  });
  await tab.reload();
  const second = await tab.evaluate(async ({ keyId, old, fresh }) => {
    const { DemoKeyService, IndexedDbKeyStore } = await import('/pkg/demo-kms/index.js');
    const store = new IndexedDbKeyStore('persist-test');
    const service = new DemoKeyService({ store });
    const found = {};
    found.state = (await service.request('DescribeKey', { KeyId: 'alias/persist' })).KeyMetadata.KeyState;
    found.disabled = await service.request('Decrypt', { CiphertextBlob: old, EncryptionContext: { v: '1' } }).then(() => 'decrypted!', (e) => e.__type);
    await service.request('EnableKey', { KeyId: keyId });
    found.old = atob((await service.request('Decrypt', { CiphertextBlob: old, EncryptionContext: { v: '1' } })).Plaintext);
    found.fresh = atob((await service.request('Decrypt', { CiphertextBlob: fresh })).Plaintext);
    found.wrongContext = await service.request('Decrypt', { CiphertextBlob: old }).then(() => 'decrypted!', (e) => e.__type);
    const record = await store.getKey(keyId);
    found.materials = record.materials.map((m) => [m.version, m.key instanceof CryptoKey, m.key.extractable]);
    found.export = await crypto.subtle.exportKey('raw', record.materials[0].key).then(() => 'exported!', (e) => e.name);
    found.audit = (await service.auditLog()).map((e) => `${e.operation}:${e.outcome}`);
    await store.close();
    await IndexedDbKeyStore.delete('persist-test');
    return found;
  }, first);
  assert.deepEqual(second, {
    state: 'Disabled',
    disabled: 'DisabledException',
    old: 'before rotation',
    fresh: 'after rotation',
    wrongContext: 'InvalidCiphertextException',
    materials: [[1, true, false], [2, true, false]],
    export: 'InvalidAccessError',
    audit: [
      'CreateKey:ok', 'CreateAlias:ok', 'Encrypt:ok', 'RotateKeyOnDemand:ok', 'Encrypt:ok', 'DisableKey:ok',
      'DescribeKey:ok', 'Decrypt:error', 'EnableKey:ok', 'Decrypt:ok', 'Decrypt:ok', 'Decrypt:error',
    ],
  });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the service worker answers KMS JSON 1.1 at /demo-kms/, and keeps its keys across reloads', { timeout: 60_000 }, async () => {
  const { context, page: tab, errors } = await harness.open();
  const first = await tab.evaluate(async () => {
    const { registerKmsServiceWorker } = await import('/pkg/demo-kms/index.js');
    await registerKmsServiceWorker('/sw.js', { path: '/demo-kms/', database: 'sw-test', region: 'eu-central-1' });
    const audit = [];
    new BroadcastChannel('envseal-demo-kms-audit').onmessage = (event) => audit.push(event.data.operation);
    const kms = async (op, body) => {
      const response = await fetch('/demo-kms/', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `TrentService.${op}`,
          authorization: 'AWS4-HMAC-SHA256 Credential=AKIDPAGE/20300101/eu-central-1/kms/aws4_request, SignedHeaders=host, Signature=00',
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
    };
    const created = await kms('CreateKey', {});
    const key = created.body.KeyMetadata;
    const gdk = await kms('GenerateDataKey', { KeyId: key.Arn, KeySpec: 'AES_256', EncryptionContext: { page: 'yes' } });
    const dec = await kms('Decrypt', { CiphertextBlob: gdk.body.CiphertextBlob, EncryptionContext: { page: 'yes' } });
    const missing = await kms('DescribeKey', { KeyId: 'alias/none' });
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the broadcasts arrive
    return {
      controlled: navigator.serviceWorker.controller !== null,
      created: [created.status, created.type, key.Arn.startsWith('arn:aws:kms:eu-central-1:')],
      same: dec.body.Plaintext === gdk.body.Plaintext,
      missing: [missing.status, missing.body.__type],
      audit,
      blob: gdk.body.CiphertextBlob,
      keyArn: key.Arn,
      notOurs: (await fetch('/index.html')).status,
    };
  });
  assert.equal(first.controlled, true);
  assert.deepEqual(first.created, [200, 'application/x-amz-json-1.1', true]);
  assert.equal(first.same, true);
  assert.deepEqual(first.missing, [400, 'NotFoundException']);
  assert.deepEqual(first.audit, ['CreateKey', 'GenerateDataKey', 'Decrypt', 'DescribeKey']);
  assert.equal(first.notOurs, 200, 'other requests go to the network');

  await tab.reload();
  const second = await tab.evaluate(async ({ blob }) => {
    await navigator.serviceWorker.ready;
    const response = await fetch('/demo-kms/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Decrypt' },
      body: JSON.stringify({ CiphertextBlob: blob, EncryptionContext: { page: 'yes' } }),
    });
    const { IndexedDbKeyStore } = await import('/pkg/demo-kms/index.js');
    const entries = await new IndexedDbKeyStore('sw-test').listAudit();
    return { status: response.status, keyId: (await response.json()).KeyId, principals: entries.map((e) => e.claimedAccessKeyId ?? null) };
  }, first);
  assert.equal(second.status, 200);
  assert.equal(second.keyId, first.keyArn);
  assert.deepEqual(second.principals, ['AKIDPAGE', 'AKIDPAGE', 'AKIDPAGE', 'AKIDPAGE', null]);
  assert.deepEqual(errors, []);
  await context.close();
});

test('in Chromium with IndexedDB: the deletion window (schedule, refuse, cancel, expire) and its audit entries', { timeout: 60_000 }, async () => {
  const { context, page: tab, errors } = await harness.open();
  const found = await tab.evaluate(async () => {
    const { DemoKeyService, IndexedDbKeyStore } = await import('/pkg/demo-kms/index.js');
    const day = 24 * 3600 * 1000;
    let now = Date.UTC(2026, 10, 28);
    const store = new IndexedDbKeyStore('deletion-test');
    const service = new DemoKeyService({ store, clock: () => now });
    const outcome = (p) => p.then(() => 'ok', (e) => e.__type);
    const { KeyMetadata } = await service.request('CreateKey', {});
    const keyId = KeyMetadata.KeyId;
    const r = {};
    r.tooShort = await outcome(service.request('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 6 }));
    const scheduled = await service.request('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    r.deletionDate = new Date(scheduled.DeletionDate * 1000).toISOString();
    r.state = (await service.request('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState;
    r.encryptPending = await outcome(service.request('Encrypt', { KeyId: keyId, Plaintext: btoa('x') }));
    await service.request('CancelKeyDeletion', { KeyId: keyId });
    r.afterCancel = (await service.request('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState;
    await service.request('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    now += 6 * day;
    r.sixDaysLater = (await service.request('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState;
    now += 2 * day;
    r.eightDaysLater = await outcome(service.request('DescribeKey', { KeyId: keyId }));
    r.audit = (await service.auditLog()).map((e) => `${e.operation}:${e.outcome === 'ok' ? 'ok' : 'error'}`);
    await store.close();
    await IndexedDbKeyStore.delete('deletion-test');
    return r;
  });
  assert.deepEqual(found, {
    tooShort: 'ValidationException',
    deletionDate: '2026-12-05T00:00:00.000Z',
    state: 'PendingDeletion',
    encryptPending: 'KMSInvalidStateException',
    afterCancel: 'Disabled',
    sixDaysLater: 'PendingDeletion',
    eightDaysLater: 'NotFoundException',
    audit: [
      'CreateKey:ok', 'ScheduleKeyDeletion:error', 'ScheduleKeyDeletion:ok', 'DescribeKey:ok', 'Encrypt:error',
      'CancelKeyDeletion:ok', 'DescribeKey:ok', 'ScheduleKeyDeletion:ok', 'DescribeKey:ok',
      'DeleteKey:ok', // the service's own event when the window ends
      'DescribeKey:error',
    ],
  });
  assert.deepEqual(errors, []);
  await context.close();
});
