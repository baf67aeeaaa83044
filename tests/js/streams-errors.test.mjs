// encryptStream / decryptStream when things go wrong, in Node: tampering, truncation, trailing
// data and bad signatures error the stream with a code and never deliver plaintext of a frame
// that did not verify (nor the final frame unless the whole message did); rejectSigned;
// argument errors; backpressure with a slow reader; cancellation.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

import { decryptStream, encrypt, encryptStream, init } from 'envseal';

import { aesKeyring, bytes } from './helpers.mjs';
import { ENGINES, concat, drain, sourceOf, through } from './stream-helpers.mjs';

await init();

const SUITES = [0x0478, 0x0578];
const hex = (n) => `0x${n.toString(16).padStart(4, '0')}`;
const keyring = aesKeyring('errors');

// A small message: frames of 64 bytes, 200 bytes of plaintext (64 + 64 + 64 + a final 8).
const F = 64;
const SIZE = 200;
const LAST = SIZE % F;
const plaintext = bytes(SIZE, 42);
const messages = Object.fromEntries(
  await Promise.all(SUITES.map(async (suite) => [suite, (await encrypt(keyring, plaintext, { suite, frameLength: F })).ciphertext])),
);

/** Decrypts `message` as a stream; returns what was delivered and the error. */
async function attempt(message, { engine, chunk = 37, options = {} }) {
  const stream = decryptStream(keyring, { engine, ...options });
  const { bytes: delivered, error } = await drain(sourceOf(message, chunk).pipeThrough(stream));
  return { delivered, error, header: stream.header };
}

/** Asserts that `delivered` is plaintext of whole verified frames, never the final one. */
function assertSafePrefix(delivered, label) {
  assert.ok(delivered.length <= SIZE - LAST, `${label}: ${delivered.length} bytes delivered, the final frame among them`);
  assert.equal(delivered.length % F, 0, `${label}: part of a frame was delivered`);
  assert.deepEqual(delivered, plaintext.subarray(0, delivered.length), `${label}: delivered bytes are not the plaintext`);
}

describe('tampering', () => {
  for (const suite of SUITES) {
    for (const engine of ENGINES) {
      test(`${hex(suite)} ${engine}: every flipped byte errors with a code; no unverified plaintext`, async () => {
        const message = messages[suite];
        const codes = new Set();
        for (let i = 0; i < message.length; i++) {
          const bad = message.slice();
          bad[i] ^= 0x01;
          const { delivered, error } = await attempt(bad, { engine, chunk: i % 2 ? 1000 : 29 });
          assert.ok(error, `byte ${i}: decrypted`);
          assert.equal(typeof error.code, 'string', `byte ${i}: ${error}`);
          codes.add(error.code);
          assertSafePrefix(delivered, `byte ${i} (${error.code})`);
        }
        assert.ok(codes.has('DECRYPT_FAILED'), [...codes].join());
      });
    }
  }

  for (const engine of ENGINES) {
    test(`${engine}: a frame whose tag fails: DECRYPT_FAILED, only earlier frames delivered`, async () => {
      const big = bytes(10 * 65536, 1);
      const { ciphertext } = await encrypt(keyring, big, { frameLength: 65536 });
      // 9 regular frames (seq, IV, ciphertext, tag), then a full final frame (marker, seq, IV, length, ...).
      const headerLength = ciphertext.length - 9 * (16 + 65536 + 16) - (24 + 65536 + 16);
      for (const frame of [1, 5, 10]) {
        const bad = ciphertext.slice();
        bad[headerLength + (frame - 1) * (16 + 65536 + 16) + 100] ^= 0x80;
        const stream = decryptStream(keyring, { engine });
        const { bytes: delivered, error } = await drain(sourceOf(bad, 100_000).pipeThrough(stream));
        assert.equal(error.code, 'DECRYPT_FAILED');
        assert.ok(delivered.length <= (frame - 1) * 65536, `frame ${frame}: ${delivered.length} bytes`);
        assert.deepEqual(delivered, big.subarray(0, delivered.length));
        assert.equal((await stream.header).frameLength, 65536, 'the header had verified');
      }
    });
  }
});

