// envseal/node: encryptFile / decryptFile (round trips, atomic output, nothing left behind on any
// failure, no file replaced unless asked) and the Node Transform streams (pipeline), read back by the
// one-shot API and by the official AWS Encryption SDK for JavaScript.

import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';

import { CommitmentPolicy as AwsPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier, buildClient } from '@aws-crypto/client-node';
import { decrypt, encrypt, encryptStream, init } from 'envseal';
import { createDecryptStream, createEncryptStream, decryptFile, encryptFile } from 'envseal/node';

import { aesKeyring, bytes, rejectsWithCode } from './helpers.mjs';

await init();

const root = await mkdtemp(join(tmpdir(), 'envseal-node-files-'));
after(() => rm(root, { recursive: true, force: true }));
let dirs = 0;
/** A fresh empty directory holding `files` ({ name: bytes }). */
async function directory(files = {}) {
  const dir = join(root, `d${dirs++}`);
  await mkdir(dir);
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  return dir;
}
const listing = async (dir) => (await readdir(dir)).sort();

const keyring = aesKeyring('files');
const context = { purpose: 'node-files' };
const F = 4096;
const DETERMINISTIC = Symbol.for('envseal.testing.deterministicEncryptor');

describe('encryptFile / decryptFile round trips', () => {
  // 0, 1, F-1, F, F+1, and more than one read (1 MiB) of frames.
  for (const size of [0, 1, F - 1, F, F + 1, 3 * 1024 * 1024 + 7]) {
    for (const suite of [0x0478, 0x0578]) {
      test(`${size} bytes, suite 0x${suite.toString(16)}`, async () => {
        const plaintext = bytes(size, size + suite);
        const dir = await directory({ 'in.bin': plaintext });
        const enc = await encryptFile(keyring, join(dir, 'in.bin'), join(dir, 'in.bin.enc'), {
          encryptionContext: context,
          suite,
          frameLength: F,
        });
        const message = await readFile(join(dir, 'in.bin.enc'));
        assert.equal(enc.bytesRead, size);
        assert.equal(enc.bytesWritten, message.length);
        assert.equal(enc.header.suiteId, suite);
        assert.equal(enc.header.frameLength, F);
        // The one-shot API reads the file as it is.
        const oneShot = await decrypt(keyring, message, { encryptionContext: context });
        assert.deepEqual(oneShot.plaintext, plaintext);

        const dec = await decryptFile(keyring, join(dir, 'in.bin.enc'), join(dir, 'out.bin'), { encryptionContext: context });
        assert.deepEqual(new Uint8Array(await readFile(join(dir, 'out.bin'))), plaintext);
        assert.equal(dec.bytesRead, message.length);
        assert.equal(dec.bytesWritten, size);
        assert.equal(dec.header.encryptionContext.purpose, 'node-files');
        assert.deepEqual(await listing(dir), ['in.bin', 'in.bin.enc', 'out.bin']);
        for (const name of ['in.bin.enc', 'out.bin']) {
          assert.equal((await stat(join(dir, name))).mode & 0o777, 0o600, `${name} is private to its owner`);
        }
      });
    }
  }

  test('file: URLs are paths too', async () => {
    const dir = await directory({ 'a.txt': 'hello' });
    const url = (name) => pathToFileURL(join(dir, name));
    await encryptFile(keyring, url('a.txt'), url('a.enc'));
    await decryptFile(keyring, url('a.enc'), url('b.txt'));
    assert.equal(await readFile(join(dir, 'b.txt'), 'utf8'), 'hello');
  });

  test('the official AWS Encryption SDK for JavaScript reads what encryptFile writes, and the reverse', async () => {
    const wrappingKey = new Uint8Array(32).fill(1); // aesKeyring's key
    const aws = new RawAesKeyringNode({
      keyNamespace: 'js-tests',
      keyName: 'files',
      unencryptedMasterKey: wrappingKey,
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    const client = buildClient(AwsPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const plaintext = bytes(100_000, 5);
    const dir = await directory({ 'p.bin': plaintext });
    await encryptFile(keyring, join(dir, 'p.bin'), join(dir, 'p.enc'), { encryptionContext: context, frameLength: F });
    const read = await client.decrypt(aws, await readFile(join(dir, 'p.enc')));
    assert.deepEqual(new Uint8Array(read.plaintext), plaintext);

    const { result } = await client.encrypt(aws, plaintext, { encryptionContext: context, frameLength: F });
    await writeFile(join(dir, 'aws.enc'), result);
    await decryptFile(keyring, join(dir, 'aws.enc'), join(dir, 'aws.bin'), { encryptionContext: context });
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'aws.bin'))), plaintext);
  });
});

