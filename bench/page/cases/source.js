// The harness alone: the generated plaintext stream into a counting sink ("encrypt"), and the
// in-memory replay into the checking sink ("decrypt"). What every other case pays on top of its
// cipher.

export default async function setup() {
  return {
    kind: 'stream',
    storePlaintext: true,
    config: {},
    encrypt: (readable) => readable,
    decrypt: (readable) => readable,
  };
}
