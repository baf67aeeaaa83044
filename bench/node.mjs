#!/usr/bin/env node
// `make bench` (Node part; alone: `make bench-node`): envseal's streams in Node against the
// official AWS Encryption SDK for JavaScript (@aws-crypto/client-node) at the same frame length
// and at its default (4 KiB), and against raw node:crypto AES-256-GCM over the same frames (the
// limit for 0x0478), at 256 MiB and 1 GiB, suites 0x0478 and 0x0578, with each process's peak RSS.
//
//   node bench/node.mjs [--sizes 256,1024] [--cases envseal,aws-same] [--rounds 2] [--docs | --no-docs]
//
// Every (case, suite, size) runs in a fresh Node process, so its peak RSS is its own. Encryption
// reads plaintext made from a 1 MiB random block in 64 KiB chunks and writes the message to a
// file in /dev/shm (through the same 1 MiB-batching sink for every case); decryption reads that
// file in 64 KiB chunks and compares every plaintext byte with the block. MB/s counts plaintext.
// Writes target/bench/node-<date>.{json,md}, prints the table, the ratios and the targets, and
// (for a full default run, or with --docs) rewrites the generated Node block of docs/benchmarks.md.

import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { gitDescribe, machineInfo } from './lib/procs.mjs';
import { writeDocs } from './lib/report.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const MiB = 2 ** 20;
const CHUNK = 64 * 1024;
const FRAME = 256 * 1024;
const AWS_DEFAULT_FRAME = 4096;
const SUITES = [0x0478, 0x0578];
const hex = (suite) => `0x${suite.toString(16).padStart(4, '0')}`;

