// Decrypt: the ciphertext objects the demo server stores (decrypt, tamper, delete, download the
// ciphertext) and local .enc files. Decryption streams in a Worker; the plaintext is saved as a
// download, to a file the user picks, or discarded (verify only). Nothing is released unless
// every frame authenticated: a tampered object fails with an error, and no partial file is kept.

import { $, announce, downloadLink, el, formatBytes, parseContext, timeCell } from './dom.js';
import { errorSummary, renderError } from './header-view.js';
import { JobView } from './job-view.js';
import { decryptMembers } from './state.js';

const api = () => new URL('api/objects/', location.href);
/** The demo server refuses writes without this header (a cross-site page cannot send it). */
const WRITE = { 'x-envseal-demo': '1' };
let view;
let kms;
let highlighted = null;

async function apiJson(response, what) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(`${what}: ${body.error ?? `the server answered ${response.status}`}`), { code: 'SERVER_ERROR' });
  return body;
}

const objectUrl = (name) => new URL(encodeURIComponent(name), api()).href;

/** The plaintext's name: the object's name without `.enc`. */
const plainName = (name) => (/\.enc$/i.test(name) && name.length > 4 ? name.slice(0, -4) : `${name}.decrypted`);

function objectRow(object) {
  const label = (verb) => `${verb} ${object.name}`;
  return el('tr', { dataset: { name: object.name }, className: object.name === highlighted ? 'fresh' : '' },
    el('td', {}, el('a', { href: objectUrl(object.name), download: object.name, title: 'Download the ciphertext as stored' }, object.name)),
    el('td', { className: 'num', dataset: { bytes: String(object.size) } }, formatBytes(object.size)),
    el('td', {}, timeCell(object.modified)),
    el('td', { className: 'actions' },
      el('button', { type: 'button', className: 'small', dataset: { action: 'decrypt' }, 'aria-label': label('Decrypt') }, 'Decrypt'),
      el('button', { type: 'button', className: 'small warn', dataset: { action: 'tamper' }, 'aria-label': label('Tamper with'), title: 'Flip one byte of the stored body' }, 'Tamper'),
      el('button', { type: 'button', className: 'small', dataset: { action: 'delete' }, 'aria-label': label('Delete') }, 'Delete')));
}

export async function refreshObjects(fresh) {
  if (fresh) highlighted = fresh;
  const { objects } = await apiJson(await fetch(api()), 'listing the stored objects');
  $('objects').tBodies[0].replaceChildren(...objects.map(objectRow));
  $('objects-empty').hidden = objects.length > 0;
}

async function decrypt(source, name, size) {
  const members = decryptMembers();
  const saveMode = $('decrypt-output').value;
  let save = saveMode === 'download' ? 'blob' : saveMode === 'verify' ? 'discard' : null;
  if (saveMode === 'file') {
    try {
      save = await window.showSaveFilePicker({ suggestedName: plainName(name) });
    } catch (e) {
      if (e.name === 'AbortError') return announce('No file chosen to save to: nothing decrypted.');
      throw e;
    }
  }
  const contextText = $('decrypt-context').value.trim();
  const access = kms.workerAccess();
  const result = await view.run({
    job: {
      op: 'decrypt',
      source,
      keyring: { members, purpose: 'decrypt' },
      kms: access.kms,
      encryptionContext: contextText ? parseContext(contextText) : undefined,
      save,
    },
    transfer: access.transfer,
    total: size,
    headerCaption: `Verified header of ${name}`,
    startText: `Decrypting ${name}…`,
    failText: `Decrypting ${name} failed.`,
  });
  if (!result) return;
  if (result.blob) downloadLink($('dec-download'), result.blob, plainName(name));
  const where = result.blob ? 'ready to save' : result.savedToFile ? 'saved to your file' : 'verified, plaintext discarded';
  view.progress.finish(result.bytesIn ?? size ?? 0, result.ms, ` · every frame authenticated · ${where}`);
  announce(`Decrypted ${name}: every frame authenticated; ${where}.`);
}

async function tamper(name) {
  const body = await apiJson(await fetch(new URL(`${encodeURIComponent(name)}/tamper`, api()), { method: 'POST', headers: WRITE }), `tampering with ${name}`);
  const where = body.headerLength ? `, ${body.offset - body.headerLength} bytes into the body (the header is ${body.headerLength} bytes)` : '';
  announce(`Flipped one bit of ${name} at byte ${body.offset}${where}: 0x${body.before.toString(16).padStart(2, '0')} is now 0x${body.after.toString(16).padStart(2, '0')}. Decrypt it to see it refused; tamper again to restore it.`);
}

async function remove(name) {
  const response = await fetch(objectUrl(name), { method: 'DELETE', headers: WRITE });
  if (!response.ok && response.status !== 404) await apiJson(response, `deleting ${name}`);
  announce(`Deleted ${name}.`);
}

/** @param {{ workerAccess: () => { kms: object, transfer: Transferable[] } }} client */
export function setupObjectsPanel(client) {
  kms = client;
  if (!('showSaveFilePicker' in window)) $('decrypt-output').querySelector('option[value="file"]').remove();
  const fileButton = $('decrypt-file');
  view = new JobView('dec', { start: [fileButton], cancel: $('decrypt-cancel') });

  const guarded = (step) => async (...args) => {
    try {
      await step(...args);
    } catch (e) {
      renderError($('dec-error'), e, 'Cannot do that.');
      announce(errorSummary(e), 'error');
    }
  };

  $('objects').addEventListener('click', guarded(async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const row = button.closest('tr');
    const { name } = row.dataset;
    const action = button.dataset.action;
    if (action === 'decrypt') {
      if (view.busy) return announce('A decryption is running: wait for it or cancel it.');
      const size = Number(row.querySelector('.num')?.dataset.bytes) || undefined;
      await decrypt({ url: objectUrl(name), name }, name, size);
    } else if (action === 'tamper') {
      await tamper(name);
    } else if (action === 'delete') {
      await remove(name);
      await refreshObjects();
    }
  }));

  $('decrypt-file-form').addEventListener('submit', guarded(async (event) => {
    event.preventDefault();
    const file = $('cipher-file').files[0];
    if (!file) throw Object.assign(new Error('choose an encrypted file (.enc) first'), { code: 'NO_FILE' });
    if (view.busy) return;
    await decrypt({ file }, file.name, file.size);
  }));

  $('refresh-objects').addEventListener('click', guarded(async () => {
    await refreshObjects();
    announce('Stored objects reloaded.');
  }));
}
