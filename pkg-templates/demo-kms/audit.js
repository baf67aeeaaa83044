// @ts-check
// Audit trail entries: who called what on which key, with which encryption context, and how it
// ended. Built from an allowlist, so plaintext, data keys, key material, ciphertext blobs,
// descriptions, policies and grant tokens can never reach the log (validation messages included:
// schema.js never quotes those members).
//
// The caller fields are what the request claims: the service does not verify SigV4 signatures, so
// `claimedAccessKeyId` is whatever access key id the Authorization header names.

/**
 * @typedef {object} AuditEntry
 * @property {string} time ISO 8601 time from the service's clock
 * @property {'AwsApiCall' | 'AwsServiceEvent'} eventType a request, or the service acting on its own
 *   (automatic rotation, deletion at the end of the pending window)
 * @property {string} requestId a UUID; over fetch, also the `x-amzn-RequestId` response header
 * @property {string} operation
 * @property {string} [keyId] the key's ARN once resolved, else the identifier the request gave
 * @property {string} [sourceKeyId] ReEncrypt: the key that decrypted
 * @property {string} [aliasName] alias operations
 * @property {Record<string, string>} [encryptionContext] (ReEncrypt: the destination context)
 * @property {Record<string, string>} [sourceEncryptionContext] ReEncrypt
 * @property {number} [keyMaterialVersion] the key material version used (or made, by rotation)
 * @property {Record<string, string | number | boolean>} [parameters] other non-secret request parameters
 * @property {string} [claimedAccessKeyId] the access key id the request's SigV4 Authorization
 *   header names, unverified (the signature is not checked)
 * @property {string} [claimedUserAgent] the user agent the request gives, unverified
 * @property {'ok' | 'error'} outcome
 * @property {string} [errorCode] the KMS exception name when `outcome` is `error`
 * @property {string} [errorMessage]
 */

/** Request parameters safe to log beyond the key and context (never blobs, never Description). */
const LOGGED_PARAMETERS = [
  'TargetKeyId',
  'KeyUsage',
  'KeySpec',
  'NumberOfBytes',
  'EncryptionAlgorithm',
  'SourceEncryptionAlgorithm',
  'DestinationEncryptionAlgorithm',
  'PendingWindowInDays',
  'RotationPeriodInDays',
  'IncludeKeyMaterial',
  'DryRun',
];

/**
 * The parameters of a parsed request that the log may keep.
 * @param {Record<string, unknown>} params
 * @returns {Record<string, string | number | boolean> | undefined}
 */
export function loggedParameters(params) {
  /** @type {Record<string, string | number | boolean>} */
  const out = {};
  for (const name of LOGGED_PARAMETERS) {
    const value = params[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * @typedef {object} AuditQuery
 * @property {string} [keyId] key id or key ARN: entries whose `keyId` or `sourceKeyId` name that key
 * @property {string} [operation]
 * @property {Date | string | number} [since] entries at or after this time (Date, ISO string or ms)
 * @property {number} [limit] at most this many, the most recent ones
 */

/**
 * Filters entries (oldest first) by an audit query.
 * @param {AuditEntry[]} entries
 * @param {AuditQuery} [query]
 * @returns {AuditEntry[]}
 */
export function queryEntries(entries, query = {}) {
  const { keyId, operation, since, limit } = query;
  const sinceMs = since === undefined ? undefined : since instanceof Date ? since.getTime() : typeof since === 'number' ? since : Date.parse(since);
  if (sinceMs !== undefined && Number.isNaN(sinceMs)) throw new TypeError(`auditLog: since is not a time: ${since}`);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new TypeError(`auditLog: limit must be a non-negative integer, got ${limit}`);
  }
  const wanted = keyId === undefined ? undefined : keyName(keyId);
  const matchesKey = (/** @type {string | undefined} */ id) => id !== undefined && keyName(id) === wanted;
  const found = entries.filter(
    (e) =>
      (operation === undefined || e.operation === operation) &&
      (keyId === undefined || matchesKey(e.keyId) || matchesKey(e.sourceKeyId)) &&
      (sinceMs === undefined || Date.parse(e.time) >= sinceMs),
  );
  return limit === undefined ? found : found.slice(Math.max(0, found.length - limit));
}

/**
 * What a key identifier names, so that a key id and its ARN compare equal: the lowercase key id
 * for either, the identifier itself otherwise (an alias, as a failed call may have logged it).
 * @param {string} identifier
 */
function keyName(identifier) {
  const id = identifier.toLowerCase();
  const match = /(?:^|:key\/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(id);
  return match ? match[1] : id;
}

/**
 * JSON Lines: one entry per line, each line ending with `\n`.
 * @param {AuditEntry[]} entries
 */
export function toJsonLines(entries) {
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}