/** The cases: what runs, at which frame length, for which suites. */
const CASES = [
  { id: 'envseal', label: 'envseal encryptStream/decryptStream (engine auto = node)', frame: FRAME },
  { id: 'envseal-duplex', label: "envseal/node createEncryptStream/createDecryptStream (Node Duplex)", frame: FRAME },
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

/** A sink that batches writes into 1 MiB file writes (shared by every case). */
async function fileSink(path) {
  const file = await open(path, 'w');
  const batch = Buffer.allocUnsafe(MiB);
  let used = 0;
  const flush = async () => {
    if (used > 0) await file.write(batch, 0, used, null);
    used = 0;
  };
  return {
    async write(chunk) {
      for (let at = 0; at < chunk.length; ) {
        const n = Math.min(chunk.length - at, MiB - used);
        batch.set(chunk.subarray(at, at + n), used);
        used += n;
        at += n;
        if (used === MiB) await flush();
      }
    },
    async close() {
      await flush();
      await file.close();
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

const webSource = (chunks) =>
  new ReadableStream({
    pull(controller) {
      const { value, done } = chunks.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  }, { highWaterMark: 0 });

/** The file's bytes as a Web stream of fresh CHUNK-sized buffers. */
async function webFileSource(path) {
  const file = await open(path, 'r');
  return new ReadableStream({
    async pull(controller) {
      const buffer = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) {
        await file.close();
        controller.close();
      } else controller.enqueue(buffer.subarray(0, bytesRead));
    },
  }, { highWaterMark: 0 });
}

const webSink = (sink) => new WritableStream({ write: (chunk) => sink.write(chunk), close: () => sink.close?.() });
const nodeSink = (sink) =>
  new Writable({
    write(chunk, _encoding, done) {
      Promise.resolve(sink.write(chunk)).then(() => done(), done);
    },
    final(done) {
      Promise.resolve(sink.close?.()).then(() => done(), done);
    },
  });

async function envsealCase(duplex) {
  const envseal = await import('envseal');
  const node = await import('envseal/node');
  await envseal.init();
  const keyring = new envseal.RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: new Uint8Array(32).fill(7) });
  return {
    async encrypt(size, suite, frameLength, path) {
      const sink = await fileSink(path);
      const options = { suite, frameLength, encryptionContext: { bench: 'node' } };
      if (duplex) await pipeline(Readable.from(plaintextChunks(size)), node.createEncryptStream(keyring, options), nodeSink(sink));
      else await webSource(plaintextChunks(size)).pipeThrough(envseal.encryptStream(keyring, options)).pipeTo(webSink(sink));
    },
    async decrypt(path) {
      const sink = checkingSink();
      if (duplex) await pipeline(createReadStream(path, { highWaterMark: CHUNK }), node.createDecryptStream(keyring), nodeSink(sink));
      else await (await webFileSource(path)).pipeThrough(envseal.decryptStream(keyring)).pipeTo(webSink(sink));
      return sink.bytes;
    },
  };
}

async function awsCase() {
  const aws = await import('@aws-crypto/client-node');
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
    async encrypt(size, suite, frameLength, path) {
      const options = { suiteId: suiteIds[suite], frameLength, encryptionContext: { bench: 'node' } };
      await pipeline(Readable.from(plaintextChunks(size)), encryptStream(keyring, options), nodeSink(await fileSink(path)));
    },
    async decrypt(path) {
      const sink = checkingSink();
      await pipeline(createReadStream(path, { highWaterMark: CHUNK }), decryptStream(keyring), nodeSink(sink));
      return sink.bytes;
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
    async encrypt(size, _suite, frameLength, path) {
      const sink = await fileSink(path);
      let frame = 0;
      let cipher;
      let inFrame = 0;
      const endFrame = async () => {
        await sink.write(cipher.final());
        await sink.write(cipher.getAuthTag());
        cipher = undefined;
        inFrame = 0;
      };
      for (const chunk of plaintextChunks(size)) {
        for (let at = 0; at < chunk.length; ) {
          cipher ??= createCipheriv('aes-256-gcm', key, iv(++frame)).setAAD(aad);
          const n = Math.min(chunk.length - at, frameLength - inFrame);
          await sink.write(cipher.update(chunk.subarray(at, at + n)));
          inFrame += n;
          at += n;
          if (inFrame === frameLength) await endFrame();
        }
      }
      if (cipher) await endFrame();
      await sink.close();
    },
    async decrypt(path, frameLength) {
      const sink = checkingSink();
      const file = await open(path, 'r');
      const record = Buffer.allocUnsafe(frameLength + 16);
      for (let frame = 1; ; frame++) {
        const { bytesRead } = await file.read(record, 0, record.length, null);
        if (bytesRead === 0) break;
        const decipher = createDecipheriv('aes-256-gcm', key, iv(frame)).setAAD(aad);
        decipher.setAuthTag(record.subarray(bytesRead - 16, bytesRead));
        const plaintext = decipher.update(record.subarray(0, bytesRead - 16));
        decipher.final(); // throws if the tag does not verify: nothing is released before
        sink.write(plaintext);
      }
      await file.close();
      return sink.bytes;
    },
  };
}

async function runChild({ id, suite, size, frame, rounds, dir }) {
  const impl = id === 'raw' ? rawCase() : id.startsWith('aws') ? await awsCase() : await envsealCase(id === 'envseal-duplex');
  const path = join(dir, `${id}-${suite}-${size}.msg`);
  const time = async (fn) => {
    const start = performance.now();
    const result = await fn();
    return { seconds: (performance.now() - start) / 1000, result };
  };
  // Warm-up (JIT, wasm instantiation, key derivation paths), then the best of `rounds`.
  await impl.encrypt(4 * MiB + 77, suite, frame, path);
  await impl.decrypt(path, frame);
  let encrypt = Infinity;
  let decrypt = Infinity;
  for (let round = 0; round < rounds; round++) {
    encrypt = Math.min(encrypt, (await time(() => impl.encrypt(size, suite, frame, path))).seconds);
    const { seconds, result } = await time(() => impl.decrypt(path, frame));
    if (result !== size) throw new Error(`${id}: decrypted ${result} bytes of ${size}`);
    decrypt = Math.min(decrypt, seconds);
  }
  rmSync(path, { force: true });
  return { encryptMBs: size / 1e6 / encrypt, decryptMBs: size / 1e6 / decrypt, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

// ---- the parent: every case in a fresh process, the table, the ratios, the targets -------------

const { values: opt } = parseArgs({
  options: {
    child: { type: 'string' },
    sizes: { type: 'string', default: '256,1024' },
    cases: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    docs: { type: 'boolean' },
    'no-docs': { type: 'boolean' },
    out: { type: 'string', default: join(root, 'target', 'bench') },
  },
});

if (opt.child) {
  const result = await runChild(JSON.parse(opt.child));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const sizes = opt.sizes.split(',').map((s) => Math.round(Number(s) * MiB));
const cases = opt.cases ? CASES.filter((c) => opt.cases.split(',').includes(c.id)) : CASES;
if (cases.length === 0) throw new Error(`no case matches --cases ${opt.cases}: ${CASES.map((c) => c.id).join(', ')}`);
const dir = existsSync('/dev/shm') ? join('/dev/shm', `envseal-bench-${process.pid}`) : join(tmpdir(), `envseal-bench-${process.pid}`);
mkdirSync(dir, { recursive: true });
const log = (...a) => console.log('[bench:node]', ...a);

const results = [];
try {
  for (const suite of SUITES) {
    for (const c of cases.filter((c) => (c.suites ?? SUITES).includes(suite))) {
      for (const size of sizes) {
        const job = { id: c.id, suite, size, frame: c.frame, rounds: Number(opt.rounds), dir };
        const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(job)], {
          cwd: here,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const r = { ...job, ...JSON.parse(out.trim().split('\n').pop()) };
        delete r.dir;
        results.push(r);
        log(`${hex(suite)} ${c.id.padEnd(15)} ${String(size / MiB).padStart(5)} MiB  encrypt ${r.encryptMBs.toFixed(0).padStart(5)} MB/s  decrypt ${r.decryptMBs.toFixed(0).padStart(5)} MB/s  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const find = (id, suite, size) => results.find((r) => r.id === id && r.suite === suite && r.size === size);
const ratio = (a, b) => (a && b ? a / b : undefined);
const fmt = (x, digits = 0) => (x === undefined ? '-' : x.toFixed(digits));

/** Ratios and targets (issue 13): envseal >= 1.5x the AWS client at the same frames in every case;
 * >= 0.8x raw node:crypto for 0x0478; peak RSS flat from 256 MiB to 1 GiB. */
function targets() {
  const rows = [];
  for (const suite of SUITES) {
    for (const size of sizes) {
      const e = find('envseal', suite, size);
      for (const [other, need] of [['aws-same', 1.5], ['aws-default', undefined], ...(suite === 0x0478 ? [['raw', 0.8]] : [])]) {
        const o = find(other, suite, size);
        for (const dir of ['encrypt', 'decrypt']) {
          const r = ratio(e?.[`${dir}MBs`], o?.[`${dir}MBs`]);
          if (r === undefined) continue;
          rows.push({ what: `${hex(suite)} ${size / MiB} MiB ${dir}: envseal / ${other}`, ratio: r, need, met: need === undefined ? undefined : r >= need });
        }
      }
    }
    const [small, large] = [sizes[0], sizes.at(-1)].map((size) => find('envseal', suite, size));
    if (small && large && small !== large) {
      const growth = large.peakRssMiB - small.peakRssMiB;
      rows.push({ what: `${hex(suite)} envseal peak RSS ${small.size / MiB} MiB -> ${large.size / MiB} MiB: ${fmt(small.peakRssMiB)} -> ${fmt(large.peakRssMiB)} MiB`, growth, met: growth <= 16 });
    }
  }
  return rows;
}

function markdown(run) {
  const lines = [
    `Measured ${run.date} at ${run.commit}; ${run.machine.cpu}, ${run.machine.cores} cores, Node ${run.machine.node};`,
    `best of ${run.rounds} rounds per case, each case in a fresh process. MB/s of plaintext; peak RSS of that process.`,
    '',
    '| suite | case | frames | size | encrypt MB/s | decrypt MB/s | peak RSS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of run.results) {
    const label = CASES.find((c) => c.id === r.id).label;
    lines.push(`| ${hex(r.suite)} | ${label} | ${r.frame / 1024} KiB | ${r.size / MiB} MiB | ${fmt(r.encryptMBs)} | ${fmt(r.decryptMBs)} | ${fmt(r.peakRssMiB)} MiB |`);
  }
  lines.push('', '| target | figure | result |', '|---|---|---|');
  for (const t of run.targets) {
    const figure = t.ratio !== undefined ? `${fmt(t.ratio, 2)}x${t.need ? ` (need >= ${t.need}x)` : ''}` : `+${fmt(t.growth, 1)} MiB (need <= 16)`;
    lines.push(`| ${t.what} | ${figure} | ${t.met === undefined ? 'for reference' : t.met ? 'MET' : 'MISSED'} |`);
  }
  return lines.join('\n');
}

const run = {
  date: new Date().toISOString().slice(0, 10),
  commit: gitDescribe(root),
  machine: machineInfo(),
  rounds: Number(opt.rounds),
  results,
  targets: targets(),
};
const md = markdown(run);
mkdirSync(opt.out, { recursive: true });
writeFileSync(join(opt.out, `node-${run.date}.json`), `${JSON.stringify(run, null, 2)}\n`);
writeFileSync(join(opt.out, `node-${run.date}.md`), `${md}\n`);
console.log(`\n${md}\n`);
const full = !opt.cases && opt.sizes === '256,1024';
if (opt.docs || (full && !opt['no-docs'])) {
  writeDocs(join(root, 'docs', 'benchmarks.md'), md, 'node');
  log('docs/benchmarks.md: Node block rewritten');
}
