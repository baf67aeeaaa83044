// encryptStream / decryptStream in headless Chromium: in a page and in a dedicated Worker (no
// `window`, no `Buffer`), every engine (the 'workers' pool from a page and from a Worker) and
// suite, identical bytes from every engine, error codes, exact length, ranges (Blob and HTTP
// Range) and rewrap; and 1 GiB streamed through encryptStream -> decryptStream inside a Worker, with the
// SHA-256 of what went in equal to the SHA-256 of what came out, and memory measured (below).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as envseal from 'envseal';

import { busiestRenderer, installedPackage, processMemory, resetPeak, startHarness, workerCdp } from './browser-harness.mjs';

const MiB = 1 << 20;

// Runs in the page and in a Worker: round trips, engine identity, errors.
const scenario = `
  const DETERMINISTIC = Symbol.for('envseal.testing.deterministicEncryptor');
  const collect = async (readable) => {
    const parts = [];
    let error;
    try { for (const r = readable.getReader();;) { const { done, value } = await r.read(); if (done) break; parts.push(value); } }
    catch (e) { error = e; }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return { bytes: out, error };
  };
  const source = (bytes, chunk) => {
    let at = 0;
    return new ReadableStream({ pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + chunk)); at += chunk;
    } }, { highWaterMark: 0 });
  };
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  export async function run(envseal) {
    const { init, RawAesKeyring, encryptStream, decryptStream } = envseal;
    await init();
    const keyring = new RawAesKeyring({ keyNamespace: 'streams', keyName: 'k', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) });
    const data = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 131) >>> 3);
    const found = { hasWindow: typeof window !== 'undefined', hasBuffer: typeof Buffer !== 'undefined', roundTrips: [] };
    for (const suite of [0x0478, 0x0578]) {
      // Each engine encrypts, and the message is decrypted by another.
      for (const [engine, reader] of Object.entries({ webcrypto: 'wasm', wasm: 'workers', auto: 'wasm', workers: 'webcrypto' })) {
        const enc = encryptStream(keyring, { suite, engine, encryptionContext: { where: 'chromium' } });
        const ct = await collect(source(data, 100000).pipeThrough(enc));
        const dec = decryptStream(keyring, { engine: reader });
        const pt = await collect(source(ct.bytes, 77777).pipeThrough(dec));
        found.roundTrips.push({ suite, engine, ok: !ct.error && !pt.error && same(pt.bytes, data),
          header: (await dec.header).encryptionContext.where });
      }
    }
    const hook = { dataKey: new Uint8Array(32).fill(1), messageId: new Uint8Array(32).fill(2) };
    const outputs = [];
    for (const [engine, chunk] of [['webcrypto', 1000], ['wasm', 65536], ['webcrypto', 4 << 20], ['workers', 77777]]) {
      outputs.push((await collect(source(data, chunk).pipeThrough(encryptStream(keyring, { engine, [DETERMINISTIC]: hook })))).bytes);
    }
    found.identical = outputs.every((o) => same(o, outputs[0]));

    const ct = (await collect(source(data, 1 << 20).pipeThrough(encryptStream(keyring)))).bytes;
    const flipped = ct.slice(); flipped[ct.length - 100] ^= 1;
    const trailing = new Uint8Array(ct.length + 1); trailing.set(ct);
    found.errors = {};
    const early = ct.slice(); early[ct.length - 300000] ^= 1; // inside a regular frame, read by the pool
    for (const [name, bytes, engine] of [['flipped', flipped], ['truncated', ct.subarray(0, ct.length - 1)], ['trailing', trailing],
      ['flipped in a worker', early, 'workers'], ['truncated in a worker', ct.subarray(0, ct.length - 1), 'workers']]) {
      const r = await collect(source(bytes, 65536).pipeThrough(decryptStream(keyring, { engine })));
      // a prefix of the plaintext, without the final frame (it is held until the end checks out)
      found.errors[name] = r.error?.code + ' ' + (r.bytes.length < data.length && same(r.bytes, data.subarray(0, r.bytes.length)));
    }

    // Beyond the AWS SDKs: exact length first, ranges (a Blob, and a URL read with HTTP Range
    // requests from the test server), rewrap.
    const sized = encryptStream(keyring, { plaintextLength: data.length, frameLength: 65536 });
    const promised = await sized.ciphertextLength;
    const sizedCt = (await collect(source(data, 65536).pipeThrough(sized))).bytes;
    found.exactLength = promised === sizedCt.length;
    const fromBlob = await envseal.decryptRange(keyring, new Blob([sizedCt]), { start: 70000, end: 300000 });
    found.blobRange = same(fromBlob.plaintext, data.subarray(70000, 300000));
    const stored = new envseal.RawAesKeyring({ keyNamespace: 'streams', keyName: 'stored', wrappingKey: new Uint8Array(32).fill(9) });
    const fromUrl = await envseal.decryptRange(stored, location.origin + '/stored.enc', { start: 123456, end: 123556 });
    found.urlRange = fromUrl.plaintext.every((b, i) => b === ((123456 + i) * 31) % 251);
    const other = new RawAesKeyring({ keyNamespace: 'streams', keyName: 'other', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) });
    const moved = await envseal.rewrap(keyring, other, sizedCt);
    found.rewrap = same((await envseal.decrypt(other, moved.ciphertext)).plaintext, data);
    return found;
  }
`;

