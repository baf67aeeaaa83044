// KmsKeyring: data keys generated and wrapped by a KMS key, over the AWS KMS JSON 1.1 protocol
// (TrentService.GenerateDataKey / Encrypt / Decrypt): AWS KMS, LocalStack, moto, envseal's demo key
// service, or an application's backend through a custom transport.
//
// What happens here: options, the transport (fetch with SigV4 and a timeout, or the caller's
// function), and turning transport failures into coded errors. What does not: the keyring itself
// is the core's (CoreKmsKeyring: the same code as the Rust KmsKeyring), whose steps build every
// request and check every answer; the SigV4 signature is computed there too; this file supplies
// only the clock. A request's body and its answer cross into the core as JSON text, once.

import { codedError, requireInit } from './runtime.js';
import { KMS_REQUEST, describe, readOptions, typeError, unwrapKey, wrapKey } from './keyring-protocol.js';
// The WebAssembly core, every call guarded against a trap (runtime.js).
import { core as wasm } from './runtime.js';

/** How long the default transport waits for one KMS answer, unless `timeoutMs` says otherwise. */
export const KMS_DEFAULT_TIMEOUT_MS = 10_000;

const OPTIONS = [
  'keyId',
  'endpoint',
  'region',
  'credentials',
  'grantTokens',
  'transport',
  'discovery',
  'discoveryFilter',
  'timeoutMs',
  'allowInsecureHttp',
];

/** A keyring whose master key is a KMS key. */
export class KmsKeyring {
  /** The core's KMS keyring (key id or discovery filter, grant tokens). */
  #core;
  #keyId = null;
  #discovery = false;
  #filter = null;
  #grantTokens = [];
  #transport = null;
  #endpoint = null;
  #region = null;
  #credentials = null;
  #timeoutMs = KMS_DEFAULT_TIMEOUT_MS;

