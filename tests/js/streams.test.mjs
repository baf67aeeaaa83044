// encryptStream / decryptStream in Node: round trips over sizes x chunk sizes x suites x engines,
// byte-identical output whatever the chunking and the engine, the header promise, onProgress,
// and interop with the one-shot API and the shared ESDK vectors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { decrypt, decryptStream, encrypt, encryptStream, init } from 'envseal';

import { aesKeyring, bytes } from './helpers.mjs';
import { ENGINES, drain, randomSizes, sourceOf, through } from './stream-helpers.mjs';

await init();

const SUITES = [0x0478, 0x0578];
const hex = (n) => `0x${n.toString(16).padStart(4, '0')}`;
const MiB = 1 << 20;
const KiB = 1024;
const DETERMINISTIC = Symbol.for('envseal.testing.deterministicEncryptor');

test('encryptStream does not keep a written chunk: overwriting it once write resolved changes nothing', async () => {
  const keyring = aesKeyring('streams');
  const F = 4096;
  // Chunks above the queue's 2 KiB copy threshold that straddle frame boundaries.
  const plaintext = bytes(10 * 3000 + 123, 11);
  for (const engine of ENGINES) {
    const stream = encryptStream(keyring, { engine, frameLength: F });
    const output = drain(stream.readable);
    const writer = stream.writable.getWriter();
    for (let offset = 0; offset < plaintext.length; offset += 3000) {
      const chunk = plaintext.slice(offset, offset + 3000);
      await writer.write(chunk);
      chunk.fill(0xee);
    }
    await writer.close();
    const { bytes: ciphertext, error } = await output;
    assert.equal(error, undefined);
    assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, plaintext, engine);
  }
});

describe('round trips: sizes x chunk sizes x suites x engines', () => {
  const keyring = aesKeyring('streams');
  const F = 4096;
  const sizes = [0, 1, F - 1, F, F + 1, 2 * F + 17, 5 * F];
  const chunks = [1, 7, F - 1, F, F + 1, 64 * KiB, 16 * MiB];
  for (const suite of SUITES) {
    for (const engine of ENGINES) {
      test(`suite ${hex(suite)}, ${engine}, frame ${F}: ${sizes.length} sizes x ${chunks.length} chunk sizes`, async () => {
        for (const size of sizes) {
          const plaintext = bytes(size, size + 3);
          for (const chunk of chunks) {
            const ciphertext = await through(plaintext, chunk, encryptStream(keyring, { suite, engine, frameLength: F }));
            const back = await through(ciphertext, chunk, decryptStream(keyring, { engine }));
            assert.deepEqual(back, plaintext, `${size} bytes in ${chunk}-byte chunks`);
          }
        }
      });
    }
    test(`suite ${hex(suite)}: the other engine and the one-shot API read what each engine writes`, async () => {
      const plaintext = bytes(3 * MiB + 5, 11);
      for (const engine of ENGINES) {
        const ciphertext = await through(plaintext, 64 * KiB, encryptStream(keyring, { suite, engine }));
        assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, plaintext, `decrypt() reads ${engine}`);
        for (const reader of ENGINES) {
          const back = await through(ciphertext, 100_003, decryptStream(keyring, { engine: reader }));
          assert.deepEqual(back, plaintext, `${reader} reads ${engine}`);
        }
      }
      const { ciphertext } = await encrypt(keyring, plaintext, { suite, frameLength: 1000 });
      for (const engine of ENGINES) {
        assert.deepEqual(await through(ciphertext, 65_536, decryptStream(keyring, { engine })), plaintext);
      }
    });
  }

  for (const engine of ENGINES) {
    test(`${engine}: default frame length, 20 MiB in 16 MiB, 1 MiB and odd chunks`, async () => {
      const plaintext = bytes(20 * MiB + 123, 5);
      for (const chunk of [16 * MiB, MiB, 65_536 + 3]) {
        const stream = encryptStream(keyring, { engine });
        const ciphertext = await through(plaintext, chunk, stream);
        assert.equal((await stream.header).frameLength, 256 * KiB);
        assert.deepEqual(await through(ciphertext, chunk, decryptStream(keyring, { engine })), plaintext);
      }
    });
    test(`${engine}: 1-byte chunks across several 64 KiB frames`, async () => {
      const plaintext = bytes(130 * KiB + 1, 6);
      const ciphertext = await through(plaintext, 1, encryptStream(keyring, { engine, frameLength: 64 * KiB }));
      assert.deepEqual(await through(ciphertext, 1, decryptStream(keyring, { engine })), plaintext);
    });
  }

  test('random chunk sizes from 1 byte to 1 MiB, both directions', async () => {
    const plaintext = bytes(5 * MiB + 77, 8);
    for (const suite of SUITES) {
      for (const engine of ENGINES) {
        const ciphertext = await through(plaintext, randomSizes(suite + 1, MiB), encryptStream(keyring, { suite, engine }));
        const back = await through(ciphertext, randomSizes(suite + 2, MiB), decryptStream(keyring, { engine }));
        assert.deepEqual(back, plaintext, `${hex(suite)} ${engine}`);
      }
    }
  });

  test('chunks may be any ArrayBufferView or ArrayBuffer', async () => {
    const plaintext = bytes(10_000, 9);
    const source = new ReadableStream({
      start(c) {
        c.enqueue(new DataView(plaintext.buffer, 0, 1000));
        c.enqueue(plaintext.slice(1000, 3000).buffer);
        c.enqueue(new Uint16Array(plaintext.slice(3000, 5000).buffer));
        c.enqueue(Buffer.from(plaintext.subarray(5000)));
        c.close();
      },
    });
    const { bytes: ciphertext, error } = await drain(source.pipeThrough(encryptStream(keyring)));
    assert.equal(error, undefined);
    assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, plaintext);
  });
});

