// The page side of `make bench`: runs one case at one size and returns what it measured.
// bench/run.mjs loads this page in a fresh Chromium per (case, size) and calls
// `window.bench.run(spec)`; `window.benchMark(event)` (a Playwright binding) tells run.mjs where
// each measured phase starts and ends, so it can read the renderer's memory around it.
//
// A streaming case is these passes over the input:
//   encrypt         generated plaintext -> encrypt -> counting sink      (timed, peak RSS)
//   (store)         generated plaintext -> encrypt -> in-memory store    (not measured)
//   decrypt         stored ciphertext   -> decrypt -> checking sink      (timed)
//   (upload)        the stored ciphertext to run.mjs's server; the store is dropped
//   decrypt-fetch   fetch() download    -> decrypt -> checking sink      (timed, peak RSS)
//   roundtrip-live  generated -> encrypt -> decrypt -> checking sink, pausing every 16 MiB
//                   for a forced collection and a reading of live memory (live peak)
// A buffer case (an API that takes the whole input) materializes the plaintext inside the
// encrypt memory window (the API requires it; only the encrypt call is timed), then decrypts
// the ciphertext it returned.

import { countSink, Pattern, Store, verifySink } from './data.js';
import { NotAvailable } from './not-available.js';

const CASES = {
  source: () => import('./cases/source.js'),
  webcrypto: () => import('./cases/webcrypto.js'),
  sha384: () => import('./cases/sha384.js'),
  envseal: () => import('./cases/envseal.js'),
  aws: () => import('./cases/aws.js'),
  age: () => import('./cases/age.js'),
  sodium: () => import('./cases/sodium.js'),
};

const now = () => performance.now();
const DECRYPT_PHASES = ['decrypt', 'decrypt-fetch', 'roundtrip-live'];
const mark = (event) => (typeof window.benchMark === 'function' ? window.benchMark(event) : undefined);

function describeError(e) {
  if (e instanceof Error) {
    return { name: e.name, code: e.code, message: e.message, stack: e.stack?.split('\n').slice(0, 6).join('\n') };
  }
  return { name: typeof e, message: String(e) };
}

/** Runs `fn` as a measured phase: memory marks around it, errors recorded, never thrown. */
async function phase(result, name, fn) {
  await mark(`${name}:start`);
  try {
    result.phases[name] = await fn();
    return true;
  } catch (e) {
    result.phases[name] = { error: describeError(e) };
    return false;
  } finally {
    await mark(`${name}:end`);
  }
}

async function warmup(impl, pattern, bytes, chunk) {
  // Compiles and JITs everything once, and checks the round trip byte for byte.
  if (impl.kind === 'buffer') {
    const ct = await impl.encrypt(pattern.buffer(bytes));
    const pt = await impl.decrypt(ct);
    if (pt.length !== bytes) throw new Error(`round trip gave ${pt.length} bytes, expected ${bytes}`);
    pattern.check(pt, 0, true);
    return;
  }
  const store = new Store();
  const source = impl.storePlaintext ? pattern.stream(bytes) : await impl.encrypt(pattern.stream(bytes));
  await source.pipeTo(store.sink());
  const out = await impl.decrypt(store.stream(chunk));
  const sink = impl.noVerify ? countSink() : verifySink(pattern, true);
  await out.pipeTo(sink.sink);
  if (!impl.noVerify && sink.result() !== bytes) {
    throw new Error(`round trip gave ${sink.result()} bytes, expected ${bytes}`);
  }
  impl.check?.();
}

