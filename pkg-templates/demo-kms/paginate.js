// @ts-check
// KMS-style pagination: `Limit` and an opaque `Marker`; `Truncated` and `NextMarker` out.
// The marker is the sort key of the last item returned, so deleting items between pages is safe.

import { decodeBase64, encodeBase64 } from './base64.js';
import { KmsError } from './errors.js';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * @template T
 * @param {T[]} items
 * @param {(item: T) => string} sortKey unique per item
 * @param {{ Limit?: number, Marker?: string }} params
 * @param {number} defaultLimit
 * @returns {{ page: T[], more: { Truncated: boolean, NextMarker?: string } }}
 * @throws {KmsError} InvalidMarkerException
 */
export function paginate(items, sortKey, params, defaultLimit) {
  const keyed = items.map((item) => ({ key: sortKey(item), item })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let start = 0;
  if (params.Marker !== undefined) {
    const after = decodeMarker(params.Marker);
    start = keyed.findIndex((k) => k.key > after);
    if (start < 0) start = keyed.length;
  }
  const limit = params.Limit ?? defaultLimit;
  const chosen = keyed.slice(start, start + limit);
  const truncated = start + limit < keyed.length;
  return {
    page: chosen.map((k) => k.item),
    more: truncated
      ? { Truncated: true, NextMarker: encodeBase64(utf8.encode(chosen[chosen.length - 1].key)) }
      : { Truncated: false },
  };
}

/** @param {string} marker */
function decodeMarker(marker) {
  const bytes = decodeBase64(marker);
  try {
    if (bytes) return utf8Decoder.decode(bytes);
  } catch {
    // falls through
  }
  throw new KmsError('InvalidMarkerException', 'The marker is not valid: pass the NextMarker of a previous response.');
}

/** Zero-padded number, so that string order is numeric order. @param {number} n */
export const sortableNumber = (n) => String(n).padStart(16, '0');
