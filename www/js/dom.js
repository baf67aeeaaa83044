// Small DOM and formatting helpers (no framework).

export const $ = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node;
};

/**
 * Creates an element: `el('td', { className: 'x', dataset: { id } }, 'text', child)`.
 * Children are nodes or strings (set as text, never parsed as HTML).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('aria-') || key === 'role' || key === 'for') node.setAttribute(key, value === true ? '' : value);
    else node[key] = value;
  }
  node.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 52428800 -> "50.0 MiB". */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

/** Seconds -> "0:07", "12:04", "1:02:03". */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** An ISO time as local "HH:MM:SS" (the full time in the title). */
export function timeCell(iso) {
  const date = new Date(iso);
  return el('time', { dateTime: iso, title: date.toString() }, date.toLocaleTimeString([], { hour12: false }));
}

/** Parses `key=value` lines into an encryption context. */
export function parseContext(text) {
  const context = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq < 1) throw Object.assign(new Error(`encryption context line ${index + 1} ("${line}") is not key=value`), { code: 'INVALID_ARGUMENT' });
    context[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return context;
}

/** Offers `blob` as a download through a (visible) link: returns the link. */
export function downloadLink(link, blob, name) {
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.textContent = `Save ${name} (${formatBytes(blob.size)})`;
  link.hidden = false;
  return link;
}

/** Hides a download link and releases its Blob. */
export function clearLink(link) {
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.removeAttribute('href');
  link.hidden = true;
}

/** Starts downloading `blob` as `name` without showing a link. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The page-wide status line (an aria-live region). */
export function announce(text, kind = 'info') {
  const status = $('app-status');
  status.textContent = text;
  status.dataset.kind = kind;
}