async function runStream(impl, pattern, spec, result) {
  const { bytes, chunk } = spec;
  const encrypted = await phase(result, 'encrypt', async () => {
    const t0 = now();
    const out = await impl.encrypt(pattern.stream(bytes));
    const sink = countSink();
    await out.pipeTo(sink.sink);
    return { ms: now() - t0, inBytes: bytes, outBytes: sink.result() };
  });
  if (!encrypted) {
    for (const name of DECRYPT_PHASES) result.phases[name] = { skipped: 'encrypt failed' };
    return;
  }

  let store = new Store();
  try {
    const t0 = now();
    const source = impl.storePlaintext ? pattern.stream(bytes) : await impl.encrypt(pattern.stream(bytes));
    await source.pipeTo(store.sink());
    result.store = { ms: now() - t0, bytes: store.length };
  } catch (e) {
    for (const name of DECRYPT_PHASES) result.phases[name] = { skipped: 'producing the ciphertext to decrypt failed', error: describeError(e) };
    return;
  }
  await mark('gc');

  const decryptFrom = (name, source, inBytes) =>
    phase(result, name, async () => {
      const t0 = now();
      const out = await impl.decrypt(await source());
      const sink = impl.noVerify ? countSink() : verifySink(pattern);
      await out.pipeTo(sink.sink);
      const ms = now() - t0;
      if (!impl.noVerify && sink.result() !== bytes) {
        throw new Error(`decrypted ${sink.result()} bytes, expected ${bytes}`);
      }
      impl.check?.();
      return { ms, inBytes, outBytes: sink.result() };
    });

  // Throughput: the ciphertext replayed from memory (a source faster than any cipher here).
  await decryptFrom('decrypt', async () => store.stream(chunk), store.length);

  // Memory: the same ciphertext downloaded with fetch(). Holding it in the page would let V8
  // leave far more garbage between collections (its trigger grows with the memory alive), so
  // the decrypt's own peak is measured with the ciphertext outside the renderer, as in an app.
  const inBytes = store.length;
  try {
    const t0 = now();
    await store.upload(spec.storeUrl, () => mark('gc'));
    result.upload = { ms: now() - t0, bytes: inBytes };
  } catch (e) {
    result.phases['decrypt-fetch'] = { skipped: 'uploading the ciphertext to the harness failed', error: describeError(e) };
  }
  store = null;
  await mark('gc');
  if (!result.phases['decrypt-fetch']) {
    await decryptFrom('decrypt-fetch', async () => (await fetch(spec.storeUrl)).body, inBytes);
  }

  // Live memory: a round trip, generator -> encrypt -> decrypt -> check; every 16 MiB of output
  // the sink pauses while run.mjs forces a garbage collection and reads what survives (V8 heap,
  // ArrayBuffer and wasm memory contents): the memory the pipeline holds, without garbage.
  if (impl.noRoundTrip) return;
  await phase(result, 'roundtrip-live', async () => {
    const t0 = now();
    const encrypted = await impl.encrypt(pattern.stream(bytes));
    const out = await impl.decrypt(encrypted);
    const sink = verifySink(pattern, false, { every: 16 << 20, fn: () => mark('live') });
    await out.pipeTo(sink.sink);
    impl.check?.();
    return { ms: now() - t0, inBytes: bytes, outBytes: sink.result() };
  });
}

async function runBuffer(impl, pattern, spec, result) {
  const { bytes, chunk } = spec;
  let plaintext;
  let ciphertext;
  const encrypted = await phase(result, 'encrypt', async () => {
    const g0 = now();
    plaintext = pattern.buffer(bytes);
    const t0 = now();
    ciphertext = await impl.encrypt(plaintext);
    return { ms: now() - t0, generateMs: t0 - g0, inBytes: bytes, outBytes: ciphertext.length };
  });
  plaintext = undefined;
  if (!encrypted) {
    result.phases.decrypt = { skipped: 'encrypt failed' };
    return;
  }
  await mark('gc');
  await phase(result, 'decrypt', async () => {
    const t0 = now();
    let out = await impl.decrypt(ciphertext);
    const ms = now() - t0;
    const inBytes = ciphertext.length;
    ciphertext = undefined;
    if (out.length !== bytes) throw new Error(`decrypted ${out.length} bytes, expected ${bytes}`);
    for (let p = 0; p < bytes; p += chunk) pattern.check(out.subarray(p, Math.min(bytes, p + chunk)), p);
    out = undefined;
    return { ms, inBytes, outBytes: bytes };
  });
}

/**
 * @param {{ module: string, params: object, bytes: number, chunk: number, warmupBytes: number }} spec
 */
async function run(spec) {
  const result = { status: 'ok', phases: {} };
  const pattern = new Pattern(spec.chunk);
  let impl;
  try {
    impl = await (await CASES[spec.module]()).default(spec.params ?? {});
    result.config = impl.config;
  } catch (e) {
    if (e instanceof NotAvailable) return { status: 'not-available', reason: e.message };
    return { status: 'failed', where: 'setup', error: describeError(e) };
  }
  try {
    await warmup(impl, pattern, spec.warmupBytes, spec.chunk);
  } catch (e) {
    return { status: 'failed', where: 'warm-up round trip', error: describeError(e), config: result.config };
  }
  if (impl.kind === 'buffer') await runBuffer(impl, pattern, spec, result);
  else await runStream(impl, pattern, spec, result);
  if (impl.describe) result.config = { ...result.config, ...impl.describe() };
  if (Object.values(result.phases).some((p) => p.error || p.skipped)) result.status = 'failed';
  return result;
}

window.bench = { run };
