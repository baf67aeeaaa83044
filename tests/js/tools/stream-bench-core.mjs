// The streaming benchmark's body, shared by Node and the browser (a Worker): MB/s of
// encryptStream and decryptStream over `size` bytes, per frame length and engine.
// Input chunks are views of one random 1 MiB buffer (the source costs nothing); output is counted
// and dropped. Decryption reads a message encrypted beforehand, fed in `chunk`-byte views.

export async function run(envseal, { size, chunk = 65536, frameLengths, engines, suites = [0x0478], repeat = 3 }) {
  const { init, RawAesKeyring, encryptStream, decryptStream } = envseal;
  await init();
  const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: new Uint8Array(32).fill(3) });
  const random = new Uint8Array(1 << 20);
  for (let i = 0; i < random.length; i += 65536) crypto.getRandomValues(random.subarray(i, i + 65536));

  const source = (total, piece, bytes) => {
    let sent = 0;
    return new ReadableStream({
      pull(c) {
        if (sent >= total) return c.close();
        const n = Math.min(piece, total - sent);
        const start = bytes === random ? sent % (random.length - n + 1) : sent;
        c.enqueue(bytes.subarray(start, start + n));
        sent += n;
      },
    }, { highWaterMark: 0 });
  };
  const drain = async (readable, keep) => {
    const parts = [];
    let n = 0;
    for await (const c of readable) {
      n += c.length;
      if (keep) parts.push(c);
    }
    if (!keep) return n;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };

  // Every configuration once per round, `repeat` rounds: background load hits them all alike.
  const configs = [];
  for (const suite of suites) for (const engine of engines) for (const frameLength of frameLengths) {
    configs.push({ suite, engine, frameLength, enc: Infinity, dec: Infinity });
  }
  for (let r = 0; r < repeat; r++) {
    for (const c of configs) {
      const { suite, engine, frameLength } = c;
      let t = performance.now();
      let message = await drain(source(size, chunk, random).pipeThrough(encryptStream(keyring, { suite, engine, frameLength })), true);
      c.enc = Math.min(c.enc, performance.now() - t);
      t = performance.now();
      const n = await drain(source(message.length, chunk, message).pipeThrough(decryptStream(keyring, { engine })), false);
      c.dec = Math.min(c.dec, performance.now() - t);
      message = null;
      if (n !== size) throw new Error(`decrypted ${n} bytes, expected ${size}`);
    }
  }
  const mbs = (ms) => Math.round(size / 1e6 / (ms / 1000));
  return configs.map(({ suite, engine, frameLength, enc, dec }) => ({
    suite: `0x0${suite.toString(16)}`,
    engine,
    frameLength,
    MiB: size / 2 ** 20,
    encryptMBs: mbs(enc),
    decryptMBs: mbs(dec),
  }));
}
