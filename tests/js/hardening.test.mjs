// Hardening round 2, package-level findings (each test failed before its fix):
// lone surrogates in encryption contexts and key names are refused, not turned into U+FFFD.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RawAesKeyring, decrypt, decryptStream, encrypt, encryptStream, generateDataKey, init } from 'envseal';

import { aesKeyring, bytes, rejectsWithCode } from './helpers.mjs';
import { ENGINES } from './stream-helpers.mjs';

await init();

const keyring = aesKeyring('hardening');

describe('lone surrogates are refused wherever a string enters', () => {
  // 'a\ud800' and 'a\udfff' are different JavaScript strings; both have no UTF-8 form and used to
  // become 'a\ufffd', so a message written under one decrypted under the other.
  const lone = ['a\ud800', 'a\udfff', '\udc00x', 'x\ud83d'];

  test('in context values and keys: encrypt, decrypt, streams, generateDataKey', async () => {
    for (const s of lone) {
      await rejectsWithCode(encrypt(keyring, bytes(10), { encryptionContext: { file: s } }), 'INVALID_ARGUMENT');
      await rejectsWithCode(encrypt(keyring, bytes(10), { encryptionContext: { [s]: 'v' } }), 'INVALID_ARGUMENT');
      await rejectsWithCode(generateDataKey(keyring, { encryptionContext: { file: s } }), 'INVALID_ARGUMENT');
      assert.throws(() => encryptStream(keyring, { encryptionContext: { file: s } }), (e) => e.code === 'INVALID_ARGUMENT');
    }
    const { ciphertext } = await encrypt(keyring, bytes(10), { encryptionContext: { file: 'a\ufffd' } });
    for (const s of lone.slice(0, 2)) {
      await rejectsWithCode(decrypt(keyring, ciphertext, { encryptionContext: { file: s } }), 'INVALID_ARGUMENT');
      assert.throws(() => decryptStream(keyring, { encryptionContext: { file: s } }), (e) => e.code === 'INVALID_ARGUMENT');
    }
  });

  test('the error says why', async () => {
    const e = await rejectsWithCode(encrypt(keyring, bytes(1), { encryptionContext: { file: 'a\ud800' } }), 'INVALID_ARGUMENT');
    assert.match(e.message, /lone surrogate/);
    assert.match(e.message, /encryptionContext/);
  });

  test('in key names and namespaces', () => {
    const wrappingKey = new Uint8Array(32);
    for (const s of lone) {
      assert.throws(() => new RawAesKeyring({ keyNamespace: s, keyName: 'k', wrappingKey }), (e) => e.code === 'INVALID_ARGUMENT');
      assert.throws(() => new RawAesKeyring({ keyNamespace: 'n', keyName: s, wrappingKey: new Uint8Array(32) }), (e) => e.code === 'INVALID_ARGUMENT');
    }
  });

  test('well-formed non-BMP strings (surrogate pairs) still work', async () => {
    const encryptionContext = { '\u{1F600}': '\u{10FFFF}', '\uFF21': 'x' };
    const { ciphertext, header } = await encrypt(keyring, bytes(10), { encryptionContext });
    assert.deepEqual(header.encryptionContext, encryptionContext);
    assert.deepEqual((await decrypt(keyring, ciphertext, { encryptionContext })).plaintext, bytes(10));
  });
});