const EXPECTED = (inWorker) => ({
  hasWindow: !inWorker,
  hasBuffer: false,
  roundTrips: [0x0478, 0x0578].flatMap((suite) =>
    ['webcrypto', 'wasm', 'auto', 'workers'].map((engine) => ({ suite, engine, ok: true, header: 'chromium' })),
  ),
  identical: true,
  exactLength: true,
  blobRange: true,
  urlRange: true,
  rewrap: true,
  errors: {
    flipped: 'DECRYPT_FAILED true',
    truncated: 'TRUNCATED true',
    trailing: 'TRAILING_DATA true',
    'flipped in a worker': 'DECRYPT_FAILED true',
    'truncated in a worker': 'TRUNCATED true',
  },
});

// The 1 GiB job, in a Worker: deterministic pseudo-random chunks (xorshift128, sizes cycling
// through 64 KiB, 1 MiB + 4 and 300000 bytes) hashed as they are generated, streamed through
// encryptStream and decryptStream, and the output hashed as it arrives.
const bigJob = `
  import { init, RawAesKeyring, encryptStream, decryptStream } from '/envseal/index.js';
  import { Sha256 } from '/sha256.js';

  function generated(size, hash) {
    let x = 123456789, y = 362436069, z = 521288629, w = 88675123;
    const sizes = [65536, 1048580, 300000];
    let produced = 0, i = 0;
    return new ReadableStream({ pull(c) {
      if (produced >= size) return c.close();
      const n = Math.min(sizes[i++ % sizes.length], size - produced);
      const chunk = new Uint8Array(n);
      const words = new Int32Array(chunk.buffer, 0, n >> 2);
      for (let k = 0; k < words.length; k++) {
        const t = x ^ (x << 11); x = y; y = z; z = w; w = w ^ (w >>> 19) ^ t ^ (t >>> 8);
        words[k] = w;
      }
      hash.update(chunk);
      produced += n;
      c.enqueue(chunk);
    } }, { highWaterMark: 0 });
  }

  // Warm-up: load the module, and stream 8 MiB once so that everything the job uses exists.
  export async function warmUp() {
    await init();
    await job({ size: 8 << 20, suite: 0x0478 });
  }

  // checkpoint(): called after every 32 MiB of output; resolves when the test measured the
  // Worker's memory (the stream is paused meanwhile, holding whatever it holds).
  export default async function job({ size, suite }, checkpoint = async () => {}) {
    await init();
    // The hash implementation agrees with WebCrypto's on a sample first.
    const sample = crypto.getRandomValues(new Uint8Array(65536));
    const ref = [...new Uint8Array(await crypto.subtle.digest('SHA-256', sample))].map((b) => b.toString(16).padStart(2, '0')).join('');
    if (new Sha256().update(sample.subarray(0, 1000)).update(sample.subarray(1000)).hex() !== ref) throw new Error('Sha256 disagrees with WebCrypto');

    const keyring = new RawAesKeyring({ keyNamespace: 'big', keyName: 'k', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) });
    const inHash = new Sha256();
    const outHash = new Sha256();
    let ciphertextBytes = 0, plaintextBytes = 0;
    const started = performance.now();
    await generated(size, inHash)
      .pipeThrough(encryptStream(keyring, { suite }))
      .pipeThrough(new TransformStream({ transform(c, ctl) { ciphertextBytes += c.length; ctl.enqueue(c); } }))
      .pipeThrough(decryptStream(keyring))
      .pipeTo(new WritableStream({ async write(c) {
        const before = plaintextBytes;
        plaintextBytes += c.length;
        outHash.update(c);
        if (Math.floor(plaintextBytes / (32 << 20)) > Math.floor(before / (32 << 20))) await checkpoint();
      } }));
    return { inHash: inHash.hex(), outHash: outHash.hex(), ciphertextBytes, plaintextBytes,
             seconds: (performance.now() - started) / 1000 };
  };
`;

