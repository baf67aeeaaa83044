// The 'workers' engine. In browsers, its AES-GCM: frames of one stream sealed and opened on
// several Web Workers at once, each with WebCrypto (frame-worker.js). It has the shape of the
// AEADs in aead.js, so engine-external.js drives it as it drives them: the core still decides
// every frame, IV and AAD, and results are delivered strictly in order. In Node (worker_threads),
// a signed message's running hash on a worker thread (`workerHash`), beside node:crypto's AES-GCM
// on the calling thread.
//
// A stream's content key is imported here and posted to its workers as a non-extractable
// CryptoKey, never as bytes, and dropped from them when the stream ends. A frame is copied into a
// buffer of the stream's own (so the caller may reuse its bytes at once) and transferred to the
// least busy worker; the buffer comes back with the result (WebCrypto's fresh buffer, transferred)
// and is reused for a later frame, and the stream's buffers are wiped when it ends. The workers
// are shared by every stream of this module and started on first use; in Node the hashing thread
// does not keep the process alive while idle.

import { nodeCrypto, subtleCrypto, webCryptoAead } from './aead.js';
import { codedError, compiledModule } from './runtime.js';

const WORKER_THREADS = globalThis.process?.getBuiltinModule?.('node:worker_threads');

/** The most workers one stream may ask for. */
export const MAX_WORKERS = 16;

/** Whether this runtime can run the pool: worker_threads and node:crypto in Node, Web Workers
 * and WebCrypto elsewhere. */
export function workersAvailable() {
  if (WORKER_THREADS) return Boolean(nodeCrypto());
  return typeof globalThis.Worker === 'function' && Boolean(subtleCrypto());
}

/** The pool size when a stream names none: one worker per core, at most 4. */
export function defaultWorkers() {
  return Math.max(1, Math.min(4, globalThis.navigator?.hardwareConcurrency || 2));
}

/** Frames in flight per worker (streams.js keeps this many per worker in flight); a stream keeps
 * as many frame buffers for reuse, and wipes any beyond. */
export const FRAMES_PER_WORKER = 4;

/** One worker and the jobs it was given. */
class FrameWorker {
  #worker;
  /** @type {Map<number, { resolve: (reply: object) => void, reject: (error: Error) => void }>} */
  #jobs = new Map();
  #nextJob = 1;
  /** Set when the worker failed: it takes no more jobs and the pool replaces it. */
  broken = false;

  constructor() {
    if (WORKER_THREADS) {
      this.#worker = new WORKER_THREADS.Worker(new URL('./frame-worker.js', import.meta.url));
      this.#worker.on('message', (reply) => this.#settle(reply));
      this.#worker.on('error', (error) => this.#fail(error?.message ?? String(error)));
      this.#worker.on('exit', (code) => this.#fail(`it exited with code ${code}`));
      this.#worker.unref(); // referenced only while it has jobs
    } else {
      this.#worker = new Worker(new URL('./frame-worker.js', import.meta.url), { type: 'module' });
      this.#worker.onmessage = (event) => this.#settle(event.data);
      this.#worker.onerror = (event) => {
        event.preventDefault?.();
        this.#fail(event.message || 'it could not be loaded or threw');
      };
      this.#worker.onmessageerror = () => this.#fail('a reply could not be read');
    }
  }

  /** Jobs given and not yet answered. */
  get load() {
    return this.#jobs.size;
  }

  /** Sends a message that expects no reply (a key, or its removal). */
  post(message) {
    if (!this.broken) this.#worker.postMessage(message);
  }

  /** Sends a job (`message`, with `transfer`red buffers); resolves with the worker's reply. */
  run(message, transfer) {
    if (this.broken) return Promise.reject(workerError('a worker of the pool failed earlier'));
    const job = this.#nextJob++;
    return new Promise((resolve, reject) => {
      if (this.#jobs.size === 0) this.#worker.ref?.();
      this.#jobs.set(job, { resolve, reject });
      this.#worker.postMessage({ ...message, job }, transfer);
    });
  }

  #settle(reply) {
    const pending = this.#jobs.get(reply?.job);
    if (!pending) return;
    this.#jobs.delete(reply.job);
    if (this.#jobs.size === 0) this.#worker.unref?.();
    pending.resolve(reply);
  }

  #fail(reason) {
    if (this.broken) return;
    this.broken = true;
    const error = workerError(`a worker of the pool failed: ${reason}`);
    for (const { reject } of this.#jobs.values()) reject(error);
    this.#jobs.clear();
    this.#worker.terminate();
  }
}

function workerError(message) {
  return codedError('WORKER_FAILED', `engine 'workers': ${message}`);
}

/** The workers shared by every stream; grown on demand, a failed one replaced when next asked. */
const pool = [];
/** The worker that hashes signed messages, apart from the pool's AES-GCM, and a promise that
 * resolves once it can (browsers: once it has the core's module). */
let hasher;
let hasherReady;

function hashWorker() {
  if (!hasher || hasher.broken) {
    const worker = new FrameWorker();
    hasher = worker;
    hasherReady = WORKER_THREADS
      ? Promise.resolve()
      : compiledModule().then(
          (module) => worker.post({ op: 'wasm', module }),
          (error) => {
            throw workerError(`the hashing worker could not get the WebAssembly module: ${error?.message ?? error}`);
          },
        );
    hasherReady.catch(() => {});
  }
  return { worker: hasher, ready: hasherReady };
}

