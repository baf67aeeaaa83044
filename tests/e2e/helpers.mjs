// Helpers for the demo page's end-to-end tests: the built package, the demo server (the real
// scripts/serve.mjs, in a child process, on a free port, with a temporary data directory),
// headless Chromium (the system one, driven by playwright-core), console-error collection and
// screenshots under target/e2e/.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const screenshotDir = join(repo, 'target', 'e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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

export async function launchChromium() {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (e) {
    throw new Error(`cannot start Chromium at ${CHROMIUM} (set CHROMIUM_PATH): ${e.message}`);
  }
}

/**
 * Collects every console error and uncaught exception of a browser context: its pages, their
 * dedicated Workers and its service workers.
 * @param {import('playwright-core').BrowserContext} context
 * @returns {string[]} the errors so far (a live array)
 */
export function collectErrors(context) {
  const errors = [];
  const onConsole = (where) => (message) => {
    if (message.type() === 'error' || message.type() === 'assert') errors.push(`${where} console.${message.type()}: ${message.text()}`);
  };
  const watchWorker = (where) => (worker) => worker.on('console', onConsole(`${where} ${worker.url()}`));
  context.on('console', onConsole('context'));
  context.on('weberror', (error) => errors.push(`uncaught: ${error.error().message}`));
  context.on('serviceworker', watchWorker('service worker'));
  context.on('page', (page) => {
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('worker', watchWorker('worker'));
  });
  return errors;
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