describe('output: atomic, never replaced unless asked', () => {
  test('an existing output is refused with OUTPUT_EXISTS and left as it was', async () => {
    const dir = await directory({ 'in.bin': bytes(10_000), 'out.enc': 'keep me' });
    await rejectsWithCode(encryptFile(keyring, join(dir, 'in.bin'), join(dir, 'out.enc')), 'OUTPUT_EXISTS');
    assert.equal(await readFile(join(dir, 'out.enc'), 'utf8'), 'keep me');
    assert.deepEqual(await listing(dir), ['in.bin', 'out.enc']);
  });

  test('overwrite: true replaces it; encrypting a file in place works', async () => {
    const plaintext = bytes(50_000, 9);
    const dir = await directory({ 'f.bin': plaintext });
    const path = join(dir, 'f.bin');
    await encryptFile(keyring, path, path, { overwrite: true, frameLength: F });
    assert.notDeepEqual(new Uint8Array(await readFile(path)), plaintext);
    await decryptFile(keyring, path, path, { overwrite: true });
    assert.deepEqual(new Uint8Array(await readFile(path)), plaintext);
    assert.deepEqual(await listing(dir), ['f.bin']);
  });
});

describe('decryptFile leaves no plaintext behind when the message does not verify', () => {
  const plaintext = bytes(5 * F + 100, 3);
  const messages = {};
  for (const suite of [0x0478, 0x0578]) {
    messages[suite] = encrypt(keyring, plaintext, { suite, frameLength: F }).then((r) => r.ciphertext);
  }
  const cases = [
    ['a modified last frame', 0x0478, (m) => flip(m, m.length - 20), ['DECRYPT_FAILED']],
    ['a truncated message (after four whole frames)', 0x0478, (m) => m.slice(0, m.length - F - 100), ['TRUNCATED']],
    ['bytes after the end', 0x0478, (m) => concat(m, new Uint8Array(5)), ['TRAILING_DATA']],
    ['a modified signature', 0x0578, (m) => flip(m, m.length - 3), ['SIGNATURE_INVALID', 'MALFORMED_BODY']],
  ];
  for (const [name, suite, spoil, codes] of cases) {
    test(`${name}: ${codes[0]}, no output, no partial file`, async () => {
      const dir = await directory({ 'bad.enc': spoil(await messages[suite]) });
      let error;
      await decryptFile(keyring, join(dir, 'bad.enc'), join(dir, 'out.bin')).catch((e) => (error = e));
      assert.ok(codes.includes(error?.code), `got ${error?.code}: ${error?.message}`);
      assert.deepEqual(await listing(dir), ['bad.enc']);
    });
  }

  test('a keyring that holds none of the keys: NO_MATCHING_KEY, nothing written', async () => {
    const dir = await directory({ 'm.enc': await messages[0x0478] });
    await rejectsWithCode(decryptFile(aesKeyring('other', 2), join(dir, 'm.enc'), join(dir, 'out.bin')), 'NO_MATCHING_KEY');
    assert.deepEqual(await listing(dir), ['m.enc']);
  });

  test('a missing input: Node\'s ENOENT, nothing written', async () => {
    const dir = await directory();
    await rejectsWithCode(encryptFile(keyring, join(dir, 'missing'), join(dir, 'out.enc')), 'ENOENT');
    await rejectsWithCode(decryptFile(keyring, join(dir, 'missing'), join(dir, 'out.bin')), 'ENOENT');
    assert.deepEqual(await listing(dir), []);
  });

  test('an output directory that does not exist: ENOENT, the input untouched', async () => {
    const dir = await directory({ 'in.bin': 'x' });
    await rejectsWithCode(encryptFile(keyring, join(dir, 'in.bin'), join(dir, 'no', 'out.enc')), 'ENOENT');
    assert.deepEqual(await listing(dir), ['in.bin']);
  });
});

describe('arguments are checked before any file is touched', () => {
  test('bad options and paths: INVALID_ARGUMENT naming the function', async () => {
    const dir = await directory({ 'in.bin': 'x' });
    const input = join(dir, 'in.bin');
    const output = join(dir, 'out.enc');
    const e1 = await rejectsWithCode(encryptFile(keyring, input, output, { overwrit: true }), 'INVALID_ARGUMENT', TypeError);
    assert.match(e1.message, /^encryptFile: unknown option "overwrit"; the options are \{.*overwrite \}$/);
    await rejectsWithCode(encryptFile(keyring, input, output, { overwrite: 'yes' }), 'INVALID_ARGUMENT', TypeError);
    const e2 = await rejectsWithCode(decryptFile(keyring, input, output, { frameIvs: 'x', suite: 1 }), 'INVALID_ARGUMENT', TypeError);
    assert.match(e2.message, /^decryptFile: /);
    const e3 = await rejectsWithCode(encryptFile(keyring, input, output, { frameLength: 0 }), 'INVALID_ARGUMENT');
    assert.match(e3.message, /^encryptFile: /);
    for (const bad of [undefined, '', 42, new URL('https://example.com/x')]) {
      await rejectsWithCode(encryptFile(keyring, bad, output), 'INVALID_ARGUMENT', TypeError);
      await rejectsWithCode(decryptFile(keyring, input, bad), 'INVALID_ARGUMENT', TypeError);
    }
    await rejectsWithCode(encryptFile({}, input, output), 'INVALID_ARGUMENT', TypeError);
    assert.deepEqual(await listing(dir), ['in.bin']);
  });
});

