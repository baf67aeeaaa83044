// After the WebAssembly module traps, envseal re-instantiates it: the failing call is a coded
// INTERNAL_ERROR, objects of the old instance are INVALID_STATE, and everything created after
// works. Its own file: node --test runs each file in its own process, and this one breaks the
// module on purpose.
//
// The module is broken the way the round-2 review found, through the glue itself (bypassing the
// package's checks): a JavaScript exception inside a wasm export leaks an externref table slot,
// and after a few hundred every call traps with "table index is out of bounds".

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RawAesKeyring, decrypt, decryptStream, encrypt, encryptStream, init } from 'envseal';

import { aesKeyring, bytes } from './helpers.mjs';
import { through } from './stream-helpers.mjs';

await init();
const glue = await import(new URL('./wasm/envseal.js', import.meta.resolve('envseal')).href);

function detached() {
  const a = new Uint8Array(64);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

/** Calls the unchecked glue with detached buffers until the module traps; returns the call count. */
function breakTheModule(keyring) {
  for (let i = 1; i <= 10_000; i++) {
    try {
      glue.encrypt(keyring, detached(), undefined);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) return i;
    }
  }
  assert.fail('the glue never trapped: this test no longer breaks the module');
}

describe('a trap re-instantiates the module', () => {
  test('INTERNAL_ERROR once, stale objects INVALID_STATE, new ones work (three times over)', async () => {
    for (let round = 0; round < 3; round++) {
      const old = aesKeyring('old');
      const { ciphertext } = await encrypt(old, bytes(5000));
      const oldStream = encryptStream(old);
      const oldWriter = oldStream.writable.getWriter();

      const calls = breakTheModule(old);
      assert.ok(calls > 1, `the module broke after ${calls} calls`);

      // The first call through the package meets the trap, gets a code, and heals the module.
      const trapped = await encrypt(old, bytes(10)).catch((e) => e);
      assert.equal(trapped.code, 'INTERNAL_ERROR', String(trapped));
      assert.match(trapped.message, /re-instantiated/);

      // Objects of the trapped instance are refused with a code, and freeing them touches nothing.
      const stale = await encrypt(old, bytes(10)).catch((e) => e);
      assert.equal(stale.code, 'INVALID_ARGUMENT', String(stale));
      assert.match(stale.message, /re-instantiated/);
      assert.throws(() => old.keyName, (e) => e.code === 'INVALID_STATE');
      const streamError = await oldWriter.write(bytes(10)).catch((e) => e);
      assert.equal(streamError?.code, 'INVALID_STATE', String(streamError));
      old.free();
      old.free();

      // New objects work, and read what the old instance wrote.
      const fresh = aesKeyring('old');
      assert.deepEqual((await decrypt(fresh, ciphertext)).plaintext, bytes(5000));
      const again = await encrypt(fresh, bytes(70_000), { frameLength: 4096 });
      assert.deepEqual((await decrypt(fresh, again.ciphertext)).plaintext, bytes(70_000));
      const sealed = await through(bytes(100_000), 7000, encryptStream(fresh));
      assert.deepEqual(await through(sealed, 3000, decryptStream(fresh)), bytes(100_000));
      fresh.free();
    }
  });

  test('every failing call of every kind has a code, then a round trip works', async () => {
    const keyring = new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: new Uint8Array(32) });
    breakTheModule(keyring);
    const codes = new Map();
    const count = (code) => codes.set(code, (codes.get(code) ?? 0) + 1);
    for (let i = 0; i < 1000; i++) {
      for (const call of [
        () => encrypt(keyring, detached()),
        () => decrypt(keyring, new Uint8Array([1, 2, 3])),
        () => encrypt(keyring, bytes(10)),
      ]) {
        await call().then(
          () => count('no error'),
          (e) => count(e?.code ?? `uncoded: ${e}`),
        );
      }
    }
    // One trap, healed at once; after it the stale keyring is refused with a code every time.
    assert.equal(codes.get('INTERNAL_ERROR'), 1, JSON.stringify([...codes]));
    assert.ok(!codes.has('no error'), JSON.stringify([...codes]));
    for (const code of codes.keys()) assert.match(code, /^[A-Z_]+$/, JSON.stringify([...codes]));
    const fresh = new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: new Uint8Array(32) });
    const { ciphertext } = await encrypt(fresh, bytes(1000));
    assert.deepEqual((await decrypt(fresh, ciphertext)).plaintext, bytes(1000));
  });
});
