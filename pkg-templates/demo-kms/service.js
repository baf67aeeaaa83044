// @ts-check
// DemoKeyService: a stand-in for AWS KMS that runs in the page, a worker or Node. It takes and
// returns KMS JSON (blobs as base64), throws KMS-named errors and records every call in an
// audit log. For development and tests only: see docs/demo-kms.md.

import { loggedParameters, queryEntries, toJsonLines } from './audit.js';
import { KmsError, toKmsError } from './errors.js';
import { DAY_MS, KeyDirectory, currentMaterial, rotate } from './keys.js';
import { MemoryKeyStore } from './memory-store.js';
import * as aliasOps from './ops-aliases.js';
import * as cryptoOps from './ops-crypto.js';
import * as keyOps from './ops-keys.js';
import * as rotationOps from './ops-rotation.js';
import { SCHEMAS, acceptedContext, parseRequest } from './schema.js';

/**
 * What an operation works with: the keys, and the time of the request (ms, from the clock).
 * @typedef {{ keys: KeyDirectory, now: number }} OperationEnv
 */

/**
 * What an operation tells the audit log (never secrets).
 * @typedef {object} Trail
 * @property {string} [keyId]
 * @property {string} [sourceKeyId]
 * @property {string} [aliasName]
 * @property {Record<string, string>} [encryptionContext]
 * @property {Record<string, string>} [sourceEncryptionContext]
 * @property {number} [keyMaterialVersion]
 */

/**
 * @typedef {(env: OperationEnv, params: Record<string, any>, trail: Trail) => Promise<Record<string, unknown>>} Operation
 */

/** Every function exported by the ops-*.js modules, by its KMS name. */
/** @type {Record<string, Operation>} */
const OPERATIONS = Object.fromEntries(
  Object.entries({ ...keyOps, ...aliasOps, ...cryptoOps, ...rotationOps }).filter(([, op]) => typeof op === 'function'),
);

/** The operations this service answers, by KMS name. */
export const OPERATION_NAMES = Object.freeze(Object.keys(OPERATIONS).sort());

/** The request member that names the key, where it is not `KeyId`. */
/** @type {Record<string, string>} */
const KEY_MEMBER = { CreateAlias: 'TargetKeyId', UpdateAlias: 'TargetKeyId', ReEncrypt: 'DestinationKeyId' };

const DEFAULT_REGION = 'us-east-1';
/** The account id AWS's documentation uses in examples. */
const DEFAULT_ACCOUNT_ID = '111122223333';

/**
 * @typedef {object} DemoKeyServiceOptions
 * @property {import('./memory-store.js').KeyStore} [store] default: a new MemoryKeyStore
 * @property {() => Date | number} [clock] the time (a Date or ms since the epoch); default `Date.now`
 * @property {string} [region] used in ARNs; default `us-east-1`
 * @property {string} [accountId] 12 digits, used in ARNs; default `111122223333`
 * @property {(entry: import('./audit.js').AuditEntry) => void} [onAudit] called with each new audit entry
 */

/**
 * @typedef {object} RequestContext
 * @property {string} [requestId] default: a new UUID
 * @property {string} [accessKeyId] SigV4 access key id the caller claims, for the audit log (as
 *   `claimedAccessKeyId`: nothing verifies it)
 * @property {string} [userAgent]
 */

export class DemoKeyService {
  #store;
  #clock;
  #keys;
  #onAudit;
  /** Operations run one at a time: each is a read-modify-write of the store. */
  #queue = Promise.resolve();

  /** @param {DemoKeyServiceOptions} [options] */
  constructor(options = {}) {
    const {
      store = new MemoryKeyStore(),
      clock = Date.now,
      region = DEFAULT_REGION,
      accountId = DEFAULT_ACCOUNT_ID,
      onAudit,
    } = options;
    if (typeof clock !== 'function') throw new TypeError('DemoKeyService: clock must be a function returning a Date or ms');
    if (typeof region !== 'string' || !/^[a-z0-9-]+$/.test(region)) {
      throw new TypeError(`DemoKeyService: region must look like us-east-1, got ${region}`);
    }
    if (typeof accountId !== 'string' || !/^[0-9]{12}$/.test(accountId)) {
      throw new TypeError(`DemoKeyService: accountId must be 12 digits, got ${accountId}`);
    }
    if (onAudit !== undefined && typeof onAudit !== 'function') throw new TypeError('DemoKeyService: onAudit must be a function');
    for (const method of ['getKey', 'putKey', 'deleteKey', 'listKeys', 'getAlias', 'putAlias', 'deleteAlias', 'listAliases', 'appendAudit', 'listAudit']) {
      if (typeof (/** @type {any} */ (store)[method]) !== 'function') {
        throw new TypeError(`DemoKeyService: store has no ${method}() method`);
      }
    }
    this.#store = store;
    this.#clock = clock;
    this.#keys = new KeyDirectory(store, region, accountId);
    this.#onAudit = onAudit;
    this.request = this.request.bind(this);
  }

