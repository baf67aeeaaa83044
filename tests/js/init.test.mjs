// The loader: NOT_INITIALIZED before init(), init() idempotent and shared, explicit sources.
// node --test runs each file in its own process, so this file sees a fresh, uninitialized module.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

import {
  AlgorithmSuite,
  CommitmentPolicy,
  MultiKeyring,
  RawAesKeyring,
  decrypt,
  decryptStream,
  encrypt,
  encryptStream,
  generateDataKey,
  init,
} from 'envseal';

import { rejectsWithCode } from './helpers.mjs';

const key = new Uint8Array(32);

test('every API refuses to run before init() with NOT_INITIALIZED', async () => {
  const e = await rejectsWithCode(
    () => new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: key }),
    'NOT_INITIALIZED',
  );
  assert.match(e.message, /await init\(\)/);
  await rejectsWithCode(() => new MultiKeyring({}), 'NOT_INITIALIZED');
  await rejectsWithCode(encrypt({}, new Uint8Array(1)), 'NOT_INITIALIZED');
  await rejectsWithCode(decrypt({}, new Uint8Array(1)), 'NOT_INITIALIZED');
  await rejectsWithCode(generateDataKey({}), 'NOT_INITIALIZED');
  await rejectsWithCode(() => encryptStream({}), 'NOT_INITIALIZED');
  await rejectsWithCode(() => decryptStream({}), 'NOT_INITIALIZED');
});

test('constants need no init()', () => {
  assert.equal(AlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, 0x0478);
  assert.equal(AlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, 0x0578);
  assert.equal(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, 'REQUIRE_ENCRYPT_ALLOW_DECRYPT');
  assert.ok(Object.isFrozen(AlgorithmSuite));
});

test('init() is idempotent: concurrent and later calls share one promise', async () => {
  const first = init();
  const second = init();
  assert.equal(first, second);
  assert.equal(await first, undefined);
  assert.equal(init(), first);
  await init();
  const keyring = new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: key });
  const { ciphertext } = await encrypt(keyring, new Uint8Array([1, 2, 3]));
  assert.deepEqual((await decrypt(keyring, ciphertext)).plaintext, new Uint8Array([1, 2, 3]));
});

// A fresh process per scenario: init() can run only once per module instance.
async function runModule(source) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', source], {
    cwd: import.meta.dirname ?? new URL('.', import.meta.url).pathname,
  });
  return stdout.trim();
}

const roundTrip = `
  const k = new E.RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: new Uint8Array(16) });
  const { ciphertext } = await E.encrypt(k, new Uint8Array([7]));
  console.log((await E.decrypt(k, ciphertext)).plaintext[0]);
`;

test('init() accepts the wasm as bytes or as a compiled WebAssembly.Module', async () => {
  const prelude = `
    import * as E from 'envseal';
    import { readFile } from 'node:fs/promises';
    const bytes = await readFile(new URL(import.meta.resolve('envseal/envseal_bg.wasm')));
  `;
  assert.equal(await runModule(`${prelude} await E.init(new Uint8Array(bytes)); ${roundTrip}`), '7');
  assert.equal(await runModule(`${prelude} await E.init(await WebAssembly.compile(bytes)); ${roundTrip}`), '7');
});

test('a failed init() rejects, and the next call retries', async () => {
  const out = await runModule(`
    import * as E from 'envseal';
    await E.init(new Uint8Array([0, 1, 2, 3])).then(() => console.log('loaded garbage?'), () => console.log('rejected'));
    await E.init();
    ${roundTrip}
  `);
  assert.equal(out, 'rejected\n7');
});
