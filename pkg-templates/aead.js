// The AES-GCM implementations the external frame engine (engine-external.js) can run:
// WebCrypto (browsers, Workers, Node) and node:crypto (OpenSSL, in Node). Each has
//   importKey(raw, usage) -> Promise<key>     (the caller wipes `raw` afterwards)
//   seal(key, iv, aad, plaintext) -> Promise<Uint8Array[]> ciphertext || 16-byte tag, in one or more parts
//   open(key, iv, aad, sealed) -> Promise<Uint8Array>      rejects if the tag does not verify
// and never sees anything but one frame: the core computed the IV and AAD.
//
// An engine may also hash signed messages (`nodeHash`): the core hands it the hash with the
// bytes it begins with, names every byte to add, and signs or verifies the digest it hands back.
// WebCrypto has no incremental hash, so with it the core hashes.

const TAG_BYTES = 16;

/** `crypto.subtle`, or undefined where this context has none (insecure origins, old runtimes). */
export function subtleCrypto() {
  return globalThis.crypto?.subtle;
}

/**
 * `node:crypto` where the runtime has it (Node 20.16 and later), else undefined. Taken through
 * `process.getBuiltinModule` (once, when this module loads), not imported: bundles for browsers
 * contain no `node:` import.
 */
const NODE_CRYPTO = globalThis.process?.getBuiltinModule?.('node:crypto');

export function nodeCrypto() {
  return NODE_CRYPTO;
}

const gcm = (iv, aad) => ({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 8 * TAG_BYTES });

export const webCryptoAead = {
  importKey: (raw, usage) => subtleCrypto().importKey('raw', raw, { name: 'AES-GCM' }, false, [usage]),
  // WebCrypto copies its input when called: the caller may reuse the buffer at once.
  seal: async (key, iv, aad, plaintext) => [new Uint8Array(await subtleCrypto().encrypt(gcm(iv, aad), key, plaintext))],
  open: async (key, iv, aad, sealed) => new Uint8Array(await subtleCrypto().decrypt(gcm(iv, aad), key, sealed)),
};

/** A Node Buffer as a plain Uint8Array over its memory (copied if it shares a pool's). */
function ownBytes(buffer) {
  if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength) {
    return new Uint8Array(buffer.buffer);
  }
  return Uint8Array.prototype.slice.call(buffer);
}

/** 'aes-128-gcm', 'aes-192-gcm' or 'aes-256-gcm': the suite's key size (legacy suites use all three). */
const gcmName = (key) => `aes-${key.symmetricKeySize * 8}-gcm`;

export const nodeAead = {
  // A KeyObject holds its own copy of the key, outside the JavaScript heap.
  importKey: async (raw) => NODE_CRYPTO.createSecretKey(raw),
  // Synchronous (OpenSSL on this thread); async so that every failure is a rejection. The
  // ciphertext and the tag are two parts: joining them would cost a fresh frame-sized buffer
  // and a copy per frame (as much time, measured, as the AES-GCM itself).
  async seal(key, iv, aad, plaintext) {
    const cipher = NODE_CRYPTO.createCipheriv(gcmName(key), key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const body = cipher.update(plaintext);
    const rest = cipher.final(); // empty: GCM keeps nothing back
    const tag = ownBytes(cipher.getAuthTag());
    return rest.length === 0 ? [ownBytes(body), tag] : [ownBytes(body), ownBytes(rest), tag];
  },
  async open(key, iv, aad, sealed) {
    if (sealed.length < TAG_BYTES) throw new Error('shorter than a tag');
    const end = sealed.length - TAG_BYTES;
    const decipher = NODE_CRYPTO.createDecipheriv(gcmName(key), key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(end));
    const plain = decipher.update(sealed.subarray(0, end));
    try {
      decipher.final(); // throws if the tag does not verify
    } catch (e) {
      plain.fill(0); // never released
      throw e;
    }
    return ownBytes(plain);
  },
};

const NODE_HASHES = { 'SHA-256': 'sha256', 'SHA-384': 'sha384' };

/** A running node:crypto hash for the core's hash name ('SHA-256' or 'SHA-384'):
 * `{ update(bytes), digest() -> Uint8Array }`. */
export function nodeHash(name) {
  if (!Object.hasOwn(NODE_HASHES, name)) throw new Error(`no node:crypto hash for ${name}`);
  const hash = NODE_CRYPTO.createHash(NODE_HASHES[name]);
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => ownBytes(hash.digest()),
  };
}