describe('truncation and trailing data', () => {
  for (const suite of SUITES) {
    for (const engine of ENGINES) {
      test(`${hex(suite)} ${engine}: every truncation is TRUNCATED; the final frame is never delivered`, async () => {
        const message = messages[suite];
        for (let cut = 0; cut < message.length; cut++) {
          const { delivered, error } = await attempt(message.subarray(0, cut), { engine, chunk: cut % 2 ? 1 : 50 });
          assert.equal(error?.code, 'TRUNCATED', `cut at ${cut}: ${error?.code} ${error?.message}`);
          assertSafePrefix(delivered, `cut at ${cut}`);
        }
      });

      test(`${hex(suite)} ${engine}: bytes after the message are TRAILING_DATA; the final frame is held back`, async () => {
        const message = messages[suite];
        for (const extra of [new Uint8Array(1), bytes(100, 3), message]) {
          for (const chunk of [1, 64, message.length, message.length + extra.length]) {
            const { delivered, error } = await attempt(concat([message, extra]), { engine, chunk });
            assert.equal(error?.code, 'TRAILING_DATA', `${extra.length} extra bytes, ${chunk}-byte chunks`);
            assertSafePrefix(delivered, `${extra.length} extra`);
          }
        }
      });
    }
  }
});

describe('signed messages', () => {
  for (const engine of ENGINES) {
    test(`${engine}: a bad signature errors with SIGNATURE_INVALID; the final frame is held back`, async () => {
      const message = messages[0x0578];
      const bad = message.slice();
      bad[bad.length - 3] ^= 0x01; // inside the DER signature
      const { delivered, error } = await attempt(bad, { engine, chunk: 1000 });
      assert.ok(['SIGNATURE_INVALID', 'MALFORMED_BODY'].includes(error?.code), `${error?.code}`);
      assertSafePrefix(delivered, 'bad signature');

      // What SECURITY.md documents: frames before the final one are released as their tags
      // verify, before the signature (at the very end) can be checked.
      const footerAt = [...Array(20).keys()]
        .map((d) => bad.length - 2 - (96 + d))
        .find((at) => ((bad[at] << 8) | bad[at + 1]) === bad.length - at - 2);
      const stream = decryptStream(keyring, { engine });
      const writer = stream.writable.getWriter();
      const reader = stream.readable.getReader();
      writer.write(bad.subarray(0, footerAt)).catch(() => {});
      const released = [];
      while (released.reduce((n, c) => n + c.length, 0) < SIZE - LAST) released.push((await reader.read()).value);
      assert.deepEqual(concat(released), plaintext.subarray(0, SIZE - LAST));
      writer.write(bad.subarray(footerAt)).catch(() => {});
      writer.close().catch(() => {});
      await assert.rejects(reader.read(), { code: error.code });
    });

    test(`${engine}: rejectSigned refuses a signed message before unwrapping, and reads unsigned ones`, async () => {
      const { delivered, error, header } = await attempt(messages[0x0578], { engine, options: { rejectSigned: true } });
      assert.equal(error?.code, 'SIGNED_MESSAGE_REFUSED');
      assert.match(error.message, /SECURITY\.md/);
      assert.equal(delivered.length, 0);
      await assert.rejects(header, { code: 'SIGNED_MESSAGE_REFUSED' });
      const ok = await attempt(messages[0x0478], { engine, options: { rejectSigned: true } });
      assert.equal(ok.error, undefined);
      assert.deepEqual(ok.delivered, plaintext);
    });
  }
});

