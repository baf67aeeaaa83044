// encryptStream / decryptStream: Web Streams (TransformStream) over the WebAssembly core's
// streaming handles, with a pluggable frame engine (engine-external.js over aead.js, engine-wasm.js).
//
// What this layer does: read options, pick the engine, resolve the `header` promise, count bytes
// for `onProgress`, turn every failure into an errored stream (and a rejected `header`), and
// release the handle at the end. What it does not: anything about the message format; the core
// computes every IV, AAD, prefix and check.

// `core as wasm`: the WebAssembly core, every call guarded against a trap.
import { checkedBytes, codedError, core as wasm, requireInit, wasmReloadable } from './runtime.js';
import { WasmOpener, WasmSealer } from './engine-wasm.js';
import {
  checkKeyring,
  describe,
  encryptorFromKeyring,
  newMaterials,
  readHeader,
  readOptions,
  runsInCore,
  typeError,
  unwrapMessage,
  wholeBytes,
} from './keyring-protocol.js';
import { nodeAead, nodeCrypto, nodeHash, subtleCrypto, webCryptoAead } from './aead.js';
import { ExternalOpener, ExternalSealer } from './engine-external.js';
import { defaultWorkers, FRAMES_PER_WORKER, MAX_WORKERS, workerHash, workersAead, workersAvailable } from './worker-pool.js';

/**
 * Default frame length of `encryptStream` (bytes of plaintext per frame). Measured, see
 * docs/streaming.md: WebCrypto pays a fixed cost per call and per fresh output buffer, so frames
 * of 256 KiB stream faster than the core's 64 KiB default, and larger ones gain nothing more
 * while costing memory (every frame in flight and the decryptor's buffer hold one).
 */
export const STREAM_FRAME_LENGTH = 256 * 1024;

/** WebCrypto calls in flight at once (see docs/streaming.md); the 'workers' engine keeps
 * FRAMES_PER_WORKER per worker in flight, so that a worker has its next frame at hand. */
const IN_FLIGHT = 4;

/**
 * Test-only hook, never for data you care about: `options[Symbol.for(...)] = { dataKey, messageId }`
 * makes `encryptStream` deterministic (a placeholder EDK no keyring unwraps), so tests can compare
 * the bytes of both engines and of every chunking. Not part of the public API or its types.
 */
const DETERMINISTIC_FOR_TESTING = Symbol.for('envseal.testing.deterministicEncryptor');

export const ENCRYPT_OPTIONS = ['encryptionContext', 'suite', 'frameLength', 'plaintextLength', 'engine', 'workers', 'onProgress'];
export const DECRYPT_OPTIONS = [
  'encryptionContext',
  'commitmentPolicy',
  'maxEncryptedDataKeys',
  'maxFrameLength',
  'frameIvs',
  'engine',
  'workers',
  'onProgress',
  'rejectSigned',
];

// ---- public API -----------------------------------------------------------------------------

/**
 * A TransformStream that encrypts the bytes written to it into one message.
 * @param {object} keyring
 * @param {object} [options]
 */
export function encryptStream(keyring, options) {
  return openEncryptStream(keyring, options, 'encryptStream');
}

/**
 * A TransformStream that decrypts one message written to it into its plaintext.
 * @param {object} keyring
 * @param {object} [options]
 */
export function decryptStream(keyring, options) {
  return openDecryptStream(keyring, options, 'decryptStream');
}

// ---- the streams, for every API built on them (node.js: encryptFile, ...) --------------------

/** `encryptStream`, its errors naming `api`; a Node stream if given Node's `Transform` class. */
export function openEncryptStream(keyring, options, api, Transform) {
  requireInit(`${api}()`);
  const o = readOptions(options, api, ENCRYPT_OPTIONS);
  const engine = chooseEngine(o, api);
  const run = new Run(api, progressCallback(o.onProgress, api));
  const core = pick(o, ['encryptionContext', 'suite', 'frameLength']);
  core.frameLength ??= STREAM_FRAME_LENGTH;
  const testing = options?.[DETERMINISTIC_FOR_TESTING];
  const plaintextLength = o.plaintextLength === undefined ? undefined : wholeBytes(o.plaintextLength, `${api}: options.plaintextLength`);
  if (plaintextLength !== undefined) run.promiseLength();
  let sealer;
  /** The encryptor is ready (its data key made and wrapped): set up the engine. */
  const ready = (enc) => {
    run.own(enc);
    if (plaintextLength !== undefined) run.length.resolve(enc.expectPlaintextLength(plaintextLength));
    const settings = { frameLength: core.frameLength, inFlight: engine.inFlight, emit: run.emit, fail: run.fail };
    sealer = engine.aead ? new ExternalSealer(enc, { ...settings, aead: engine.aead, hash: engine.hash }) : new WasmSealer(enc, settings);
    run.engine = sealer;
    return enc.header;
  };
  let start;
  if (!testing) checkKeyring(keyring, `${api}: keyring`);
  if (!testing && !runsInCore(keyring)) {
    // A keyring that makes calls (KMS, an application's own) runs when the stream starts. Bad
    // options still throw here, from the materials.
    const materials = newMaterials(core, api);
    start = async () => ready(await encryptorFromKeyring(keyring, materials));
  } else {
    const enc = testing
      ? wasm.MessageEncryptor.deterministicForTesting({ ...core, ...testing })
      : new wasm.MessageEncryptor(keyring, core, api);
    const header = ready(enc);
    start = async () => header;
  }
  const steps = {
    start: async () => {
      const header = await start();
      await sealer.start();
      run.header.resolve(header);
    },
    write: (chunk) => sealer.write(chunk),
    end: () => sealer.end(),
  };
  return Transform ? run.nodeStream(core.frameLength, steps, Transform) : run.stream(core.frameLength, steps);
}

