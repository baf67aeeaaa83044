// The demo page, end to end, in headless Chromium: the real page (www/) served by the real demo
// server (scripts/serve.mjs) on a free port with a temporary data directory, the built package at
// /pkg/. It walks the flow of issue 6 and saves a screenshot of each step under target/e2e/:
//   1. create a key in the demo key service;
//   2. encrypt a 50 MiB file, with progress shown;
//   3. upload it (the server holds only ciphertext);
//   4. decrypt it and check the bytes are equal (SHA-256 of the download);
//   5. disable the key, decrypt, and see DisabledException;
//   6. read the audit log, which lists the calls (and export it as JSON Lines);
// then tampers with the stored object and sees decryption refused. A second test encrypts with a
// multi-keyring (KMS + raw AES + RSA public key) to a download and decrypts that local file with
// each kind of key alone; a third checks that a second tab waits for the key service. No console
// errors anywhere.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { collectErrors, launchChromium, packageDir, screenshot, screenshotDir, sha256File, startDemoServer } from './helpers.mjs';

const MiB = 1024 * 1024;
const FILE_SIZE = 50 * MiB;
const FILE_NAME = 'demo-50MiB.bin';
const ALIAS = 'alias/e2e-uploads';

let temp;
let pkg;
let server;
let browser;
let plainPath;
let plainHash;

before(async () => {
  temp = await mkdtemp(join(tmpdir(), 'envseal-e2e-'));
  await rm(screenshotDir, { recursive: true, force: true });
  plainPath = join(temp, FILE_NAME);
  const file = await open(plainPath, 'w');
  for (let written = 0; written < FILE_SIZE; written += MiB) await file.write(randomBytes(MiB));
  await file.close();
  plainHash = await sha256File(plainPath);
  pkg = await packageDir();
  server = await startDemoServer({ dataDir: join(temp, 'data'), pkgDir: pkg.dir });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await pkg?.cleanup();
  if (temp) await rm(temp, { recursive: true, force: true });
});

/** A fresh browser profile (its own IndexedDB and service worker) on the demo page. */
async function openDemo() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const errors = collectErrors(context);
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready);
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true', await page.textContent('#app-status'));
  return { context, page, errors };
}

/**
 * Starts a job in a panel (`enc` or `dec`) with `start()`; returns `ended()`, which waits until
 * that job (not an earlier one) ended and resolves with 'done' or 'failed'.
 */
async function startJob(page, prefix, start) {
  const id = `${prefix}-progress-box`;
  const before = Number(await page.evaluate((box) => document.getElementById(box).dataset.job ?? 0, id));
  await start();
  return async () => {
    await page.waitForFunction(
      ([box, n]) => {
        const el = document.getElementById(box);
        return Number(el.dataset.job ?? 0) > n && ['done', 'failed'].includes(el.dataset.state);
      },
      [id, before],
    );
    return page.getAttribute(`#${id}`, 'data-state');
  };
}

/** Runs a job (see startJob) to its end: 'done' or 'failed'. */
async function job(page, prefix, start) {
  return (await startJob(page, prefix, start))();
}

