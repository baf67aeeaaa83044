// A small harness for tests that run the installed package in headless Chromium: a node:http
// server on 127.0.0.1 that serves the package under /envseal/, fixed modules, custom routes or a
// directory; Chromium (the system one, $CHROMIUM_PATH, default /usr/bin/chromium) driven by
// playwright-core; a way to run a module's default export inside a dedicated Worker; and
// measurements of the renderer's memory (/proc) and of a Worker's (DevTools protocol).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const pkgDir = fileURLToPath(new URL('.', import.meta.resolve('envseal')));
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

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.html': 'text/html',
  '.css': 'text/css',
};

// Always served: a Worker that imports the module a message names and runs its default export.
const JOB_RUNNER = `
  self.onmessage = async (event) => {
    try {
      const { default: job } = await import(event.data.module);
      postMessage({ ok: true, value: await job(event.data.arg) });
    } catch (e) {
      postMessage({ ok: false, error: String((e && e.code ? e.code + ': ' : '') + (e && e.stack || e)) });
    }
  };
`;

/** Starts the system Chromium headless, with a clear error if it is missing. */
export async function launchChromium() {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (e) {
    throw new Error(`cannot start Chromium at ${CHROMIUM} (set CHROMIUM_PATH): ${e.message}`);
  }
}

/**
 * In `page` (of a harness), runs the default export of the served module `module` with `arg`
 * in a fresh dedicated module Worker, and returns its result.
 */
export function runInWorker(page, module, arg) {
  return page.evaluate(
    ([m, a]) =>
      new Promise((resolve, reject) => {
        const worker = new Worker('/job-runner.js', { type: 'module' });
        const end = () => worker.terminate();
        worker.onmessage = (e) => {
          end();
          e.data.ok ? resolve(e.data.value) : reject(new Error(e.data.error));
        };
        worker.onerror = (e) => {
          end();
          reject(new Error('worker error: ' + e.message));
        };
        worker.postMessage({ module: m, arg: a });
      }),
    [module, arg],
  );
}

/**
 * Starts the server and Chromium.
 * @param {{ files?: Record<string, string | URL | [string, string]>,
 *   routes?: Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => unknown>,
 *   root?: string }} [options]
 *   `files`: path -> a file URL, or [source text, extension]; `routes`: path -> handler (any
 *   method); `root`: a directory served for every other path (else 404).
 */
export async function startHarness({ files = {}, routes = {}, root, isolated = false } = {}) {
  // Cross-origin isolation (COOP + COEP) unlocks performance.measureUserAgentSpecificMemory().
  const isolation = isolated
    ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
    : {};
  const served = [];
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    served.push(path);
    try {
      if (routes[path]) return await routes[path](req, res);
      if (path === '/favicon.ico') return res.writeHead(204).end();
      let body;
      let type;
      const fixed = path === '/job-runner.js' ? [JOB_RUNNER, '.js'] : files[path];
      if (Array.isArray(fixed)) {
        [body, type] = fixed;
      } else if (fixed) {
        body = await readFile(fixed);
        type = extname(fileURLToPath(fixed));
      } else {
        const [base, rel] = path.startsWith('/envseal/') ? [pkgDir, path.slice('/envseal/'.length)] : [root, path.slice(1)];
        if (!base) throw new Error('not found');
        const file = normalize(join(base, rel || 'index.html'));
        if (!file.startsWith(normalize(base))) throw new Error('outside the root');
        body = await readFile(file);
        type = extname(file);
      }
      res.writeHead(200, {
        'content-type': TYPES[type] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        ...isolation,
      });
      res.end(body);
    } catch (e) {
      if (!res.headersSent) res.writeHead(404).end(String(e.message));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  let browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    server.close();
    throw e;
  }
  return {
    origin,
    browser,
    served,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

// ---- memory of Chromium's renderer processes (Linux /proc) -----------------------------------


/** Pids of the Chromium renderer processes this Node process started (a page and its dedicated
 * Workers share one; playwright-core launches Chromium as our child). */
export function rendererPids() {
  const root = process.pid;
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const descends = (pid) => {
    for (let p = pid; p && p !== 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter((pid) => {
    if (!descends(pid)) return false;
    try {
      // (Chromium's own WebUI renderer, --top-chrome-webui, hosts no page of ours.)
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return /--type=renderer(\s|\0)/.test(args) && !args.includes('--top-chrome-webui');
    } catch {
      return false;
    }
  });
}

/** `{ rss, hwm }` of `pid` in bytes (VmRSS, and VmHWM: the peak since start or the last reset). */
export function processMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** Resets `pid`'s peak RSS (VmHWM) to its current RSS; false where the kernel refuses. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system, in clock ticks) `pid` has used. */
export function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Runs `work` and returns `[result, pid]`: the renderer that used the most CPU meanwhile (the one
 * hosting the page that did the work; site isolation and spare renderers make several).
 */
export async function busiestRenderer(work) {
  const pids = rendererPids();
  const before = new Map(pids.map((pid) => [pid, cpuTicks(pid)]));
  const result = await work();
  const used = (pid) => cpuTicks(pid) - before.get(pid);
  return [result, pids.reduce((a, b) => (used(b) > used(a) ? b : a))];
}

/**
 * A CDP session to the first dedicated Worker of the browser, for `Runtime.getHeapUsage` and the
 * like: `send(method, params)` resolves with the result (attached through the browser session,
 * since playwright-core gives CDP sessions to pages only).
 */
export async function workerCdp(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const worker = targetInfos.find((t) => t.type === 'worker');
  if (!worker) throw new Error('no Worker target');
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false });
  let lastId = 0;
  const pending = new Map();
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    const message = JSON.parse(event.message);
    const settle = pending.get(message.id);
    pending.delete(message.id);
    if (!settle) return;
    if (message.error) settle.reject(new Error(`${message.error.message} (${message.error.code})`));
    else settle.resolve(message.result);
  });
  return {
    send(method, params = {}) {
      return new Promise((resolve, reject) => {
        const id = ++lastId;
        pending.set(id, { resolve, reject });
        cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
      });
    },
    detach: () => cdp.detach(),
  };
}