describe('frame multiples: an empty final frame, as the official SDKs write it', () => {
  // n = kF - 1: k - 1 regular frames and a final frame of F - 1 bytes; n = kF: k regular frames
  // and an empty final frame. By the format (4 + 12 + F + 16 per regular frame, 4 + 4 + 12 + 4 +
  // r + 16 for the final one) the second message is 33 bytes longer. A full final frame (what
  // envseal wrote before; the official CLI refuses it) would make it 1 byte longer.
  const keyring = aesKeyring('multiples');
  for (const engine of ENGINES) {
    for (const F of [128, 4096]) {
      test(`${engine}, frame ${F}: n = kF for k = 1..3, whatever the chunking`, async () => {
        for (const k of [1, 2, 3]) {
          for (const chunk of [1, 100, F, F + 1, k * F]) {
            const options = { engine, frameLength: F };
            const shorter = await through(bytes(k * F - 1, k), chunk, encryptStream(keyring, options));
            const plaintext = bytes(k * F, k);
            const exact = await through(plaintext, chunk, encryptStream(keyring, options));
            assert.equal(exact.length - shorter.length, 33, `k ${k} chunk ${chunk}`);
            const finalFrame = exact.subarray(exact.length - (4 + 4 + 12 + 4 + 16));
            assert.deepEqual([...finalFrame.subarray(0, 8)], [0xff, 0xff, 0xff, 0xff, 0, 0, 0, k + 1]);
            assert.deepEqual([...finalFrame.subarray(20, 24)], [0, 0, 0, 0], 'final frame content length');
            assert.deepEqual((await decrypt(keyring, exact)).plaintext, plaintext);
          }
        }
        const oneShot = await encrypt(keyring, bytes(2 * F, 5), { frameLength: F });
        const oneShotShorter = await encrypt(keyring, bytes(2 * F - 1, 5), { frameLength: F });
        assert.equal(oneShot.ciphertext.length - oneShotShorter.ciphertext.length, 33, 'one-shot encrypt');
      });
    }
  }
});

describe('byte-identical output (deterministic test hook)', () => {
  const keyring = aesKeyring('identity');
  const hook = { dataKey: new Uint8Array(32).fill(0x42), messageId: new Uint8Array(32).fill(0x24) };
  const encryptWith = (plaintext, chunk, options) =>
    through(plaintext, chunk, encryptStream(keyring, { ...options, [DETERMINISTIC]: hook }));
  /** The frames of a message (header and footer cut off) of `size` bytes in `f`-byte frames. */
  const body = (message, headerLength, size, f) => {
    const regular = size === 0 ? 0 : Math.ceil(size / f) - 1;
    const last = size - regular * f;
    return message.subarray(headerLength, headerLength + regular * (16 + f + 16) + 24 + last + 16);
  };

  for (const suite of SUITES) {
    test(`suite ${hex(suite)}: every chunking and both engines write the same ${suite === 0x0478 ? 'message' : 'frames'}`, async () => {
      // Small frames for fine-grained chunkings, the default frame length for large chunks.
      const plans = [
        { F: 4096, sizes: [0, 1, 4095, 4096, 4097, 3 * 4096 + 7], chunks: [1, 7, 4095, 4096, 4097, 64 * KiB] },
        { F: 256 * KiB, sizes: [256 * KiB, 3 * MiB + 7], chunks: [1000, 256 * KiB - 1, 256 * KiB, 256 * KiB + 1, MiB, 16 * MiB] },
      ];
      for (const { F, sizes, chunks: chunkSizes } of plans) for (const size of sizes) {
        const plaintext = bytes(size, size + 1);
        const first = encryptStream(keyring, { suite, engine: 'wasm', frameLength: F, [DETERMINISTIC]: hook });
        const { bytes: reference, chunks } = await drain(sourceOf(plaintext, 16 * MiB).pipeThrough(first));
        const headerLength = chunks[0].length; // the header is written on its own, first
        for (const engine of ENGINES) {
          for (const chunk of chunkSizes) {
            const message = await encryptWith(plaintext, chunk, { suite, engine, frameLength: F });
            if (suite === 0x0478) {
              assert.deepEqual(message, reference, `${size} bytes, ${engine}, ${chunk}-byte chunks`);
            } else {
              // The signing key is fresh per message: the header (its public key) and the footer
              // differ; the frames are determined by the data key and message id.
              assert.ok(Math.abs(message.length - reference.length) <= 4, 'DER signatures vary by a few bytes');
              assert.deepEqual(body(message, headerLength, size, F), body(reference, headerLength, size, F));
            }
          }
        }
      }
    });
  }

  test('the hook is what it says: a fixed data key and message id give a fixed header', async () => {
    const a = encryptStream(keyring, { [DETERMINISTIC]: hook, encryptionContext: { a: 'b' } });
    await through(new Uint8Array(5), 5, a);
    const header = await a.header;
    assert.deepEqual(header.messageId, hook.messageId);
    assert.equal(header.encryptedDataKeys[0].providerId, 'envseal-testing');
  });
});