  /** The region in this service's ARNs. */
  get region() {
    return this.#keys.region;
  }

  /** The account id in this service's ARNs. */
  get accountId() {
    return this.#keys.accountId;
  }

  /** The store keys, aliases and the audit log live in. */
  get store() {
    return this.#store;
  }

  /**
   * Runs one KMS operation. `input` and the result are KMS JSON (blobs as base64 strings; a
   * `Uint8Array` is accepted for input blobs too). Bound to the service, so `service.request`
   * can be passed as a KMS transport `(operation, input) => Promise<output>`.
   * @param {string} operation e.g. `GenerateDataKey`
   * @param {unknown} [input]
   * @param {RequestContext} [context]
   * @returns {Promise<Record<string, any>>}
   * @throws {KmsError} with `name`/`code`/`__type` the KMS exception name
   */
  request(operation, input, context) {
    const run = () => this.#call(operation, input, context ?? {});
    const result = this.#queue.then(run, run);
    this.#queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * The audit log, oldest first, optionally filtered.
   * @param {import('./audit.js').AuditQuery} [query]
   * @returns {Promise<import('./audit.js').AuditEntry[]>}
   */
  async auditLog(query) {
    return queryEntries(await this.#store.listAudit(), query);
  }

  /**
   * The audit log as JSON Lines (one entry per line), optionally filtered.
   * @param {import('./audit.js').AuditQuery} [query]
   * @returns {Promise<string>}
   */
  async exportAuditLog(query) {
    return toJsonLines(await this.auditLog(query));
  }

  /** Empties the audit log. */
  async clearAuditLog() {
    await this.#store.clearAudit();
  }

  /** @returns {number} ms since the epoch */
  #now() {
    const t = this.#clock();
    const ms = t instanceof Date ? t.getTime() : t;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw new TypeError(`DemoKeyService: clock() must return a Date or a number of ms, got ${t}`);
    }
    return ms;
  }