  /**
   * @param {{ keyId?: string, endpoint?: string | URL, region?: string,
   *   credentials?: { accessKeyId: string, secretAccessKey: string, sessionToken?: string }
   *     | (() => Promise<{ accessKeyId: string, secretAccessKey: string, sessionToken?: string }>),
   *   grantTokens?: string[], transport?: (operation: string, request: object) => Promise<object>,
   *   discovery?: boolean, discoveryFilter?: { partition: string, accounts: string[] }, timeoutMs?: number }} options
   */
  constructor(options) {
    requireInit('KmsKeyring');
    const api = 'KmsKeyring';
    const o = readOptions(options, api, OPTIONS, true);
    const label = (key) => `${api}: options.${key}`;
    const invalid = (message) => codedError('INVALID_ARGUMENT', `invalid argument: ${message}`);

    if (o.discovery !== undefined && typeof o.discovery !== 'boolean') {
      throw typeError(`${label('discovery')} must be a boolean, got ${describe(o.discovery)}`);
    }
    this.#discovery = o.discovery === true;
    if (this.#discovery) {
      if (o.keyId !== undefined) {
        throw invalid(`${api}: a discovery keyring decrypts with any key its filter allows, so it takes no keyId`);
      }
      if (o.discoveryFilter !== undefined) this.#filter = readFilter(o.discoveryFilter, label('discoveryFilter'));
    } else {
      if (o.keyId === undefined) {
        throw typeError(`${label('keyId')} is required (a key ARN, key id or alias), unless discovery is true`);
      }
      if (typeof o.keyId !== 'string') throw typeError(`${label('keyId')} must be a string, got ${describe(o.keyId)}`);
      if (o.keyId === '') throw invalid(`${label('keyId')} must not be empty`);
      if (o.discoveryFilter !== undefined) {
        throw invalid(`${label('discoveryFilter')} applies only to discovery keyrings (discovery: true)`);
      }
      this.#keyId = o.keyId;
    }

    if (o.grantTokens !== undefined) {
      if (!Array.isArray(o.grantTokens) || o.grantTokens.some((t) => typeof t !== 'string')) {
        throw typeError(`${label('grantTokens')} must be an array of strings, got ${describe(o.grantTokens)}`);
      }
      this.#grantTokens = [...o.grantTokens];
    }

    this.#core = new wasm.CoreKmsKeyring({ keyId: this.#keyId ?? undefined, discoveryFilter: this.#filter ?? undefined, grantTokens: this.#grantTokens });

    if (o.transport !== undefined) {
      if (typeof o.transport !== 'function') {
        throw typeError(`${label('transport')} must be a function (operation, request) => Promise<response>, got ${describe(o.transport)}`);
      }
      const ignored = ['endpoint', 'region', 'credentials', 'timeoutMs', 'allowInsecureHttp'].filter((k) => o[k] !== undefined);
      if (ignored.length) {
        throw invalid(`${api}: a custom transport replaces ${ignored.join(', ')}: give one or the other`);
      }
      this.#transport = o.transport;
      return;
    }

    if (o.allowInsecureHttp !== undefined && typeof o.allowInsecureHttp !== 'boolean') {
      throw typeError(`${label('allowInsecureHttp')} must be a boolean, got ${describe(o.allowInsecureHttp)}`);
    }
    if (o.endpoint !== undefined) {
      this.#endpoint = readEndpoint(o.endpoint, label('endpoint'), o.allowInsecureHttp === true);
    }
    if (o.region !== undefined) {
      if (typeof o.region !== 'string' || o.region === '') {
        throw typeError(`${label('region')} must be a region name such as 'us-east-1', got ${describe(o.region)}`);
      }
      // The region names the signing scope and, without an endpoint, the host: a region name only.
      if (!this.#endpoint) wasm.kmsEndpoint(arnOf(this.#keyId)?.partition ?? 'aws', o.region);
      this.#region = o.region;
    }
    if (o.credentials !== undefined) {
      if (typeof o.credentials !== 'function') checkCredentials(o.credentials, label('credentials'));
      this.#credentials = o.credentials;
    }
    if (o.timeoutMs !== undefined) {
      if (typeof o.timeoutMs !== 'number') throw typeError(`${label('timeoutMs')} must be a number, got ${describe(o.timeoutMs)}`);
      if (!Number.isInteger(o.timeoutMs) || o.timeoutMs < 1 || o.timeoutMs > 2 ** 31 - 1) {
        throw codedError('INVALID_ARGUMENT', `${label('timeoutMs')} must be a whole number of milliseconds from 1 to 2^31 - 1, got ${o.timeoutMs}`, RangeError);
      }
      this.#timeoutMs = o.timeoutMs;
    }
    // Where requests go must be known now for a keyring bound to one key: an endpoint, or a
    // region (given, or read from the key ARN). A discovery keyring can use each EDK's region.
    if (!this.#discovery && !this.#endpoint && !this.#region && !arnOf(this.#keyId)) {
      throw invalid(
        `${api}: keyId ${JSON.stringify(this.#keyId)} is not a key ARN, so give region (for https://kms.<region>.amazonaws.com/) or endpoint`,
      );
    }
    if (this.#credentials && !this.#region && !this.#discovery && !arnOf(this.#keyId)) {
      throw invalid(`${api}: signing with credentials needs region (the key id is not an ARN to read it from)`);
    }
  }

  /** The key this keyring uses (as given), or null for a discovery keyring. */
  get keyId() {
    return this.#keyId;
  }

  /** Whether this is a discovery keyring (decrypt only). */
  get discovery() {
    return this.#discovery;
  }

  /** `KMS keyring "arn:..."` or `KMS discovery keyring`; never credentials. */
  toString() {
    return this.#discovery ? 'KMS discovery keyring' : `KMS keyring ${JSON.stringify(this.#keyId)}`;
  }

  /** @internal The core's handle to this keyring. */
  __keyringHandle() {
    return this.#core.__keyringHandle();
  }

  /**
   * Generates the data key with GenerateDataKey (when the materials have none) or wraps the existing
   * one with Encrypt, and adds the EDK (provider id `aws-kms`, provider info the key ARN KMS named).
   */
  async onEncrypt(materials) {
    await wrapKey(this, materials);
  }

  /**
   * Decrypts the first of this keyring's EDKs that KMS decrypts: those of its key (or, for discovery,
   * those whose key ARN passes the filter). Null if the message has none; with one attempt its own
   * error (e.g. KMS_ERROR with kmsType 'DisabledException'), with several NO_MATCHING_KEY.
   */
  async onDecrypt(materials, encryptedDataKeys) {
    return unwrapKey(this, materials, encryptedDataKeys);
  }

  /** @internal Makes one KMS request a core step asked for: resolves with the answer's JSON text. */
  [KMS_REQUEST](operation, body, keyId) {
    return this.#send(operation, body, keyId);
  }

  /** One KMS call; `keyId` (an ARN, for discovery) picks the regional endpoint when none is set. */
  async #send(operation, body, keyId) {
    if (this.#transport) return callTransport(this.#transport, operation, body);
    const arn = this.#region && this.#endpoint ? null : arnOf(keyId); // the ARN routes only what is not configured
    const region = this.#region ?? arn?.region;
    const endpoint = this.#endpoint ?? regionalEndpoint(arn?.partition ?? 'aws', region);
    return fetchKms({ endpoint, region, credentials: this.#credentials, timeoutMs: this.#timeoutMs }, operation, body);
  }
}

// ---- the default transport: fetch -----------------------------------------------------------

/**
 * POSTs one KMS JSON 1.1 request (`body`: its JSON text); SigV4-signed when there are credentials;
 * aborted after `timeoutMs`. Resolves with the answer's text (the core reads it); rejects with
 * KMS_ERROR (a KMS error body, with `kmsType`) or KMS_UNAVAILABLE (network failure, timeout,
 * HTTP error without a KMS body).
 */
async function fetchKms({ endpoint, region, credentials, timeoutMs }, operation, body) {
  if (typeof fetch !== 'function') {
    throw unavailable('network', `${operation}: this runtime has no fetch(); give KmsKeyring a transport`);
  }
  const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` };
  if (credentials) {
    const given = typeof credentials === 'function' ? await credentials() : credentials;
    checkCredentials(given, 'KmsKeyring: the credentials');
    // Only the three fields (an AWS SDK credentials object has more).
    const creds = { accessKeyId: given.accessKeyId, secretAccessKey: given.secretAccessKey, sessionToken: given.sessionToken };
    if (!region) {
      throw codedError('INVALID_ARGUMENT', 'invalid argument: KmsKeyring: signing with credentials needs a region');
    }
    const signable = { method: 'POST', host: endpoint.host, path: endpoint.pathname || '/', headers, body };
    Object.assign(headers, wasm.signSigV4(signable, creds, region, 'kms', amzDate(new Date())));
  }
  const where = endpoint.href;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  let status;
  let text;
  try {
    // redirect: 'error': a redirect would re-send the body (an Encrypt request holds the plaintext
    // data key) and the signed headers (the session token) to another origin.
    const response = await fetch(endpoint, { method: 'POST', headers, body, signal: controller.signal, redirect: 'error' });
    status = response.status;
    text = await response.text();
  } catch (error) {
    if (timedOut) {
      throw unavailable('timeout', `${operation} to ${where}: no answer within ${timeoutMs} ms (timeoutMs)`, error);
    }
    const detail = error?.cause?.code ?? error?.cause?.message ?? error?.message ?? String(error);
    throw unavailable(
      'network',
      `${operation} to ${where} failed before an answer: ${detail} (network error, refused connection, DNS, CORS, or a redirect: redirects are refused)`,
      error,
    );
  } finally {
    clearTimeout(timer);
  }
  return readAnswer(status, text, operation, where);
}

/** A KMS HTTP answer: the text of a 2xx (JSON, read by the core), else the error its body describes. */
function readAnswer(status, text, operation, where) {
  if (status >= 200 && status <= 299) return text;
  const error = wasm.kmsErrorFromBody(Math.min(Math.max(status, 0), 65535), text);
  error.httpStatus = status;
  if (error.code === 'KMS_UNAVAILABLE') {
    error.reason = 'http';
    error.message = `${error.message} (${operation} to ${where})`;
  }
  throw error;
}

// ---- custom transports ----------------------------------------------------------------------

/**
 * Calls an application's transport with the request as an object. It resolves with the KMS JSON
 * answer (an object, JSON text, or a fetch `Response` to read like the default transport's),
 * returned here as JSON text for the core to read; it rejects with a KMS exception (an error
 * whose `__type`, or whose `name` with an AWS SDK `$fault`, names it: the demo key service's
 * `KmsError`, AWS SDK v3 errors) or with any other error (KMS_UNAVAILABLE).
 */
async function callTransport(transport, operation, body) {
  let answer;
  try {
    answer = await transport(operation, JSON.parse(body));
  } catch (error) {
    throw transportError(error, operation);
  }
  if (typeof Response === 'function' && answer instanceof Response) {
    let text;
    try {
      text = await answer.text();
    } catch (error) {
      throw unavailable('network', `${operation}: reading the transport's response failed: ${error?.message ?? error}`, error);
    }
    return readAnswer(answer.status, text, operation, answer.url || 'the transport');
  }
  if (typeof answer === 'string') return answer;
  try {
    return JSON.stringify(answer); // the core checks it (KMS_BAD_RESPONSE if it is not a valid answer)
  } catch {
    throw codedError('KMS_BAD_RESPONSE', `invalid KMS response: ${operation}: the transport's answer cannot be read as JSON`);
  }
}

function transportError(error, operation) {
  if (['KMS_ERROR', 'KMS_UNAVAILABLE', 'KMS_BAD_RESPONSE'].includes(error?.code)) return error;
  const type =
    typeof error?.__type === 'string'
      ? error.__type
      : typeof error?.$fault === 'string' && typeof error?.name === 'string'
        ? error.name
        : null;
  if (type) {
    const kms = wasm.kmsError(type, String(error.message ?? ''));
    kms.cause = error;
    const status = error.status ?? error.$metadata?.httpStatusCode;
    if (typeof status === 'number') kms.httpStatus = status;
    return kms;
  }
  return unavailable('transport', `${operation}: the transport failed: ${error?.message ?? String(error)}`, error);
}

// ---- helpers --------------------------------------------------------------------------------

function unavailable(reason, message, cause) {
  const error = codedError('KMS_UNAVAILABLE', `KMS unavailable: ${message}`);
  error.reason = reason;
  if (cause !== undefined) error.cause = cause;
  return error;
}

/** The parsed ARN of `keyId`, or null when it is a bare key id or alias name. */
function arnOf(keyId) {
  if (typeof keyId !== 'string' || !keyId.startsWith('arn:')) return null;
  try {
    return wasm.kmsParseArn(keyId);
  } catch {
    return null;
  }
}

/** AWS KMS's endpoint in `region`: built by the core from its partition table, after it checked
 * that `region` is a region name (a discovery keyring reads it from a message's unauthenticated EDK). */
function regionalEndpoint(partition, region) {
  if (!region) {
    throw codedError('INVALID_ARGUMENT', 'invalid argument: KmsKeyring: no region to reach KMS in: give region or endpoint');
  }
  return new URL(wasm.kmsEndpoint(partition, region));
}

/** Whether `url` names this machine (plain http is acceptable there). */
function isLoopback(url) {
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The endpoint as a URL; a relative one resolves against the page (or worker) location. Plain
 * http only to this machine, or with `allowInsecureHttp` (KMS requests carry data keys). */
function readEndpoint(value, label, allowInsecureHttp) {
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw typeError(`${label} must be a URL string or a URL, got ${describe(value)}`);
  }
  let url;
  try {
    url = new URL(String(value), globalThis.location?.href);
  } catch {
    throw codedError('INVALID_ARGUMENT', `invalid argument: ${label} ${JSON.stringify(String(value))} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw codedError('INVALID_ARGUMENT', `invalid argument: ${label} must be an http(s) URL, got ${JSON.stringify(url.href)}`);
  }
  if (url.protocol === 'http:' && !isLoopback(url) && !allowInsecureHttp) {
    throw codedError(
      'INVALID_ARGUMENT',
      `invalid argument: ${label} ${JSON.stringify(url.href)} is plain http to another machine: KMS requests carry ` +
        'data keys and credentials; use https, or set allowInsecureHttp: true (a local test network only)',
    );
  }
  return url;
}

function readFilter(value, label) {
  const o = readOptions(value, label, ['partition', 'accounts'], true);
  if (typeof o.partition !== 'string' || o.partition === '') {
    throw typeError(`${label}.partition must be a partition name such as 'aws', got ${describe(o.partition)}`);
  }
  if (!Array.isArray(o.accounts) || o.accounts.length === 0 || o.accounts.some((a) => typeof a !== 'string' || a === '')) {
    throw typeError(`${label}.accounts must be a non-empty array of account ids, got ${describe(o.accounts)}`);
  }
  return { partition: o.partition, accounts: [...o.accounts] };
}

function checkCredentials(value, label) {
  const ok =
    value !== null &&
    typeof value === 'object' &&
    typeof value.accessKeyId === 'string' &&
    value.accessKeyId !== '' &&
    typeof value.secretAccessKey === 'string' &&
    (value.sessionToken === undefined || value.sessionToken === null || typeof value.sessionToken === 'string');
  if (!ok) {
    throw typeError(
      `${label} must be { accessKeyId, secretAccessKey, sessionToken? } (strings) or a function returning them, got ${describe(value)}`,
    );
  }
}

/** `YYYYMMDDTHHMMSSZ` (SigV4's x-amz-date) of `date`. */
function amzDate(date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// ---- SigV4, for applications ----------------------------------------------------------------

/**
 * AWS Signature Version 4 (computed in the WebAssembly core, the signer KmsKeyring uses): the
 * headers to add to `request` — `x-amz-date`, `x-amz-security-token` (with a session token) and
 * `authorization`.
 *
 * @param {{ method: string, host: string, path: string, headers?: Record<string, string>, body?: string | Uint8Array }} request
 *   `host` as sent (`host[:port]`), `path` percent-encoded, `headers` the other headers to sign.
 * @param {{ accessKeyId: string, secretAccessKey: string, sessionToken?: string }} credentials
 * @param {string} region e.g. `us-east-1`
 * @param {string} service e.g. `kms`
 * @param {string} amzDate the request time, `YYYYMMDDTHHMMSSZ` (UTC)
 */
export function signSigV4(request, credentials, region, service, amzDate) {
  requireInit('signSigV4()');
  return wasm.signSigV4(request, credentials, region, service, amzDate);
}