describe('header promise and onProgress', () => {
  const keyring = aesKeyring('progress');

  test('encryptStream: the header resolves at once; decryptStream: once verified, equal', async () => {
    const encryptionContext = { tenant: 'acme', 'ключ': 'значение' };
    const stream = encryptStream(keyring, { encryptionContext, frameLength: 1000 });
    const header = await stream.header; // before any byte was written
    assert.equal(header.version, 2);
    assert.equal(header.suiteId, 0x0478);
    assert.equal(header.frameLength, 1000);
    assert.equal(header.messageId.length, 32);
    assert.deepEqual(header.encryptionContext, encryptionContext);
    const ciphertext = await through(bytes(5000), 999, stream);
    const reader = decryptStream(keyring, { encryptionContext: { tenant: 'acme' } });
    const back = await through(ciphertext, 1, reader);
    assert.equal(back.length, 5000);
    assert.deepEqual(await reader.header, header);
  });

  test('decryptStream: the header promise rejects with the stream error', async () => {
    const { ciphertext } = await encrypt(keyring, bytes(10));
    const stream = decryptStream(aesKeyring('someone-else'));
    const { error } = await drain(sourceOf(ciphertext, 7).pipeThrough(stream));
    assert.equal(error.code, 'NO_MATCHING_KEY');
    await assert.rejects(stream.header, (e) => e === error);
    // a stream that ends inside the header
    const short = decryptStream(keyring);
    const { error: truncated } = await drain(sourceOf(ciphertext.subarray(0, 20), 7).pipeThrough(short));
    assert.equal(truncated.code, 'TRUNCATED');
    await assert.rejects(short.header, { code: 'TRUNCATED' });
  });

  for (const engine of ENGINES) {
    test(`${engine}: onProgress counts bytes in and out, monotonically, ending at the totals`, async () => {
      const plaintext = bytes(MiB + 10, 3);
      const seen = [];
      const ciphertext = await through(
        plaintext,
        50_000,
        encryptStream(keyring, { engine, frameLength: 64 * KiB, onProgress: (p) => seen.push(p) }),
      );
      assert.ok(seen.length >= 16, `${seen.length} calls`);
      for (let i = 1; i < seen.length; i++) {
        assert.ok(seen[i].bytesIn >= seen[i - 1].bytesIn && seen[i].bytesOut >= seen[i - 1].bytesOut);
      }
      assert.deepEqual(seen.at(-1), { bytesIn: plaintext.length, bytesOut: ciphertext.length });
      const read = [];
      await through(ciphertext, 50_000, decryptStream(keyring, { engine, onProgress: (p) => read.push(p) }));
      assert.deepEqual(read.at(-1), { bytesIn: ciphertext.length, bytesOut: plaintext.length });
      assert.ok(read.length >= 16);
    });
  }

  test('an onProgress that throws fails the stream with its error', async () => {
    const boom = new Error('boom');
    const { error } = await drain(
      sourceOf(bytes(1000), 100).pipeThrough(
        encryptStream(keyring, {
          onProgress: () => {
            throw boom;
          },
        }),
      ),
    );
    assert.equal(error, boom);
  });
});

