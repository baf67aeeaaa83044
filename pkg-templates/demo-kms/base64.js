// @ts-check
// Standard base64 (RFC 4648 §4), as KMS JSON carries blobs. No Buffer: this runs in pages and
// workers too. `atob`/`btoa` exist in browsers, workers and Node 20.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const CHUNK = 0x8000;

/**
 * Encodes bytes as padded standard base64.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function encodeBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/**
 * Decodes standard base64 (padding optional, no whitespace, no URL alphabet).
 * @param {string} text
 * @returns {Uint8Array | null} the bytes, or null when `text` is not base64
 */
export function decodeBase64(text) {
  if (!BASE64.test(text)) return null;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
