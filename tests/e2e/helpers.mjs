// Helpers for the demo page's end-to-end tests: the built package, the demo server (the real
// scripts/serve.mjs, in a child process, on a free port, with a temporary data directory) and
// screenshots under target/e2e/. Chromium and console-error collection come from the one browser
// harness, tests/js/browser-harness.mjs.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { collectErrors, launchChromium } from '../js/browser-harness.mjs';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const screenshotDir = join(repo, 'target', 'e2e');

/**
 * The built npm package to serve at /pkg/ ($ENVSEAL_PKG_DIR, default pkg/ from `make pkg`). If
 * it lacks the demo key service (`demo-kms/`), a temporary copy gets pkg-templates/demo-kms.
 * @returns {Promise<{ dir: string, cleanup: () => Promise<void> }>}
 */
export async function packageDir() {
  const dir = process.env.ENVSEAL_PKG_DIR ?? join(repo, 'pkg');
  for (const file of ['index.js', 'wasm/envseal_bg.wasm']) {
    if (!existsSync(join(dir, file))) throw new Error(`${join(dir, file)} is missing: build the package first (make pkg)`);
  }
  if (existsSync(join(dir, 'demo-kms', 'index.js'))) return { dir, cleanup: async () => {} };
  const temp = await mkdtemp(join(tmpdir(), 'envseal-e2e-pkg-'));
  await cp(dir, temp, { recursive: true });
  await cp(join(repo, 'pkg-templates', 'demo-kms'), join(temp, 'demo-kms'), { recursive: true });
  return { dir: temp, cleanup: () => rm(temp, { recursive: true, force: true }) };
}

/**
 * Starts `node scripts/serve.mjs www 127.0.0.1 0 --data DATA --pkg PKG` and reads its URL.
 * @returns {Promise<{ url: string, stop: () => Promise<void>, output: () => string }>}
 */
export async function startDemoServer({ dataDir, pkgDir }) {
  const child = spawn(process.execPath, [join(repo, 'scripts', 'serve.mjs'), join(repo, 'www'), '127.0.0.1', '0', '--data', dataDir, '--pkg', pkgDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo server did not start:\n${output}`)), 10_000);
    const read = (chunk) => {
      output += chunk;
      const match = /serving .* on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`the demo server exited (${code}):\n${output}`)));
  });
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill();
      }),
  };
}

/** The SHA-256 of a file, hex, read as a stream. */
export function sha256File(path) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Saves a screenshot of `target` (a page or a locator) as target/e2e/NAME.png. */
export async function screenshot(target, name, options = {}) {
  await mkdir(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await target.screenshot({ path, animations: 'disabled', ...options });
  return path;
}
