// A Vite production build of a small app that imports envseal: `vite build` (run here through
// Vite's JavaScript API) into a temporary directory, served on 127.0.0.1, loaded in headless
// Chromium. The page and a Worker Vite bundled round-trip through encryptStream/decryptStream,
// and the .wasm comes from the build's own assets (Vite found it through `new URL(...,
// import.meta.url)`).

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build } from 'vite';

import { startHarness } from './browser-harness.mjs';

const scenario = `
  import { init, RawAesKeyring, encryptStream, decryptStream } from 'envseal';

  export async function roundTrip(where) {
    await init();
    const keyring = new RawAesKeyring({ keyNamespace: 'vite', keyName: 'k', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) });
    const data = crypto.getRandomValues(new Uint8Array(65536)).slice();
    const big = new Uint8Array(600000).map((_, i) => data[i % data.length]);
    const ciphertext = await new Response(new Blob([big]).stream().pipeThrough(encryptStream(keyring, { encryptionContext: { where } }))).arrayBuffer();
    const decrypt = decryptStream(keyring, { encryptionContext: { where } });
    const back = new Uint8Array(await new Response(new Blob([ciphertext]).stream().pipeThrough(decrypt)).arrayBuffer());
    return { where, same: back.length === big.length && back.every((b, i) => b === big[i]), suite: (await decrypt.header).suiteId };
  }
`;

const files = {
  'index.html': `<!doctype html>
<meta charset="utf-8">
<title>envseal + vite</title>
<script type="module" src="./main.js"></script>`,
  'scenario.js': scenario,
  'main.js': `
    import { roundTrip } from './scenario.js';
    const inWorker = new Promise((resolve) => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => resolve({ error: 'worker error: ' + e.message });
    });
    window.result = Promise.all([roundTrip('page'), inWorker]).catch((e) => ({ error: String(e && e.stack || e) }));
  `,
  'worker.js': `
    import { roundTrip } from './scenario.js';
    roundTrip('worker').then(postMessage, (e) => postMessage({ error: String(e && e.stack || e) }));
  `,
};

let app;
let harness;

before(async () => {
  app = await mkdtemp(join(tmpdir(), 'envseal-vite-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(app, name), text);
  // The app resolves 'envseal' like any project: from its node_modules (the tests' installation).
  await symlink(fileURLToPath(new URL('./node_modules', import.meta.url)), join(app, 'node_modules'), 'dir');
  await build({ root: app, configFile: false, logLevel: 'warn', build: { outDir: join(app, 'dist'), emptyOutDir: true } });
  harness = await startHarness({ mounts: { '/': join(app, 'dist') } });
});

after(async () => {
  await harness?.close();
  if (app) await rm(app, { recursive: true, force: true });
});

test('vite build: the page and a bundled Worker round-trip through the streams; the wasm is a build asset', { timeout: 120_000 }, async () => {
  const assets = await readdir(join(app, 'dist', 'assets'));
  const wasm = assets.filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `one .wasm among the assets: ${assets.join(', ')}`);

  const page = await harness.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${harness.origin}/`);
  const result = await page.evaluate(() => window.result);
  assert.deepEqual(result, [
    { where: 'page', same: true, suite: 0x0478 },
    { where: 'worker', same: true, suite: 0x0478 },
  ]);
  assert.deepEqual(errors, []);
  assert.ok(harness.served.includes(`/assets/${wasm[0]}`), `the wasm was fetched: ${harness.served.join(', ')}`);
  await page.close();
});
