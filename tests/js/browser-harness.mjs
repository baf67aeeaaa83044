// The one harness for everything envseal runs in headless Chromium: the browser tests of tests/js,
// the demo page's end-to-end tests (tests/e2e) and the benchmark (bench/). It gives:
//   - Chromium: the system one ($CHROMIUM_PATH, default /usr/bin/chromium), driven by
//     playwright-core; nothing is ever downloaded;
//   - a node:http server on 127.0.0.1 that serves the installed package under /envseal/, fixed
//     files, routes and directories;
//   - pages whose errors are collected, and a way to run a module's default export in a Worker;
//   - Linux /proc readings of the renderer processes: which one runs a page, its memory (VmRSS,
//     VmHWM) and CPU time, and a DevTools session to a Worker for its heap.
// tests/e2e and bench/ import this file; playwright-core resolves from tests/js/node_modules.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

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

/** The directory of the envseal package installed next to this file (tests/js/node_modules). */
export function installedPackage() {
  return fileURLToPath(new URL('.', import.meta.resolve('envseal')));
}

const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
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

/**
 * Starts the system Chromium headless, with a clear error if it is missing. `options` are more
 * playwright launch options (a logger, a timeout).
 */
export async function launchChromium(options = {}) {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...options });
  } catch (e) {
    throw new Error(`cannot start Chromium at ${CHROMIUM} (set CHROMIUM_PATH): ${e.message}`);
  }
}

/** The longest key of `table` that `path` starts with (keys ending in '/' are prefixes). */
function prefixOf(table, path) {
  return Object.keys(table)
    .filter((key) => (key.endsWith('/') ? path.startsWith(key) : path === key))
    .sort((a, b) => b.length - a.length)[0];
}

/**
 * Serves on 127.0.0.1 (a free port), with `cache-control: no-store`:
 *   `files`: path -> a file URL, or [source text, extension];
 *   `routes`: path (or prefix ending in '/') -> handler(req, res, path), any method;
 *   `mounts`: URL prefix ending in '/' -> a directory (a path naming a folder gets its index.html);
 *     '/envseal/' is the installed package unless given;
 *   `isolated`: COOP + COEP headers (they unlock performance.measureUserAgentSpecificMemory()).
 * Anything else is a 404. `served` lists every path requested, in order.
 * @param {{ files?: Record<string, string | URL | [string, string]>,
 *   routes?: Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, path: string) => unknown>,
 *   mounts?: Record<string, string>, isolated?: boolean }} [options]
 */
