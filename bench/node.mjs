#!/usr/bin/env node
// `make bench` (Node part; alone: `make bench-node`): envseal's streams in Node against the
// official AWS Encryption SDK for JavaScript (@aws-crypto/client-node) at the same frame length
// and at its default (4 KiB), and against raw node:crypto AES-256-GCM over the same frames (the
// limit for 0x0478), at 256 MiB and 1 GiB, suites 0x0478 and 0x0578, with peak RSS.
//
//   node bench/node.mjs [--sizes 256,1024] [--cases envseal,aws-same] [--passes 3] [--rounds 1]
//                       [--docs | --no-docs] [--render target/bench/node-DATE.json]
//
// Every (case, suite, size) runs in a fresh Node process, once per pass; passes interleave the cases. Encryption reads plaintext made of
// 64 KiB views of a 1 MiB random block and writes the message to a sink that only counts it.
// Decryption replays a message made by an unmeasured encryption (held in memory) as 64 KiB views
// and compares every plaintext byte with the block. MB/s counts plaintext. Peak RSS growth of a
// pass: VmHWM after it (reset through /proc/self/clear_refs before it) minus VmRSS before it, so
// the held message does not count.
// Writes target/bench/node-<date>.{json,md}, prints the table, the ratios and the targets, and
// (for a full default run, or with --docs) rewrites the generated Node block of docs/benchmarks.md.

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';


const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const MiB = 2 ** 20;
const CHUNK = 64 * 1024;
const FRAME = 256 * 1024;
const AWS_DEFAULT_FRAME = 4096;
const SUITES = [0x0478, 0x0578];
/** "Flat": the peak RSS growth of a pass at the largest size at most this much above the smallest's
 * (V8 lets some 20-25 MiB of garbage pile up between collections, at any size; as in the browser
 * benchmark). */
const FLAT_MIB = 32;
const hex = (suite) => `0x${suite.toString(16).padStart(4, '0')}`;

/** The cases: what runs, at which frame length, for which suites. */
const CASES = [
  { id: 'envseal', label: 'envseal encryptStream/decryptStream (engine auto = node)', frame: FRAME },
  { id: 'envseal-node', label: 'envseal/node createEncryptStream/createDecryptStream (Node Transform)', frame: FRAME },
  { id: 'envseal-workers', label: "envseal/node Node Transform, engine 'workers' (0x0578: SHA-384 on a worker thread)", frame: FRAME },
  { id: 'aws-same', label: '@aws-crypto/client-node 5.0.2 streams, same frames', frame: FRAME },
  { id: 'aws-default', label: '@aws-crypto/client-node 5.0.2 streams, its default frames', frame: AWS_DEFAULT_FRAME },
  { id: 'raw', label: 'raw node:crypto AES-256-GCM, one cipher per frame (the limit)', frame: FRAME, suites: [0x0478] },
];

// ---- one case, in a child process -------------------------------------------------------------