  /**
   * @param {unknown} operation
   * @param {unknown} input
   * @param {RequestContext} context
   */
  async #call(operation, input, context) {
    const now = this.#now();
    const name = typeof operation === 'string' ? operation.slice(0, 128) : String(operation);
    const trail = initialTrail(name, input);
    /** @type {Record<string, any>} */
    let params = {};
    /** @type {{ result: Record<string, any> } | { error: KmsError }} */
    let outcome;
    try {
      const handler = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
      if (!handler || typeof operation !== 'string') {
        throw new KmsError('UnknownOperationException', `The demo key service has no operation ${name}.`);
      }
      params = parseRequest(name, input);
      await this.#housekeeping(now);
      outcome = { result: await handler({ keys: this.#keys, now }, params, trail) };
    } catch (error) {
      outcome = { error: toKmsError(error) };
    }
    // No answer without its audit entry: a store that cannot record fails the call.
    await this.#record({
      time: new Date(now).toISOString(),
      eventType: 'AwsApiCall',
      requestId: typeof context.requestId === 'string' ? context.requestId : crypto.randomUUID(),
      operation: name,
      ...optional('keyId', trail.keyId),
      ...optional('sourceKeyId', trail.sourceKeyId),
      ...optional('aliasName', trail.aliasName),
      ...optional('encryptionContext', trail.encryptionContext),
      ...optional('sourceEncryptionContext', trail.sourceEncryptionContext),
      ...optional('keyMaterialVersion', trail.keyMaterialVersion),
      ...optional('parameters', loggedParameters(params)),
      ...optional('claimedAccessKeyId', typeof context.accessKeyId === 'string' ? context.accessKeyId : undefined),
      ...optional('claimedUserAgent', typeof context.userAgent === 'string' ? context.userAgent : undefined),
      ...('error' in outcome
        ? { outcome: 'error', errorCode: outcome.error.__type, errorMessage: outcome.error.message }
        : { outcome: 'ok' }),
    }).catch((error) => {
      throw toKmsError(error);
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  }

  /**
   * What the service does on its own when its clock passes a date: deletes keys whose pending
   * window has ended (and their aliases), and rotates keys whose NextRotationDate has come.
   * Runs before every operation.
   * @param {number} now
   */
  async #housekeeping(now) {
    for (const key of await this.#store.listKeys()) {
      const arn = this.#keys.keyArn(key.keyId);
      if (key.state === 'PendingDeletion' && key.deletionDate !== null && now >= key.deletionDate) {
        for (const alias of await this.#store.listAliases()) {
          if (alias.targetKeyId === key.keyId) await this.#store.deleteAlias(alias.aliasName);
        }
        await this.#store.deleteKey(key.keyId);
        await this.#record(serviceEvent(now, 'DeleteKey', arn));
      } else if (
        key.state === 'Enabled' &&
        key.rotation.enabled &&
        key.rotation.nextRotationDate !== null &&
        key.rotation.periodInDays !== null &&
        now >= key.rotation.nextRotationDate
      ) {
        await rotate(key, now, 'AUTOMATIC');
        key.rotation.nextRotationDate = now + key.rotation.periodInDays * DAY_MS;
        await this.#store.putKey(key);
        await this.#record({ ...serviceEvent(now, 'RotateKey', arn), keyMaterialVersion: currentMaterial(key).version });
      }
    }
  }

  /** @param {import('./audit.js').AuditEntry} entry */
  async #record(entry) {
    await this.#store.appendAudit(entry);
    if (this.#onAudit) {
      try {
        this.#onAudit(structuredClone(entry));
      } catch {
        // A failing listener must not fail the call it observes.
      }
    }
  }
}

/**
 * @param {number} now
 * @param {string} operation
 * @param {string} keyId
 * @returns {import('./audit.js').AuditEntry}
 */
function serviceEvent(now, operation, keyId) {
  return {
    time: new Date(now).toISOString(),
    eventType: 'AwsServiceEvent',
    requestId: crypto.randomUUID(),
    operation,
    keyId,
    outcome: 'ok',
  };
}

/**
 * @template T
 * @param {string} name
 * @param {T | undefined} value
 */
const optional = (name, value) => (value === undefined ? {} : { [name]: value });

/**
 * What the audit log knows of a request before the operation runs: the key as the caller named
 * it, the alias, and the encryption context, each only if well-formed.
 * @param {string} operation
 * @param {unknown} input
 * @returns {Trail}
 */
function initialTrail(operation, input) {
  /** @type {Trail} */
  const trail = {};
  const schema = Object.hasOwn(SCHEMAS, operation) ? SCHEMAS[operation] : undefined;
  if (!schema || typeof input !== 'object' || input === null || Array.isArray(input)) return trail;
  const fields = /** @type {Record<string, unknown>} */ (input);
  const text = /** @param {string} member @param {number} max */ (member, max) => {
    const v = Object.hasOwn(fields, member) ? fields[member] : undefined;
    return typeof v === 'string' && v.length <= max ? v : undefined;
  };
  const keyId = text(KEY_MEMBER[operation] ?? 'KeyId', 2048);
  if (keyId !== undefined && schema[KEY_MEMBER[operation] ?? 'KeyId']) trail.keyId = keyId;
  if (operation === 'ReEncrypt') {
    const sourceKeyId = text('SourceKeyId', 2048);
    if (sourceKeyId !== undefined) trail.sourceKeyId = sourceKeyId;
  }
  const aliasName = schema.AliasName ? text('AliasName', 256) : undefined;
  if (aliasName !== undefined) trail.aliasName = aliasName;
  const contextMember = operation === 'ReEncrypt' ? 'DestinationEncryptionContext' : 'EncryptionContext';
  const context = schema[contextMember] ? acceptedContext(fields[contextMember]) : undefined;
  if (context !== undefined) trail.encryptionContext = context;
  if (operation === 'ReEncrypt') {
    const source = acceptedContext(fields.SourceEncryptionContext);
    if (source !== undefined) trail.sourceEncryptionContext = source;
  }
  return trail;
}
