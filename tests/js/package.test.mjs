// The package as published: its files, its manifest, its types, and that its browser code
// depends on nothing Node-only.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';

import * as envseal from 'envseal';

const pkgDir = fileURLToPath(new URL('.', import.meta.resolve('envseal')));
const read = (file) => readFileSync(new URL(file, `file://${pkgDir}/`), 'utf8');
const manifest = JSON.parse(read('package.json'));

test('package.json: an ES module package named envseal with types and exports', () => {
  assert.equal(manifest.name, 'envseal');
  assert.equal(manifest.type, 'module');
  // Only the service worker module has side effects (it installs a fetch listener).
  assert.deepEqual(manifest.sideEffects, ['./demo-kms/service-worker.js']);
  assert.deepEqual(manifest.exports['./demo-kms'], { types: './demo-kms/index.d.ts', default: './demo-kms/index.js' });
  assert.equal(manifest.engines.node, '>=20');
  assert.deepEqual(manifest.exports['.'], { types: './index.d.ts', default: './index.js' });
  // The Node conveniences resolve only under the "node" condition: a browser bundle cannot pull them in.
  assert.deepEqual(manifest.exports['./node'], { types: './node.d.ts', node: './node.js' });
});

test('npm pack ships exactly the loader and its modules, the types, the glue, the wasm and the README', async () => {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: pkgDir,
  });
  const [{ files }] = JSON.parse(stdout);
  const paths = files.map((f) => f.path).sort();
  // The demo key service ships as its own entry point.
  for (const f of ['demo-kms/index.js', 'demo-kms/index.d.ts', 'demo-kms/service-worker.js']) {
    assert.ok(paths.includes(f), `${f} is packed`);
  }
  assert.deepEqual(paths.filter((p) => !p.startsWith('demo-kms/')), [
    'README.md',
    'aead.js',
    'byte-queue.js',
    'engine-external.js',
    'engine-wasm.js',
    'frame-worker.js',
    'in-order.js',
    'index.d.ts',
    'index.js',
    'keyring-protocol.js',
    'kms-keyring.js',
    'multi-keyring.js',
    'node.d.ts',
    'node.js',
    'package.json',
    'ranges.js',
    'rewrap.js',
    'runtime.js',
    'streams.js',
    'wasm/envseal.js',
    'wasm/envseal_bg.wasm',
    'worker-pool.js',
  ]);
});

// types.test.mjs checks that index.d.ts declares exactly these.
test('the runtime exports are the public API: nothing internal leaks', () => {
  const runtime = Object.keys(envseal).sort();
  assert.deepEqual(runtime, [
    'AlgorithmSuite',
    'CommitmentPolicy',
    'KmsKeyring',
    'MultiKeyring',
    'RawAesKeyring',
    'RawRsaKeyring',
    'ciphertextLength',
    'decrypt',
    'decryptRange',
    'decryptRangeStream',
    'decryptStream',
    'encrypt',
    'encryptStream',
    'generateDataKey',
    'init',
    'rewrap',
    'rewrapStream',
    'signSigV4',
  ]);
});

test("'envseal/node' exports the file and Node stream functions, nothing else", async () => {
  assert.deepEqual(Object.keys(await import('envseal/node')).sort(), [
    'createDecryptStream',
    'createEncryptStream',
    'decryptFile',
    'encryptFile',
  ]);
});

test('the browser code uses no Node-only globals and imports node: only lazily', () => {
  const code = (file) =>
    read(file)
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
  // node.js is the 'envseal/node' entry point, Node only; no browser module imports it.
  const modules = manifest.files.filter((f) => f.endsWith('.js') && !f.startsWith('wasm/') && f !== 'node.js');
  assert.ok(modules.includes('index.js') && modules.includes('streams.js'));
  for (const file of modules) assert.ok(!/['"]\.\/node\.js['"]/.test(code(file)), `${file} imports node.js`);
  for (const file of modules) {
    for (const global of ['Buffer', 'window', 'process', 'require', '__dirname', 'global']) {
      // Probed as `globalThis.NAME?.` (aead.js looks for node:crypto that way) is allowed.
      const unprobed = code(file).replaceAll(`globalThis.${global}?.`, '');
      assert.ok(!new RegExp(`\\b${global}\\b`).test(unprobed), `${file} mentions ${global}`);
    }
  }
  // The generated glue probes for globals (getrandom looks for `crypto` on globalThis, self,
  // window, global and process), always behind typeof or property checks; it imports nothing.
  const glue = code('wasm/envseal.js');
  assert.ok(!/\bBuffer\b/.test(glue), 'the glue mentions Buffer');
  for (const [file, source] of [...modules.map((f) => [f, code(f)]), ['wasm/envseal.js', glue]]) {
    assert.ok(!/import\s[^(]*['"]node:/.test(source), `${file} imports a node: module statically`);
  }
});
