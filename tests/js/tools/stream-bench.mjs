// Frame-length and engine benchmark of encryptStream/decryptStream, in Node and in Chromium, in a
// page and in a dedicated Worker (numbers in docs/streaming.md). Not part of `make test`:
//   node tools/stream-bench.mjs [SIZE_MIB=256] [node|chromium|both=both]
// The 'wasm' engine (software AES, ~20x slower) runs over SIZE/4. ENGINES=webcrypto,workers picks
// engines; FRAMES=262144 picks frame lengths.
import * as envseal from 'envseal';

import { runInWorker, startHarness } from '../browser-harness.mjs';
import { run } from './stream-bench-core.mjs';

const mib = Number(process.argv[2] ?? 256);
const where = process.argv[3] ?? 'both';
const plans = [
  { size: mib * 2 ** 20, engines: ['node', 'webcrypto', 'workers'] },
  { size: (mib / 4) * 2 ** 20, engines: ['wasm'] },
]
  .map((p) => ({ ...p, engines: p.engines.filter((e) => !process.env.ENGINES || process.env.ENGINES.split(',').includes(e)) }))
  .filter((p) => p.engines.length > 0)
  .map((p) => ({ ...p, frameLengths: (process.env.FRAMES ?? '65536,262144,1048576').split(',').map(Number), suites: [0x0478, 0x0578] }));

const print = (label, rows) => {
  console.log(`\n${label} (MB/s, best of 3 rounds; 64 KiB input chunks)`);
  console.table(rows);
};

if (where !== 'chromium') {
  const rows = [];
  for (const plan of plans) rows.push(...(await run(envseal, plan)));
  print(`Node ${process.version}`, rows);
}
if (where !== 'node') {
  const harness = await startHarness({
    files: {
      '/': ['<!doctype html>', '.html'],
      '/bench-core.js': new URL('./stream-bench-core.mjs', import.meta.url),
      '/bench-job.js': [
        `import * as envseal from '/envseal/index.js';
         import { run } from '/bench-core.js';
         export default (plan) => run(envseal, plan);`,
        '.js',
      ],
    },
  });
  try {
    const page = await harness.browser.newPage();
    await page.goto(`${harness.origin}/`);
    const version = harness.browser.version();
    // 'node' is Node's alone.
    const browserPlans = plans.map((p) => ({ ...p, engines: p.engines.filter((e) => e !== 'node') })).filter((p) => p.engines.length > 0);
    const rows = { page: [], worker: [] };
    for (const plan of browserPlans) {
      rows.page.push(...(await page.evaluate(async (p) => (await import('/bench-job.js')).default(p), plan)));
      rows.worker.push(...(await runInWorker(page, '/bench-job.js', plan)));
    }
    print(`Chromium ${version}, page (main thread)`, rows.page);
    print(`Chromium ${version}, dedicated Worker`, rows.worker);
  } finally {
    await harness.close();
  }
}