let harness;
let storedMessage;

before(async () => {
  await envseal.init();
  const stored = new envseal.RawAesKeyring({ keyNamespace: 'streams', keyName: 'stored', wrappingKey: new Uint8Array(32).fill(9) });
  const plaintext = new Uint8Array(500_000).map((_, i) => (i * 31) % 251);
  storedMessage = (await envseal.encrypt(stored, plaintext, { frameLength: 4096 })).ciphertext;
  harness = await startHarness({
    // The package again, under /no-workers/, where the workers' script cannot be loaded.
    mounts: { '/no-workers/': installedPackage() },
    routes: {
      '/no-workers/frame-worker.js': (req, res) => res.writeHead(404).end(),
      // A stored message for decryptRange over HTTP Range requests.
      '/stored.enc': (req, res) => {
        const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') ?? [];
        if (a === undefined) return res.writeHead(200).end(storedMessage);
        const end = Math.min(Number(b), storedMessage.length - 1);
        res.writeHead(206, { 'content-range': `bytes ${a}-${end}/${storedMessage.length}` }).end(storedMessage.subarray(Number(a), end + 1));
      },
    },
    files: {
      '/scenario.js': [scenario, '.js'],
      '/sha256.js': new URL('./sha256.mjs', import.meta.url),
      '/job.js': [bigJob, '.js'],
      // First message: warm up, answer 'ready'; second: run the job, answer its result. During
      // the job, { checkpoint } messages pause it until a 'resume' message.
      '/job-worker.js': [
        `import job, { warmUp } from '/job.js';
         let warm = false;
         let resume;
         const checkpoint = () => new Promise((r) => { resume = r; postMessage({ checkpoint: true }); });
         self.onmessage = async (e) => {
           if (e.data === 'resume') return resume();
           try {
             if (!warm) { warm = true; await warmUp(); postMessage({ ok: true, value: 'ready' }); }
             else postMessage({ ok: true, value: await job(e.data, checkpoint) });
           } catch (err) { postMessage({ ok: false, error: String(err && err.stack || err) }); }
         };`,
        '.js',
      ],
      '/scenario-worker.js': [
        `import * as envseal from '/envseal/index.js';
         import { run } from '/scenario.js';
         run(envseal).then(postMessage, (e) => postMessage({ error: String(e && e.stack || e) }));`,
        '.js',
      ],
      '/': ['<!doctype html><meta charset="utf-8"><title>streams</title>', '.html'],
    },
  });
});

after(async () => {
  await harness?.close();
});