/** Clicks a download link and returns the saved file's path. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return file.path();
}

test('the demo flow: key, encrypt 50 MiB with progress, upload, decrypt, disabled key, audit log, tamper', { timeout: 300_000 }, async () => {
  const { context, page, errors } = await openDemo();

  // 1. Create a key (with an alias) in the demo key service.
  await page.fill('#key-description', 'e2e uploads');
  await page.fill('#key-alias', ALIAS);
  await page.click('#create-key');
  const keyRow = page.locator('#kms-keys tbody tr', { hasText: ALIAS });
  await keyRow.waitFor();
  assert.equal(await keyRow.getAttribute('data-state'), 'Enabled');
  await page.waitForFunction(() => document.getElementById('keyring-summary').textContent.includes('KmsKeyring(alias/e2e-uploads)'));
  await screenshot(page.locator('#keys-section'), '1-key-created');

  // 2. Encrypt a 50 MiB file in the Worker, with progress (upload paced at 25 MiB/s so that the
  //    progress is visible for a couple of seconds).
  await page.setInputFiles('#plain-file', plainPath);
  assert.match(await page.textContent('#plain-file-info'), /demo-50MiB\.bin: 50\.0 MiB/);
  await page.selectOption('#upload-limit', '25');
  const encrypted = await startJob(page, 'enc', () => page.click('#encrypt'));
  const seen = await page.waitForFunction(() => {
    const box = document.getElementById('enc-progress-box');
    const bar = document.getElementById('enc-progress');
    if (box.dataset.state !== 'running') return box.dataset.state ?? false;
    return bar.value / bar.max > 0.2 && bar.value / bar.max < 0.8 && 'midway';
  }, null, { polling: 'raf' });
  assert.equal(await seen.jsonValue(), 'midway', `progress seen mid-way: ${await page.textContent('#enc-error')}`);
  const midway = await page.textContent('#enc-stats');
  assert.match(midway, /MiB of 50\.0 MiB \(\d+%\) · [\d.]+ MiB\/s · about \d+:\d\d left · uploaded/, midway);
  await screenshot(page.locator('#encrypt-section'), '2-encrypting');

  // 3. It is uploaded: listed by the server, stored as ciphertext only.
  assert.equal(await encrypted(), 'done', await page.textContent('#enc-error'));
  assert.ok(Number(await page.getAttribute('#enc-progress-box', 'data-updates')) >= 5, 'progress was reported along the way');
  const objectRow = page.locator(`#objects tbody tr[data-name="${FILE_NAME}.enc"]`);
  await objectRow.waitFor();
  const decryptStored = () => job(page, 'dec', () => objectRow.getByRole('button', { name: `Decrypt ${FILE_NAME}.enc` }).click());
  const stored = join(temp, 'data', 'objects', `${FILE_NAME}.enc`);
  const storedSize = (await stat(stored)).size;
  assert.ok(storedSize > FILE_SIZE && storedSize < FILE_SIZE + 64 * 1024, `ciphertext size ${storedSize}`);
  const head = (await readFile(stored)).subarray(0, 3);
  assert.deepEqual([...head], [0x02, 0x04, 0x78], 'a v2 message with suite 0x0478');
  assert.notEqual(await sha256File(stored), plainHash);
  // The header is shown: suite, message id, context, and the KMS key's EDK.
  const encHeader = await page.textContent('#enc-header');
  assert.match(encHeader, /0x0478 AES-256-GCM, HKDF-SHA512, key commitment/);
  assert.match(encHeader, /Message id[0-9a-f]{64}/);
  assert.match(encHeader, /purpose\s*upload/);
  assert.match(encHeader, /aws-kmsarn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}/);
  assert.match(await page.textContent('#app-status'), /uploaded as demo-50MiB\.bin\.enc/);
  await screenshot(page.locator('#encrypt-section'), '3-uploaded');

  // 4. Decrypt the stored object as a stream; the download has the original bytes.
  assert.equal(await decryptStored(), 'done', await page.textContent('#dec-error'));
  const plainCopy = await download(page, '#dec-download');
  assert.equal(await sha256File(plainCopy), plainHash, 'the decrypted bytes equal the original');
  assert.match(await page.textContent('#dec-stats'), /50\.0 MiB in .* every frame authenticated/);
  await screenshot(page.locator('#decrypt-section'), '4-decrypted');

  // 5. Disable the key: decryption now fails with the key service's DisabledException.
  await keyRow.getByRole('button', { name: `Disable ${ALIAS}` }).click();
  await page.waitForFunction((alias) => [...document.querySelectorAll('#kms-keys tbody tr')].some((r) => r.textContent.includes(alias) && r.dataset.state === 'Disabled'), ALIAS);
  assert.equal(await decryptStored(), 'failed');
  const disabledError = await page.textContent('#dec-error');
  assert.match(disabledError, /DisabledException/, disabledError);
  assert.equal(await page.locator('#dec-download').isHidden(), true, 'no plaintext is offered');
  await page.locator('#dec-error').scrollIntoViewIfNeeded();
  await screenshot(page.locator('#decrypt-section'), '5-disabled-key');

  // 6. The audit log lists the calls, live, and exports them as JSON Lines.
  const audit = page.locator('#audit tbody tr');
  await page.locator('#audit tbody tr[data-operation="Decrypt"][data-outcome="error"]').waitFor();
  const rows = await audit.evaluateAll((trs) => trs.map((tr) => ({ operation: tr.dataset.operation, outcome: tr.dataset.outcome, text: tr.textContent })));
  const has = (operation, outcome, text = '') => rows.some((r) => r.operation === operation && r.outcome === outcome && r.text.includes(text));
  assert.ok(has('CreateKey', 'ok'), 'CreateKey');
  assert.ok(has('CreateAlias', 'ok', ALIAS), 'CreateAlias');
  assert.ok(has('GenerateDataKey', 'ok', 'purpose=upload'), 'GenerateDataKey with the encryption context');
  assert.ok(has('Decrypt', 'ok', ALIAS), 'Decrypt ok');
  assert.ok(has('DisableKey', 'ok', ALIAS), 'DisableKey');
  assert.ok(has('Decrypt', 'error', 'DisabledException'), 'Decrypt refused');
  assert.equal(rows[0].operation, 'Decrypt', 'newest first');
  const exported = await download(page, '#audit-export');
  const entries = (await readFile(exported, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line));
  const operations = entries.map((e) => `${e.operation}:${e.outcome}${e.errorCode ? `:${e.errorCode}` : ''}`);
  for (const expected of ['CreateKey:ok', 'CreateAlias:ok', 'GenerateDataKey:ok', 'Decrypt:ok', 'DisableKey:ok', 'Decrypt:error:DisabledException']) {
    assert.ok(operations.includes(expected), `exported log has ${expected}`);
  }
  const secrets = JSON.stringify(entries);
  assert.ok(!/Plaintext|CiphertextBlob/.test(secrets), 'no blob or plaintext in the log');
  await screenshot(page.locator('#audit-section'), '6-audit-log');

  // Tamper: enable the key again, flip a stored byte, and decryption is refused (no plaintext).
  await keyRow.getByRole('button', { name: `Enable ${ALIAS}` }).click();
  await page.waitForFunction((alias) => [...document.querySelectorAll('#kms-keys tbody tr')].some((r) => r.textContent.includes(alias) && r.dataset.state === 'Enabled'), ALIAS);
  await objectRow.getByRole('button', { name: `Tamper with ${FILE_NAME}.enc` }).click();
  await page.waitForFunction(() => document.getElementById('app-status').textContent.startsWith('Flipped one bit'));
  assert.equal(await decryptStored(), 'failed');
  assert.match(await page.textContent('#dec-error'), /DECRYPT_FAILED/);
  assert.equal(await page.locator('#dec-download').isHidden(), true);
  await screenshot(page.locator('#decrypt-section'), '7-tampered');
  await screenshot(page, '8-whole-page', { fullPage: true });

  assert.deepEqual(errors, [], 'no console errors');
  await context.close();
});

test('a multi-keyring (KMS + raw AES + RSA public key) to a local .enc file: any one key decrypts', { timeout: 180_000 }, async () => {
  const { context, page, errors } = await openDemo();
  const small = join(temp, 'small.bin');
  await writeFile(small, randomBytes(3 * MiB + 17));
  const smallHash = await sha256File(small);

  // Three master keys, all chosen: the KMS key generates the data key, the others wrap it too.
  await page.fill('#key-alias', 'alias/multi');
  await page.click('#create-key');
  const keyRow = page.locator('#kms-keys tbody tr', { hasText: 'alias/multi' });
  await keyRow.waitFor();
  await page.click('#gen-aes');
  await page.selectOption('#rsa-bits', '2048');
  await page.click('#gen-rsa');
  await page.locator('#raw-keys li', { hasText: 'RSA-2048' }).waitFor();
  assert.match(await page.textContent('#raw-keys'), /Public key \(SPKI PEM\)[\s\S]*Private key \(PKCS#8 PEM\)/);
  const unchecked = await page.locator('#keyring-choice input:not(:checked)').evaluateAll((boxes) => boxes.map((b) => b.dataset.pick));
  for (const id of unchecked) await page.check(`#keyring-choice input[data-pick="${id}"]`);
  const summary = await page.textContent('#keyring-summary');
  assert.match(summary, /^Keyring: MultiKeyring \{ generator: KmsKeyring\(alias\/multi\), children: \[RawAesKeyring\(aes-[^)]+\), RawRsaKeyring\(rsa-[^)]+\)\] \}$/, summary);

  // Encrypt (signed suite, 64 KiB frames) to a download only.
  await page.setInputFiles('#plain-file', small);
  await page.setChecked('#dest-upload', false);
  await page.selectOption('#save-copy', 'download');
  await page.selectOption('#suite', String(0x0578));
  await page.selectOption('#frame-length', '65536');
  assert.equal(await job(page, 'enc', () => page.click('#encrypt')), 'done', await page.textContent('#enc-error'));
  const header = await page.textContent('#enc-header');
  assert.match(header, /0x0578 AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384/);
  assert.match(header, /Encrypted data keys \(3\)/);
  assert.match(header, /aws-kmsarn:aws:kms:/);
  assert.match(header, /envseal-demoaes-/);
  assert.match(header, /envseal-demorsa-/);
  assert.match(header, /aws-crypto-public-key/, 'the signing suite adds its public key to the context');
  const sealed = await download(page, '#enc-download');
  await screenshot(page.locator('#encrypt-section'), '9-multi-keyring');

  const decryptLocal = async () => {
    await page.setInputFiles('#cipher-file', { name: 'small.bin.enc', mimeType: 'application/octet-stream', buffer: await readFile(sealed) });
    return job(page, 'dec', () => page.click('#decrypt-file'));
  };
  // All keys present: decrypts, to a download and to a file "chosen" with showSaveFilePicker
  // (stubbed here with a file in the origin-private file system; the Worker writes it).
  assert.equal(await decryptLocal(), 'done', await page.textContent('#dec-error'));
  assert.equal(await sha256File(await download(page, '#dec-download')), smallHash);
  await page.evaluate(() => {
    window.showSaveFilePicker = async () => (await navigator.storage.getDirectory()).getFileHandle('chosen.bin', { create: true });
  });
  await page.evaluate(() => {
    // The page removed the option when the browser had no picker; put it back for the stub.
    const select = document.getElementById('decrypt-output');
    if (!select.querySelector('option[value="file"]')) select.add(new Option('to a file I choose…', 'file'));
  });
  await page.selectOption('#decrypt-output', 'file');
  assert.equal(await decryptLocal(), 'done', await page.textContent('#dec-error'));
  const chosenHash = await page.evaluate(async () => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle('chosen.bin')).getFile();
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  });
  assert.equal(chosenHash, smallHash, 'the chosen file has the plaintext');
  await page.selectOption('#decrypt-output', 'download');
  // The KMS key disabled and the AES key forgotten: the RSA private key alone decrypts.
  await keyRow.getByRole('button', { name: 'Disable alias/multi' }).click();
  await page.waitForFunction(() => document.querySelector('#kms-keys tbody tr')?.dataset.state === 'Disabled');
  await page.locator('#raw-keys li', { hasText: 'AES-256' }).getByRole('button', { name: /^Forget/ }).click();
  assert.equal(await decryptLocal(), 'done', await page.textContent('#dec-error'));
  assert.equal(await sha256File(await download(page, '#dec-download')), smallHash);
  // Only the disabled KMS key left: refused, and the key service says why.
  await page.locator('#raw-keys li', { hasText: 'RSA-2048' }).getByRole('button', { name: /^Forget/ }).click();
  assert.equal(await decryptLocal(), 'failed');
  assert.match(await page.textContent('#dec-error'), /DisabledException/);

  assert.deepEqual(errors, [], 'no console errors');
  await context.close();
});

test('a second tab waits while the first one runs the key service', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openDemo();
  const second = await context.newPage();
  await second.goto(server.url);
  await second.waitForFunction(() => document.getElementById('app-status').textContent.includes('open in another tab'));
  assert.equal(await second.evaluate(() => document.body.dataset.ready), undefined);
  await page.close();
  await second.waitForFunction(() => document.body.dataset.ready === 'true');
  assert.deepEqual(errors, [], 'no console errors');
  await context.close();
});
