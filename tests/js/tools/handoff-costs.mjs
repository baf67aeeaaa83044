// What a hand-off to a Web Worker costs in Chromium, per 256 KiB buffer (docs/streaming.md,
// "More than one thread"). Not part of `make test`:
//   node tools/handoff-costs.mjs [ROUNDS=1024]
// Prints microseconds per buffer for: allocating and filling a fresh buffer on the page's thread;
// a buffer transferred to a worker and back (reused); the same with a fresh buffer each time; and
// a worker that answers with a buffer it allocated itself (as WebCrypto's result is).
import { startHarness } from '../browser-harness.mjs';

const rounds = Number(process.argv[2] ?? 1024);
const worker = `
  self.onmessage = ({ data: m }) => {
    if (m.op === 'fresh-result') postMessage({ input: m.input, out: new ArrayBuffer(m.input.byteLength) }, [m.input]);
    else postMessage({ input: m.input }, [m.input]);
  };`;
const harness = await startHarness({ files: { '/': ['<!doctype html>', '.html'], '/handoff-worker.js': [worker, '.js'] } });
try {
  const { page } = await harness.open('/');
  const costs = await page.evaluate(async (n) => {
    const size = 256 * 1024;
    const w = new Worker('/handoff-worker.js');
    const ask = (m, transfer) => new Promise((resolve) => {
      w.onmessage = (e) => resolve(e.data);
      w.postMessage(m, transfer);
    });
    const source = new Uint8Array(size).fill(1);
    const perBuffer = (start) => Math.round(((performance.now() - start) * 1000) / n);
    const out = {};
    let t = performance.now();
    for (let i = 0; i < n; i++) new Uint8Array(size).set(source);
    out['allocate and fill, this thread'] = perBuffer(t);
    for (const [label, op, fresh] of [
      ['to a worker and back, reused', 'echo', false],
      ['to a worker and back, fresh each time', 'echo', true],
      ['to a worker, answered with a buffer it allocated', 'fresh-result', false],
    ]) {
      let buffer = new ArrayBuffer(size);
      t = performance.now();
      for (let i = 0; i < n; i++) {
        if (fresh) {
          buffer = new ArrayBuffer(size);
          new Uint8Array(buffer).set(source);
        }
        buffer = (await ask({ op, input: buffer }, [buffer])).input;
      }
      out[label] = perBuffer(t);
    }
    return out;
  }, rounds);
  console.log(`Chromium ${harness.browser.version()}, µs per 256 KiB buffer (${rounds} rounds)`);
  console.table(costs);
} finally {
  await harness.close();
}