/** `decryptStream`, its errors naming `api`; a Node stream if given Node's `Transform` class. */
export function openDecryptStream(keyring, options, api, Transform) {
  requireInit(`${api}()`);
  const o = readOptions(options, api, DECRYPT_OPTIONS);
  const engine = chooseEngine(o, api);
  if (o.rejectSigned !== undefined && typeof o.rejectSigned !== 'boolean') {
    throw typeError(`${api}: options.rejectSigned must be a boolean, got ${describe(o.rejectSigned)}`);
  }
  checkKeyring(keyring, `${api}: keyring`);
  const run = new Run(api, progressCallback(o.onProgress, api));
  const core = pick(o, ['encryptionContext', 'commitmentPolicy', 'maxEncryptedDataKeys', 'maxFrameLength', 'frameIvs']);
  const dec = new wasm.MessageDecryptor(core, api);
  run.own(dec);
  let opener = null;

  /** The header was read: refuse it, or unwrap and verify it, then start the engine. */
  const openBody = async () => {
    if (o.rejectSigned && dec.signed) {
      throw codedError(
        'SIGNED_MESSAGE_REFUSED',
        `${api}: the message is signed (suite 0x${dec.header.suiteId.toString(16).padStart(4, '0')}) and ` +
          'rejectSigned is true: a stream releases frames before the signature at the end is checked ' +
          '(see SECURITY.md, "Streaming signed messages"); decrypt it in one shot with decrypt() instead',
      );
    }
    await unwrapMessage(dec, keyring);
    const header = dec.header; // verified: key commitment and header tag checked
    const settings = { frameLength: header.frameLength, inFlight: engine.inFlight, emit: run.emit, fail: run.fail };
    // Legacy non-framed bodies are one AES-GCM unit of any length: the core's cipher reads them.
    const external = engine.aead && header.contentType === 'framed';
    opener = external ? new ExternalOpener(dec, { ...settings, aead: engine.aead, hash: engine.hash }) : new WasmOpener(dec, settings);
    run.engine = opener;
    run.header.resolve(header);
    await opener.start();
  };

  const steps = {
    start: async () => {},
    write: async (chunk) => {
      if (opener) return opener.write(chunk);
      const { used: offset, complete } = readHeader(dec, chunk);
      if (!complete) return;
      await openBody();
      if (offset < chunk.length) await opener.write(chunk.subarray(offset));
    },
    end: async () => {
      if (!opener) dec.finish(); // TRUNCATED: the input ended inside the header
      await opener.end();
    },
  };
  return Transform ? run.nodeStream(STREAM_FRAME_LENGTH, steps, Transform) : run.stream(STREAM_FRAME_LENGTH, steps);
}

// ---- one stream's life ----------------------------------------------------------------------

/** State shared by a stream, its engine and its callbacks (rewrap.js's stream runs on it too). */
export class Run {
  bytesIn = 0;
  bytesOut = 0;
  header = deferred();
  /** The exact message length, when the plaintext length was given (`promiseLength`). */
  length;
  /** @type {TransformStreamDefaultController | undefined} */
  controller;
  /** The frame engine, once chosen (disposed at the end). */
  engine;
  #api;
  #onProgress;
  #handle;
  #ended = false;
  /** The readable side was cancelled (or the writable side aborted): whatever still runs is moot. */
  #cancelled = false;

  constructor(api, onProgress) {
    this.#api = api;
    this.#onProgress = onProgress;
  }

  /** The stream will have a `ciphertextLength` promise. */
  promiseLength() {
    this.length = deferred();
  }

  /** The wasm handle this stream frees when it ends. */
  own(handle) {
    this.#handle = handle;
  }

