// The external frame engines ('webcrypto' and 'node'): an AES-GCM outside WebAssembly
// (aead.js: WebCrypto, or node:crypto) seals and opens the frames; the WebAssembly core does
// everything else through its frame-level API (it decides where frames end, computes each frame's
// IV, AAD and wire prefix, checks sequence and finality, says which bytes a signed message's
// hash covers, signs and verifies the footer). Signed messages are hashed by the engine's own
// hash where it has one (`hash`, node:crypto in Node), else in the core. Plaintext never enters
// WebAssembly: the frames the core asks for are
// gathered here, in a preallocated frame buffer or as views of the caller's chunks (both AEADs
// are done with their input when they return or copy it when called).
//
// Several frames are in flight at once (`inFlight`), and their results are delivered strictly in
// order (InOrder). In Node, WebCrypto works on other threads, so frames overlap; in Chromium it
// works on the calling thread, and being in flight only overlaps the calls with stream I/O;
// node:crypto works synchronously on the calling thread.

import { ByteQueue } from './byte-queue.js';
import { core } from './runtime.js';
import { InOrder } from './in-order.js';

const MAX_U32 = 0xffffffff;
const NOTHING = new Uint8Array(0);

/** Takes the signature hash of a signed message's `handle` out of the core into `hashWith`
 * (the engine's hash, if it has one). Returns what the frames' bytes go to: that hash, or the
 * core's (`absorb`); null when nothing is hashed. */
function signatureHash(handle, signing, hashWith) {
  if (!signing) return null;
  if (!hashWith) return { update: (bytes) => handle.absorb(bytes), outside: false };
  const { hash, prelude } = handle.handOutHash();
  const running = hashWith(hash);
  running.update(prelude);
  return { update: running.update, digest: running.digest, room: running.room, outside: true };
}

/** Hands the digest of a hash the engine took back to the core (a hash on another thread
 * answers with a promise). */
async function handInDigest(handle, hash) {
  if (hash?.outside) handle.setDigest(await hash.digest());
}

/** Imports the handle's content key into `aead`, and wipes the copy. */
export async function importContentKey(aead, handle, usage) {
  const raw = handle.contentKey();
  try {
    return await aead.importKey(raw, usage);
  } finally {
    raw.fill(0);
  }
}

/** Lets `aead` forget a key it imported (the 'workers' engine drops it from its workers). */
function dropKey(aead, key) {
  if (key !== undefined) aead.dropKey?.(key);
}

/** Encrypts with a `MessageEncryptor` handle, frame by frame: the core says when a frame is due
 * and what it is (`nextFrame`); this gathers the bytes and runs the AEAD. */
export class ExternalSealer {
  #enc;
  #frameLength;
  #emit;
  #order;
  #aead;
  #key;
  /** The engine's own hash constructor, if it has one. */
  #hashWith;
  /** Where each frame's bytes are hashed (signed suites), from `signatureHash`. */
  #hash = null;
  /** Plaintext of the frame being gathered (only for bytes that arrive in pieces). */
  #pending;
  #pendingLength = 0;
  /** How many bytes the core last said the next frame needs (asked again only once they are here). */
  #need = 0;

  /**
   * @param {object} enc a wasm `MessageEncryptor`
   * @param {{ aead: object, hash?: (name: string) => object, frameLength: number, inFlight: number,
   *   emit: (bytes: Uint8Array) => void, fail: (error: unknown) => void }} options
   */
  constructor(enc, { aead, hash, frameLength, inFlight, emit, fail }) {
    this.#enc = enc;
    this.#aead = aead;
    this.#hashWith = hash;
    this.#frameLength = frameLength;
    this.#emit = emit;
    this.#order = new InOrder(inFlight, fail);
  }

  async start() {
    this.#hash = signatureHash(this.#enc, this.#enc.isSigning, this.#hashWith);
    const header = this.#enc.takeHeader();
    this.#key = await importContentKey(this.#aead, this.#enc, 'encrypt');
    this.#emit(header);
  }

