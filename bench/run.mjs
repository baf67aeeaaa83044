#!/usr/bin/env node
// `make bench`: envseal's streams against raw WebCrypto, SHA-384 in wasm, the AWS browser client,
// age and libsodium, in headless Chromium (the system one; nothing is downloaded).
//
//   node bench/run.mjs [--sizes 256,1024] [--cases envseal,aws-default] [--frame-length 262144]
//                      [--chunk 65536] [--retries 2] [--max-load 0.25] [--idle-wait 600]
//                      [--docs | --no-docs] [--list]
//
// Each (case, size) runs in a fresh browser, so its renderer process (whose memory is measured)
// starts clean, and a case that crashes or hangs takes nothing else with it. A run taken while
// other processes kept the machine busy is re-taken (up to --retries) and flagged if it stays so.
// Writes target/bench/browser-<date>.json and .md, prints the table and the targets, and (for a
// full default run, or with --docs) rewrites the generated block of docs/benchmarks.md.

import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { build } from 'esbuild';
import { CHROMIUM, CHROMIUM_ARGS, browserPid, findRenderer, launchChromium, processMemory, resetPeak, serve } from '../tests/js/browser-harness.mjs';

import { benchCases } from './lib/cases.mjs';
import { cpuSnapshot, foreignLoad, gitDescribe, machineInfo, measureForeignLoad } from './lib/procs.mjs';
import { checkTargets, mbs, peakGrowth, renderMarkdown, sizeLabel, writeDocs } from './lib/report.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const MiB = 2 ** 20;

const DEFAULT_SIZES = '256,1024';
const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string', default: DEFAULT_SIZES }, // MiB
    cases: { type: 'string' }, // comma-separated ids or id prefixes
    'frame-length': { type: 'string', default: '262144' },
    chunk: { type: 'string', default: '65536' },
    retries: { type: 'string', default: '2' },
    'max-load': { type: 'string', default: '0.25' }, // cores kept busy by other processes
    'idle-wait': { type: 'string', default: '600' }, // seconds to wait for an idle machine
    'min-mbs': { type: 'string', default: '4' }, // a case slower than this times out
    docs: { type: 'boolean' },
    'no-docs': { type: 'boolean' },
    out: { type: 'string', default: join(root, 'target', 'bench') },
    list: { type: 'boolean' },
  },
});

const config = {
  sizes: opt.sizes.split(',').map((s) => Math.round(Number(s) * MiB)),
  frameLength: Number(opt['frame-length']),
  chunk: Number(opt.chunk),
  warmupBytes: 4 * MiB + 77,
  retries: Number(opt.retries),
  maxLoad: Number(opt['max-load']),
  idleWaitSeconds: Number(opt['idle-wait']),
  minMbs: Number(opt['min-mbs']),
};
const allCases = benchCases(config);
const cases = opt.cases
  ? allCases.filter((c) => opt.cases.split(',').some((p) => c.id === p || c.id.startsWith(p)))
  : allCases;
if (opt.list) {
  for (const c of allCases) console.log(`${c.id.padEnd(26)} ${c.label}`);
  process.exit(0);
}
if (cases.length === 0) throw new Error(`no case matches --cases ${opt.cases} (see --list)`);
const log = (...a) => console.log('[bench]', ...a);

// ---- the page: esbuild bundle of page/, plus the installed envseal package, on 127.0.0.1 ---------

const www = join(opt.out, 'www');
async function bundle() {
  rmSync(www, { recursive: true, force: true });
  mkdirSync(www, { recursive: true });
  await build({
    absWorkingDir: here, // packages and aliases resolve from bench/, whatever the caller's cwd
    entryPoints: [join(here, 'page', 'harness.js')],
    bundle: true,
    splitting: true, // each case's libraries load only in that case's page
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    outdir: www,
    external: ['envseal'], // served as installed, through the page's import map
    // The AWS client's ASN.1 code (asn1.js -> safer-buffer) needs Node's 'buffer' module and a
    // global Buffer: browser apps bundle the npm 'buffer' polyfill for it, as here.
    alias: { buffer: 'buffer/' },
    inject: [join(here, 'page', 'buffer-shim.js')],
    logLevel: 'warning',
    legalComments: 'none',
  });
  cpSync(join(here, 'page', 'index.html'), join(www, 'index.html'));
}

/** Bytes the page uploads (POST /store/NAME appends) and downloads again (GET), in memory. */
const stored = new Map();

