// decryptRange / decryptRangeStream: random ranges of messages of many frames give the
// plaintext's slice while reading only the header, the frames that hold the range and the final
// frame; sources { size, read }, Blob and URL (HTTP Range, against a local server); tampered,
// reordered, truncated messages and failing sources end with coded errors; signed messages are
// refused unless allowed.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { decryptRange, decryptRangeStream, encrypt, init } from 'envseal';

import { aesKeyring, bytes, rejectsWithCode } from './helpers.mjs';
import { drain } from './stream-helpers.mjs';

await init();

const keyring = aesKeyring('ranges');
const F = 1000;
const SIZE = 40 * F + 321; // 40 regular frames and a final frame of 321 bytes
const plaintext = bytes(SIZE, 5);
const { ciphertext, header } = await encrypt(keyring, plaintext, { frameLength: F });
const H = header.headerLength;
const STRIDE = F + 32;
const FINAL_AT = H + 40 * STRIDE;

/** A { size, read } source over `message` that records every read. */
function recording(message) {
  const reads = [];
  return {
    reads,
    size: message.length,
    read: async (offset, length) => {
      reads.push([offset, length]);
      return message.slice(offset, offset + length);
    },
  };
}

/** A deterministic generator of numbers below `n`. */
function generator(seed) {
  let x = seed;
  return (n) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % Math.max(1, n);
  };
}