  /** Enqueues output (no-op once the stream ended) and reports progress. The readable side
   * refuses chunks only once it was cancelled (we error it only after `#ended`): that is a cancel
   * the stream did not report (one during the flush), and it ends the run quietly. */
  emit = (...parts) => {
    if (this.#ended) return;
    for (const bytes of parts) {
      try {
        this.controller.enqueue(bytes);
      } catch {
        this.cancel();
        return;
      }
      this.bytesOut += bytes.length;
    }
    this.#onProgress?.({ bytesIn: this.bytesIn, bytesOut: this.bytesOut });
  };

  /** Ends the stream with `error` (the first failure wins). */
  fail = (error) => {
    if (this.#ended) return;
    this.header.reject(error);
    this.length?.reject(error);
    this.#release();
    try {
      this.controller?.error(error);
    } catch {
      // already errored or closed
    }
  };

  /** The consumer cancelled: release and wipe everything now; the cancel itself always succeeds
   * (work still under way ends quietly, its errors are moot). */
  cancel = () => {
    if (this.#ended) return;
    this.#cancelled = true;
    this.#release();
  };

  /**
   * The TransformStream. One input chunk waits while another is processed (counted in chunks:
   * Node's stream queues cost O(queue length) per chunk, so a byte-counted input queue of
   * 1-byte chunks would go quadratic); about two frames (`unit` bytes each) of output wait to be
   * read before backpressure stops the input.
   */
  stream(unit, steps) {
    const { start, transform, flush } = this.#guarded(steps);
    const size = (chunk) => chunk?.byteLength ?? 0;
    const stream = new TransformStream(
      {
        start: (controller) => start(controller),
        transform: (chunk) => transform(chunk),
        flush: () => flush(),
        // Where supported (the writable side was aborted or the readable side cancelled).
        cancel: async () => this.cancel(),
      },
      { highWaterMark: 1 },
      { highWaterMark: 2 * unit, size },
    );
    return this.#withPromises(stream);
  }

  /** `stream` with its `header` promise, and its `ciphertextLength` promise if there is one. */
  #withPromises(stream) {
    Object.defineProperty(stream, 'header', { value: this.header.promise, enumerable: true });
    if (this.length) Object.defineProperty(stream, 'ciphertextLength', { value: this.length.promise, enumerable: true });
    return stream;
  }

  /**
   * The same steps as a Node `Transform` (the class is the caller's: this module imports nothing
   * from node:). Node calls `transform` for one chunk at a time and stops calling it while about
   * two frames of output wait to be read; strings are refused as in `stream` (not decoded).
   */
  nodeStream(unit, steps, Transform) {
    const { start, transform, flush } = this.#guarded(steps);
    const settle = (promise, callback) => promise.then(() => callback(), callback);
    const stream = new Transform({
      readableHighWaterMark: 2 * unit,
      decodeStrings: false,
      construct: (callback) => {
        const controller = { enqueue: (bytes) => stream.push(bytes), error: (error) => stream.destroy(error) };
        settle(start(controller), callback);
      },
      transform: (chunk, _encoding, callback) => settle(transform(chunk), callback),
      flush: (callback) => settle(flush(), callback),
      destroy: (error, callback) => {
        if (error) this.fail(error);
        else this.cancel();
        callback(error);
      },
    });
    return this.#withPromises(stream);
  }

  /** `start`, `write`, `end` as the stream callbacks: a chunk checked and counted, progress at the
   * end, and any failure ending the run (unless it was cancelled meanwhile). */
  #guarded({ start, write, end }) {
    const guarded = (step) => async (...args) => {
      try {
        await step(...args);
      } catch (error) {
        // Cancelled while this step ran: the failure is the cancel's consequence, and the
        // cancel must succeed.
        if (this.#cancelled) return;
        this.fail(error);
        throw error;
      }
    };
    return {
      start: guarded(async (controller) => {
        this.controller = controller;
        await start();
      }),
      transform: guarded(async (chunk) => {
        if (this.#ended) return;
        const bytes = chunkBytes(chunk, this.#api);
        this.bytesIn += bytes.length;
        await write(bytes);
      }),
      flush: guarded(async () => {
        await end();
        this.#onProgress?.({ bytesIn: this.bytesIn, bytesOut: this.bytesOut });
        this.#release();
      }),
    };
  }

  #release() {
    this.#ended = true;
    this.engine?.dispose();
    try {
      this.#handle?.free();
    } catch {
      // freed already
    }
    this.#handle = undefined;
    this.header.reject(codedError('INVALID_STATE', `${this.#api}: the stream ended before its header`));
  }
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A header nobody awaits must not become an unhandled rejection when the stream fails.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

// ---- arguments ------------------------------------------------------------------------------

/** The options among `keys` that are set (the core reads and checks them). */
function pick(options, keys) {
  const out = {};
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

/** Each engine: its AES-GCM (`aead`; null: the core's), its hash for signed messages (`hash`;
 * none: the core's), whether this runtime has it, and why not. 'workers' makes its AES-GCM for
 * the pool size asked for. */
const ENGINES = {
  node: {
    aead: nodeAead,
    hash: nodeHash,
    available: nodeCrypto,
    missing: 'this runtime has no node:crypto (Node 20.16 or later)',
  },
  webcrypto: {
    aead: webCryptoAead,
    available: subtleCrypto,
    missing: 'this context has no crypto.subtle (WebCrypto exists only in secure contexts: https or localhost)',
  },
  wasm: { aead: null, available: () => true },
  workers: {
    // In Node a hand-off to a thread costs more than node:crypto's AES-GCM of a frame (measured,
    // docs/streaming.md): frames stay on the calling thread and a signed message's hash moves. In
    // browsers frames go to the pool, and the hash to a worker of its own when the module can be
    // loaded there (init was given an address or a compiled module).
    pool: (count) =>
      nodeCrypto()
        ? { aead: nodeAead, hash: workerHash, inFlight: IN_FLIGHT }
        : { aead: workersAead(count), hash: wasmReloadable() ? workerHash : undefined, inFlight: FRAMES_PER_WORKER * count },
    available: workersAvailable,
    missing:
      'this context cannot start workers with an AES-GCM (Web Workers and crypto.subtle in browsers, ' +
      'worker_threads and node:crypto in Node 20.16 or later)',
  },
};

const ENGINE_NAMES = ['auto', ...Object.keys(ENGINES)].map((name) => `'${name}'`).join(', ').replace(/, ([^,]*)$/, ' or $1');

/**
 * The engine for the `engine` and `workers` options: `{ aead, hash, inFlight }`, where `aead` is
 * the AES-GCM of an external engine or null for the core's own cipher. 'auto' is the fastest
 * single-threaded engine available: node:crypto, WebCrypto, wasm; 'workers' is opt-in.
 */
export function chooseEngine({ engine, workers }, api) {
  const name = engine ?? 'auto';
  if (workers !== undefined) readWorkers(workers, name, api);
  if (name === 'auto') {
    const found = [ENGINES.node, ENGINES.webcrypto, ENGINES.wasm].find((e) => e.available());
    return { ...found, inFlight: IN_FLIGHT };
  }
  const chosen = Object.hasOwn(ENGINES, name) ? ENGINES[name] : undefined;
  if (chosen?.available()) return chosen.pool ? chosen.pool(workers ?? defaultWorkers()) : { ...chosen, inFlight: IN_FLIGHT };
  if (chosen) {
    throw codedError('INVALID_ARGUMENT', `${api}: options.engine is '${name}' but ${chosen.missing}; use engine 'auto' or 'wasm'`);
  }
  const message = `${api}: options.engine must be ${ENGINE_NAMES}, got `;
  if (typeof name !== 'string') throw typeError(message + describe(name));
  throw codedError('INVALID_ARGUMENT', message + JSON.stringify(name), RangeError);
}

/** Checks `options.workers`: a whole number of workers, for engine 'workers' only. */
function readWorkers(workers, engine, api) {
  if (typeof workers !== 'number' || !Number.isInteger(workers)) {
    const got = typeof workers === 'number' ? String(workers) : describe(workers);
    throw typeError(`${api}: options.workers must be a whole number of workers, got ${got}`);
  }
  if (workers < 1 || workers > MAX_WORKERS) {
    throw codedError('INVALID_ARGUMENT', `${api}: options.workers must be from 1 to ${MAX_WORKERS}, got ${workers}`, RangeError);
  }
  if (engine !== 'workers') {
    throw codedError('INVALID_ARGUMENT', `${api}: options.workers is the pool size of engine 'workers', but the engine is '${engine}'`);
  }
}

function progressCallback(onProgress, api) {
  if (onProgress === undefined) return undefined;
  if (typeof onProgress !== 'function') {
    throw typeError(`${api}: options.onProgress must be a function, got ${describe(onProgress)}`);
  }
  return onProgress;
}

/** A chunk written to a stream, as a Uint8Array over the same memory (a detached one is a coded
 * TypeError, see `checkedBytes`). */
function chunkBytes(chunk, api) {
  const bytes = checkedBytes(chunk, `${api}: a chunk`);
  if (bytes instanceof Uint8Array) return bytes;
  const hint = typeof chunk === 'string' ? ' (encode strings first, e.g. with TextEncoderStream)' : '';
  throw typeError(`${api}: chunks must be Uint8Arrays (or other ArrayBufferViews), got ${describe(chunk)}${hint}`);
}
