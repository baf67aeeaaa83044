// Rewrap throughput against a full decrypt then encrypt, in Node (docs/rewrap.md,
// docs/benchmarks.md "Rewrap, 1 GiB"). Not part of `make test`:
//   node tools/rewrap-bench.mjs [SIZE_MIB=1024] [ROUNDS=2]
// For each suite: a message of SIZE_MIB (256 KiB frames) is made once and held in memory; then,
// ROUNDS times, best counts: rewrapStream(old, new), and decryptStream(old) piped into
// encryptStream(new), each fed the message as 64 KiB views and counting what comes out.
// MB/s counts the message's plaintext bytes. The first rewrap's output is checked to decrypt.
import { RawAesKeyring, decryptStream, encryptStream, init, rewrapStream } from 'envseal';

const size = Number(process.argv[2] ?? 1024) * 2 ** 20;
const rounds = Number(process.argv[3] ?? 2);
await init();
const keyring = (fill) => new RawAesKeyring({ keyNamespace: 'bench', keyName: `k${fill}`, wrappingKey: new Uint8Array(32).fill(fill) });
const [oldKeys, newKeys] = [keyring(1), keyring(2)];
const block = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
const CHUNK = 64 * 1024;

const source = (total, bytesAt) => {
  let at = 0;
  return new ReadableStream(
    {
      pull(c) {
        if (at >= total) return c.close();
        const n = Math.min(CHUNK, total - at);
        c.enqueue(bytesAt(at, n));
        at += n;
      },
    },
    { highWaterMark: 0 },
  );
};
const plainAt = (at, n) => block.subarray(at % block.length, (at % block.length) + n);
async function collect(readable, into) {
  let used = 0;
  for await (const chunk of readable) {
    if (into) into.set(chunk, used);
    used += chunk.length;
  }
  return used;
}

const rows = [];
for (const suite of [0x0478, 0x0578]) {
  const message = new Uint8Array(size + (size / (256 * 1024) + 1) * 40 + 4096);
  const length = await collect(source(size, plainAt).pipeThrough(encryptStream(oldKeys, { suite })), message);
  const stored = message.subarray(0, length);
  const storedAt = (at, n) => stored.subarray(at, at + n);
  const best = { rewrap: Infinity, reencrypt: Infinity };
  const rewrapped = new Uint8Array(length + 4096);
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    const out = await collect(source(length, storedAt).pipeThrough(rewrapStream(oldKeys, newKeys)), r === 0 ? rewrapped : undefined);
    best.rewrap = Math.min(best.rewrap, performance.now() - t);
    if (r === 0) {
      // The rewrapped message decrypts with the new keys to as many bytes (untimed).
      const back = await collect(source(out, (at, n) => rewrapped.subarray(at, at + n)).pipeThrough(decryptStream(newKeys)));
      if (back !== size) throw new Error(`the rewrapped message decrypted to ${back} bytes, not ${size}`);
    }
    t = performance.now();
    await collect(source(length, storedAt).pipeThrough(decryptStream(oldKeys)).pipeThrough(encryptStream(newKeys, { suite })));
    best.reencrypt = Math.min(best.reencrypt, performance.now() - t);
  }
  const mbs = (ms) => Math.round(size / 1e6 / (ms / 1000));
  rows.push({ suite: `0x0${suite.toString(16)}`, MiB: size / 2 ** 20, 'rewrap MB/s': mbs(best.rewrap), 'decrypt + encrypt MB/s': mbs(best.reencrypt), ratio: (best.reencrypt / best.rewrap).toFixed(2) });
}
console.log(`Node ${process.version}, best of ${rounds}; MB/s of the message's plaintext`);
console.table(rows);