const block = (() => {
  // The same pseudo-random 1 MiB in every process (the comparison needs it; the speed does not care).
  const out = Buffer.alloc(MiB);
  let x = 0x9e3779b9;
  for (let i = 0; i < MiB; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
})();

/** Plaintext chunks (views of the block): `size` bytes in CHUNK pieces. */
function* plaintextChunks(size) {
  for (let at = 0; at < size; at += CHUNK) {
    const offset = at % MiB;
    yield block.subarray(offset, offset + Math.min(CHUNK, size - at));
  }
}

/** A sink that counts what it is given and keeps nothing (timed encryption). */
function countingSink() {
  let bytes = 0;
  return {
    write(chunk) {
      bytes += chunk.length;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** A sink that copies the message into `buffer` (the untimed encryption decryption replays). */
function collectingSink(buffer) {
  let used = 0;
  return {
    write(chunk) {
      if (used + chunk.length > buffer.length) throw new Error('the message outgrew its buffer');
      buffer.set(chunk, used);
      used += chunk.length;
    },
    get bytes() {
      return used;
    },
  };
}

/** A sink that checks every byte against the block and counts them. */
function checkingSink() {
  let at = 0;
  return {
    write(chunk) {
      for (let i = 0; i < chunk.length; ) {
        const offset = (at + i) % MiB;
        const n = Math.min(chunk.length - i, MiB - offset);
        if (Buffer.compare(chunk.subarray(i, i + n), block.subarray(offset, offset + n)) !== 0) {
          throw new Error(`plaintext differs near byte ${at + i}`);
        }
        i += n;
      }
      at += chunk.length;
    },
    get bytes() {
      return at;
    },
  };
}

/** `message` as CHUNK-sized views (decryption's input: replayed from memory, nothing copied). */
function* messageChunks(message) {
  for (let at = 0; at < message.length; at += CHUNK) yield message.subarray(at, Math.min(at + CHUNK, message.length));
}

const webSource = (chunks) =>
  new ReadableStream(
    {
      pull(controller) {
        const { value, done } = chunks.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    },
    { highWaterMark: 0 },
  );
const webSink = (sink) => new WritableStream({ write: (chunk) => sink.write(chunk) });
const nodeSink = (sink) =>
  new Writable({
    write(chunk, _encoding, done) {
      try {
        sink.write(chunk);
        done();
      } catch (error) {
        done(error);
      }
    },
  });

async function envsealCase(nodeStreams, engine) {
  const envseal = await import('envseal');
  const node = await import('envseal/node');
  await envseal.init();
  const keyring = new envseal.RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: new Uint8Array(32).fill(7) });
  return {
    async encrypt(chunks, suite, frameLength, sink) {
      const options = { suite, frameLength, encryptionContext: { bench: 'node' }, engine };
      if (nodeStreams) await pipeline(Readable.from(chunks), node.createEncryptStream(keyring, options), nodeSink(sink));
      else await webSource(chunks).pipeThrough(envseal.encryptStream(keyring, options)).pipeTo(webSink(sink));
    },
    async decrypt(chunks, _frameLength, sink) {
      if (nodeStreams) await pipeline(Readable.from(chunks), node.createDecryptStream(keyring, { engine }), nodeSink(sink));
      else await webSource(chunks).pipeThrough(envseal.decryptStream(keyring, { engine })).pipeTo(webSink(sink));
    },
  };
}

async function awsCase() {
  // From tests/js, where it is installed alone: bench/'s browser client pins other versions of
  // the shared @aws-crypto packages, and two copies of them do not work together.
  const aws = createRequire(join(root, 'tests', 'js', 'package.json'))('@aws-crypto/client-node');
  const { encryptStream, decryptStream } = aws.buildClient(aws.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new aws.RawAesKeyringNode({
    keyNamespace: 'bench',
    keyName: 'k',
    unencryptedMasterKey: new Uint8Array(32).fill(7),
    wrappingSuite: aws.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const suiteIds = {
    0x0478: aws.AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
    0x0578: aws.AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
  };
  return {
    async encrypt(chunks, suite, frameLength, sink) {
      const options = { suiteId: suiteIds[suite], frameLength, encryptionContext: { bench: 'node' } };
      await pipeline(Readable.from(chunks), encryptStream(keyring, options), nodeSink(sink));
    },
    async decrypt(chunks, _frameLength, sink) {
      await pipeline(Readable.from(chunks), decryptStream(keyring), nodeSink(sink));
    },
  };
}

/** AES-256-GCM per frame with node:crypto and nothing else: a 12-byte counter IV, a 32-byte AAD,
 * and the frames stored as ciphertext || tag. */
function rawCase() {
  const key = randomBytes(32);
  const aad = Buffer.alloc(32, 1);
  const iv = (n) => {
    const out = Buffer.alloc(12);
    out.writeUInt32BE(n, 8);
    return out;
  };
  return {
    async encrypt(chunks, _suite, frameLength, sink) {
      let frame = 0;
      let cipher;
      let inFrame = 0;
      const endFrame = () => {
        sink.write(cipher.final());
        sink.write(cipher.getAuthTag());
        cipher = undefined;
        inFrame = 0;
      };
      for (const chunk of chunks) {
        for (let at = 0; at < chunk.length; ) {
          cipher ??= createCipheriv('aes-256-gcm', key, iv(++frame)).setAAD(aad);
          const n = Math.min(chunk.length - at, frameLength - inFrame);
          sink.write(cipher.update(chunk.subarray(at, at + n)));
          inFrame += n;
          at += n;
          if (inFrame === frameLength) endFrame();
        }
      }
      if (cipher) endFrame();
    },
    // Frames are stored back to back as ciphertext || tag: cut them out of the replayed chunks.
    async decrypt(chunks, frameLength, sink) {
      const record = Buffer.allocUnsafe(frameLength + 16);
      let filled = 0;
      let frame = 0;
      const open = () => {
        const decipher = createDecipheriv('aes-256-gcm', key, iv(++frame)).setAAD(aad);
        decipher.setAuthTag(record.subarray(filled - 16, filled));
        const plaintext = decipher.update(record.subarray(0, filled - 16));
        decipher.final(); // throws if the tag does not verify: nothing is released before
        sink.write(plaintext);
        filled = 0;
      };
      for (const chunk of chunks) {
        for (let at = 0; at < chunk.length; ) {
          const n = Math.min(chunk.length - at, record.length - filled);
          record.set(chunk.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled === record.length) open();
        }
      }
      if (filled > 0) open();
    },
  };
}

/** `{ rss, hwm }` of this process in MiB (VmRSS; VmHWM: the peak since start or the last reset). */
function memory() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const mib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: mib('VmRSS'), hwm: mib('VmHWM') };
}

/** Runs `work` and returns its seconds and how far the peak RSS rose above the RSS it began with. */
async function measured(work) {
  writeFileSync('/proc/self/clear_refs', '5'); // VmHWM := VmRSS
  const before = memory().rss;
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  return { seconds, growthMiB: memory().hwm - before };
}

async function runChild({ id, suite, size, frame, rounds }) {
  const impl =
    id === 'raw'
      ? rawCase()
      : id.startsWith('aws')
        ? await awsCase()
        : await envsealCase(id !== 'envseal', id === 'envseal-workers' ? 'workers' : undefined);
  const roundTrip = async (bytes, message) => {
    const collected = collectingSink(message);
    await impl.encrypt(plaintextChunks(bytes), suite, frame, collected);
    const checked = checkingSink();
    await impl.decrypt(messageChunks(message.subarray(0, collected.bytes)), frame, checked);
    if (checked.bytes !== bytes) throw new Error(`${id}: decrypted ${checked.bytes} bytes of ${bytes}`);
    return collected.bytes;
  };
  // The message, held for the decryption rounds (allocated and touched before anything is measured).
  const message = Buffer.alloc(size + Math.ceil(size / frame) * 64 + MiB);
  await roundTrip(4 * MiB + 77, message); // warm-up: JIT, wasm, key paths
  const messageBytes = await roundTrip(size, message);
  const best = { encrypt: Infinity, decrypt: Infinity, encryptGrowth: 0, decryptGrowth: 0 };
  for (let round = 0; round < rounds; round++) {
    const sink = countingSink();
    const e = await measured(() => impl.encrypt(plaintextChunks(size), suite, frame, sink));
    // (An ECDSA signature's DER encoding varies in length by a byte or two.)
    if (Math.abs(sink.bytes - messageBytes) > (suite === 0x0578 ? 4 : 0)) {
      throw new Error(`${id}: ${sink.bytes} bytes of message, expected ${messageBytes}`);
    }
    const checked = checkingSink();
    const d = await measured(() => impl.decrypt(messageChunks(message.subarray(0, messageBytes)), frame, checked));
    if (checked.bytes !== size) throw new Error(`${id}: decrypted ${checked.bytes} bytes of ${size}`);
    best.encrypt = Math.min(best.encrypt, e.seconds);
    best.decrypt = Math.min(best.decrypt, d.seconds);
    best.encryptGrowth = Math.max(best.encryptGrowth, e.growthMiB);
    best.decryptGrowth = Math.max(best.decryptGrowth, d.growthMiB);
  }
  return {
    encryptMBs: size / 1e6 / best.encrypt,
    decryptMBs: size / 1e6 / best.decrypt,
    encryptPeakMiB: best.encryptGrowth,
    decryptPeakMiB: best.decryptGrowth,
  };
}

// ---- the parent: every case in a fresh process, the table, the ratios, the targets -------------

const { values: opt } = parseArgs({
  options: {
    child: { type: 'string' },
    sizes: { type: 'string', default: '256,1024' },
    cases: { type: 'string' },
    rounds: { type: 'string', default: '1' }, // per pass, in one process
    passes: { type: 'string', default: '3' },
    docs: { type: 'boolean' },
    'no-docs': { type: 'boolean' },
    out: { type: 'string', default: join(root, 'target', 'bench') },
    render: { type: 'string' },
  },
});

if (opt.child) {
  const result = await runChild(JSON.parse(opt.child));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// (Imported here, not at the top: the children need neither, and procs.mjs loads the browser harness.)
const { gitDescribe, machineInfo } = await import('./lib/procs.mjs');
const { writeDocs } = await import('./lib/report.mjs');

// --render FILE: the table and targets again from a saved run (target/bench/node-<date>.json).
const saved = opt.render ? JSON.parse(readFileSync(opt.render, 'utf8')) : undefined;
const sizes = saved ? [...new Set(saved.results.map((r) => r.size))].sort((a, b) => a - b) : opt.sizes.split(',').map((s) => Math.round(Number(s) * MiB));
const cases = opt.cases ? CASES.filter((c) => opt.cases.split(',').includes(c.id)) : CASES;
if (cases.length === 0) throw new Error(`no case matches --cases ${opt.cases}: ${CASES.map((c) => c.id).join(', ')}`);
const log = (...a) => console.log('[bench:node]', ...a);

// Passes over every case, interleaved: this host's speed drifts by tens of percent over minutes,
// and a slow spell then slows every case of one pass instead of one case of every pass. Each
// case's best pass counts (its peak RSS growth: its highest).
const results = saved?.results ?? [];
const jobs = [];
for (const suite of SUITES) {
  for (const c of cases.filter((c) => (c.suites ?? SUITES).includes(suite))) {
    for (const size of sizes) jobs.push({ id: c.id, suite, size, frame: c.frame, rounds: Number(opt.rounds) });
  }
}
for (let pass = 1; !saved && pass <= Number(opt.passes); pass++) {
  for (const job of jobs) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(job)], {
      cwd: here,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const r = JSON.parse(out.trim().split('\n').pop());
    log(`pass ${pass} ${hex(job.suite)} ${job.id.padEnd(12)} ${String(job.size / MiB).padStart(5)} MiB  encrypt ${r.encryptMBs.toFixed(0).padStart(5)} MB/s  decrypt ${r.decryptMBs.toFixed(0).padStart(5)} MB/s  peak RSS +${r.encryptPeakMiB.toFixed(1)} / +${r.decryptPeakMiB.toFixed(1)} MiB`);
    const best = results.find((b) => b.id === job.id && b.suite === job.suite && b.size === job.size);
    if (!best) {
      results.push({ ...job, ...r });
      continue;
    }
    best.encryptMBs = Math.max(best.encryptMBs, r.encryptMBs);
    best.decryptMBs = Math.max(best.decryptMBs, r.decryptMBs);
    best.encryptPeakMiB = Math.max(best.encryptPeakMiB, r.encryptPeakMiB);
    best.decryptPeakMiB = Math.max(best.decryptPeakMiB, r.decryptPeakMiB);
  }
}

const find = (id, suite, size) => results.find((r) => r.id === id && r.suite === suite && r.size === size);
const ratio = (a, b) => (a && b ? a / b : undefined);
const fmt = (x, digits = 0) => (x === undefined ? '-' : x.toFixed(digits));

/** Ratios and targets (issue 13): envseal >= 1.5x the AWS client at the same frames in every case;
 * >= 0.8x raw node:crypto for 0x0478; peak RSS flat from 256 MiB to 1 GiB. Checked for both
 * envseal cases (Web streams, Node streams). */
function targets() {
  const rows = [];
  const others = (suite) => [['aws-same', 1.5], ['aws-default', undefined], ...(suite === 0x0478 ? [['raw', 0.8]] : [])];
  for (const suite of SUITES) {
    for (const mine of ['envseal', 'envseal-node', 'envseal-workers']) {
      for (const size of sizes) {
        const e = find(mine, suite, size);
        for (const [other, need] of others(suite)) {
          const o = find(other, suite, size);
          for (const dir of ['encrypt', 'decrypt']) {
            const r = ratio(e?.[`${dir}MBs`], o?.[`${dir}MBs`]);
            if (r === undefined) continue;
            rows.push({ what: `${hex(suite)} ${size / MiB} MiB ${dir}: ${mine} / ${other}`, ratio: r, need, met: need === undefined ? undefined : r >= need });
          }
        }
      }
      const [small, large] = [sizes[0], sizes.at(-1)].map((size) => find(mine, suite, size));
      if (small && large && small !== large) {
        for (const dir of ['encrypt', 'decrypt']) {
          const [a, b] = [small, large].map((r) => r[`${dir}PeakMiB`]);
          const what = `${hex(suite)} ${mine} ${dir} peak RSS growth, ${small.size / MiB} MiB -> ${large.size / MiB} MiB: +${fmt(a, 1)} -> +${fmt(b, 1)} MiB`;
          rows.push({ what, growth: b - a, met: b - a <= FLAT_MIB });
        }
      }
    }
  }
  return rows;
}

function markdown(run) {
  const lines = [
    `Measured ${run.date} at ${run.commit}; ${run.machine.cpu}, ${run.machine.cores} cores, Node ${run.machine.node};`,
    `best of ${run.passes} interleaved passes (each case in a fresh process per pass). MB/s of plaintext; peak RSS growth: the process's peak RSS during encryption or decryption minus its RSS when it began (the highest of the passes).`,
    '',
    '| suite | case | frames | size | encrypt MB/s | decrypt MB/s | peak RSS growth, encrypt / decrypt |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of run.results) {
    const label = CASES.find((c) => c.id === r.id).label;
    lines.push(`| ${hex(r.suite)} | ${label} | ${r.frame / 1024} KiB | ${r.size / MiB} MiB | ${fmt(r.encryptMBs)} | ${fmt(r.decryptMBs)} | +${fmt(r.encryptPeakMiB, 1)} / +${fmt(r.decryptPeakMiB, 1)} MiB |`);
  }
  lines.push('', '| target | figure | result |', '|---|---|---|');
  for (const t of run.targets) {
    const figure = t.ratio !== undefined ? `${fmt(t.ratio, 2)}x${t.need ? ` (need >= ${t.need}x)` : ''}` : `${t.growth >= 0 ? '+' : ''}${fmt(t.growth, 1)} MiB (need <= ${FLAT_MIB})`;
    lines.push(`| ${t.what} | ${figure} | ${t.met === undefined ? 'for reference' : t.met ? 'MET' : 'MISSED'} |`);
  }
  return lines.join('\n');
}

const run = saved
  ? { ...saved, targets: targets() }
  : {
      date: new Date().toISOString().slice(0, 10),
      commit: gitDescribe(root),
      machine: machineInfo(),
      passes: Number(opt.passes),
      results,
      targets: targets(),
    };
const md = markdown(run);
if (!saved) {
  mkdirSync(opt.out, { recursive: true });
  writeFileSync(join(opt.out, `node-${run.date}.json`), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(join(opt.out, `node-${run.date}.md`), `${md}\n`);
}
console.log(`\n${md}\n`);
const full = !opt.cases && opt.sizes === '256,1024';
if (opt.docs || (full && !opt['no-docs'])) {
  writeDocs(join(root, 'docs', 'benchmarks.md'), md, 'node');
  log('docs/benchmarks.md: Node block rewritten');
}
