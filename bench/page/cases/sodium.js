// libsodium-wrappers crypto_secretstream_xchacha20poly1305 (libsodium compiled to wasm), one
// push()/pull() per record of `frameLength` bytes (the same record size as envseal's frames), the
// last one tagged TAG_FINAL. The 24-byte header goes first.

import sodium from 'libsodium-wrappers';

import { recordStream } from '../frames.js';

export default async function setup({ frameLength }) {
  await sodium.ready;
  const ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
  const HEADERBYTES = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
  const TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  const TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();

  const encrypt = (readable) => {
    const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
    return readable.pipeThrough(
      recordStream(
        frameLength,
        (record, _index, final) =>
          sodium.crypto_secretstream_xchacha20poly1305_push(state, record, null, final ? TAG_FINAL : TAG_MESSAGE),
        { header },
      ),
    );
  };

  const decrypt = (readable) => {
    let state;
    let headerBytes = new Uint8Array(0);
    // Split off the header, then cut records.
    const header = new TransformStream({
      transform(chunk, controller) {
        if (state === undefined) {
          const need = HEADERBYTES - headerBytes.length;
          const joined = new Uint8Array(headerBytes.length + Math.min(need, chunk.length));
          joined.set(headerBytes);
          joined.set(chunk.subarray(0, need), headerBytes.length);
          headerBytes = joined;
          if (headerBytes.length < HEADERBYTES) return;
          state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(headerBytes, key);
          chunk = chunk.subarray(need);
        }
        if (chunk.length > 0) controller.enqueue(chunk);
      },
    });
    return readable.pipeThrough(header).pipeThrough(
      recordStream(frameLength + ABYTES, (record, _index, final) => {
        const out = sodium.crypto_secretstream_xchacha20poly1305_pull(state, record, null);
        if (!out) throw new Error('secretstream: a record failed to authenticate');
        if ((out.tag === TAG_FINAL) !== final) throw new Error('secretstream: TAG_FINAL on the wrong record');
        return out.message;
      }),
    );
  };

  return { kind: 'stream', config: { cipher: 'XChaCha20-Poly1305 secretstream', frameLength }, encrypt, decrypt };
}