export async function serve({ files = {}, routes = {}, mounts = {}, isolated = false } = {}) {
  const dirs = { ...mounts };
  dirs['/envseal/'] ??= installedPackage();
  const headers = {
    'cache-control': 'no-store',
    ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
  };
  const served = [];
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      served.push(path);
      const route = prefixOf(routes, path);
      if (route) return await routes[route](req, res, path);
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
        const mount = prefixOf(dirs, path);
        if (!mount) throw new Error('not found');
        const base = normalize(dirs[mount]).replace(/[/\\]$/, '');
        let file = normalize(join(base, path.slice(mount.length)));
        if (file !== base && !file.startsWith(base + sep)) throw new Error('outside the directory');
        if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
        body = await readFile(file);
        type = extname(file);
      }
      res.writeHead(200, { 'content-type': TYPES[type] ?? 'application/octet-stream', ...headers });
      res.end(body);
    } catch (e) {
      if (!res.headersSent) res.writeHead(404).end(String(e.message));
      else res.destroy();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    served,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Collects every console error and uncaught exception of a browser context: its pages, their
 * dedicated Workers and its service workers. With `failedLoads: false`, leaves out the line
 * Chromium logs for each HTTP error or refused request ("Failed to load resource"), for tests
 * whose requests are refused on purpose.
 * @param {import('playwright-core').BrowserContext} context
 * @returns {string[]} the errors so far (a live array)
 */
export function collectErrors(context, { failedLoads = true } = {}) {
  const errors = [];
  const onConsole = (where) => (message) => {
    if (message.type() !== 'error' && message.type() !== 'assert') return;
    if (!failedLoads && message.text().startsWith('Failed to load resource')) return;
    errors.push(`${where} console.${message.type()}: ${message.text()}`);
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

/**
 * Starts the server (options as for `serve`) and Chromium. `open(path)` loads `path` in a page of
 * a fresh context: `{ context, page, errors }`, `errors` as `collectErrors` gathers them, without
 * the failed-load lines (the suites' refused requests are deliberate; what they refuse is asserted).
 */
export async function startHarness(options = {}) {
  const server = await serve(options);
  let browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    origin: server.origin,
    browser,
    served: server.served,
    async open(path = '/') {
      const context = await browser.newContext();
      const errors = collectErrors(context, { failedLoads: false });
      const page = await context.newPage();
      await page.goto(`${server.origin}${path}`);
      return { context, page, errors };
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
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

// ---- Chromium's processes (Linux /proc) ------------------------------------------------------

function readStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid = field 4, utime..cstime = fields 14-17
  return {
    ppid: Number(fields[1]),
    cpuTicks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
    ownTicks: Number(fields[11]) + Number(fields[12]),
  };
}

/**
 * Every live process descending from `root` (default: this node process; playwright-core starts
 * Chromium as its child): `{ pid, ppid, cpuTicks (with reaped children), ownTicks, cmd }`.
 */
export function processTree(root = process.pid) {
  const all = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const pid = Number(name);
      // Chromium rewrites its children's titles into one space-separated string: match on text.
      all.push({ pid, ...readStat(pid), cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') + ' ' });
    } catch {
      // gone
    }
  }
  const mine = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => mine.has(p.pid));
}

/**
 * Pids of the renderer processes of the Chromium we started (a page and its dedicated Workers share
 * one), not Chromium's own WebUI and extension renderers, which host no page of ours.
 */
export function rendererPids() {
  return processTree()
    .filter((p) => / --type=renderer /.test(p.cmd) && !/ --(top-chrome-webui|extension-process) /.test(p.cmd))
    .map((p) => p.pid);
}

/** The pid of the browser process of the Chromium we started. */
export function browserPid() {
  return processTree().find((p) => p.ppid === process.pid && /chrom/.test(p.cmd))?.pid;
}

/** CPU time (user + system, in clock ticks) `pid` has used; 0 once it is gone. */
export function cpuTicks(pid) {
  try {
    return readStat(pid).ownTicks;
  } catch {
    return 0;
  }
}

/** `{ rss, hwm }` of `pid` in bytes (VmRSS, and VmHWM: the peak since start or the last reset); undefined once it is gone. */
export function processMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return undefined;
  }
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

/** Runs `work`; `[its result, [{ pid, ticks }]]`: the CPU each of `pids` used meanwhile, most first. */
async function cpuUsedDuring(pids, work) {
  const before = new Map(pids.map((pid) => [pid, cpuTicks(pid)]));
  const result = await work();
  return [result, pids.map((pid) => ({ pid, ticks: cpuTicks(pid) - before.get(pid) })).sort((a, b) => b.ticks - a.ticks)];
}

/**
 * Runs `work` and returns `[result, pid]`: the renderer that used the most CPU meanwhile (the one
 * hosting the page that did the work; site isolation and spare renderers make several).
 */
export async function busiestRenderer(work) {
  const [result, used] = await cpuUsedDuring(rendererPids(), work);
  return [result, used[0]?.pid];
}

/**
 * Which renderer runs `page`: the page spins its main thread and the renderer whose CPU time
 * moved clearly more than any other's is the one (tried with longer spins on a busy machine).
 * `{ pid, candidates }`.
 */
export async function findRenderer(page) {
  let pids = [];
  for (const ms of [300, 600, 1200, 2400]) {
    pids = rendererPids();
    if (pids.length === 1) return { pid: pids[0], candidates: 1 };
    const spin = (t) => {
      const start = performance.now();
      while (performance.now() - start < t);
    };
    const [, [best, next = { ticks: 0 }]] = await cpuUsedDuring(pids, () => page.evaluate(spin, ms));
    if (best && best.ticks >= 10 && best.ticks >= 3 * next.ticks) return { pid: best.pid, candidates: pids.length };
  }
  throw new Error(`could not tell which of ${pids.length} renderers runs the page`);
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
