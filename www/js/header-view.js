// Shows a message header (suite, message id, encryption context, encrypted data keys) and
// errors (code, KMS exception, message and causes).

import { el } from './dom.js';

const SUITES = {
  0x0014: 'AES-128-GCM (no key derivation, legacy)',
  0x0046: 'AES-192-GCM (no key derivation, legacy)',
  0x0078: 'AES-256-GCM (no key derivation, legacy)',
  0x0114: 'AES-128-GCM, HKDF-SHA256',
  0x0146: 'AES-192-GCM, HKDF-SHA256',
  0x0178: 'AES-256-GCM, HKDF-SHA256',
  0x0214: 'AES-128-GCM, HKDF-SHA256, ECDSA P-256',
  0x0346: 'AES-192-GCM, HKDF-SHA384, ECDSA P-384',
  0x0378: 'AES-256-GCM, HKDF-SHA384, ECDSA P-384',
  0x0478: 'AES-256-GCM, HKDF-SHA512, key commitment',
  0x0578: 'AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384',
};

export const suiteName = (id) => `0x${id.toString(16).padStart(4, '0')} ${SUITES[id] ?? '(unknown suite)'}`;

function row(term, ...details) {
  return [el('dt', {}, term), el('dd', {}, ...details)];
}

/** Renders `header` (as the crypto Worker describes it) into `container`. */
export function renderHeader(container, header, caption) {
  const context = Object.entries(header.encryptionContext);
  const contextView = context.length
    ? el('table', { className: 'kv' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'key'), el('th', { scope: 'col' }, 'value'))),
        el('tbody', {}, context.map(([k, v]) => el('tr', {}, el('td', {}, el('code', {}, k)), el('td', {}, el('code', {}, v.length > 120 ? `${v.slice(0, 117)}…` : v))))))
    : el('span', { className: 'muted' }, '(empty)');
  const edks = el('table', { className: 'edks' },
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, 'provider id'),
      el('th', { scope: 'col' }, 'provider info (key)'),
      el('th', { scope: 'col' }, 'wrapped key'))),
    el('tbody', {}, header.encryptedDataKeys.map((edk) => el('tr', {},
      el('td', {}, el('code', {}, edk.providerId)),
      el('td', {}, el('code', { className: 'wrap' }, edk.providerInfo)),
      el('td', {}, `${edk.wrappedKeyBytes} bytes`)))));
  container.replaceChildren(
    el('h4', {}, caption),
    el('dl', { className: 'header' },
      row('Suite', el('code', {}, suiteName(header.suiteId))),
      row('Message id', el('code', { className: 'wrap' }, header.messageId)),
      row('Format', `version ${header.version}, ${header.contentType}${header.frameLength ? `, ${header.frameLength / 1024} KiB frames` : ''}`),
      row('Encryption context', contextView),
      row(`Encrypted data keys (${header.encryptedDataKeys.length})`, edks)),
  );
  container.hidden = false;
}

function errorItems(error) {
  // A cause whose message the error already quotes adds nothing.
  const causes = (error.causes ?? []).filter((c) => !(c.message && error.message?.includes(c.message) && !c.causes?.length));
  const title = [error.code, error.kmsType && error.kmsType !== error.code ? error.kmsType : null].filter(Boolean).join(' / ');
  return el('li', {},
    title ? el('strong', { className: 'code' }, title) : null,
    title ? ': ' : null,
    error.message,
    causes.length ? el('ul', {}, causes.map(errorItems)) : null);
}

/** Renders an error (code, KMS exception type, message, causes) into an alert container. */
export function renderError(container, error, lead) {
  container.replaceChildren(el('p', {}, lead), el('ul', { className: 'error-chain' }, errorItems(error)));
  container.hidden = false;
}

/** One line for the status region. */
export function errorSummary(error) {
  return `${error.code ?? error.kmsType ?? error.name ?? 'Error'}: ${error.message}`;
}
