// The 'webcrypto' frame engine: WebCrypto AES-GCM seals and opens the frames, the WebAssembly
// core does everything else through its frame-level API (it computes each frame's IV, AAD and
// wire prefix, checks sequence and finality, hashes signed messages, writes and verifies the
// footer). Plaintext never enters WebAssembly: it is cut into frames here, in a preallocated
// frame buffer or as views of the caller's chunks (WebCrypto copies its input when called).
//
// Several frames are in flight at once (`inFlight`), and their results are delivered strictly in
// order (InOrder). In Node, WebCrypto works on other threads, so frames overlap; in Chromium it
// works on the calling thread, and being in flight only overlaps the calls with stream I/O.

import { ByteQueue } from './byte-queue.js';
import { codedError } from './runtime.js';
import { InOrder } from './in-order.js';

/** `crypto.subtle`, or undefined where this context has none (insecure origins, old runtimes). */
export function subtleCrypto() {
  return globalThis.crypto?.subtle;
}

const TAG_BITS = 128;

/** The error of a frame whose tag did not verify: the core's `DECRYPT_FAILED`, same words. */
function decryptFailed() {
  return codedError(
    'DECRYPT_FAILED',
    'decryption failed: an authentication tag did not verify (wrong key, wrong encryption context, ' +
      'or the ciphertext was modified)',
  );
}

/** Imports the handle's content key as a non-extractable AES-GCM key, and wipes the copy. */
async function importContentKey(handle, usage) {
  const raw = handle.contentKey();
  try {
    return await subtleCrypto().importKey('raw', raw, { name: 'AES-GCM' }, false, [usage]);
  } finally {
    raw.fill(0);
  }
}

/** Encrypts with a `MessageEncryptor` handle, frame by frame. */
export class WebCryptoSealer {
  #enc;
  #frameLength;
  #emit;
  #order;
  /** @type {CryptoKey | undefined} */
  #key;
  #signing;
  /** Plaintext of the frame being gathered (only for bytes that arrive in pieces). */
  #pending;
  #pendingLength = 0;

  /**
   * @param {object} enc a wasm `MessageEncryptor`
   * @param {{ frameLength: number, inFlight: number, emit: (bytes: Uint8Array) => void,
   *   fail: (error: unknown) => void }} options
   */
  constructor(enc, { frameLength, inFlight, emit, fail }) {
    this.#enc = enc;
    this.#frameLength = frameLength;
    this.#emit = emit;
    this.#order = new InOrder(inFlight, fail);
    this.#signing = enc.isSigning;
  }

  async start() {
    const header = this.#enc.takeHeader();
    this.#key = await importContentKey(this.#enc, 'encrypt');
    this.#emit(header);
  }

  /** Frames `chunk`. A frame is sealed (as a regular frame) as soon as it is full; `end` seals
   * the rest, 0 to frameLength - 1 bytes, as the final frame (as the core's `push` does). */
  async write(chunk) {
    const f = this.#frameLength;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#pendingLength === 0 && chunk.length - offset >= f) {
        // A whole frame inside the chunk: seal it in place.
        await this.#seal(chunk.subarray(offset, offset + f), false);
        offset += f;
        continue;
      }
      const n = Math.min(f - this.#pendingLength, chunk.length - offset);
      this.#reserve(this.#pendingLength + n);
      this.#pending.set(chunk.subarray(offset, offset + n), this.#pendingLength);
      this.#pendingLength += n;
      offset += n;
      if (this.#pendingLength === f) {
        await this.#seal(this.#pending, false);
        this.#pendingLength = 0;
      }
    }
  }

  /** Seals the final frame, waits for every frame, then writes the footer. */
  async end() {
    const last = this.#pending ? this.#pending.subarray(0, this.#pendingLength) : new Uint8Array(0);
    await this.#seal(last, true);
    await this.#order.drained();
    this.#throwIfFailed();
    const footer = this.#enc.footer();
    if (footer.length > 0) this.#emit(footer);
  }

  dispose() {
    this.#order.stop();
    this.#pending?.fill(0);
    this.#pendingLength = 0;
    this.#key = undefined;
  }

  /** Makes the frame buffer hold at least `length` bytes: allocated once at the frame length
   * for most streams, grown by doubling only for inputs far smaller than a huge frame length. */
  #reserve(length) {
    if (this.#pending && this.#pending.length >= length) return;
    const size = Math.min(this.#frameLength, Math.max(length, 2 * (this.#pending?.length ?? 0), 1 << 20));
    const grown = new Uint8Array(size);
    if (this.#pending) {
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending.fill(0);
    }
    this.#pending = grown;
  }

  async #seal(plaintext, isFinal) {
    await this.#order.slot();
    this.#throwIfFailed();
    const p = this.#enc.beginFrame(plaintext.length, isFinal);
    const algorithm = { name: 'AES-GCM', iv: p.iv, additionalData: p.aad, tagLength: TAG_BITS };
    // WebCrypto copies `plaintext` before returning: the frame buffer may be refilled at once.
    const job = subtleCrypto().encrypt(algorithm, this.#key, plaintext);
    this.#order.add(job, (sealed) => {
      const bytes = new Uint8Array(sealed);
      if (this.#signing) {
        this.#enc.absorb(p.prefix);
        this.#enc.absorb(bytes);
      }
      this.#emit(p.prefix);
      this.#emit(bytes);
    });
  }

  #throwIfFailed() {
    if (this.#order.failed) throw this.#order.failure;
  }
}

