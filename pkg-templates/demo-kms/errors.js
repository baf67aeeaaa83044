// @ts-check
// KMS errors: an Error whose `name`, `code` and `__type` are the KMS exception name, and the
// JSON 1.1 error body a KMS endpoint answers with.

/** HTTP status of the few server-side KMS errors; every other KMS error is a client error (400). */
const SERVER_STATUS = new Map([
  ['KMSInternalException', 500],
  ['InternalFailure', 500],
  ['DependencyTimeoutException', 503],
  ['ServiceUnavailableException', 503],
]);

/** An error as KMS reports it: `name`, `code` and `__type` are the exception name. */
export class KmsError extends Error {
  /**
   * @param {string} type KMS exception name, e.g. `NotFoundException`
   * @param {string} message what KMS would say
   */
  constructor(type, message) {
    super(message);
    /** @type {string} */
    this.name = type;
    /** @type {string} */
    this.code = type;
    /** @type {string} */
    this.__type = type;
    /** HTTP status of this error on the wire (400 for client errors). */
    this.status = SERVER_STATUS.get(type) ?? 400;
  }
}

/**
 * The KMS JSON error response for a thrown value: `{ status, body: { __type, message } }`.
 * A value that is not a KMS error becomes `KMSInternalException` (500).
 * @param {unknown} error
 * @returns {{ status: number, body: { __type: string, message: string } }}
 */
export function kmsErrorResponse(error) {
  const kms = toKmsError(error);
  return { status: kms.status, body: { __type: kms.__type, message: kms.message } };
}

/**
 * `error` itself if it is a KMS error, else a `KMSInternalException` that keeps it as `cause`.
 * @param {unknown} error
 * @returns {KmsError}
 */
export function toKmsError(error) {
  if (error instanceof KmsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const internal = new KmsError('KMSInternalException', `Internal error in the demo key service: ${message}`);
  internal.cause = error;
  return internal;
}

/** @param {string} message */
export const notFound = (message) => new KmsError('NotFoundException', message);

/** @param {string} message */
export const invalidState = (message) => new KmsError('KMSInvalidStateException', message);

/** @param {string} message */
export const unsupported = (message) => new KmsError('UnsupportedOperationException', message);

/** @param {string} message */
export const serializationError = (message) => new KmsError('SerializationException', message);

/**
 * One opaque error for every reason a ciphertext does not open (bad format, tampered, wrong
 * encryption context, unknown key material version): no oracle.
 */
export const invalidCiphertext = () =>
  new KmsError(
    'InvalidCiphertextException',
    'The ciphertext is invalid, was not produced by this key service, or does not match the encryption context.',
  );

/**
 * A `ValidationException` in the AWS wording: `2 validation errors detected: A; B`.
 * @param {string[]} violations
 */
export function validationError(violations) {
  const n = violations.length;
  return new KmsError(
    'ValidationException',
    `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
  );
}

/** @param {string} message a ValidationException with a free-form message */
export const validationMessage = (message) => new KmsError('ValidationException', message);