async function handleStore(req, res, name) {
  if (req.method === 'POST') {
    const parts = stored.get(name) ?? [];
    stored.set(name, parts);
    for await (const piece of req) parts.push(piece);
    res.writeHead(204).end();
    return;
  }
  const parts = stored.get(name);
  if (!parts) {
    res.writeHead(404).end('nothing stored');
    return;
  }
  const length = parts.reduce((n, p) => n + p.length, 0);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': length, 'cache-control': 'no-store' });
  for (const part of parts) {
    if (!res.write(part)) await new Promise((ok) => res.once('drain', ok));
  }
  res.end();
}

// ---- one (case, size) in a fresh browser -----------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runOnce(c, bytes, url) {
  const browserLog = [];
  const cpu0 = cpuSnapshot();
  const result = { id: c.id, bytes, memory: {} };
  let browser;
  let current; // the memory record of the phase in progress
  let sampler;
  let crashed = false;
  try {
    browser = await launchChromium({
      timeout: 60_000,
      logger: {
        isEnabled: (name) => name === 'browser',
        log: (_name, _severity, message) => {
          browserLog.push(String(message));
          if (browserLog.length > 300) browserLog.shift();
        },
      },
    });
    result.chromium = browser.version();
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('crash', () => {
      crashed = true;
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const jsHeap = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
    };
    /** V8 heap + Blink heap + ArrayBuffer (and wasm memory) contents, as CDP reports them. */
    const liveBytes = async () => {
      const u = await cdp.send('Runtime.getHeapUsage');
      return u.usedSize + (u.embedderHeapUsedSize ?? 0) + (u.backingStorageSize ?? 0);
    };

    let pid;
    await page.exposeBinding('benchMark', async (_source, event) => {
      if (event === 'gc') {
        await cdp.send('HeapProfiler.collectGarbage');
        await cdp.send('HeapProfiler.collectGarbage');
        return;
      }
      const [name, edge] = event.split(':');
      if (event === 'live') {
        // The page's sink paused mid-stream: collect, then read what survived.
        if (!current || current.peakLive === undefined) return;
        await cdp.send('HeapProfiler.collectGarbage');
        current.peakLive = Math.max(current.peakLive, await liveBytes());
        current.samples++;
        return;
      }
      if (edge === 'start' && name === 'roundtrip-live') {
        await cdp.send('HeapProfiler.collectGarbage');
        const startLive = await liveBytes();
        const startRss = processMemory(pid)?.rss;
        current = { startRss, sampledPeakRss: startRss, startLive, peakLive: startLive, samples: 0, hwmReset: resetPeak(pid) };
        const rec = current;
        sampler = setInterval(() => {
          const m = processMemory(pid);
          if (m) rec.sampledPeakRss = Math.max(rec.sampledPeakRss, m.rss);
        }, 50);
        result.memory[name] = current;
      } else if (edge === 'start') {
        const startRss = processMemory(pid)?.rss;
        current = { startRss, sampledPeakRss: startRss, startJsHeap: await jsHeap(), peakJsHeap: 0, hwmReset: resetPeak(pid) };
        const rec = current;
        let heapPending = false;
        let tick = 0;
        sampler = setInterval(() => {
          const m = processMemory(pid);
          if (m) rec.sampledPeakRss = Math.max(rec.sampledPeakRss, m.rss);
          if (tick++ % 4 === 0 && !heapPending) {
            heapPending = true;
            jsHeap()
              .then((h) => {
                rec.peakJsHeap = Math.max(rec.peakJsHeap, h ?? 0);
              })
              .catch(() => {})
              .finally(() => {
                heapPending = false;
              });
          }
        }, 50);
        result.memory[name] = current;
      } else if (edge === 'end' && current) {
        clearInterval(sampler);
        const m = processMemory(pid);
        current.endRss = m?.rss;
        current.peakRss = Math.max(current.sampledPeakRss, current.hwmReset && m ? m.hwm : 0);
        if (current.peakJsHeap !== undefined) current.peakJsHeap = Math.max(current.peakJsHeap, (await jsHeap().catch(() => 0)) ?? 0);
        current = undefined;
      }
    });

    await page.goto(url);
    await page.waitForFunction(() => window.bench !== undefined, null, { timeout: 30_000 });
    const renderer = await findRenderer(page);
    pid = renderer.pid;
    result.renderer = { ...renderer, rssAfterLoad: processMemory(pid)?.rss };

    const storeName = `${c.id}-${bytes}-${Date.now()}`;
    const spec = { module: c.module, params: c.params, bytes, chunk: config.chunk, warmupBytes: config.warmupBytes, storeUrl: `/store/${storeName}` };
    const timeoutMs = 60_000 + ((5 * bytes) / (config.minMbs * 1e6)) * 1000; // five passes
    let timer;
    const outcome = await Promise.race([
      page.evaluate((s) => window.bench.run(s), spec),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    Object.assign(result, outcome);
    result.rendererPeakRss = processMemory(pid)?.hwm;
  } catch (e) {
    // A crash or a timeout: blame the phase in progress, keep what was measured so far.
    const phaseName = Object.entries(result.memory).find(([, m]) => m === current)?.[0];
    const oom = browserLog.filter((l) => /out of memory|oom|allocation failed/i.test(l)).slice(-3);
    const message = crashed
      ? `the renderer process crashed${oom.length ? `: ${oom.join(' | ')}` : ' (no reason logged; out of memory is the usual one)'}`
      : String(e.message ?? e).split('\n')[0];
    result.status = 'failed';
    result.phases = result.phases ?? {};
    if (phaseName) {
      result.phases[phaseName] = { error: { name: crashed ? 'Crash' : 'Error', message } };
      if (current) current.peakRss = current.sampledPeakRss;
      for (const later of ['decrypt', 'decrypt-fetch', 'roundtrip-live']) {
        if (later !== phaseName && !result.phases[later]) result.phases[later] = { skipped: `not run: ${phaseName} failed` };
      }
    } else {
      result.where = result.where ?? 'harness';
      result.error = { message };
    }
    result.browserLog = browserLog.slice(-20);
  } finally {
    clearInterval(sampler);
    stored.clear();
    result.foreignLoad = foreignLoad(cpu0, cpuSnapshot());
    if (browser) {
      const bpid = browserPid();
      const closed = await Promise.race([browser.close().then(() => true, () => false), sleep(15_000).then(() => false)]);
      if (!closed && bpid) {
        try {
          process.kill(bpid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
  return result;
}

// A CPU canary: SHA-384 of 32 MiB in Node (native), best of three, in MB/s. Taken before and
// after each run: a run whose canary is clearly below the best seen ran on a slowed machine
// (another VM on the host, frequency scaling) that /proc/stat's load does not show.
const canaryInput = Buffer.alloc(32 * MiB, 0x5a);
function canary() {
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    createHash('sha384').update(canaryInput).digest();
    best = Math.max(best, canaryInput.length / 1e6 / ((performance.now() - t) / 1000));
  }
  return best;
}
let bestCanary = 0;
const SLOW = 0.85; // a run below 85% of the best canary is flagged and re-taken

async function waitForIdle(reason) {
  const deadline = Date.now() + config.idleWaitSeconds * 1000;
  let load = await measureForeignLoad(2);
  let told = false;
  while (load > config.maxLoad * 0.6 && Date.now() < deadline) {
    if (!told) log(`${reason}: other processes keep ${load.toFixed(2)} cores busy; waiting up to ${config.idleWaitSeconds} s for an idle machine`);
    told = true;
    load = await measureForeignLoad(5);
  }
  if (told) log(load > config.maxLoad * 0.6 ? `still busy (${load.toFixed(2)} cores): going on, results will be flagged` : 'idle now');
  return load;
}

/** Why a run's numbers are suspect (other processes busy, or a slowed machine), or ''. */
function disturbance(r) {
  const why = [];
  if (r.foreignLoad > config.maxLoad) why.push(`other processes kept ${r.foreignLoad.toFixed(2)} cores busy`);
  if (r.canary < SLOW * bestCanary) why.push(`the machine ran at ${((r.canary / bestCanary) * 100).toFixed(0)}% of its best speed (CPU canary)`);
  return why.join('; ');
}
const score = (r) => (r.canary / (bestCanary || 1)) / (1 + 4 * r.foreignLoad);

function summary(r) {
  if (r.status === 'not-available') return `not available (${r.reason})`;
  const mib = (b) => (b === undefined ? '?' : (b / MiB).toFixed(0));
  const part = (name, label = name) => {
    const p = r.phases?.[name];
    if (!p) return undefined;
    const v = mbs(p, r.bytes);
    if (v === undefined) return `${label} FAILED (${p?.error?.message ?? p?.skipped ?? '?'})`.slice(0, 160);
    const m = r.memory?.[name];
    const mem = name === 'roundtrip-live' ? `live +${mib(m && m.peakLive - m.startLive)} MiB` : `+${mib(peakGrowth(m))} MiB`;
    return `${label} ${v.toFixed(0)} MB/s (${mem})`;
  };
  if (!r.phases) return `FAILED in ${r.where ?? '?'}: ${r.error?.message ?? '?'}`.slice(0, 200);
  return [part('encrypt'), part('decrypt'), part('decrypt-fetch', 'fetch+decrypt'), part('roundtrip-live', 'round trip')]
    .filter(Boolean)
    .join(', ');
}

// ---- main -----------------------------------------------------------------------------------------

const t0 = Date.now();
mkdirSync(opt.out, { recursive: true });
await bundle();
const pkgDir = fileURLToPath(new URL('.', import.meta.resolve('envseal')));
const server = await serve({
  mounts: { '/envseal/': pkgDir, '/': www },
  routes: { '/store/': (req, res, path) => handleStore(req, res, path.slice('/store/'.length)) },
});
const url = `${server.origin}/`;
const machine = machineInfo();
log(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Chromium ${CHROMIUM}`);
log(`cases: ${cases.map((c) => c.id).join(', ')}; sizes: ${config.sizes.map(sizeLabel).join(', ')}`);

// Playwright closes the browser on SIGINT/SIGTERM; without this the loop would go on to the next case.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    setTimeout(() => process.exit(130), 1000);
  });
}

const results = [];
let chromiumVersion;

/** One (case, size), re-taken while disturbed (up to --retries); the least disturbed attempt. */
async function measure(c, bytes) {
  const attempts = [];
  for (let attempt = 0; attempt <= config.retries; attempt++) {
    await waitForIdle(attempt === 0 ? `${c.id} ${sizeLabel(bytes)}` : `re-taking ${c.id} ${sizeLabel(bytes)}`);
    const before = canary();
    const started = Date.now();
    const r = await runOnce(c, bytes, url);
    r.wallMs = Date.now() - started;
    const after = canary();
    r.canary = Math.min(before, after);
    bestCanary = Math.max(bestCanary, before, after);
    attempts.push(r);
    chromiumVersion ??= r.chromium;
    if (r.status === 'not-available' || !disturbance(r)) break;
    log(`${c.id} ${sizeLabel(bytes)}: ${disturbance(r)}`);
  }
  // The least disturbed attempt: least foreign load, then fastest canary.
  const best = attempts.reduce((a, b) => (score(b) > score(a) ? b : a));
  best.attempts = attempts.map((a) => ({ foreignLoad: a.foreignLoad, canary: a.canary, wallMs: a.wallMs, status: a.status }));
  best.underLoad = best.status !== 'not-available' && Boolean(disturbance(best));
  return best;
}
try {
  for (const c of cases) {
    for (const bytes of config.sizes) {
      const best = await measure(c, bytes);
      results.push(best);
      log(`${c.id} ${sizeLabel(bytes)}: ${summary(best)} [${(best.wallMs / 1000).toFixed(1)} s, load ${best.foreignLoad.toFixed(2)}, canary ${(best.canary / bestCanary * 100).toFixed(0)}%${best.underLoad ? ', DISTURBED' : ''}]`);
    }
    // A streaming cipher's speed does not depend on the input size: if the sizes disagree by more
    // than 25%, a disturbance the load and the canary missed hit one of them (seen here: a whole
    // case at half speed with an idle machine and a normal canary). Re-take the slower one.
    if (!c.wholeBuffer) {
      for (let round = 0; round < config.retries; round++) {
        const mine = results.filter((r) => r.id === c.id && r.status === 'ok');
        const slowest = (r) => Math.min(...['encrypt', 'decrypt'].map((n) => mbs(r.phases?.[n], r.bytes) ?? Infinity));
        if (mine.length < 2) break;
        const speeds = mine.map(slowest);
        if (Math.max(...speeds) <= 1.25 * Math.min(...speeds)) break;
        const worst = mine[speeds.indexOf(Math.min(...speeds))];
        log(`${c.id}: ${sizeLabel(worst.bytes)} ran at ${((Math.min(...speeds) / Math.max(...speeds)) * 100).toFixed(0)}% of the other size's speed: re-taking it`);
        const again = await measure(c, worst.bytes);
        again.retakenForConsistency = (worst.retakenForConsistency ?? 0) + 1;
        log(`${c.id} ${sizeLabel(worst.bytes)} (re-take): ${summary(again)}`);
        if (again.status === 'ok' && slowest(again) > slowest(worst)) results[results.indexOf(worst)] = again;
        else worst.retakenForConsistency = again.retakenForConsistency;
      }
    }
    // A case that failed at the smallest size (out of memory, call stack): find the largest size
    // it handles, halving down to 16 MiB, so the table can say where it stops and how fast it was.
    const smallest = Math.min(...config.sizes);
    const first = results.find((r) => r.id === c.id && r.bytes === smallest);
    if (first?.status === 'failed' && first.phases?.encrypt) {
      for (let bytes = smallest / 2; bytes >= 16 * MiB; bytes /= 2) {
        await waitForIdle(`${c.id} ${sizeLabel(bytes)} (largest size that works?)`);
        const before = canary();
        const started = Date.now();
        const r = await runOnce(c, bytes, url);
        r.wallMs = Date.now() - started;
        r.canary = Math.min(before, canary());
        r.probe = true;
        r.underLoad = Boolean(disturbance(r));
        log(`${c.id} ${sizeLabel(bytes)} (probe): ${summary(r)} [${(r.wallMs / 1000).toFixed(1)} s, load ${r.foreignLoad.toFixed(2)}]`);
        if (r.status === 'ok') {
          results.push(r);
          break;
        }
      }
    }
  }
} finally {
  server.close();
}

// Judge every run against the best canary of the whole run (it may have been found late).
for (const r of results) {
  if (r.status !== 'not-available') {
    r.underLoad = Boolean(disturbance(r));
    r.disturbance = disturbance(r) || undefined;
  }
}

const date = new Date().toISOString();
const file = join(opt.out, `browser-${date.replace(/[:.]/g, '-')}.json`);
const run = {
  date,
  file: relative(root, file),
  commit: gitDescribe(root),
  machine,
  chromium: chromiumVersion,
  chromiumPath: CHROMIUM,
  chromiumArgs: CHROMIUM_ARGS,
  config,
  canary: { bestMBs: bestCanary, what: 'SHA-384 of 32 MiB in Node (native), best of three, before and after each run', slowBelow: SLOW },
  memoryDefinition: {
    peakRss:
      "the highest resident set size of the page's renderer process during the phase (VmHWM after a reset through /proc/PID/clear_refs, and 50 ms samples of VmRSS); startRss: its RSS when the phase began. Tables show peakRss - startRss: for encrypt from the 'encrypt' phase, for decrypt from 'decrypt-fetch' (ciphertext downloaded with fetch, not held in the page; buffer cases: 'decrypt', ciphertext held).",
    peakLive:
      "'roundtrip-live' phase only: every 16 MiB of output the page's sink pauses, run.mjs forces a garbage collection (CDP HeapProfiler.collectGarbage) and reads CDP Runtime.getHeapUsage (usedSize + embedderHeapUsedSize + backingStorageSize: V8 heap, Blink heap, ArrayBuffer and wasm memory contents); peakLive - startLive is the memory the round trip keeps alive, without garbage awaiting collection.",
    peakJsHeap: 'the highest JSHeapUsedSize (CDP Performance.getMetrics, sampled every 200 ms): the V8 heap only, without ArrayBuffer contents.',
  },
  cases: cases.map(({ id, label, group, params, wholeBuffer }) => ({ id, label, group, params, wholeBuffer })),
  results,
  totalMs: Date.now() - t0,
};
writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
const markdown = renderMarkdown(run);
writeFileSync(file.replace(/\.json$/, '.md'), `${markdown}\n`);
console.log(`\n${markdown}\n`);
log(`wrote ${relative(root, file)} and .md (${((Date.now() - t0) / 60000).toFixed(1)} min)`);

const fullRun = opt.sizes === DEFAULT_SIZES && cases.length === allCases.length;
if (opt.docs || (fullRun && !opt['no-docs'])) {
  writeDocs(join(root, 'docs', 'benchmarks.md'), markdown);
  log('updated docs/benchmarks.md');
}
const targets = checkTargets(run);
const misses = targets.filter((t) => t.result.startsWith('MISS'));
log(`targets: ${targets.filter((t) => t.result.startsWith('PASS')).length} PASS, ${misses.length} MISS, ${targets.length - misses.length - targets.filter((t) => t.result.startsWith('PASS')).length} not checked`);