describe('streams decrypt the shared ESDK-NET vectors', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { RawAesKeyring } = await import('envseal');
  const { vectorsDir } = await import('./helpers.mjs');
  const dir = join(vectorsDir(), 'net-4.0.1-raw');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')).keys;
  const file = (uri) => new Uint8Array(readFileSync(join(dir, uri.replace(/^file:\/\//, ''))));
  const cases = Object.entries(manifest.tests).filter(([, t]) =>
    t['master-keys'].every((k) => k.type === 'raw' && k['encryption-algorithm'] === 'aes'),
  );
  test(`${cases.length} messages of every suite, both engines, random chunks`, async () => {
    let n = 0;
    for (const [name, t] of cases) {
      const mk = t['master-keys'][0];
      const key = keys[mk.key];
      const keyring = new RawAesKeyring({
        keyNamespace: mk['provider-id'],
        keyName: key['key-id'],
        wrappingKey: new Uint8Array(Buffer.from(key.material, 'base64')),
      });
      const ciphertext = file(t.ciphertext);
      const plaintext = file(t.result.output.plaintext);
      const commitmentPolicy = name.startsWith('0478') || name.startsWith('0578') ? undefined : 'REQUIRE_ENCRYPT_ALLOW_DECRYPT';
      for (const engine of ENGINES) {
        const stream = decryptStream(keyring, { engine, commitmentPolicy, encryptionContext: t['encryption-context'] });
        assert.deepEqual(await through(ciphertext, randomSizes(++n, 5000), stream), plaintext, `${name} ${engine}`);
      }
    }
  });
});

describe("the 'node' engine hashes signed messages with node:crypto", () => {
  const keyring = aesKeyring('hashing');
  const nodeCrypto = process.getBuiltinModule('node:crypto');

  /** Runs `work` while node:crypto's SHA-384 hashes are watched (and, with `corrupt`, give a
   * wrong digest); returns how many bytes they hashed. */
  async function watchingSha384(work, { corrupt = false } = {}) {
    const createHash = nodeCrypto.createHash;
    let hashed = 0;
    nodeCrypto.createHash = (name, ...rest) => {
      const hash = createHash.call(nodeCrypto, name, ...rest);
      if (name !== 'sha384') return hash;
      const update = hash.update.bind(hash);
      const digest = hash.digest.bind(hash);
      hash.update = (data, ...more) => ((hashed += data.length), update(data, ...more));
      hash.digest = (...args) => {
        const d = digest(...args);
        if (corrupt) d[0] ^= 1;
        return d;
      };
      return hash;
    };
    try {
      await work();
    } finally {
      nodeCrypto.createHash = createHash;
    }
    return hashed;
  }

  /** Bytes of the message before its footer (u16 length, then that many signature bytes). */
  const beforeFooter = (message) => {
    for (let length = 0; length <= 104; length++) {
      const at = message.length - 2 - length;
      if (((message[at] << 8) | message[at + 1]) === length) return at;
    }
    throw new Error('no footer');
  };

  test('every byte before the footer is hashed outside the core, on both sides, and verifies', async () => {
    for (const size of [0, 1000, 3 * 4096 + 5]) {
      const plaintext = bytes(size, 3);
      let message;
      const written = await watchingSha384(async () => {
        message = await through(plaintext, 1000, encryptStream(keyring, { suite: 0x0578, engine: 'node', frameLength: 4096 }));
      });
      assert.equal(written, beforeFooter(message), `${size}: header and every frame, nothing else`);
      const read = await watchingSha384(async () => {
        const back = await through(message, 777, decryptStream(keyring, { engine: 'node' }));
        assert.deepEqual(back, plaintext);
      });
      assert.equal(read, written, `${size}: the reader hashed the same bytes`);
      // The core's own hash (the wasm engine) verifies what node:crypto's digest signed.
      assert.deepEqual(await through(message, 4096, decryptStream(keyring, { engine: 'wasm' })), plaintext);
      // WebCrypto has no incremental hash: with it the core hashes.
      assert.equal(await watchingSha384(() => through(message, 4096, decryptStream(keyring, { engine: 'webcrypto' }))), 0);
    }
  });

  test('the digest node:crypto hands back is the one signed and verified', async () => {
    const plaintext = bytes(10_000, 4);
    let forged;
    await watchingSha384(async () => {
      forged = await through(plaintext, 4096, encryptStream(keyring, { suite: 0x0578, engine: 'node', frameLength: 4096 }));
    }, { corrupt: true });
    const { error } = await drain(sourceOf(forged, 4096).pipeThrough(decryptStream(keyring, { engine: 'wasm' })));
    assert.equal(error?.code, 'SIGNATURE_INVALID', 'a wrong digest was signed: the core does not verify it');

    const good = await through(plaintext, 4096, encryptStream(keyring, { suite: 0x0578, frameLength: 4096 }));
    let result;
    await watchingSha384(async () => {
      result = await drain(sourceOf(good, 4096).pipeThrough(decryptStream(keyring, { engine: 'node' })));
    }, { corrupt: true });
    assert.equal(result.error?.code, 'SIGNATURE_INVALID', 'a wrong digest does not verify');
    assert.ok(result.bytes.length < plaintext.length, 'the final frame was not released');
  });
});