/** The first `count` workers of the pool, started if need be. */
function workers(count) {
  for (let i = 0; i < count; i++) {
    if (!pool[i] || pool[i].broken) pool[i] = new FrameWorker();
  }
  return pool.slice(0, count);
}

/** A stream's content key, as its workers know it, with the stream's frame buffers. */
class PooledKey {
  static #nextId = 1;
  #id = PooledKey.#nextId++;
  #workers;
  /** @type {ArrayBuffer[]} */
  #spare = [];
  #dropped = false;

  constructor(key, workers) {
    this.#workers = workers;
    for (const worker of workers) worker.post({ op: 'key', id: this.#id, key });
  }

  /** Seals or opens one frame on the least busy worker; resolves with the result's parts. */
  async run(op, iv, aad, bytes) {
    const input = this.#buffer(bytes.length);
    new Uint8Array(input, 0, bytes.length).set(bytes);
    const worker = this.#workers.reduce((best, w) => (w.load < best.load ? w : best));
    const message = { op, id: this.#id, iv, aad, input, length: bytes.length };
    const reply = await worker.run(message, [input]);
    this.#giveBack(reply.input, bytes.length);
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.parts;
  }

  /** Forgets the key in every worker and wipes the spare buffers. */
  drop() {
    if (this.#dropped) return;
    this.#dropped = true;
    for (const worker of this.#workers) worker.post({ op: 'drop', id: this.#id });
    for (const buffer of this.#spare) new Uint8Array(buffer).fill(0);
    this.#spare = [];
  }

  #buffer(length) {
    const i = this.#spare.findIndex((b) => b.byteLength >= length);
    return i === -1 ? new ArrayBuffer(length) : this.#spare.splice(i, 1)[0];
  }

  /** Keeps a buffer that came back for the next frame, or wipes it (`used` bytes of it held a frame). */
  #giveBack(buffer, used) {
    if (!(buffer instanceof ArrayBuffer)) return;
    if (this.#dropped || this.#spare.length >= this.#workers.length * FRAMES_PER_WORKER) {
      new Uint8Array(buffer, 0, used).fill(0);
    } else {
      this.#spare.push(buffer);
    }
  }
}

/**
 * The AEAD of the 'workers' engine in browsers, with `count` Web Workers: `importKey`, `seal` and
 * `open` as in aead.js, and `dropKey` for the end of the stream.
 */
export function workersAead(count) {
  return {
    importKey: async (raw, usage) => new PooledKey(await webCryptoAead.importKey(raw, usage), workers(count)),
    seal: (key, iv, aad, plaintext) => key.run('seal', iv, aad, plaintext),
    open: async (key, iv, aad, sealed) => (await key.run('open', iv, aad, sealed))[0],
    dropKey: (key) => key.drop(),
  };
}

/** Bytes a running hash gathers before it sends them to its worker. */
const HASH_BUFFER = 1 << 20;
/** Buffers a running hash may have at its worker before `room()` waits. */
const HASH_BUFFERS_OUT = 4;
let nextHashId = 1;

/**
 * A signed message's running hash on a worker (node:crypto in Node, the core's SHA-384 in
 * browsers): `update(bytes)` copies the bytes (the caller may reuse them at once) and sends them
 * on in 1 MiB pieces; `room()` resolves once fewer than HASH_BUFFERS_OUT pieces are at the worker
 * (the engine waits for it before each frame, so memory stays bounded when hashing is slower than
 * AES-GCM); `digest()` resolves with the digest. The bytes hashed are public (the header and the
 * ciphertext); the hash runs beside the AES-GCM instead of after it.
 */
export function workerHash(name) {
  const { worker, ready } = hashWorker();
  const id = nextHashId++;
  // Every message waits for the worker to be ready; they are sent in the order they were made.
  const send = (message, transfer) => ready.then(() => worker.run(message, transfer));
  ready.then(() => worker.post({ op: 'hash', id, algorithm: name })).catch(() => {});
  /** @type {ArrayBuffer[]} */
  const spare = [];
  let buffer = new ArrayBuffer(HASH_BUFFER);
  let used = 0;
  /** Pieces at the worker, oldest first (it hashes them in order). */
  const sent = [];
  let failure;
  const flush = () => {
    if (used === 0) return;
    const piece = send({ op: 'update', id, input: buffer, length: used }, [buffer]).then(
      (reply) => {
        sent.shift();
        spare.push(reply.input);
      },
      (error) => {
        failure ??= error;
      },
    );
    sent.push(piece);
    buffer = spare.pop() ?? new ArrayBuffer(HASH_BUFFER);
    used = 0;
  };
  return {
    update(bytes) {
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(bytes.length - at, HASH_BUFFER - used);
        new Uint8Array(buffer, used, n).set(bytes.subarray(at, at + n));
        used += n;
        at += n;
        if (used === HASH_BUFFER) flush();
      }
    },
    async room() {
      while (sent.length >= HASH_BUFFERS_OUT && failure === undefined) await sent[0];
      if (failure !== undefined) throw failure;
    },
    async digest() {
      flush();
      const reply = await send({ op: 'digest', id }, []);
      if (failure !== undefined) throw failure;
      return reply.parts[0];
    },
  };
}