test('in a page and in a dedicated Worker: every engine, both suites, identical bytes, error codes', { timeout: 180_000 }, async () => {
  const page = await harness.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${harness.origin}/`);
  const inPage = await page.evaluate(async () => {
    const [envseal, { run }] = await Promise.all([import('/envseal/index.js'), import('/scenario.js')]);
    return run(envseal).catch((e) => ({ error: String(e && e.stack || e) }));
  });
  assert.deepEqual(inPage, EXPECTED(false), 'page');
  const inWorker = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const worker = new Worker('/scenario-worker.js', { type: 'module' });
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => resolve({ error: 'worker error: ' + e.message });
      }),
  );
  assert.deepEqual(inWorker, EXPECTED(true), 'worker');
  assert.deepEqual(errors, []);
  await page.close();
});

test("engine 'workers' whose workers cannot start: WORKER_FAILED, in both directions, and no output", { timeout: 60_000 }, async () => {
  const { page, context } = await harness.open('/');
  const found = await page.evaluate(async () => {
    const good = await import('/envseal/index.js');
    const broken = await import('/no-workers/index.js');
    await Promise.all([good.init(), broken.init()]);
    const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
    const keyring = (E) => new E.RawAesKeyring({ keyNamespace: 'w', keyName: 'k', wrappingKey });
    const data = new Uint8Array(600000).fill(5);
    const run = async (stream, bytes) => {
      let out = 0;
      try {
        await new Blob([bytes]).stream().pipeThrough(stream).pipeTo(new WritableStream({ write(c) { out += c.length; } }));
        return 'no error';
      } catch (e) {
        return `${e.code} ${/engine 'workers': a worker of the pool failed/.test(e.message)} ${out}`;
      }
    };
    const { ciphertext } = await good.encrypt(keyring(good), data);
    return {
      encrypt: await run(broken.encryptStream(keyring(broken), { engine: 'workers' }), data),
      decrypt: await run(broken.decryptStream(keyring(broken), { engine: 'workers' }), ciphertext),
    };
  });
  // Encryption wrote its header before the first frame failed; decryption released nothing.
  assert.match(found.encrypt, /^WORKER_FAILED true \d+$/);
  assert.equal(found.decrypt, 'WORKER_FAILED true 0');
  await context.close();
});

// What "memory" means here:
// - the Worker's memory, from Chromium's DevTools protocol (Runtime.getHeapUsage on the Worker
//   target): V8 heap used + embedder (Blink) heap + ArrayBuffer backing stores, i.e. every buffer
//   the Worker holds, garbage not yet collected included. Sampled every 100 ms.
// - the Worker's live memory: the same, measured at 32 checkpoints (after every 32 MiB of output)
//   where the job pauses mid-stream and the test forces a full collection first: exactly what the
//   streams and the job hold. These collections also keep V8 from letting dead ArrayBuffers (each
//   WebCrypto call returns a fresh one) pile up by up to ~100 MiB before it collects them on its
//   own schedule, which would otherwise dominate the other two numbers (docs/streaming.md).
// - the renderer process's resident memory (/proc: VmRSS every 100 ms, and VmHWM, the peak since
//   the baseline). Besides what the Worker holds it counts memory freed but kept by the
//   allocators for reuse (ArrayBuffer contents, WebCrypto's copy of each frame): measured +16 to
//   +49 MiB, while V8's committed heap stays at 13 MiB or less.
// The Worker's memory, live or not, must grow by less than 64 MiB over the baseline taken after a
// warm-up and a full collection; the renderer's resident memory by less than 128 MiB (a guard
// against leaks: a leak of the stream's data would show as hundreds of MiB).
test('1 GiB through encryptStream -> decryptStream in a Worker: same SHA-256, memory grows < 64 MiB', { timeout: 300_000 }, async () => {
  const size = Number(process.env.ENVSEAL_BIG_STREAM_MIB ?? 1024) * MiB;
  const page = await harness.browser.newPage();
  await page.goto(`${harness.origin}/`);
  const startWorker = () =>
    page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const worker = new Worker('/job-worker.js', { type: 'module' });
          window.bigWorker = worker;
          worker.onmessage = (e) => (e.data.ok ? resolve(e.data.value) : reject(new Error(e.data.error)));
          worker.onerror = (e) => reject(new Error('worker error: ' + e.message));
          worker.postMessage('warm up');
        }),
    );
  // The Worker starts, loads envseal and streams 8 MiB once; the baselines are taken after that.
  const [, pid] = await busiestRenderer(startWorker);
  const cdp = await workerCdp(harness.browser);
  const peak = {};
  const workerMemory = async (collect) => {
    if (collect) await cdp.send('HeapProfiler.collectGarbage');
    const u = await cdp.send('Runtime.getHeapUsage');
    peak.committed = Math.max(peak.committed ?? 0, u.totalSize);
    return u.usedSize + u.embedderHeapUsedSize + u.backingStorageSize;
  };
  // Baselines after a full collection (the warm-up's garbage would otherwise flatter the growth).
  const collected = await workerMemory(true);
  const baseline = { rss: processMemory(pid).rss, worker: collected, live: collected };
  const peakReset = resetPeak(pid);
  Object.assign(peak, baseline);
  const samples = [];
  const liveSamples = [];
  let sampling = false;
  const timer = setInterval(async () => {
    peak.rss = Math.max(peak.rss, processMemory(pid).rss);
    if (sampling) return;
    sampling = true;
    try {
      const worker = await workerMemory(false);
      samples.push(worker);
      peak.worker = Math.max(peak.worker, worker);
    } catch {
      // the Worker is gone
    } finally {
      sampling = false;
    }
  }, 100);
  // At each checkpoint the Worker is paused, mid-stream: collect its garbage, then measure what
  // is still alive (everything the streams hold).
  await page.exposeFunction('envsealCheckpoint', async () => {
    const live = await workerMemory(true);
    liveSamples.push(live);
    peak.live = Math.max(peak.live, live);
  });
  let result;
  try {
    result = await page.evaluate(
      (arg) =>
        new Promise((resolve, reject) => {
          const worker = window.bigWorker;
          worker.onmessage = async (e) => {
            if (e.data.checkpoint) {
              await window.envsealCheckpoint();
              worker.postMessage('resume');
            } else if (e.data.ok) resolve(e.data.value);
            else reject(new Error(e.data.error));
          };
          worker.onerror = (e) => reject(new Error('worker error: ' + e.message));
          worker.postMessage(arg);
        }),
      { size, suite: 0x0478 },
    );
  } finally {
    clearInterval(timer);
  }
  if (peakReset) peak.rss = Math.max(peak.rss, processMemory(pid).hwm);
  await cdp.detach();
  const mib = (bytes) => (bytes / MiB).toFixed(1);
  const workerGrowth = peak.worker - baseline.worker;
  const liveGrowth = peak.live - baseline.live;
  const rssGrowth = peak.rss - baseline.rss;
  console.log(
    `# ${size / MiB} MiB in a Worker: ${result.seconds.toFixed(1)} s (${Math.round(size / 1e6 / result.seconds)} MB/s ` +
      'for generating, hashing the input, encryptStream, decryptStream and hashing the output); ' +
      `sha256 in = out = ${result.outHash}`,
  );
  console.log(
    `# Worker memory (V8 heap + Blink heap + ArrayBuffers, ${samples.length} samples): ${mib(baseline.worker)} MiB ` +
      `before, peak ${mib(peak.worker)} MiB (+${mib(workerGrowth)} MiB), median ` +
      `${mib(samples.sort((a, b) => a - b)[samples.length >> 1] ?? 0)} MiB`,
  );
  console.log(
    `# Worker live memory (the same, right after a forced full collection, ${liveSamples.length} samples): ` +
      `${mib(baseline.live)} MiB before, peak ${mib(peak.live)} MiB (+${mib(liveGrowth)} MiB); ` +
      `V8 heap committed at most ${mib(peak.committed)} MiB`,
  );
  console.log(
    `# renderer RSS: ${mib(baseline.rss)} MiB before, peak ${mib(peak.rss)} MiB (+${mib(rssGrowth)} MiB; ` +
      `${peakReset ? 'VmHWM since the baseline and ' : ''}samples every 100 ms)`,
  );
  assert.equal(result.plaintextBytes, size);
  assert.equal(result.outHash, result.inHash);
  assert.ok(result.ciphertextBytes > size);
  assert.ok(samples.length >= 10, `only ${samples.length} samples of the Worker's memory`);
  assert.equal(liveSamples.length, Math.floor(size / (32 * MiB)), "one live measurement per 32 MiB");
  assert.ok(liveGrowth < 64 * MiB, `the Worker's live memory grew by ${mib(liveGrowth)} MiB`);
  assert.ok(workerGrowth < 64 * MiB, `the Worker's memory grew by ${mib(workerGrowth)} MiB`);
  assert.ok(rssGrowth < 128 * MiB, `the renderer's resident memory grew by ${mib(rssGrowth)} MiB`);
  await page.close();
});
