// Encrypt before upload: a file (picked or dropped, any size) streams through encryptStream in a
// Worker; the ciphertext goes to the demo server's object store and/or is saved on this device.

import { $, announce, downloadLink, formatBytes, parseContext } from './dom.js';
import { errorSummary, renderError } from './header-view.js';
import { JobView } from './job-view.js';
import { encryptMembers } from './state.js';

const MiB = 1024 * 1024;
let chosen = null;

/** A name the object store accepts (see scripts/demo-objects.mjs). */
export function storableName(name) {
  const cleaned = name.replace(/[^\p{L}\p{N} ._(),+@-]/gu, '_').replace(/^[. ]+/, '').replace(/[. ]+$/, '').slice(0, 200);
  return cleaned || 'upload.enc';
}

function choose(file) {
  chosen = file ?? null;
  const info = $('plain-file-info');
  if (!chosen) {
    info.textContent = 'No file chosen.';
    return;
  }
  info.textContent = `${chosen.name || 'unnamed'}: ${formatBytes(chosen.size)}`;
  $('upload-name').value = storableName(`${chosen.name || 'file'}.enc`);
}

function setupDropZone() {
  const zone = $('drop-zone');
  const input = $('plain-file');
  input.addEventListener('change', () => choose(input.files[0]));
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (event) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      zone.classList.add('dragging');
    });
  }
  zone.addEventListener('dragleave', (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    try {
      input.files = event.dataTransfer.files;
    } catch {
      // not settable in this browser: the dropped file is used anyway
    }
    choose(file);
    announce(`Chosen: ${file.name}, ${formatBytes(file.size)}.`);
  });
}

/** Asks where to save (a user gesture is needed, so before the job starts). */
async function pickSaveFile(suggestedName) {
  return window.showSaveFilePicker({ suggestedName, types: [{ description: 'envseal message', accept: { 'application/octet-stream': ['.enc'] } }] });
}

/**
 * @param {{ workerAccess: () => { kms: object, transfer: Transferable[] } }} kms
 * @param {{ onUploaded: (name: string) => void }} hooks
 */
export function setupEncryptPanel(kms, { onUploaded }) {
  setupDropZone();
  if (!('showSaveFilePicker' in window)) $('save-copy').querySelector('option[value="file"]').remove();
  const view = new JobView('enc', { start: [$('encrypt')], cancel: $('encrypt-cancel') });

  $('encrypt-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (view.busy) return;
    const error = $('enc-error');
    try {
      if (!chosen) throw Object.assign(new Error('choose or drop a file to encrypt first'), { code: 'NO_FILE' });
      const members = encryptMembers();
      if (members.length === 0) throw Object.assign(new Error('choose at least one master key in section 1'), { code: 'NO_KEYS' });
      const upload = $('dest-upload').checked;
      const saveMode = $('save-copy').value;
      const name = storableName($('upload-name').value.trim() || `${chosen.name}.enc`);
      const encryptionContext = parseContext($('context').value);
      const save = saveMode === 'file' ? await pickSaveFile(name) : saveMode === 'download' ? 'blob' : null;
      const limit = Number($('upload-limit').value) * MiB || undefined;
      const access = kms.workerAccess();
      const file = chosen;
      const result = await view.run({
        job: {
          op: 'encrypt',
          file,
          keyring: { members, purpose: 'encrypt' },
          kms: access.kms,
          encryptionContext,
          suite: Number($('suite').value),
          frameLength: Number($('frame-length').value),
          upload: upload ? { apiBase: new URL('api/objects/', location.href).href, name, limit } : undefined,
          save: save ?? undefined,
        },
        transfer: access.transfer,
        total: file.size,
        upload,
        headerCaption: 'Header of the encrypted message',
        startText: `Encrypting ${file.name} (${formatBytes(file.size)})${upload ? ` and uploading it as ${name}` : ''}…`,
        failText: 'Encryption failed.',
      });
      if (!result) return;
      if (result.blob) downloadLink($('enc-download'), result.blob, name);
      const where = [result.uploaded ? `uploaded as ${result.uploaded}` : null, result.blob ? 'ready to save' : null, result.savedToFile ? 'saved to your file' : null].filter(Boolean);
      view.progress.finish(result.bytesIn, result.ms, where.length ? ` · ${where.join(', ')}` : '');
      announce(`Encrypted ${file.name} (${formatBytes(result.bytesIn)})${where.length ? `: ${where.join(', ')}` : ''}.`);
      if (result.uploaded) onUploaded(result.uploaded);
    } catch (e) {
      if (e.name === 'AbortError') return announce('No file chosen to save to: nothing encrypted.');
      renderError(error, e, 'Cannot encrypt.');
      announce(errorSummary(e), 'error');
    }
  });
}
