// Input generation, sinks and the in-memory ciphertext store of the benchmark page.
//
// The plaintext is deterministic and never held whole: chunk i of the stream is a view of a
// fixed random pool at an offset that depends on i, so any byte's expected value is computable
// (see `expectedByte`) and the stream costs no allocation. Views are read-only by contract; a
// consumer that detaches (transfers) its input would break the pool, and the run would fail loudly.

const POOL_SPAN = 4 << 20; // distinct chunk start offsets live in [0, POOL_SPAN)

export class Pattern {
  /** @param {number} chunk the source's chunk size in bytes */
  constructor(chunk, seed = 0x9e3779b9) {
    this.chunk = chunk;
    this.pool = new Uint8Array(POOL_SPAN + chunk);
    let x = seed >>> 0 || 1;
    const words = new Uint32Array(this.pool.buffer, 0, this.pool.length >>> 2);
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x >>> 0;
    }
  }

  /** Pool offset of source chunk `i` (64-byte aligned, varies with i). */
  offset(i) {
    return (Math.imul(i + 1, 0x9e3779b1) >>> 0) % POOL_SPAN & ~63;
  }

  /** The plaintext byte at absolute position `p`. */
  expectedByte(p) {
    const i = Math.floor(p / this.chunk);
    return this.pool[this.offset(i) + (p - i * this.chunk)];
  }

  /** A ReadableStream of `total` plaintext bytes in `chunk`-sized views. */
  stream(total) {
    let pos = 0;
    let i = 0;
    return new ReadableStream({
      pull: (controller) => {
        if (pos >= total) {
          controller.close();
          return;
        }
        const n = Math.min(this.chunk, total - pos);
        const o = this.offset(i);
        controller.enqueue(this.pool.subarray(o, o + n));
        pos += n;
        i++;
      },
    });
  }

  /** The whole plaintext as one Uint8Array (for APIs that need it; allocates `total` bytes). */
  buffer(total) {
    const out = new Uint8Array(total);
    for (let pos = 0, i = 0; pos < total; pos += this.chunk, i++) {
      const n = Math.min(this.chunk, total - pos);
      const o = this.offset(i);
      out.set(this.pool.subarray(o, o + n), pos);
    }
    return out;
  }

  /**
   * Checks `bytes`, found at stream position `at`: every byte if `full`, else 8 bytes at the
   * start, middle and end (decrypted output is authenticated; this catches mix-ups, not forgeries).
   */
  check(bytes, at, full = false) {
    const n = bytes.length;
    if (n === 0) return;
    const probe = (k) => {
      if (bytes[k] !== this.expectedByte(at + k)) {
        throw new Error(`output differs from the input at byte ${at + k}`);
      }
    };
    if (full) {
      for (let k = 0; k < n; k++) probe(k);
      return;
    }
    for (const start of [0, Math.max(0, (n >> 1) - 4), Math.max(0, n - 8)]) {
      for (let k = start; k < Math.min(n, start + 8); k++) probe(k);
    }
  }
}

/** A sink that counts bytes. `result()` gives the count. */
export function countSink() {
  let bytes = 0;
  const sink = new WritableStream({
    write(chunk) {
      bytes += chunk.byteLength;
    },
  });
  return { sink, result: () => bytes };
}

/**
 * A sink that checks the output against the pattern as it arrives (see Pattern.check). With
 * `sample`, it awaits `sample.fn()` each time another `sample.every` bytes have arrived (the
 * pipeline upstream is then full and paused).
 */
export function verifySink(pattern, full = false, sample = undefined) {
  let bytes = 0;
  let next = sample ? sample.every : Infinity;
  const sink = new WritableStream({
    async write(chunk) {
      const view = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
      pattern.check(view, bytes, full);
      bytes += view.length;
      if (bytes >= next) {
        next += sample.every;
        await sample.fn();
      }
    },
  });
  return { sink, result: () => bytes };
}

/**
 * Holds a stream's bytes in memory and replays them as a ReadableStream of `chunk`-sized views:
 * the decrypt benchmarks read their ciphertext from here, so the source is as cheap as the
 * plaintext generator (a fetch() or Blob source is slower than AES-GCM here).
 *
 * The bytes live in one growable WebAssembly.Memory (contiguous, grown 64 MiB at a time).
 * Holding them in the page makes V8 collect garbage less often (its trigger grows with the memory
 * alive, wasm memory included), so the decrypt pass that reads from here is measured for speed
 * only; decrypt's memory comes from a pass that downloads the ciphertext (see harness.js).
 */
export class Store {
  static PAGE = 65536;
  static GROW_PAGES = 1024; // 64 MiB at a time

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 0, maximum: 65536 });
    this.length = 0;
  }

  sink() {
    return new WritableStream({
      write: (chunk) => {
        const src = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
        const need = this.length + src.length;
        const have = this.memory.buffer.byteLength;
        if (need > have) {
          this.memory.grow(Math.max(Store.GROW_PAGES, Math.ceil((need - have) / Store.PAGE)));
        }
        new Uint8Array(this.memory.buffer, this.length, src.length).set(src);
        this.length = need;
      },
    });
  }

  /**
   * POSTs the bytes to `url` in 16 MiB pieces (run.mjs's server appends them). Each piece goes as
   * a Blob: Chromium uploads an ArrayBuffer body at ~20 MB/s here, a Blob at ~300 MB/s. Blobs
   * stay in the browser's (limited) blob storage until collected, so `collect` runs a garbage
   * collection every 128 MiB; without it a 1 GiB upload failed ("Failed to fetch").
   */
  async upload(url, collect) {
    const PIECE = 16 << 20;
    for (let pos = 0; pos < this.length; pos += PIECE) {
      if (pos > 0 && pos % (8 * PIECE) === 0) await collect();
      const body = new Blob([new Uint8Array(this.memory.buffer, pos, Math.min(PIECE, this.length - pos))]);
      const response = await fetch(url, { method: 'POST', body });
      if (!response.ok) throw new Error(`upload to ${url}: HTTP ${response.status}`);
    }
  }

  stream(chunk) {
    let pos = 0;
    return new ReadableStream({
      pull: (controller) => {
        if (pos >= this.length) {
          controller.close();
          return;
        }
        const n = Math.min(chunk, this.length - pos);
        controller.enqueue(new Uint8Array(this.memory.buffer, pos, n));
        pos += n;
      },
    });
  }
}
