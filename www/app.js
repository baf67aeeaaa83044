// The demo uses only envseal's public npm API (served from ./pkg/).
import { init, RawAesKeyring, encrypt, decrypt } from './pkg/index.js';

const $ = (id) => document.getElementById(id);
let keyring = null;
let lastCiphertext = null;

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

function parseContext(text) {
  const ec = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const i = line.indexOf('=');
    if (i < 1) throw new Error(`context line "${line}" is not key=value`);
    ec[line.slice(0, i)] = line.slice(i + 1);
  }
  return ec;
}

function showHeader(header) {
  $('header').textContent = JSON.stringify({
    version: header.version,
    suiteId: '0x' + header.suiteId.toString(16).padStart(4, '0'),
    frameLength: header.frameLength,
    encryptionContext: header.encryptionContext,
    encryptedDataKeys: header.encryptedDataKeys.map((k) => k.providerId),
  }, null, 2);
}

function offerDownload(bytes, name) {
  const a = $('download');
  if (a.href) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([bytes]));
  a.download = name;
  a.textContent = `Download ${name} (${bytes.length} bytes)`;
  a.hidden = false;
}

function newKey() {
  const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
  const keyName = 'demo-key-' + Date.now().toString(36);
  keyring = new RawAesKeyring({ keyNamespace: 'envseal-demo', keyName, wrappingKey });
  $('key-id').textContent = `envseal-demo/${keyName}`;
}

async function run(action) {
  try {
    await action();
  } catch (e) {
    status(`${e.code ?? 'ERROR'}: ${e.message}`, true);
  }
}

$('new-key').addEventListener('click', () => run(async () => { newKey(); status('New key generated.'); }));

$('encrypt').addEventListener('click', () => run(async () => {
  const file = $('plain-file').files[0];
  if (!file) throw new Error('choose a file to encrypt first');
  const plaintext = new Uint8Array(await file.arrayBuffer());
  const t0 = performance.now();
  const { ciphertext, header } = await encrypt(keyring, plaintext, { encryptionContext: parseContext($('context').value) });
  const ms = performance.now() - t0;
  lastCiphertext = ciphertext;
  showHeader(header);
  offerDownload(ciphertext, file.name + '.enc');
  status(`Encrypted ${plaintext.length} bytes in ${ms.toFixed(0)} ms.`);
}));

$('decrypt').addEventListener('click', () => run(async () => {
  const file = $('cipher-file').files[0];
  const ciphertext = file ? new Uint8Array(await file.arrayBuffer()) : lastCiphertext;
  if (!ciphertext) throw new Error('choose an encrypted file, or encrypt one first');
  const { plaintext, header } = await decrypt(keyring, ciphertext);
  showHeader(header);
  offerDownload(plaintext, file ? file.name.replace(/\.enc$/, '') : 'decrypted');
  status(`Decrypted ${plaintext.length} bytes; every frame authenticated.`);
}));

run(async () => {
  await init();
  newKey();
  status('Ready.');
});
