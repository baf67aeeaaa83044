// Interop through Node: messages envseal writes with KmsKeyring (from the installed package) on a
// moto key decrypt with the official AWS Encryption SDK for Python and its KMS master key provider
// on the same moto server (tests/interop/kms_peer.py, AWS_ENDPOINT_URL), and the reverse.
// Needs moto (ENVSEAL_MOTO_URL, from scripts/with-moto.sh) and .venv (scripts/setup.sh python);
// fails without them.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { decrypt, encrypt, encryptStream, init } from 'envseal';

import { bytes, createMotoKey, motoKeyring, motoUrl, through, utf8 } from './helpers.mjs';

await init();

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PYTHON = join(root, '.venv/bin/python');
const PEER = join(root, 'tests/interop/kms_peer.py');

let dir;
let arn;
let keyring;

/** Runs kms_peer.py on the moto server; resolves with its stdout. */
async function peer(...args) {
  const { stdout } = await promisify(execFile)(PYTHON, [PEER, ...args], {
    env: { ...process.env, AWS_ENDPOINT_URL: motoUrl().replace(/\/$/, '') },
    timeout: 120_000,
  });
  return stdout.trim();
}

before(async () => {
  motoUrl();
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing: run scripts/setup.sh python`);
  dir = await mkdtemp(join(tmpdir(), 'envseal-js-kms-interop-'));
  arn = await createMotoKey('js interop');
  keyring = motoKeyring(arn);
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('envseal writes (both suites, one-shot and streamed), the Python SDK reads', { timeout: 300_000 }, async () => {
  const plaintext = bytes(300_000, 9);
  for (const suite of [0x0478, 0x0578]) {
    const encryptionContext = { purpose: 'interop ✓', suite: String(suite) };
    const oneShot = (await encrypt(keyring, plaintext, { suite, frameLength: 4096, encryptionContext })).ciphertext;
    const streamed = await through(plaintext, 50_000, encryptStream(keyring, { suite, frameLength: 65_536, encryptionContext }));
    for (const [name, message] of [['one-shot', oneShot], ['stream', streamed]]) {
      const input = join(dir, `envseal-${suite}-${name}`);
      const output = `${input}.plain`;
      await writeFile(input, message);
      const context = await peer('decrypt', input, output);
      assert.deepEqual(new Uint8Array(await readFile(output)), plaintext, `${suite} ${name}`);
      assert.equal(context, `purpose=interop ✓ suite=${suite}`);
    }
  }
});

test('the Python SDK writes (signed suite), envseal reads', { timeout: 300_000 }, async () => {
  const plaintext = bytes(200_000, 10);
  const input = join(dir, 'plain');
  const output = join(dir, 'by-python');
  await writeFile(input, plaintext);
  await peer('encrypt', arn, input, output, 'origin=python');
  const message = new Uint8Array(await readFile(output));
  const { plaintext: back, header } = await decrypt(keyring, message, { encryptionContext: { origin: 'python' } });
  assert.deepEqual(back, plaintext);
  assert.equal(header.suiteId, 0x0578);
  assert.equal(utf8(header.encryptedDataKeys[0].providerInfo), arn);
  assert.equal(header.encryptedDataKeys[0].providerId, 'aws-kms');
});
