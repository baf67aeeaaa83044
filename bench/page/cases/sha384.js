// SHA-384 alone over the same bytes, in wasm: the bound for suite 0x0578, which hashes the whole
// message for its ECDSA P-384 signature. hash-wasm (npm) ships its own hand-tuned C build of
// SHA-384 compiled to wasm; envseal's is the RustCrypto `sha2` crate inside envseal's module.
// "encrypt" hashes the generated plaintext stream, "decrypt" hashes the same bytes replayed from
// memory (the decrypt source), so each side is the bound for the matching envseal direction.

import { createSHA384 } from 'hash-wasm';

export default async function setup() {
  const hasher = await createSHA384();
  let digests = [];
  const hashStream = () => {
    hasher.init();
    return new TransformStream({
      transform(chunk) {
        hasher.update(chunk);
      },
      flush() {
        digests.push(hasher.digest('hex'));
      },
    });
  };
  return {
    kind: 'stream',
    storePlaintext: true,
    config: { implementation: 'hash-wasm 4.13.0 createSHA384 (C compiled to wasm)' },
    encrypt: (readable) => readable.pipeThrough(hashStream()),
    decrypt: (readable) => readable.pipeThrough(hashStream()),
    check() {
      // every pass hashed the same bytes
      if (new Set(digests).size > 1) throw new Error(`SHA-384 digests differ between passes: ${digests.join(' ')}`);
      digests = [];
    },
    noVerify: true,
    noRoundTrip: true, // hashing is one-way: no round trip to measure
  };
}