describe('decryptRange', () => {
  test('random ranges: the slice, reading only the header, the frames that hold it and the final frame', async () => {
    const below = generator(3);
    for (let i = 0; i < 100; i++) {
      const start = below(SIZE + 1);
      const end = start + below(SIZE - start + 1);
      const source = recording(ciphertext);
      const result = await decryptRange(keyring, source, { start, end });
      assert.deepEqual(result.plaintext, plaintext.subarray(start, end), `${start}-${end}`);
      assert.equal(result.header.frameLength, F);
      const needed = new Set();
      for (let f = Math.floor(start / F); start < end && f <= Math.floor((end - 1) / F); f++) needed.add(f);
      for (const [offset, length] of source.reads) {
        if (offset < H) {
          assert.ok(offset + length <= 4096 * 2, `${start}-${end}: header read ${offset}+${length}`);
          continue;
        }
        if (offset === FINAL_AT) {
          assert.equal(length, 321 + 40);
          continue;
        }
        assert.equal((offset - H) % STRIDE, 0, `${start}-${end}: a read at ${offset} is not a frame`);
        assert.ok(needed.has((offset - H) / STRIDE), `${start}-${end}: frame ${(offset - H) / STRIDE} read but not needed`);
        assert.equal(length, STRIDE);
      }
    }
  });

  test('Blob and URL sources (HTTP Range), and a stream of a large range', async () => {
    const want = plaintext.subarray(12_345, 31_000);
    assert.deepEqual((await decryptRange(keyring, new Blob([ciphertext]), { start: 12_345, end: 31_000 })).plaintext, want);
    assert.deepEqual((await decryptRange(keyring, `${origin}/message`, { start: 12_345, end: 31_000 })).plaintext, want);
    assert.deepEqual((await decryptRange(keyring, new URL(`${origin}/message`), { start: 0, end: SIZE })).plaintext, plaintext);
    const stream = decryptRangeStream(keyring, recording(ciphertext), { start: 999, end: 30_001 });
    const { bytes: streamed, chunks, error } = await drain(stream);
    assert.equal(error, undefined);
    assert.deepEqual(streamed, plaintext.subarray(999, 30_001));
    assert.ok(chunks.length >= 30, 'one chunk per frame');
    // No chunk is a view into a frame's plaintext that reaches outside the range.
    assert.ok(chunks.every((c) => c.byteOffset === 0 && c.buffer.byteLength === c.length));
    assert.equal((await stream.header).frameLength, F);
    await rejectsWithCode(decryptRange(keyring, `${origin}/no-ranges`, { start: 0, end: 1 }), 'IO_ERROR');
    await rejectsWithCode(decryptRange(keyring, `${origin}/missing`, { start: 0, end: 1 }), 'IO_ERROR');
  });

  test('tampered, reordered and truncated messages fail where the range reads them', async () => {
    const tampered = ciphertext.slice();
    tampered[H + 7 * STRIDE + 100] ^= 1; // frame 7's ciphertext
    await rejectsWithCode(decryptRange(keyring, recording(tampered), { start: 7 * F, end: 7 * F + 1 }), 'DECRYPT_FAILED');
    // Frame 7 is not read for other ranges.
    assert.deepEqual((await decryptRange(keyring, recording(tampered), { start: 0, end: 7 * F })).plaintext, plaintext.subarray(0, 7 * F));
    const swapped = ciphertext.slice();
    swapped.set(ciphertext.subarray(H + 3 * STRIDE, H + 4 * STRIDE), H + 2 * STRIDE);
    swapped.set(ciphertext.subarray(H + 2 * STRIDE, H + 3 * STRIDE), H + 3 * STRIDE);
    await rejectsWithCode(decryptRange(keyring, recording(swapped), { start: 2 * F, end: 2 * F + 5 }), 'MALFORMED_BODY');
    for (const cut of [ciphertext.subarray(0, ciphertext.length - 1), ciphertext.subarray(0, FINAL_AT), ciphertext.subarray(0, 100)]) {
      const error = await decryptRange(keyring, recording(cut), { start: 0, end: 1 }).then(() => undefined, (e) => e);
      assert.ok(['MALFORMED_BODY', 'TRUNCATED', 'DECRYPT_FAILED'].includes(error?.code), `${cut.length} bytes: ${error?.code} ${error?.message}`);
    }
    // A stream of a cut message releases nothing: the final frame is read first.
    const { bytes: released, error } = await drain(decryptRangeStream(keyring, recording(ciphertext.subarray(0, FINAL_AT + 10)), { start: 0, end: 10 * F }));
    assert.ok(error);
    assert.equal(released.length, 0);
  });

  test('a range over billions of frames is not listed up front: a lying size fails at the final frame, at once', async () => {
    const { ciphertext: tiny, header: h } = await encrypt(keyring, bytes(10), { frameLength: 1 });
    const regular = 2 ** 32 - 2; // the most a message holds: a size claiming them all
    const size = h.headerLength + regular * 33 + 40;
    const reads = [];
    const source = {
      size,
      read: async (offset, length) => {
        reads.push(offset);
        const out = new Uint8Array(length);
        if (offset < tiny.length) out.set(tiny.subarray(offset, offset + length));
        return out;
      },
    };
    const started = performance.now();
    const error = await decryptRange(keyring, source, { start: 0, end: regular }).then(() => undefined, (e) => e);
    assert.equal(error?.code, 'MALFORMED_BODY', `${error?.code}: ${error?.message}`);
    assert.ok(performance.now() - started < 5000, 'no list of 4 billion frames was built');
    assert.equal(reads.at(-1), h.headerLength + regular * 33, 'the final frame, where the size puts it, was read');
  });

  test('signed messages are refused unless allowed', async () => {
    const { ciphertext: signed } = await encrypt(keyring, plaintext, { frameLength: F, suite: 0x0578 });
    await rejectsWithCode(decryptRange(keyring, recording(signed), { start: 0, end: 10 }), 'SIGNED_MESSAGE_REFUSED');
    const { plaintext: got } = await decryptRange(keyring, recording(signed), { start: 5 * F - 3, end: SIZE, allowSigned: true });
    assert.deepEqual(got, plaintext.subarray(5 * F - 3));
  });

  test('bad arguments and failing sources are coded errors', async () => {
    const source = recording(ciphertext);
    await rejectsWithCode(decryptRange(keyring, source, { start: 0, end: SIZE + 1 }), 'INVALID_ARGUMENT');
    await rejectsWithCode(decryptRange(keyring, source, { start: 5, end: 4 }), 'INVALID_ARGUMENT', RangeError);
    await rejectsWithCode(decryptRange(keyring, source, { start: '0', end: 4 }), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(decryptRange(keyring, source, { end: 4 }), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(decryptRange(keyring, source, { start: 0, end: 4, frameIvs: 'unique' }), 'INVALID_ARGUMENT');
    await rejectsWithCode(decryptRange(keyring, { size: -1, read: source.read }, { start: 0, end: 1 }), 'INVALID_ARGUMENT', TypeError);
    await rejectsWithCode(decryptRange(keyring, 42, { start: 0, end: 1 }), 'INVALID_ARGUMENT', TypeError);
    const failing = { size: ciphertext.length, read: async () => { throw new Error('disk on fire'); } };
    const error = await rejectsWithCode(decryptRange(keyring, failing, { start: 0, end: 1 }), 'IO_ERROR');
    assert.match(error.message, /disk on fire/);
    const short = { size: ciphertext.length, read: async (o, l) => ciphertext.slice(o, o + l - 1) };
    await rejectsWithCode(decryptRange(keyring, short, { start: 0, end: 1 }), 'IO_ERROR');
    await rejectsWithCode(decryptRange(aesKeyring('other'), source, { start: 0, end: 1 }), 'NO_MATCHING_KEY');
  });
});

// A server that answers Range requests for /message, ignores them for /no-ranges.
let server;
let origin;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/no-ranges') return res.writeHead(200).end(ciphertext);
    if (req.url !== '/message') return res.writeHead(404).end();
    const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') ?? [];
    if (a === undefined) return res.writeHead(200).end(ciphertext);
    const end = Math.min(Number(b), ciphertext.length - 1);
    res.writeHead(206, { 'content-range': `bytes ${a}-${end}/${ciphertext.length}` });
    res.end(ciphertext.subarray(Number(a), end + 1));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));
