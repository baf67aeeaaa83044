// KmsKeyring: data keys generated and wrapped by a KMS key, over the AWS KMS JSON 1.1 protocol
// (TrentService.GenerateDataKey / Encrypt / Decrypt): AWS KMS, LocalStack, moto, envseal's demo key
// service, or an application's backend through a custom transport.
//
// What happens here: options, the transport (fetch with SigV4 and a timeout, or the caller's
// function), and turning transport failures into coded errors. What does not: the keyring itself
// is the core's (CoreKmsKeyring: the same code as the Rust KmsKeyring), whose steps build every
// request and check every answer; the SigV4 signature is computed there too; this file supplies
// only the clock. A request's body and its answer cross into the core as JSON text, once.

// `core as wasm`: the WebAssembly core, every call guarded against a trap.
import { codedError, core as wasm, requireInit } from './runtime.js';
import { KMS_REQUEST, withKeyringInterface } from './keyring-protocol.js';

/** A keyring whose master key is a KMS key. */
export class KmsKeyring extends withKeyringInterface() {
  /** The core's KMS keyring: it read and checked every option. */
  #core;
  #keyId;
  #discovery;
  /** The application's transport, or null for fetch. */
  #transport;
  /** fetch: where, in which region, with which credentials (or a function giving them), how long. */
  #endpoint;
  #region;
  #credentials;
  #timeoutMs;

  /**
   * @param {{ keyId?: string, endpoint?: string | URL, region?: string,
   *   credentials?: { accessKeyId: string, secretAccessKey: string, sessionToken?: string }
   *     | (() => Promise<{ accessKeyId: string, secretAccessKey: string, sessionToken?: string }>),
   *   grantTokens?: string[], transport?: (operation: string, request: object) => Promise<object>,
   *   discovery?: boolean, discoveryFilter?: { partition: string, accounts: string[] }, timeoutMs?: number,
   *   allowInsecureHttp?: boolean }} options
   */
  constructor(options) {
    requireInit('KmsKeyring');
    super();
    // Every option is read and checked by the core, once; JavaScript only resolves a relative
    // endpoint against the page (or worker) location, which the core cannot see.
    const core = new wasm.CoreKmsKeyring(options, resolvedHref);
    this.#core = core;
    this.#keyId = core.keyId ?? null;
    this.#discovery = this.#keyId === null;
    this.#transport = core.transport ?? null;
    this.#endpoint = core.endpoint === undefined ? null : new URL(core.endpoint);
    this.#region = core.region ?? null;
    this.#credentials = core.credentials ?? null;
    this.#timeoutMs = core.timeoutMs;
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
    // A function's answer is checked, and only its three fields kept (an AWS SDK object has more);
    // an object was checked and copied when the keyring was made.
    const creds = typeof credentials === 'function' ? wasm.kmsCredentials(await credentials()) : credentials;
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

/** `endpoint` resolved against this page's (or worker's) location, if it is a URL at all: the core
 * checks the rest. */
function resolvedHref(endpoint) {
  if (typeof endpoint !== 'string' && !(endpoint instanceof URL)) return undefined;
  try {
    return new URL(String(endpoint), globalThis.location?.href).href;
  } catch {
    return undefined;
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