describe('createEncryptStream / createDecryptStream: Node streams for pipeline', () => {
  test('a round trip through files and pipeline, with the header promise', async () => {
    const plaintext = bytes(300_000, 4);
    const dir = await directory({ 'p.bin': plaintext });
    const encrypting = createEncryptStream(keyring, { encryptionContext: context, frameLength: F });
    await pipeline(createReadStream(join(dir, 'p.bin')), encrypting, createWriteStream(join(dir, 'p.enc')));
    assert.equal((await encrypting.header).frameLength, F);
    const oneShot = await decrypt(keyring, await readFile(join(dir, 'p.enc')), { encryptionContext: context });
    assert.deepEqual(oneShot.plaintext, plaintext);

    const decrypting = createDecryptStream(keyring, { encryptionContext: context });
    const chunks = [];
    await pipeline(createReadStream(join(dir, 'p.enc'), { highWaterMark: 777 }), decrypting, collect(chunks));
    assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), plaintext);
    assert.equal((await decrypting.header).encryptionContext.purpose, 'node-files');
  });

  test('a modified message rejects the pipeline with DECRYPT_FAILED', async () => {
    const { ciphertext } = await encrypt(keyring, bytes(3 * F, 6), { frameLength: F });
    const decrypting = createDecryptStream(keyring);
    await rejectsWithCode(pipeline(Readable.from([flip(ciphertext, ciphertext.length - 5)]), decrypting, collect([])), 'DECRYPT_FAILED');
    assert.equal((await decrypting.header).frameLength, F, 'the header itself verified');
  });

  test('the same bytes as encryptStream, whatever the chunking', async () => {
    const testing = { dataKey: new Uint8Array(32).fill(3), messageId: new Uint8Array(32).fill(4) };
    const plaintext = bytes(5 * F + 11, 8);
    for (const suite of [0x0478]) {
      const options = () => ({ frameLength: F, suite, [DETERMINISTIC]: testing });
      const web = [];
      await new Blob([plaintext]).stream().pipeThrough(encryptStream(keyring, options())).pipeTo(
        new WritableStream({ write: (c) => void web.push(c) }),
      );
      for (const size of [1, 1000, F, 3 * F + 1]) {
        const chunks = [];
        const pieces = [];
        for (let at = 0; at < plaintext.length; at += size) pieces.push(plaintext.slice(at, at + size));
        await pipeline(Readable.from(pieces), createEncryptStream(keyring, options()), collect(chunks));
        assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), new Uint8Array(Buffer.concat(web)), `chunks of ${size}`);
      }
    }
  });

  test('strings are refused, not decoded; destroying the stream rejects its header and ends it', async () => {
    const encrypting = createEncryptStream(keyring);
    await rejectsWithCode(pipeline(Readable.from(['some text']), encrypting, collect([])), 'INVALID_ARGUMENT', TypeError);
    const decrypting = createDecryptStream(keyring);
    decrypting.write(new Uint8Array(10)); // part of a header
    decrypting.destroy();
    await rejectsWithCode(decrypting.header, 'INVALID_STATE');
    const failing = createDecryptStream(keyring);
    failing.on('error', () => {}); // a destroyed Node stream emits its error
    failing.destroy(Object.assign(new Error('upstream failed'), { code: 'UPSTREAM' }));
    await rejectsWithCode(failing.header, 'UPSTREAM');
  });

  test('bad options throw at once, naming the function', async () => {
    const e = await rejectsWithCode(() => createEncryptStream(keyring, { frame: 1 }), 'INVALID_ARGUMENT', TypeError);
    assert.match(e.message, /^createEncryptStream: unknown option "frame"/);
    await rejectsWithCode(() => createDecryptStream(null), 'INVALID_ARGUMENT', TypeError);
  });
});

function flip(message, index) {
  const out = message.slice();
  out[index] ^= 0x01;
  return out;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function collect(chunks) {
  return new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
}
