// age (age-encryption on npm, the TypeScript implementation by the age authors) with an X25519
// recipient. Encrypter.encrypt and Decrypter.decrypt accept a ReadableStream and return one:
// STREAM with ChaCha20-Poly1305 over fixed 64 KiB chunks, in JavaScript (@noble/ciphers).

import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';

export default async function setup() {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  return {
    kind: 'stream',
    config: { recipient: 'X25519', chunk: 65536 },
    encrypt: (readable) => encrypter.encrypt(readable),
    decrypt: (readable) => decrypter.decrypt(readable),
  };
}
