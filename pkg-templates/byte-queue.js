// A queue of byte chunks read from the front: what a stream decryptor holds between the chunks
// it is given and the frames it cuts out of them. It keeps references to the caller's chunks
// and hands out contiguous views, copying only when bytes straddle chunks. Small chunks are
// gathered into buffers of its own, reused once read, so that a trickle of tiny chunks (or a
// 16-byte frame prefix per frame) neither piles up entries nor allocates per chunk.
//
// Views returned by `peek` and `take` are valid until the next call that changes the queue
// (`push`, `skip`, `take`, `clear`): use them (or copy them) at once.

const SMALL = 2048;
const GATHER = 64 * 1024;

export class ByteQueue {
  /** @type {{ bytes: Uint8Array, gather: Uint8Array | null }[]} unread entries; `gather`: the
   * queue's own buffer the bytes live in, if any */
  #entries = [];
  /** Offset of the first unread byte in `#entries[0].bytes`. */
  #head = 0;
  /** Gathering buffers not referenced by any entry, ready for reuse. */
  #spare = [];
  /** Unread bytes in the queue. */
  length = 0;

  /** Appends `bytes`. Chunks above 2 KiB are kept by reference: the caller must not modify them
   * afterwards; smaller ones are copied. */
  push(bytes) {
    if (bytes.length === 0) return;
    this.length += bytes.length;
    if (bytes.length > SMALL) {
      this.#entries.push({ bytes, gather: null });
      return;
    }
    let last = this.#entries.at(-1);
    const used = last?.gather ? last.bytes.byteOffset - last.gather.byteOffset + last.bytes.length : 0;
    if (!last?.gather || last.gather.length - used < bytes.length) {
      const gather = this.#spare.pop() ?? new Uint8Array(GATHER);
      last = { bytes: gather.subarray(0, 0), gather };
      this.#entries.push(last);
    }
    const start = last.bytes.byteOffset - last.gather.byteOffset;
    last.gather.set(bytes, start + last.bytes.length);
    last.bytes = last.gather.subarray(start, start + last.bytes.length + bytes.length);
  }

  /**
   * The first `n` bytes (n <= length), contiguous: a view of the first entry when they lie in it,
   * else a copy into `into` (at least `n` bytes long; a fresh array when omitted). Nothing is removed.
   * @param {number} n
   * @param {Uint8Array} [into]
   * @returns {Uint8Array}
   */
  peek(n, into) {
    if (n === 0) return new Uint8Array(0);
    const first = this.#entries[0].bytes;
    if (first.length - this.#head >= n) return first.subarray(this.#head, this.#head + n);
    const out = into ? into.subarray(0, n) : new Uint8Array(n);
    let filled = 0;
    let offset = this.#head;
    for (const { bytes } of this.#entries) {
      const take = Math.min(n - filled, bytes.length - offset);
      out.set(bytes.subarray(offset, offset + take), filled);
      filled += take;
      offset = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Drops the first `n` bytes (n <= length). */
  skip(n) {
    this.length -= n;
    while (n > 0) {
      const available = this.#entries[0].bytes.length - this.#head;
      if (n < available) {
        this.#head += n;
        return;
      }
      n -= available;
      this.#release(this.#entries.shift());
      this.#head = 0;
    }
  }

  /** `peek(n, into)`, then `skip(n)`. The view stays valid until the queue changes again. */
  take(n, into) {
    const bytes = this.peek(n, into);
    this.skip(n);
    return bytes;
  }

  /** Forgets every entry (gathering buffers are wiped). */
  clear() {
    for (const entry of this.#entries) this.#release(entry);
    for (const gather of this.#spare) gather.fill(0);
    this.#entries = [];
    this.#head = 0;
    this.length = 0;
  }

  /** An entry left the queue: its gathering buffer (each has its own) can be reused. */
  #release(entry) {
    if (entry.gather && this.#spare.length < 2) this.#spare.push(entry.gather);
  }
}
