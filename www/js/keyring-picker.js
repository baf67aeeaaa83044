// Choosing the keyring that encrypts: any mix of demo KMS keys, raw AES keys and RSA public
// keys. One key gives that keyring; several give a MultiKeyring whose generator is the first key
// chosen (it makes the data key) and whose children wrap the same data key, so any one of them
// can decrypt.

import { $, el } from './dom.js';
import { changed, kmsId, kmsLabel, onChange, rawId, rawLabel, state } from './state.js';

function option(id, label, detail) {
  const checked = state.selected.includes(id);
  const order = state.selected.indexOf(id);
  const inputId = `pick-${id.replace(/[^A-Za-z0-9]/g, '-')}`;
  return el('li', {},
    el('input', { type: 'checkbox', id: inputId, checked, dataset: { pick: id } }),
    el('label', { for: inputId }, label, detail ? el('span', { className: 'muted' }, ` ${detail}`) : null),
    checked ? el('span', { className: `badge ${order === 0 ? 'generator' : 'child'}` }, order === 0 ? 'generator' : 'also wraps') : null);
}

function summary() {
  const labels = state.selected.map((id) => {
    const kms = state.kmsKeys.find((k) => kmsId(k) === id);
    if (kms) return `KmsKeyring(${kmsLabel(kms)})`;
    const raw = state.rawKeys.find((k) => rawId(k) === id);
    return raw?.kind === 'aes' ? `RawAesKeyring(${raw.name})` : `RawRsaKeyring(${raw?.name})`;
  });
  if (labels.length === 0) return 'No key chosen: choose at least one to encrypt.';
  if (labels.length === 1) return `Keyring: ${labels[0]}`;
  return `Keyring: MultiKeyring { generator: ${labels[0]}, children: [${labels.slice(1).join(', ')}] }`;
}

function render() {
  const list = $('keyring-choice');
  const focused = document.activeElement?.dataset?.pick;
  list.replaceChildren(
    ...state.kmsKeys.map((k) => option(kmsId(k), `KMS ${kmsLabel(k)}`, k.keyState === 'Enabled' ? '' : `(${k.keyState})`)),
    ...state.rawKeys.map((k) => option(rawId(k), rawLabel(k), '')),
  );
  if (focused) list.querySelector(`[data-pick="${CSS.escape(focused)}"]`)?.focus();
  $('keyring-none').hidden = state.kmsKeys.length + state.rawKeys.length > 0;
  $('keyring-summary').textContent = summary();
}

export function setupKeyringPicker() {
  $('keyring-choice').addEventListener('change', (event) => {
    const id = event.target.dataset.pick;
    if (!id) return;
    state.selected = event.target.checked ? [...state.selected.filter((s) => s !== id), id] : state.selected.filter((s) => s !== id);
    changed();
  });
  onChange(render);
  render();
}
