// Exact length before encrypting, in the npm package: encryptStream's `plaintextLength` and
// `ciphertextLength` promise (every engine, both suites, Web and Node streams), the exported
// `ciphertextLength(header, plaintextLength)`, `header.headerLength`, and plaintext of another
// length refused with LENGTH_MISMATCH.

import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';

import { ciphertextLength, decrypt, encrypt, encryptStream, init } from 'envseal';
import { createEncryptStream } from 'envseal/node';

import { aesKeyring, bytes, rejectsWithCode } from './helpers.mjs';
import { drain, ENGINES, sourceOf } from './stream-helpers.mjs';

await init();

const keyring = aesKeyring('length');
const SUITES = [0x0478, 0x0578];
const F = 4096;
/** Bytes of a final frame with no plaintext, and of envseal's footer (format facts). */
const EMPTY_FINAL_FRAME = 40;
const FOOTER = { 0x0478: 0, 0x0578: 105 };

describe('headerLength and ciphertextLength(header, n)', () => {
  for (const suite of SUITES) {
    test(`suite 0x0${suite.toString(16)}: match the bytes written`, async () => {
      // An empty plaintext is the header and an empty final frame (and the footer).
      const { ciphertext: empty, header } = await encrypt(keyring, new Uint8Array(0), { suite, frameLength: F });
      assert.equal(header.headerLength, empty.length - EMPTY_FINAL_FRAME - FOOTER[suite]);
      const read = await decrypt(keyring, empty);
      assert.equal(read.header.headerLength, header.headerLength, 'the reader counts the same header');
      for (const size of [0, 1, F - 1, F, F + 1, 3 * F + 7, 100_000]) {
        const { ciphertext, header: h } = await encrypt(keyring, bytes(size, size), { suite, frameLength: F });
        assert.equal(ciphertextLength(h, size), ciphertext.length, `${size} bytes`);
      }
    });
  }

  test('bad arguments are coded errors', async () => {
    const { header } = await encrypt(keyring, bytes(10));
    await rejectsWithCode(() => ciphertextLength(header, -1), 'INVALID_ARGUMENT', RangeError);
    await rejectsWithCode(() => ciphertextLength(header, 1.5), 'INVALID_ARGUMENT', RangeError);
    await rejectsWithCode(() => ciphertextLength(header, '10'), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(() => ciphertextLength(null, 10), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(() => ciphertextLength({ ...header, contentType: 'non-framed' }, 10), 'INVALID_ARGUMENT');
    await rejectsWithCode(() => ciphertextLength({ ...header, frameLength: 1 }, 2 ** 40), 'LIMIT_EXCEEDED');
  });
});

describe('encryptStream({ plaintextLength })', () => {
  for (const suite of SUITES) {
    for (const engine of ENGINES) {
      test(`suite 0x0${suite.toString(16)}, ${engine}: ciphertextLength before any input, then exactly that many bytes`, async () => {
        for (const size of [0, 1, F - 1, F, F + 1, 3 * F + 7]) {
          const stream = encryptStream(keyring, { suite, engine, frameLength: F, plaintextLength: size });
          const promised = await stream.ciphertextLength; // nothing written yet
          const { bytes: message, error } = await drain(sourceOf(bytes(size, 9), 1000).pipeThrough(stream));
          assert.equal(error, undefined);
          assert.equal(message.length, promised, `${size} bytes`);
          assert.deepEqual((await decrypt(keyring, message)).plaintext, bytes(size, 9));
        }
      });
    }
  }

  test('input of another length errors the stream with LENGTH_MISMATCH, and no message of that length is written', async () => {
    for (const engine of ENGINES) {
      for (const [promised, given] of [
        [3 * F, 3 * F + 1],
        [3 * F, 3 * F - 1],
        [0, 1],
        [10, 0],
      ]) {
        const stream = encryptStream(keyring, { engine, frameLength: F, plaintextLength: promised });
        const length = await stream.ciphertextLength;
        const { bytes: written, error } = await drain(sourceOf(bytes(given), 1000).pipeThrough(stream));
        assert.equal(error?.code, 'LENGTH_MISMATCH', `${engine}: ${given} bytes for ${promised}: ${error}`);
        assert.ok(written.length < length, `${engine}: only what came before the difference was written`);
        await assert.rejects(decrypt(keyring, written));
      }
    }
  });

  test('a Node stream has the promise too', async () => {
    const stream = createEncryptStream(keyring, { plaintextLength: 5000 });
    const promised = await stream.ciphertextLength;
    let written = 0;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        written += chunk.length;
        done();
      },
    });
    await pipeline(Readable.from([bytes(5000)]), stream, sink);
    assert.equal(written, promised);
  });

  test('bad values throw at once', () => {
    assert.throws(() => encryptStream(keyring, { plaintextLength: -1 }), { code: 'INVALID_ARGUMENT', name: 'RangeError' });
    assert.throws(() => encryptStream(keyring, { plaintextLength: 2 ** 53 }), { code: 'INVALID_ARGUMENT', name: 'RangeError' });
    assert.throws(() => encryptStream(keyring, { plaintextLength: '5' }), { code: 'INVALID_ARGUMENT', name: 'TypeError' });
    assert.throws(() => encryptStream(keyring, { frameLength: 1, plaintextLength: 2 ** 40 }), { code: 'LIMIT_EXCEEDED' });
    assert.equal(encryptStream(keyring).ciphertextLength, undefined, 'no promise without a plaintext length');
  });
});
