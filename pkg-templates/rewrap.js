// Rewrap: `rewrap` and `rewrapStream` give a stored message new encrypted data keys without
// decrypting its body: the data key is unwrapped with one keyring (the old header verified with
// it), wrapped with another, and the message written again under a new header with its frames
// copied byte for byte (signed suites: the old signature verified, a new one made). The core does
// all of it (`Rewrapper`); this runs the keyrings (KMS calls included) and moves bytes. See
// docs/rewrap.md in the repository.

import { checkedBytes, codedError, core as wasm, requireInit } from './runtime.js';
import { checkKeyring, readHeader, readOptions, unwrapMessage, wrapKey } from './keyring-protocol.js';

const REWRAP_OPTIONS = ['encryptionContext', 'commitmentPolicy', 'maxEncryptedDataKeys', 'maxFrameLength'];

/** The message `ciphertext` under the keys of `encryptKeyring`: `{ ciphertext, header }`. */
export async function rewrap(decryptKeyring, encryptKeyring, ciphertext, options) {
  const api = 'rewrap';
  const dec = newDecryptor(decryptKeyring, encryptKeyring, options, api);
  let rewrapper;
  try {
    const input = checkedBytes(ciphertext, `${api}: ciphertext`);
    if (!(input instanceof Uint8Array)) throw codedError('INVALID_ARGUMENT', `${api}: ciphertext must be bytes`, TypeError);
    const { used, complete } = readHeader(dec, input);
    if (!complete) dec.finish(); // TRUNCATED: the input ended inside the header
    rewrapper = await start(dec, decryptKeyring, encryptKeyring);
    const header = rewrapper.header;
    const parts = [rewrapper.push(input.subarray(used)), rewrapper.finish()];
    const out = new Uint8Array(parts[0].length + parts[1].length);
    out.set(parts[0]);
    out.set(parts[1], parts[0].length);
    return { ciphertext: out, header };
  } finally {
    rewrapper?.free();
    dec.free();
  }
}

/** A TransformStream: a message written to it comes out rewrapped, frame by frame, with a
 * `header` promise (the new header). */
export function rewrapStream(decryptKeyring, encryptKeyring, options) {
  const api = 'rewrapStream';
  let dec = newDecryptor(decryptKeyring, encryptKeyring, options, api);
  let rewrapper;
  let header;
  const headerPromise = new Promise((resolve, reject) => (header = { resolve, reject }));
  headerPromise.catch(() => {});
  /** Frees the core's handles (once; later calls do nothing). */
  const release = () => {
    rewrapper?.free();
    dec?.free();
    rewrapper = undefined;
    dec = undefined;
  };
  const guarded = (step) => async (...args) => {
    try {
      await step(...args);
    } catch (error) {
      header.reject(error);
      release();
      throw error;
    }
  };
  const stream = new TransformStream({
    transform: guarded(async (chunk, controller) => {
      const bytes = checkedBytes(chunk, `${api}: a chunk`);
      if (!(bytes instanceof Uint8Array)) throw codedError('INVALID_ARGUMENT', `${api}: chunks must be Uint8Arrays`, TypeError);
      if (rewrapper) return controller.enqueue(rewrapper.push(bytes));
      const { used, complete } = readHeader(dec, bytes);
      if (!complete) return;
      rewrapper = await start(dec, decryptKeyring, encryptKeyring);
      header.resolve(rewrapper.header);
      controller.enqueue(rewrapper.push(bytes.subarray(used)));
    }),
    flush: guarded(async (controller) => {
      if (!rewrapper) dec.finish(); // TRUNCATED: the input ended inside the header
      controller.enqueue(rewrapper.finish());
      release();
    }),
  });
  Object.defineProperty(stream, 'header', { value: headerPromise, enumerable: true });
  return stream;
}

function newDecryptor(decryptKeyring, encryptKeyring, options, api) {
  requireInit(`${api}()`);
  checkKeyring(decryptKeyring, `${api}: decryptKeyring`);
  checkKeyring(encryptKeyring, `${api}: encryptKeyring`);
  const dec = new wasm.MessageDecryptor(readOptions(options, api, REWRAP_OPTIONS), api);
  dec.keepDataKey();
  return dec;
}

/** Unwraps with the first keyring (the old header verifies), wraps with the second, and starts
 * the core's Rewrapper, which takes over `dec`. */
async function start(dec, decryptKeyring, encryptKeyring) {
  await unwrapMessage(dec, decryptKeyring);
  const materials = dec.rewrapMaterials();
  try {
    await wrapKey(encryptKeyring, materials);
    return wasm.Rewrapper.start(dec, materials);
  } finally {
    materials.free();
  }
}
