// Raw WebCrypto AES-256-GCM over the same frames as envseal: sequential crypto.subtle calls, one
// frame at a time, a per-frame 12-byte IV (the sequence number, as the ESDK does) and a small
// per-frame AAD. No header, no key derivation, no commitment: the practical upper limit for a
// frame cipher built on WebCrypto.

import { recordStream } from '../frames.js';

const TAG = 16;

function iv(index) {
  const out = new Uint8Array(12);
  new DataView(out.buffer).setUint32(8, index + 1);
  return out;
}

function aad(index, length, final) {
  const out = new Uint8Array(32 + 28 + 4 + 8); // message id, content string, sequence number, length
  const view = new DataView(out.buffer);
  out[32] = final ? 1 : 0;
  view.setUint32(60, index + 1);
  view.setBigUint64(64, BigInt(length));
  return out;
}

export default async function setup({ frameLength }) {
  const key = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
  const subtle = crypto.subtle;
  return {
    kind: 'stream',
    config: { cipher: 'AES-256-GCM (crypto.subtle)', frameLength },
    encrypt: (readable) =>
      readable.pipeThrough(
        recordStream(frameLength, async (frame, index, final) => {
          const additionalData = aad(index, frame.length, final);
          return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: iv(index), additionalData }, key, frame));
        }),
      ),
    decrypt: (readable) =>
      readable.pipeThrough(
        recordStream(frameLength + TAG, async (record, index, final) => {
          const additionalData = aad(index, record.length - TAG, final);
          return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: iv(index), additionalData }, key, record));
        }),
      ),
  };
}
