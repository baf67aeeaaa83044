// Raw master keys held by the page: AES-256 wrapping keys and RSA key pairs generated with
// WebCrypto (exported as SPKI / PKCS#8 PEM, the formats envseal's RawRsaKeyring reads), and RSA
// public keys pasted in (for example a backend's: the page can encrypt to it, only the backend
// can decrypt).

import { $, announce, el } from './dom.js';
import { errorSummary } from './header-view.js';
import { changed, onChange, rawId, rawLabel, state } from './state.js';

const NAMESPACE = 'envseal-demo';
let counter = 0;

function pem(label, der) {
  const base64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g).join('\n')}\n-----END ${label}-----\n`;
}

function nextName(prefix) {
  counter += 1;
  return `${prefix}-${new Date().toISOString().slice(11, 19).replaceAll(':', '')}-${counter}`;
}

function addKey(key) {
  state.rawKeys.push(key);
  if (state.selected.length === 0) state.selected.push(rawId(key));
  changed();
}

export function generateAesKey() {
  const key = { id: crypto.randomUUID(), kind: 'aes', namespace: NAMESPACE, name: nextName('aes'), key: crypto.getRandomValues(new Uint8Array(32)) };
  addKey(key);
  return key;
}

export async function generateRsaKeyPair(bits) {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSA-OAEP', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['encrypt', 'decrypt'],
  );
  const [spki, pkcs8] = await Promise.all([crypto.subtle.exportKey('spki', pair.publicKey), crypto.subtle.exportKey('pkcs8', pair.privateKey)]);
  const key = {
    id: crypto.randomUUID(),
    kind: 'rsa',
    namespace: NAMESPACE,
    name: nextName('rsa'),
    bits,
    publicKey: pem('PUBLIC KEY', spki),
    privateKey: pem('PRIVATE KEY', pkcs8),
  };
  addKey(key);
  return key;
}

/** Adds a pasted public key (SPKI PEM), after WebCrypto confirmed it is an RSA public key. */
async function importPublicKey(text, name) {
  const match = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(text);
  if (!match) throw Object.assign(new Error('paste a PEM public key (-----BEGIN PUBLIC KEY-----, SPKI)'), { code: 'INVALID_ARGUMENT' });
  const der = Uint8Array.from(atob(match[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  let imported;
  try {
    imported = await crypto.subtle.importKey('spki', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']);
  } catch {
    throw Object.assign(new Error('that PEM is not an RSA public key'), { code: 'INVALID_ARGUMENT' });
  }
  const key = {
    id: crypto.randomUUID(),
    kind: 'rsa',
    namespace: NAMESPACE,
    name: name || nextName('rsa-public'),
    bits: imported.algorithm.modulusLength,
    publicKey: pem('PUBLIC KEY', der),
  };
  addKey(key);
  return key;
}

function pemBlock(label, text, filename) {
  const href = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  return el('details', {},
    el('summary', {}, label),
    el('pre', { className: 'pem', tabIndex: 0 }, text),
    el('a', { href, download: filename }, `Save ${filename}`));
}

let rendered = '';

function render() {
  // Only when the raw keys changed: an open PEM stays open while KMS keys change.
  const signature = state.rawKeys.map((k) => k.id).join();
  if (signature === rendered) return;
  rendered = signature;
  const list = $('raw-keys');
  for (const link of list.querySelectorAll('a[href^="blob:"]')) URL.revokeObjectURL(link.href);
  list.replaceChildren(...state.rawKeys.map((key) => el('li', { dataset: { id: key.id } },
    el('strong', {}, rawLabel(key)),
    key.kind === 'aes'
      ? el('div', { className: 'muted' }, 'provider id ', el('code', {}, key.namespace), ', key name ', el('code', {}, key.name))
      : el('div', {},
          pemBlock('Public key (SPKI PEM)', key.publicKey, `${key.name}.pub.pem`),
          key.privateKey ? pemBlock('Private key (PKCS#8 PEM): a secret', key.privateKey, `${key.name}.pem`) : null),
    el('button', { type: 'button', className: 'small', dataset: { forget: key.id }, 'aria-label': `Forget ${rawLabel(key)}` }, 'Forget'))));
  $('raw-empty').hidden = state.rawKeys.length > 0;
}

async function act(text, step) {
  try {
    const key = await step();
    announce(`${text}: ${rawLabel(key)}.`);
  } catch (e) {
    announce(errorSummary(e), 'error');
  }
}

export function setupRawKeys() {
  $('gen-aes').addEventListener('click', () => act('AES-256 key generated', async () => generateAesKey()));
  $('gen-rsa').addEventListener('click', () => {
    const button = $('gen-rsa');
    button.disabled = true;
    act('RSA key pair generated', () => generateRsaKeyPair(Number($('rsa-bits').value))).finally(() => {
      button.disabled = false;
    });
  });
  $('import-rsa-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act('RSA public key added', async () => {
      const key = await importPublicKey($('rsa-public-pem').value, $('rsa-public-name').value.trim());
      $('rsa-public-pem').value = '';
      $('rsa-public-name').value = '';
      return key;
    });
  });
  $('raw-keys').addEventListener('click', (event) => {
    const id = event.target.closest('button[data-forget]')?.dataset.forget;
    if (!id) return;
    const key = state.rawKeys.find((k) => k.id === id);
    state.rawKeys = state.rawKeys.filter((k) => k.id !== id);
    state.selected = state.selected.filter((s) => s !== `raw:${id}`);
    key?.key?.fill(0);
    changed();
    announce(`Forgot ${rawLabel(key)}: messages only it wrapped can no longer be decrypted here.`);
  });
  onChange(render);
  render();
}