describe('cancel resolves and releases, whenever it comes', () => {
  const plaintext = bytes(600_000, 3);
  const pieces = (b, n) => Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n));

  for (const engine of ENGINES) {
    for (const direction of ['encrypt', 'decrypt']) {
      test(`${direction}Stream (${engine}): cancel mid-stream, after the writer closed, and fire-and-forget`, async () => {
        const { ciphertext } = await encrypt(keyring, plaintext, { frameLength: 4096 });
        const input = direction === 'encrypt' ? plaintext : ciphertext;
        const make = () =>
          direction === 'encrypt' ? encryptStream(keyring, { engine, frameLength: 4096 }) : decryptStream(keyring, { engine });
        const unhandled = [];
        const onUnhandled = (e) => unhandled.push(e);
        process.on('unhandledRejection', onUnhandled);
        try {
          // Mid-stream: a first chunk read, then cancel.
          const a = make();
          const aw = a.writable.getWriter();
          const ar = a.readable.getReader();
          aw.write(input.subarray(0, 100_000)).catch(() => {});
          await ar.read();
          await ar.cancel(new Error('user abort')); // resolves
          // After the writer closed, while the stream still flushes (before: cancel rejected with
          // an uncoded ERR_INVALID_STATE, "Unable to enqueue").
          const b = make();
          const bw = b.writable.getWriter();
          const br = b.readable.getReader();
          bw.write(input).catch(() => {});
          bw.close().catch(() => {});
          await br.read();
          await br.cancel();
          // Fire-and-forget from an abort handler, as apps do.
          const c = make();
          const controller = new AbortController();
          controller.signal.addEventListener('abort', () => {
            c.readable.cancel(controller.signal.reason);
          });
          const cw = c.writable.getWriter();
          for (const piece of pieces(input, 50_000).slice(0, 3)) cw.write(piece).catch(() => {});
          controller.abort(new Error('navigated away'));
          await new Promise((resolve) => setTimeout(resolve, 100));
        } finally {
          process.off('unhandledRejection', onUnhandled);
        }
        assert.deepEqual(unhandled, [], 'no unhandled rejection');
      });
    }
  }

  test('a real failure still errors the stream with its code', async () => {
    const { ciphertext } = await encrypt(keyring, plaintext, { frameLength: 4096 });
    const tampered = ciphertext.slice();
    tampered[tampered.length - 100] ^= 1;
    const stream = decryptStream(keyring);
    const writer = stream.writable.getWriter();
    writer.write(tampered).catch(() => {});
    writer.close().catch(() => {});
    const reader = stream.readable.getReader();
    await assert.rejects(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
      (e) => e.code === 'DECRYPT_FAILED',
    );
  });
});

describe('no failing call can break the WebAssembly module', () => {
  // Before: a JavaScript exception inside a wasm export (a detached buffer read there) leaked
  // externref table slots; after ~341 such calls every call failed with an uncoded
  // "RuntimeError: table index is out of bounds", and inputs over ~2 GiB trapped ("unreachable").
  const detached = () => {
    const a = new Uint8Array(64);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    return a;
  };
  const huge = new Uint8Array(1024 * 1024 * 1024 + 1); // one byte over the one-shot limit
  const kinds = {
    'detached plaintext': [() => encrypt(keyring, detached()), 'INVALID_ARGUMENT'],
    'detached ciphertext': [() => decrypt(keyring, detached()), 'INVALID_ARGUMENT'],
    'detached DataView': [
      () => {
        const buffer = new ArrayBuffer(64);
        const view = new DataView(buffer);
        structuredClone(buffer, { transfer: [buffer] });
        return encrypt(keyring, view);
      },
      'INVALID_ARGUMENT',
    ],
    'detached ArrayBuffer': [() => decrypt(keyring, detached().buffer), 'INVALID_ARGUMENT'],
    'detached wrapping key': [async () => new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: detached() }), 'INVALID_ARGUMENT'],
    'detached stream chunk': [
      async () => {
        const writer = encryptStream(keyring).writable.getWriter();
        await writer.write(detached());
      },
      'INVALID_ARGUMENT',
    ],
    'plaintext over the one-shot limit': [() => encrypt(keyring, huge), 'LIMIT_EXCEEDED'],
    'ciphertext over the one-shot limit': [() => decrypt(keyring, huge), 'LIMIT_EXCEEDED'],
    'not bytes': [() => encrypt(keyring, 'text'), 'INVALID_ARGUMENT'],
    'not a message': [() => decrypt(keyring, new Uint8Array([9, 9, 9])), 'UNSUPPORTED_VERSION'],
  };
  for (const [name, [call, code]] of Object.entries(kinds)) {
    test(`10,000 calls: ${name} (${code}), then a round trip still works`, async () => {
      const seen = new Map();
      for (let i = 0; i < 10_000; i++) {
        try {
          await call();
          seen.set('no error', (seen.get('no error') ?? 0) + 1);
        } catch (e) {
          seen.set(e?.code ?? `uncoded ${e?.constructor?.name}: ${e?.message}`, (seen.get(e?.code) ?? 0) + 1);
        }
      }
      assert.deepEqual([...seen.keys()], [code]);
      const { ciphertext } = await encrypt(keyring, bytes(1000));
      assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, bytes(1000));
    });
  }
});