describe('arguments', () => {
  const code = (fn) => {
    try {
      fn();
    } catch (e) {
      return `${e.constructor.name} ${e.code}: ${e.message}`;
    }
    return 'no error';
  };

  test('bad options throw at once, naming the function and the option', () => {
    assert.match(code(() => encryptStream(keyring, { frameLenght: 5 })), /^TypeError INVALID_ARGUMENT: encryptStream: unknown option "frameLenght"; the options are \{ encryptionContext, suite, frameLength, plaintextLength, engine, workers, onProgress \}/);
    assert.match(code(() => decryptStream(keyring, { rejectSigned: 'yes' })), /^TypeError INVALID_ARGUMENT: decryptStream: options.rejectSigned must be a boolean/);
    assert.match(code(() => encryptStream(keyring, { engine: 'fast' })), /^RangeError INVALID_ARGUMENT: encryptStream: options.engine must be 'auto', 'node', 'webcrypto', 'wasm' or 'workers', got "fast"/);
    assert.match(code(() => decryptStream(keyring, { engine: 1 })), /^TypeError INVALID_ARGUMENT/);
    assert.match(code(() => encryptStream(keyring, { engine: 'workers', workers: 2.5 })), /^TypeError INVALID_ARGUMENT: encryptStream: options.workers must be a whole number of workers, got 2.5/);
    assert.match(code(() => decryptStream(keyring, { engine: 'workers', workers: '2' })), /^TypeError INVALID_ARGUMENT: decryptStream: options.workers must be a whole number/);
    assert.match(code(() => encryptStream(keyring, { engine: 'workers', workers: 0 })), /^RangeError INVALID_ARGUMENT: encryptStream: options.workers must be from 1 to 16, got 0/);
    assert.match(code(() => encryptStream(keyring, { engine: 'workers', workers: 17 })), /^RangeError INVALID_ARGUMENT: encryptStream: options.workers must be from 1 to 16, got 17/);
    assert.match(code(() => decryptStream(keyring, { workers: 2 })), /^Error INVALID_ARGUMENT: decryptStream: options.workers is the pool size of engine 'workers', but the engine is 'auto'/);
    assert.equal(code(() => encryptStream(keyring, { engine: 'workers', workers: 16 })), 'no error');
    assert.match(code(() => encryptStream(keyring, { onProgress: 'log' })), /^TypeError INVALID_ARGUMENT: encryptStream: options.onProgress must be a function/);
    assert.match(code(() => encryptStream(keyring, 'options')), /^TypeError INVALID_ARGUMENT: encryptStream: options must be an object/);
    assert.match(code(() => encryptStream(keyring, { frameLength: 0 })), /^RangeError INVALID_ARGUMENT: encryptStream: options.frameLength must be an integer/);
    assert.match(code(() => encryptStream(keyring, { suite: 0x0178 })), /^Error COMMITMENT_POLICY/);
    assert.match(code(() => encryptStream({}, {})), /^TypeError INVALID_ARGUMENT: encryptStream: keyring must be an envseal keyring/);
    assert.match(code(() => decryptStream(keyring, { maxEncryptedDataKeys: 0 })), /^RangeError INVALID_ARGUMENT: decryptStream: options.maxEncryptedDataKeys/);
    assert.match(code(() => decryptStream(keyring, { commitmentPolicy: 'NONE' })), /^Error INVALID_ARGUMENT/);
  });

  test('a chunk that is not bytes errors the stream with a TypeError', async () => {
    for (const make of [() => encryptStream(keyring), () => decryptStream(keyring)]) {
      const stream = make();
      const source = new ReadableStream({
        start(c) {
          c.enqueue('text');
          c.close();
        },
      });
      const { error } = await drain(source.pipeThrough(stream));
      assert.ok(error instanceof TypeError);
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.message, /TextEncoderStream/);
    }
  });

  test('decrypt limits apply to streams: maxFrameLength, encryptionContext', async () => {
    const ciphertext = await through(bytes(1000), 1000, encryptStream(keyring, { encryptionContext: { a: '1' } }));
    for (const engine of ENGINES) {
      let r = await attempt(ciphertext, { engine, options: { maxFrameLength: 65536 } });
      assert.equal(r.error?.code, 'LIMIT_EXCEEDED');
      r = await attempt(ciphertext, { engine, options: { encryptionContext: { a: '2' } } });
      assert.equal(r.error?.code, 'ENCRYPTION_CONTEXT_MISMATCH');
      r = await attempt(ciphertext, { engine, options: { encryptionContext: { a: '1' } } });
      assert.equal(r.error, undefined);
    }
  });

  test("without node:crypto and crypto.subtle, 'auto' uses the wasm engine and 'node', 'webcrypto' and 'workers' are refused", async () => {
    const source = `
      const real = globalThis.crypto;
      Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (a) => real.getRandomValues(a) } });
      process.getBuiltinModule = undefined;
      const E = await import('envseal');
      await E.init();
      const k = new E.RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: new Uint8Array(32) });
      let refused;
      try { E.encryptStream(k, { engine: 'webcrypto' }); } catch (e) { refused = e.code + ' ' + /secure context/.test(e.message); }
      try { E.decryptStream(k, { engine: 'node' }); } catch (e) { refused += ', ' + e.code + ' ' + /no node:crypto/.test(e.message); }
      try { E.decryptStream(k, { engine: 'workers' }); } catch (e) { refused += ', ' + e.code + ' ' + /cannot start workers/.test(e.message); }
      const data = new Uint8Array(100000).fill(7);
      const ct = await new Response(new Blob([data]).stream().pipeThrough(E.encryptStream(k))).arrayBuffer();
      const pt = new Uint8Array(await new Response(new Blob([ct]).stream().pipeThrough(E.decryptStream(k))).arrayBuffer());
      console.log(JSON.stringify({ refused, same: pt.length === data.length && pt.every((b) => b === 7) }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', source], {
      cwd: new URL('.', import.meta.url).pathname,
    });
    assert.deepEqual(JSON.parse(stdout), { refused: 'INVALID_ARGUMENT true, INVALID_ARGUMENT true, INVALID_ARGUMENT true', same: true });
  });
});

describe('backpressure and cancellation', () => {
  /** A source of `total` bytes in `chunk`-byte chunks that counts what was pulled from it. */
  function countingSource(bytesOf, chunk) {
    const counter = { pulled: 0 };
    let offset = 0;
    const stream = new ReadableStream(
      {
        pull(c) {
          if (offset >= bytesOf.length) return c.close();
          const piece = bytesOf.slice(offset, offset + chunk);
          offset += piece.length;
          counter.pulled += piece.length;
          c.enqueue(piece);
        },
      },
      { highWaterMark: 0 },
    );
    return { stream, counter };
  }

  /** Reads slowly; returns the largest gap between bytes pulled from the source and bytes read. */
  async function slowRead(readable, counter, ratio) {
    const reader = readable.getReader();
    let read = 0;
    let maxAhead = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1));
      const { done, value } = await reader.read();
      if (done) break;
      read += value.length;
      maxAhead = Math.max(maxAhead, counter.pulled - read * ratio);
    }
    return { read, maxAhead };
  }

  const FRAME = 256 * 1024;
  const BOUND = 4 * 1024 * 1024; // input chunk + 2 frames queued out + 4 in flight + 1 gathering, with room
  for (const engine of ENGINES) {
    test(`${engine}: with a slow reader, the stream pulls at most a few frames ahead`, async () => {
      const input = bytes(24 * 1024 * 1024, 5);
      const enc = countingSource(input, 65536);
      const e = await slowRead(enc.stream.pipeThrough(encryptStream(keyring, { engine })), enc.counter, 1);
      assert.ok(e.read > input.length);
      assert.ok(e.maxAhead < BOUND, `encryptStream pulled ${e.maxAhead} bytes ahead of the reader`);
      const ciphertext = await through(input, 1 << 20, encryptStream(keyring, { engine }));
      const dec = countingSource(ciphertext, 65536);
      const d = await slowRead(dec.stream.pipeThrough(decryptStream(keyring, { engine })), dec.counter, 1);
      assert.equal(d.read, input.length);
      assert.ok(d.maxAhead < BOUND + FRAME, `decryptStream pulled ${d.maxAhead} bytes ahead of the reader`);
      console.log(`# ${engine}: bytes pulled ahead of a slow reader: encrypt ${e.maxAhead}, decrypt ${d.maxAhead}`);
    });
  }

  test('cancelling the output, or a failing source, ends the stream cleanly', async () => {
    for (const engine of ENGINES) {
      const stream = encryptStream(keyring, { engine });
      const reader = sourceOf(bytes(5 << 20, 1), 65536).pipeThrough(stream).getReader();
      await reader.read();
      await reader.read();
      await reader.cancel(new Error('user went away'));

      const failing = new ReadableStream({
        start(c) {
          c.error(Object.assign(new Error('network down'), { code: 'NETWORK' }));
        },
      });
      const dec = decryptStream(keyring, { engine });
      const { error } = await drain(failing.pipeThrough(dec));
      assert.equal(error.code, 'NETWORK');
    }
  });
});
