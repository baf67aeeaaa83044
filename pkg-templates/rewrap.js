// Rewrap: `rewrap` and `rewrapStream` give a stored message new encrypted data keys without
// decrypting its body: the data key is unwrapped with one keyring (the old header verified with
// it), wrapped with another, and the message written again under a new header with its frames
// copied byte for byte (signed suites: the old signature verified, a new one made). The core does
// all of it (`Rewrapper`); this runs the keyrings (KMS calls included) and moves bytes. See
// docs/rewrap.md in the repository.

import { checkedBytes, core as wasm, requireInit } from './runtime.js';
import { bytesOf, checkKeyring, concat, readHeader, readOptions, unwrapMessage, wrapKey } from './keyring-protocol.js';
import { Run, STREAM_FRAME_LENGTH } from './streams.js';
import { nodeCrypto, nodeHash } from './aead.js';

const REWRAP_OPTIONS = ['encryptionContext', 'commitmentPolicy', 'maxEncryptedDataKeys', 'maxFrameLength'];

/** The message `ciphertext` under the keys of `encryptKeyring`: `{ ciphertext, header }`. */
export async function rewrap(decryptKeyring, encryptKeyring, ciphertext, options) {
  const api = 'rewrap';
  const dec = newDecryptor(decryptKeyring, encryptKeyring, options, api);
  let rewrapper;
  try {
    const input = bytesOf(checkedBytes(ciphertext, `${api}: ciphertext`), `${api}: ciphertext`);
    const { used, complete } = readHeader(dec, input);
    if (!complete) dec.finish(); // TRUNCATED: the input ended inside the header
    const signed = dec.signed === true;
    rewrapper = await start(dec, decryptKeyring, encryptKeyring);
    const header = rewrapper.header;
    const parts = [...feeder(rewrapper, signed).push(input.subarray(used)), rewrapper.finish()];
    return { ciphertext: concat(parts), header };
  } finally {
    rewrapper?.free();
    dec.free();
  }
}

/** A TransformStream: a message written to it comes out rewrapped, frame by frame, with a
 * `header` promise (the new header). It runs on the streams' `Run` (chunks checked, errors,
 * cancellation, the handles freed at the end). */
export function rewrapStream(decryptKeyring, encryptKeyring, options) {
  const api = 'rewrapStream';
  const dec = newDecryptor(decryptKeyring, encryptKeyring, options, api);
  const run = new Run(api);
  run.own(dec);
  let rewrapper;
  let feed;
  run.engine = { dispose: () => rewrapper?.free() };
  const emit = (parts) => run.emit(...parts.filter((part) => part.length > 0));
  const steps = {
    start: async () => {},
    write: async (chunk) => {
      if (!rewrapper) {
        const { used, complete } = readHeader(dec, chunk);
        if (!complete) return;
        const signed = dec.signed === true;
        rewrapper = await start(dec, decryptKeyring, encryptKeyring);
        feed = feeder(rewrapper, signed);
        run.header.resolve(rewrapper.header);
        chunk = chunk.subarray(used);
      }
      emit(feed.push(chunk));
    },
    end: async () => {
      if (!rewrapper) dec.finish(); // TRUNCATED: the input ended inside the header
      emit([rewrapper.finish()]);
    },
  };
  return run.stream(STREAM_FRAME_LENGTH, steps);
}

/**
 * Pushes old bytes into `rewrapper`, returning what comes out. For a signed message where
 * node:crypto exists, both signature hashes (of the old message, and of the new one) are handed
 * out of the core and computed with node:crypto's SHA-384 over the frames as they are copied;
 * the core still verifies the old digest against the old footer and signs the new one.
 */
function feeder(rewrapper, signed) {
  if (!signed || !nodeCrypto()) return { push: (bytes) => [rewrapper.push(bytes)] };
  const { hash, oldPrelude, newPrelude } = rewrapper.handOutHashes();
  const [old, next] = [nodeHash(hash), nodeHash(hash)];
  old.update(oldPrelude);
  next.update(newPrelude);
  let header = newPrelude.length; // the new header leads the output and is in the prelude already
  let digested = false; // after the final frame only the old footer follows: nothing more to hash
  const pushed = (out) => {
    if (digested) return out;
    const frames = out.subarray(Math.min(header, out.length));
    header -= out.length - frames.length;
    old.update(frames);
    next.update(frames);
    return out;
  };
  return {
    push(bytes) {
      const parts = [pushed(rewrapper.push(bytes))];
      if (rewrapper.needsDigests) {
        digested = true;
        rewrapper.setDigests(old.digest(), next.digest());
        parts.push(rewrapper.push(new Uint8Array(0))); // the old footer: verified, not copied
      }
      return parts;
    },
  };
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
