// The installed package in headless Chromium: a page imports 'envseal' (through an import map,
// as a bundler would resolve it), loads the wasm with fetch, and round-trips; a module Worker
// does the same (browser-harness.mjs: the system Chromium, the package served from 127.0.0.1).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startHarness } from './browser-harness.mjs';

// What the page and the worker run: returns a plain object of findings.
const scenario = `
  export async function run(envseal) {
    const { init, RawAesKeyring, MultiKeyring, encrypt, decrypt, generateDataKey } = envseal;
    const found = {};
    try { new RawAesKeyring({}); } catch (e) { found.beforeInit = e.code; }
    await Promise.all([init(), init()]);
    const keyring = new RawAesKeyring({
      keyNamespace: 'browser', keyName: 'k', wrappingKey: crypto.getRandomValues(new Uint8Array(32)),
    });
    const data = new Uint8Array(200000).map((_, i) => (i * 7) & 0xff);
    found.roundTrips = [];
    for (const suite of [0x0478, 0x0578]) {
      const { ciphertext, header } = await encrypt(keyring, data, { suite, encryptionContext: { where: 'browser ✓' } });
      const { plaintext } = await decrypt(keyring, ciphertext, { encryptionContext: { where: 'browser ✓' } });
      found.roundTrips.push({
        suite: header.suiteId,
        same: plaintext.length === data.length && plaintext.every((b, i) => b === data[i]),
      });
    }
    const { ciphertext } = await encrypt(keyring, data);
    const other = new RawAesKeyring({ keyNamespace: 'browser', keyName: 'k', wrappingKey: new Uint8Array(32) });
    found.wrongKey = await decrypt(other, ciphertext).then(() => 'decrypted!', (e) => e.code);
    found.truncated = await decrypt(keyring, ciphertext.subarray(0, 1000)).then(() => 'decrypted!', (e) => e.code);
    found.stringPlaintext = await encrypt(keyring, 'text').then(
      () => 'accepted!',
      (e) => e.constructor.name + ' ' + e.code,
    );
    const multi = new MultiKeyring({ generator: keyring, children: [other] });
    const { ciphertext: both } = await encrypt(multi, data.subarray(0, 10));
    found.childDecrypts = (await decrypt(other, both)).plaintext.length;
    found.dataKeyLength = (await generateDataKey(multi)).plaintextKey.length;
    return found;
  }
`;

const page = `<!doctype html>
<meta charset="utf-8">
<script type="importmap">{ "imports": { "envseal": "/envseal/index.js" } }</script>
<script type="module">
  import * as envseal from 'envseal';
  import { run } from '/scenario.js';
  window.pageResult = run(envseal).catch((e) => ({ error: String(e && e.stack || e) }));
  window.workerResult = new Promise((resolve) => {
    const worker = new Worker('/worker.js', { type: 'module' });
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => resolve({ error: 'worker error: ' + event.message });
  });
</script>`;

const worker = `
  import * as envseal from '/envseal/index.js';
  import { run } from '/scenario.js';
  run(envseal).then(postMessage, (e) => postMessage({ error: String(e && e.stack || e) }));
`;

let harness;

before(async () => {
  harness = await startHarness({ files: { '/': [page, '.html'], '/scenario.js': [scenario, '.js'], '/worker.js': [worker, '.js'] } });
});

after(() => harness?.close());

test('in a page and in a module Worker, the package loads and round-trips', { timeout: 120_000 }, async () => {
  const { context, page: tab, errors: pageErrors } = await harness.open('/');
  await tab.waitForFunction(() => window.pageResult && window.workerResult);
  const expected = {
    beforeInit: 'NOT_INITIALIZED',
    roundTrips: [
      { suite: 0x0478, same: true },
      { suite: 0x0578, same: true },
    ],
    wrongKey: 'NO_MATCHING_KEY',
    truncated: 'TRUNCATED',
    stringPlaintext: 'TypeError INVALID_ARGUMENT',
    childDecrypts: 10,
    dataKeyLength: 32,
  };
  assert.deepEqual(await tab.evaluate(() => window.pageResult), expected, 'page');
  assert.deepEqual(await tab.evaluate(() => window.workerResult), expected, 'worker');
  assert.deepEqual(pageErrors, []);
  // the wasm came over HTTP next to index.js
  assert.ok(harness.served.includes('/envseal/wasm/envseal_bg.wasm'), harness.served.join(', '));
  await context.close();
});