  /** Seals every frame the core says is due (a full frame: at once); keeps a copy of the rest,
   * less than a frame (a written chunk is not kept after `write` resolves). */
  async write(chunk) {
    let offset = 0;
    for (let frame; (frame = this.#due(this.#pendingLength + chunk.length - offset, false)); ) {
      offset = await this.#seal(frame, chunk, offset);
    }
    const rest = chunk.length - offset;
    if (rest === 0) return;
    this.#reserve(this.#pendingLength + rest);
    this.#pending.set(chunk.subarray(offset), this.#pendingLength);
    this.#pendingLength += rest;
  }

  /** The input ended: seals the final frame, waits for every frame, then writes the footer. */
  async end() {
    for (let frame; (frame = this.#due(this.#pendingLength, true)); ) await this.#seal(frame, NOTHING, 0);
    await this.#order.drained();
    this.#throwIfFailed();
    await handInDigest(this.#enc, this.#hash);
    const footer = this.#enc.footer();
    if (footer.length > 0) this.#emit(footer);
  }

  dispose() {
    this.#order.stop();
    this.#pending?.fill(0);
    this.#pendingLength = 0;
    dropKey(this.#aead, this.#key);
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

  /** The frame the core begins for `available` bytes not yet framed, or undefined when it needs
   * more input (`{ need }`) or the final frame was begun (`{ done }`). */
  #due(available, ended) {
    this.#throwIfFailed();
    if (!ended && available < this.#need) return undefined; // as the core said last time
    const step = this.#enc.nextFrame(Math.min(available, MAX_U32), ended);
    this.#need = step.need ?? 0;
    return step.need === undefined && !step.done ? step : undefined;
  }

  /** Seals `frame` from the gathered bytes and `chunk` from `offset`; returns the offset after
   * what it took. */
  async #seal(frame, chunk, offset) {
    await this.#order.slot();
    await this.#hash?.room?.(); // a hash on another thread has room for this frame's bytes
    this.#throwIfFailed();
    let plaintext;
    if (this.#pendingLength === 0) {
      // The whole frame is inside the chunk: sealed in place.
      plaintext = chunk.subarray(offset, offset + frame.len);
    } else {
      this.#reserve(frame.len);
      plaintext = this.#pending.subarray(0, frame.len);
      plaintext.set(chunk.subarray(offset, offset + frame.len - this.#pendingLength), this.#pendingLength);
    }
    const taken = frame.len - this.#pendingLength;
    this.#pendingLength = 0;
    // The AEAD is done with `plaintext` when the call returns: the frame buffer may be refilled.
    const job = this.#aead.seal(this.#key, frame.iv, frame.aad, plaintext);
    this.#order.add(job, (parts) => {
      this.#hash?.update(frame.prefix);
      for (const part of parts) this.#hash?.update(part);
      this.#emit(frame.prefix, ...parts);
    });
    return offset + taken;
  }

  #throwIfFailed() {
    if (this.#order.failed) throw this.#order.failure;
  }
}

/** Decrypts the body of a message with a `MessageDecryptor` handle after `intoBody()`. The core
 * says what comes next (`next`: need more bytes, open this frame, the footer verified, done) and
 * whether the input ended early (`finish`); this only gathers bytes and runs the AEAD. */
export class ExternalOpener {
  #dec;
  #emit;
  #order;
  #aead;
  #key;
  #hashWith;
  #hash = null;
  #queue = new ByteQueue();
  /** How many bytes to show the core: enough for any frame prefix, more when it asks. */
  #peek = 32;
  /** Where a frame's bytes are gathered when they straddle chunks (allocated on demand, at the
   * size of the first frame that needs it: the frame length, or less for a lone final frame). */
  #gather;
  /** @type {Uint8Array | null} The final frame's plaintext, held until the message verified. */
  #held = null;

  /**
   * @param {object} dec a wasm `MessageDecryptor` in state 'body'
   * @param {{ aead: object, hash?: (name: string) => object, inFlight: number,
   *   emit: (bytes: Uint8Array) => void, fail: (error: unknown) => void }} options
   */
  constructor(dec, { aead, hash, inFlight, emit, fail }) {
    this.#dec = dec;
    this.#aead = aead;
    this.#hashWith = hash;
    this.#emit = emit;
    this.#order = new InOrder(inFlight, fail);
  }

  /** Takes over the body from the handle and imports the content key. */
  async start() {
    this.#dec.intoBody(); // the header was read with readHeader: no body bytes come back
    this.#hash = signatureHash(this.#dec, this.#dec.signed === true, this.#hashWith);
    this.#key = await importContentKey(this.#aead, this.#dec, 'decrypt');
  }

  async write(chunk) {
    this.#queue.push(chunk);
    for (;;) {
      this.#throwIfFailed();
      const step = this.#dec.next(this.#queue.peek(Math.min(this.#peek, this.#queue.length)), this.#queue.length);
      if (step.need !== undefined) {
        if (step.need > this.#queue.length) return; // wait for more input
        this.#peek = Math.max(this.#peek, step.need);
      } else if (step.footer !== undefined) {
        this.#queue.skip(step.footer);
      } else if (step.done) {
        return;
      } else {
        await this.#open(step);
      }
    }
  }

  /** The input ended: the core checks the message is complete; once every frame opened, the
   * final frame is released. */
  async end() {
    await this.#order.drained();
    this.#throwIfFailed();
    this.#dec.finish(this.#queue.length); // TRUNCATED unless every frame (and the signature) was read
    if (this.#held) this.#emit(this.#held);
    this.#held = null;
  }

  dispose() {
    this.#order.stop();
    this.#queue.clear();
    this.#gather?.fill(0);
    this.#held?.fill(0);
    this.#held = null;
    dropKey(this.#aead, this.#key);
    this.#key = undefined;
  }

  /** Takes the frame off the queue and starts opening it; its plaintext is delivered in order. */
  async #open(frame) {
    await this.#order.slot();
    await this.#hash?.room?.();
    this.#throwIfFailed();
    const total = frame.prefixLen + frame.sealedLen;
    // The queue's views are valid until it changes: used (and done with, or copied) at once.
    if (!(this.#gather?.length >= total)) this.#gather = new Uint8Array(total);
    const whole = this.#queue.take(total, this.#gather);
    this.#hash?.update(whole);
    const sealed = whole.subarray(frame.prefixLen);
    const job = this.#aead.open(this.#key, frame.iv, frame.aad, sealed);
    this.#order.add(
      job,
      (bytes) => {
        if (frame.isFinal) this.#held = bytes;
        else this.#emit(bytes);
      },
      // A frame that did not open is DECRYPT_FAILED; a worker that failed says so.
      (error) => (error?.code === 'WORKER_FAILED' ? error : core.decryptFailedError()),
    );
    if (frame.isFinal) await handInDigest(this.#dec, this.#hash); // the footer is verified next
  }

  #throwIfFailed() {
    if (this.#order.failed) throw this.#order.failure;
  }
}
