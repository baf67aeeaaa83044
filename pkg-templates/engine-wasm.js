// The 'wasm' frame engine: the WebAssembly core frames, seals and opens everything itself
// (RustCrypto AES-GCM, constant-time software AES). For contexts without WebCrypto (insecure
// origins, old runtimes), and for legacy non-framed messages. Input is handed over in pieces of
// at most `PIECE` bytes, so the module's memory stays at a few frames whatever the chunk size.

const MIN_PIECE = 64 * 1024;
const MAX_PIECE = 4 * 1024 * 1024;

function pieceLength(frameLength) {
  return Math.min(Math.max(frameLength, MIN_PIECE), MAX_PIECE);
}

/** Encrypts with a `MessageEncryptor` handle's push/finish. */
export class WasmSealer {
  #enc;
  #emit;
  #piece;

  /** @param {object} enc a wasm `MessageEncryptor` */
  constructor(enc, { frameLength, emit }) {
    this.#enc = enc;
    this.#emit = emit;
    this.#piece = pieceLength(frameLength);
  }

  async start() {
    this.#emit(this.#enc.push(new Uint8Array(0))); // the header
  }

  async write(chunk) {
    for (let offset = 0; offset < chunk.length; offset += this.#piece) {
      const out = this.#enc.push(chunk.subarray(offset, offset + this.#piece));
      if (out.length > 0) this.#emit(out);
    }
  }

  async end() {
    this.#emit(this.#enc.finish());
  }

  dispose() {}
}

/** Decrypts with a `MessageDecryptor` handle's push/finish, once its header verified. The core
 * releases each frame only after its tag verified, and the final one only from `finish`. */
export class WasmOpener {
  #dec;
  #emit;
  #piece;

  /** @param {object} dec a wasm `MessageDecryptor` in state 'body' */
  constructor(dec, { frameLength, emit }) {
    this.#dec = dec;
    this.#emit = emit;
    this.#piece = pieceLength(frameLength);
  }

  async start() {}

  async write(chunk) {
    for (let offset = 0; offset < chunk.length; offset += this.#piece) {
      this.#emitNonEmpty(this.#dec.push(chunk.subarray(offset, offset + this.#piece)));
    }
  }

  async end() {
    this.#emitNonEmpty(this.#dec.finish());
  }

  dispose() {}

  #emitNonEmpty(bytes) {
    if (bytes.length > 0) this.#emit(bytes);
  }
}