/** Decrypts the body of a message with a `MessageDecryptor` handle after `intoBody()`. */
export class WebCryptoOpener {
  #dec;
  #emit;
  #order;
  /** @type {CryptoKey | undefined} */
  #key;
  #signing;
  #queue = new ByteQueue();
  /** 'frames' | 'footer' | 'done' */
  #stage = 'frames';
  /** The frame whose prefix was read and whose sealed bytes are awaited. */
  #frame = null;
  /** How many bytes to show the core when it reads a prefix or the footer. */
  #peek = 32;
  /** Where a frame's sealed bytes are gathered when they straddle chunks (allocated on demand,
   * at the size of the first frame that needs it: the frame length, or less for a lone final frame). */
  #gather;
  /** @type {Uint8Array | null} The final frame's plaintext, held until the message verified. */
  #held = null;

  /**
   * @param {object} dec a wasm `MessageDecryptor` in state 'body'
   * @param {{ inFlight: number, emit: (bytes: Uint8Array) => void, fail: (error: unknown) => void }} options
   */
  constructor(dec, { inFlight, emit, fail }) {
    this.#dec = dec;
    this.#emit = emit;
    this.#order = new InOrder(inFlight, fail);
    this.#signing = dec.signed === true;
  }

  /** Takes over the body from the handle (the bytes read past the header come back) and
   * imports the content key. */
  async start() {
    this.#queue.push(this.#dec.intoBody());
    this.#key = await importContentKey(this.#dec, 'decrypt');
    await this.#advance();
  }

  async write(chunk) {
    this.#queue.push(chunk);
    await this.#advance();
  }

  /** The input ended: checks the message is complete, waits for every frame, then releases the
   * final frame. */
  async end() {
    if (this.#frame || (this.#stage === 'frames' && this.#queue.length > 0)) {
      const where = this.#frame ? `inside frame ${this.#frame.seq}` : 'inside a frame header';
      throw codedError('TRUNCATED', `truncated message: the input ended ${where}`);
    }
    await this.#order.drained();
    this.#throwIfFailed();
    this.#dec.finish(); // TRUNCATED unless every frame (and the signature) was read
    if (this.#held) this.#emit(this.#held);
    this.#held = null;
  }

  dispose() {
    this.#order.stop();
    this.#queue.clear();
    this.#gather?.fill(0);
    this.#held?.fill(0);
    this.#held = null;
    this.#key = undefined;
  }

  async #advance() {
    for (;;) {
      this.#throwIfFailed();
      if (this.#stage === 'frames') {
        if (!this.#frame && !this.#readPrefix()) return;
        const frame = this.#frame;
        if (this.#queue.length < frame.sealedLen) return;
        await this.#order.slot();
        this.#throwIfFailed();
        // The queue's views are valid until it changes: used (and copied by WebCrypto) at once.
        if (!(this.#gather?.length >= frame.sealedLen)) this.#gather = new Uint8Array(frame.sealedLen);
        const sealed = this.#queue.take(frame.sealedLen, this.#gather);
        if (this.#signing) this.#dec.absorb(sealed);
        this.#frame = null;
        if (frame.isFinal) this.#stage = this.#dec.expectsFooter ? 'footer' : 'done';
        this.#open(frame, sealed);
      } else if (this.#stage === 'footer') {
        const read = this.#readCore((bytes) => this.#dec.readFooter(bytes));
        if (!read) return;
        this.#queue.skip(read.used);
        this.#stage = 'done';
      } else {
        if (this.#queue.length > 0) {
          throw codedError(
            'TRAILING_DATA',
            `${this.#queue.length} unexpected bytes follow the end of the message`,
          );
        }
        return;
      }
    }
  }

  /** Reads the next frame's prefix; false if more bytes are needed. */
  #readPrefix() {
    const frame = this.#readCore((bytes) => this.#dec.beginFrame(bytes));
    if (!frame) return false;
    const prefix = this.#queue.take(frame.prefixLen);
    if (this.#signing) this.#dec.absorb(prefix);
    this.#frame = frame;
    return true;
  }

  /** Shows the core the first bytes of the queue; returns its answer, or null if it needs more
   * bytes than the queue holds. */
  #readCore(read) {
    for (;;) {
      if (this.#queue.length === 0) return null;
      const answer = read(this.#queue.peek(Math.min(this.#peek, this.#queue.length)));
      if (answer.need === undefined) return answer;
      if (answer.need > this.#queue.length) {
        this.#peek = Math.max(this.#peek, answer.need);
        return null;
      }
      this.#peek = answer.need;
    }
  }

  /** Starts opening a frame (a slot is free); its plaintext is delivered in order. */
  #open(frame, sealed) {
    const algorithm = { name: 'AES-GCM', iv: frame.iv, additionalData: frame.aad, tagLength: TAG_BITS };
    // WebCrypto copies `sealed` before returning: the buffers behind it may be reused at once.
    const job = subtleCrypto().decrypt(algorithm, this.#key, sealed);
    this.#order.add(
      job,
      (plain) => {
        const bytes = new Uint8Array(plain);
        if (frame.isFinal) this.#held = bytes;
        else this.#emit(bytes);
      },
      decryptFailed,
    );
  }

  #throwIfFailed() {
    if (this.#order.failed) throw this.#order.failure;
  }
}
