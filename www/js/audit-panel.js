// The demo key service's audit log, live: every call (time, operation, key, encryption context,
// outcome), never a secret. Exportable as JSON Lines, as the service writes them.

import { $, announce, el, saveBlob, timeCell } from './dom.js';
import { errorSummary } from './header-view.js';
import { CONSOLE_AGENT, WORKER_AGENT } from './kms-client.js';
import { onChange, state } from './state.js';

/** Operations that only read (hidden unless asked for: the console makes many). */
const READS = /^(Describe|List|Get)/;
const SHOWN = 500;

let entries = [];
const seen = new Set();
let scheduled = false;

function keyLabel(arn) {
  if (!arn) return '';
  const key = state.kmsKeys.find((k) => k.arn === arn || k.keyId === arn);
  return key?.aliases[0] ?? arn.replace(/^arn:aws:kms:[^:]*:[^:]*:key\//, '');
}

/** Who called: the page's key console, a crypto Worker's KmsKeyring, or the service itself. */
function caller(entry) {
  if (entry.claimedUserAgent === CONSOLE_AGENT) return 'key console';
  if (entry.claimedUserAgent === WORKER_AGENT) return 'crypto worker';
  if (entry.eventType === 'AwsServiceEvent') return 'key service';
  return entry.claimedUserAgent ?? '';
}

function entryRow(entry) {
  const context = entry.encryptionContext ? Object.entries(entry.encryptionContext).map(([k, v]) => `${k}=${v}`).join(', ') : '';
  const outcome = entry.outcome === 'ok'
    ? el('span', { className: 'badge ok' }, 'ok')
    : el('span', { className: 'badge error', title: entry.errorMessage ?? '' }, entry.errorCode ?? 'error');
  return el('tr', { dataset: { operation: entry.operation, outcome: entry.outcome } },
    el('td', {}, timeCell(entry.time)),
    el('td', {}, el('code', {}, entry.operation), el('div', { className: 'muted', title: entry.claimedUserAgent ?? '' }, caller(entry))),
    el('td', {}, el('span', { title: entry.keyId ?? '' }, keyLabel(entry.keyId)), entry.aliasName && entry.aliasName !== keyLabel(entry.keyId) ? el('div', { className: 'muted' }, entry.aliasName) : null),
    el('td', { className: 'wrap' }, context),
    el('td', {}, outcome, entry.errorMessage ? el('div', { className: 'muted wrap' }, entry.errorMessage) : null));
}

function render() {
  scheduled = false;
  const hideReads = $('audit-hide-reads').checked;
  const shown = entries.filter((e) => !hideReads || !READS.test(e.operation));
  const newest = shown.slice(-SHOWN).reverse();
  $('audit').tBodies[0].replaceChildren(...newest.map(entryRow));
  const hidden = entries.length - shown.length;
  $('audit-count').textContent = `${entries.length} call${entries.length === 1 ? '' : 's'} recorded${hidden ? `, ${hidden} read-only hidden` : ''}${shown.length > SHOWN ? `, newest ${SHOWN} shown` : ''}.`;
}

function scheduleRender() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(render);
}

function add(entry) {
  const id = entry.requestId ?? `${entry.time}/${entry.operation}/${entries.length}`;
  if (seen.has(id)) return;
  seen.add(id);
  entries.push(entry);
  scheduleRender();
}

/** @param {{ onAudit: Function, auditLog: () => Promise<object[]>, exportAuditLog: () => Promise<string> }} kms */
export async function setupAuditPanel(kms) {
  kms.onAudit(add);
  $('audit-hide-reads').addEventListener('change', render);
  $('audit-export').addEventListener('click', async () => {
    try {
      const lines = await kms.exportAuditLog();
      saveBlob(new Blob([lines], { type: 'application/jsonl' }), 'demo-kms-audit.jsonl');
      announce(`Audit log exported: ${lines ? lines.split('\n').length - 1 : 0} entries as JSON Lines.`);
    } catch (e) {
      announce(errorSummary(e), 'error');
    }
  });
  onChange(scheduleRender); // aliases appear in the key column
  const earlier = await kms.auditLog();
  const live = entries;
  entries = [];
  seen.clear();
  for (const entry of [...earlier, ...live]) add(entry);
  render();
}
