// What `make bench` measures. `module` names a file in page/cases/, `params` is what its setup gets.

export function benchCases({ frameLength }) {
  return [
    {
      id: 'source',
      label: 'harness only: generator and replay, no crypto',
      module: 'source',
      group: 'baseline',
    },
    {
      id: 'webcrypto-aes-gcm',
      label: 'raw WebCrypto AES-256-GCM, one frame at a time',
      module: 'webcrypto',
      params: { frameLength },
      group: 'baseline',
    },
    {
      id: 'sha384-wasm',
      label: 'SHA-384 alone in wasm (hash-wasm)',
      module: 'sha384',
      group: 'baseline',
    },
    ...[0x0478, 0x0578].flatMap((suite) =>
      ['webcrypto', 'wasm', 'workers'].map((engine) => ({
        id: `envseal-0x${suite.toString(16).padStart(4, '0')}-${engine}`,
        label: `envseal 0x${suite.toString(16).padStart(4, '0')} stream, engine '${engine}'`,
        module: 'envseal',
        params: { suite, engine, frameLength },
        group: 'envseal',
      })),
    ),
    {
      id: 'aws-default',
      label: '@aws-crypto/client-browser, default (0x0578, 4 KiB frames)',
      module: 'aws',
      params: { variant: 'default' },
      wholeBuffer: true, // speed may depend on size: no consistency check between sizes
      group: 'peer',
    },
    {
      id: 'aws-fastest',
      label: '@aws-crypto/client-browser, fastest (0x0478, 64 KiB frames)',
      module: 'aws',
      params: { variant: 'fastest' },
      wholeBuffer: true,
      group: 'peer',
    },
    {
      id: 'age',
      label: 'age-encryption, X25519, streaming (64 KiB chunks)',
      module: 'age',
      group: 'peer',
    },
    {
      id: 'libsodium-secretstream',
      label: 'libsodium-wrappers secretstream XChaCha20-Poly1305',
      module: 'sodium',
      params: { frameLength },
      group: 'peer',
    },
  ];
}
