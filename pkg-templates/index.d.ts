/**
 * envseal: client-side envelope encryption in the AWS Encryption SDK message format.
 *
 * ```ts
 * import { init, RawAesKeyring, encrypt, decrypt } from 'envseal';
 * await init();
 * const keyring = new RawAesKeyring({ keyNamespace: 'my-app', keyName: 'key-1', wrappingKey });
 * const { ciphertext } = await encrypt(keyring, plaintext, { encryptionContext: { user: 'alice' } });
 * const { plaintext: back } = await decrypt(keyring, ciphertext, { encryptionContext: { user: 'alice' } });
 * ```
 *
 * Every official AWS Encryption SDK can decrypt what envseal writes, and envseal reads theirs.
 * @packageDocumentation
 */

// ---- loading ------------------------------------------------------------------------------

/**
 * Where the WebAssembly module comes from, for {@link init}: a URL (or string URL), a `Request` or
 * `Response`, the `.wasm` bytes, or a compiled `WebAssembly.Module`.
 */
export type WasmSource = string | URL | Request | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/**
 * Loads the WebAssembly module. Await it once before using anything else: every other API throws
 * an error with code `NOT_INITIALIZED` until it has resolved.
 *
 * Idempotent: later and concurrent calls return the same promise (the first call's `source`
 * wins). If loading fails the promise rejects, and the next call tries again.
 *
 * @param source Where the `.wasm` is, for setups the default does not cover (a CDN, a bundler that
 *   copies assets elsewhere, bytes you fetched yourself). By default it is the
 *   `wasm/envseal_bg.wasm` file next to the package's `index.js`: read from disk in Node, fetched
 *   elsewhere (the package also exports it as `envseal/envseal_bg.wasm`).
 */
export function init(source?: WasmSource): Promise<void>;

// ---- constants ----------------------------------------------------------------------------

/** Ids of the algorithm suites envseal encrypts with. Decryption accepts every ESDK suite. */
export declare const AlgorithmSuite: Readonly<{
  /** `0x0478`: AES-256-GCM, HKDF-SHA512, key commitment, no signature. The default: streams at full speed. */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY: 0x0478;
  /** `0x0578`: as `0x0478`, plus an ECDSA P-384 signature over the message (slower, proves the writer held the signing key). */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 0x0578;
}>;

/** The specification's commitment policies (see {@link DecryptOptions.commitmentPolicy}). */
export declare const CommitmentPolicy: Readonly<{
  REQUIRE_ENCRYPT_REQUIRE_DECRYPT: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT';
  REQUIRE_ENCRYPT_ALLOW_DECRYPT: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT';
  FORBID_ENCRYPT_ALLOW_DECRYPT: 'FORBID_ENCRYPT_ALLOW_DECRYPT';
}>;

/** A commitment policy name. */
export type CommitmentPolicyName = (typeof CommitmentPolicy)[keyof typeof CommitmentPolicy];

// ---- errors -------------------------------------------------------------------------------

/**
 * The stable `code` of every error envseal throws. Messages say what was expected and what was
 * found, and may change; codes do not.
 *
 * - `NOT_INITIALIZED`: used before `await init()`.
 * - `INVALID_ARGUMENT`: a caller mistake. Thrown as a `TypeError` for a wrong type or shape (a
 *   string where bytes belong, an unknown option), as a `RangeError` for a number out of range,
 *   and as an `Error` for a value the core refuses (a 20-byte wrapping key, a reserved context key).
 * - `DECRYPT_FAILED`: an authentication tag did not verify (wrong key bytes, modified ciphertext).
 *   Deliberately unspecific.
 * - `COMMITMENT_MISMATCH`, `SIGNATURE_INVALID`: the message was modified or forged.
 * - `MALFORMED_HEADER`, `MALFORMED_BODY`, `UNSUPPORTED_VERSION`, `UNSUPPORTED_SUITE`: not a
 *   well-formed ESDK message (or a suite envseal does not know).
 * - `COMMITMENT_POLICY`: the policy forbids this suite (e.g. a legacy v1 message under the default).
 * - `NO_MATCHING_KEY`: the keyring holds none of the message's wrapping keys, or none unwrapped.
 * - `ENCRYPTION_CONTEXT_MISMATCH`: the context given to `decrypt` does not match the message.
 * - `TOO_MANY_EDKS`: more encrypted data keys than `maxEncryptedDataKeys`.
 * - `TRUNCATED`: the input ended before the message did.
 * - `TRAILING_DATA`: bytes follow the end of the message.
 * - `LIMIT_EXCEEDED`: a size limit (`maxFrameLength`, header size, frame count).
 * - `KEYRING_ERROR`: a keyring failed for a reason of its own.
 * - `INVALID_STATE`: a streaming handle was used out of order.
 */
export type ErrorCode =
  | 'NOT_INITIALIZED'
  | 'INVALID_ARGUMENT'
  | 'DECRYPT_FAILED'
  | 'COMMITMENT_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'MALFORMED_HEADER'
  | 'MALFORMED_BODY'
  | 'UNSUPPORTED_VERSION'
  | 'UNSUPPORTED_SUITE'
  | 'COMMITMENT_POLICY'
  | 'NO_MATCHING_KEY'
  | 'ENCRYPTION_CONTEXT_MISMATCH'
  | 'TOO_MANY_EDKS'
  | 'TRUNCATED'
  | 'TRAILING_DATA'
  | 'LIMIT_EXCEEDED'
  | 'KEYRING_ERROR'
  | 'INVALID_STATE';

/** What envseal throws (or rejects with): a standard `Error` (or `TypeError`/`RangeError`) with a `code`. */
export interface EnvsealError extends Error {
  code: ErrorCode;
}

// ---- values -------------------------------------------------------------------------------

/**
 * Bytes: a `Uint8Array` (Node `Buffer` included), any other `ArrayBufferView` (read as its bytes),
 * an `ArrayBuffer` or a `SharedArrayBuffer`. Strings are refused with a `TypeError`: encode them
 * first (`TextEncoder`).
 * Inputs are copied when the call starts; you may reuse the buffer as soon as it returns.
 */
export type BytesLike = Uint8Array | ArrayBufferView | ArrayBufferLike;

/**
 * Encryption context: non-secret key/value strings bound to the message. They are stored in the
 * header in the clear and authenticated; decryption can require them. Keys starting with
 * `aws-crypto-` are reserved. A `Map` is refused: pass `Object.fromEntries(map)`.
 */
export type EncryptionContext = Record<string, string>;

/** One wrapped copy of the data key, as stored in the message header. */
export interface EncryptedDataKey {
  /** Who can unwrap it: for a raw AES keyring, its key namespace; `aws-kms` for KMS. */
  providerId: string;
  /** Provider-specific; for a raw AES keyring: key name, tag length, IV length, IV. */
  providerInfo: Uint8Array;
  /** The wrapped data key. */
  ciphertext: Uint8Array;
}

/** A message header, as written by `encrypt` or read by `decrypt`. */
export interface MessageHeader {
  /** Message format version: 2 (committing suites; what envseal writes) or 1 (legacy). */
  version: 1 | 2;
  /** Algorithm suite id, e.g. `0x0478` (see {@link AlgorithmSuite}). */
  suiteId: number;
  /** Random per-message id: 32 bytes (v2) or 16 bytes (v1). */
  messageId: Uint8Array;
  /**
   * The context stored in the header. For signing suites it includes the reserved key
   * `aws-crypto-public-key`. Pairs that were only required at decryption are not in it.
   */
  encryptionContext: EncryptionContext;
  /** The data key, wrapped once per master key. */
  encryptedDataKeys: EncryptedDataKey[];
  /** `'framed'` (what envseal writes) or `'non-framed'` (legacy, read-only). */
  contentType: 'framed' | 'non-framed';
  /** Plaintext bytes per frame; 0 for non-framed messages. */
  frameLength: number;
}

// ---- keyrings -----------------------------------------------------------------------------

/** Any envseal keyring. */
export type Keyring = RawAesKeyring | MultiKeyring;

/** Options of {@link RawAesKeyring}. */
export interface RawAesKeyringOptions {
  /** Namespace of the wrapping key; written as the EDK's provider id. Not `aws-kms`. */
  keyNamespace: string;
  /** Name of the wrapping key; written into the EDK's provider info. */
  keyName: string;
  /**
   * The AES wrapping key: 16, 24 or 32 bytes. envseal copies it once into WebAssembly memory and
   * wipes that copy after expanding the key; your buffer is left as it is (wipe it if you are done).
   */
  wrappingKey: BytesLike;
}

/**
 * A raw AES-GCM keyring: wraps data keys under a key your application holds. Byte-compatible with
 * the raw AES keyrings of the official AWS Encryption SDKs (same namespace, name and key).
 *
 * Holds WebAssembly memory: it is released when the object is garbage-collected, or at once with
 * `free()` (after which the keyring cannot be used).
 */
export declare class RawAesKeyring {
  /**
   * @throws `TypeError` (`INVALID_ARGUMENT`) for missing or mistyped options; `Error`
   *   (`INVALID_ARGUMENT`) for a key of another length or the namespace `aws-kms`;
   *   `NOT_INITIALIZED` before `init()`.
   */
  constructor(options: RawAesKeyringOptions);
  /** The key namespace. */
  readonly keyNamespace: string;
  /** The key name. */
  readonly keyName: string;
  /** `raw AES keyring "namespace"/"name"` (never the key). */
  toString(): string;
  /** Releases the keyring's WebAssembly memory now. Keyrings built from it keep working. */
  free(): void;
}

/** Options of {@link MultiKeyring}. At least one of the two is required. */
export interface MultiKeyringOptions {
  /** Generates the data key and wraps it. Without one, the multi-keyring can only decrypt. */
  generator?: Keyring;
  /** Also wrap the data key; each can decrypt on its own. */
  children?: Keyring[];
}

/**
 * A keyring of keyrings: the generator makes the data key, and it and every child wrap it, so any
 * one of them can decrypt. Decryption tries the members in order. The members stay usable alone.
 */
export declare class MultiKeyring {
  /**
   * @throws `TypeError` (`INVALID_ARGUMENT`) if a member is not an envseal keyring or `children`
   *   is not an array; `Error` (`INVALID_ARGUMENT`) with neither a generator nor a child.
   */
  constructor(options: MultiKeyringOptions);
  /** `multi-keyring [member, ...]`. */
  toString(): string;
  /** Releases the multi-keyring's WebAssembly memory now (its members are not affected). */
  free(): void;
}

// ---- operations ---------------------------------------------------------------------------

/** Options of {@link encrypt}. Unknown keys are refused (`TypeError`), so typos cannot go unnoticed. */
export interface EncryptOptions {
  /** Pairs bound to the message (stored in the header). Default: none. */
  encryptionContext?: EncryptionContext;
  /** Algorithm suite id: `0x0478` (default) or `0x0578` (signed). See {@link AlgorithmSuite}. */
  suite?: number;
  /** Plaintext bytes per frame, 1 to 2^31 - 1. Default 65536. */
  frameLength?: number;
}

/** Options of {@link decrypt}. Unknown keys are refused (`TypeError`). */
export interface DecryptOptions {
  /**
   * Pairs the message must carry. A pair whose key is in the header must match it exactly
   * (else `ENCRYPTION_CONTEXT_MISMATCH`); a pair whose key is not in the header is a "required"
   * pair the writer authenticated without storing, and decryption fails unless it matches.
   */
  encryptionContext?: EncryptionContext;
  /**
   * Which messages may be read. Default `'REQUIRE_ENCRYPT_REQUIRE_DECRYPT'`: only committing (v2)
   * messages. `'REQUIRE_ENCRYPT_ALLOW_DECRYPT'` also reads legacy v1 messages.
   */
  commitmentPolicy?: CommitmentPolicyName;
  /** Refuse messages with more encrypted data keys than this (1 to 65535) with `TOO_MANY_EDKS`. Default: no limit. */
  maxEncryptedDataKeys?: number;
  /**
   * Largest frame (or legacy non-framed body) accepted, in bytes; each is held in memory until its
   * tag verifies. Default 64 MiB. Larger ones fail with `LIMIT_EXCEEDED` before being buffered.
   */
  maxFrameLength?: number;
}

/** Options of {@link generateDataKey}. Unknown keys are refused (`TypeError`). */
export interface GenerateDataKeyOptions {
  /** Context the wrapped keys are bound to. Default: none. */
  encryptionContext?: EncryptionContext;
  /** Suite the key is for (sets its length; 32 bytes for both committing suites). Default `0x0478`. */
  suite?: number;
}

/** Result of {@link encrypt}. */
export interface EncryptResult {
  /** The complete message. */
  ciphertext: Uint8Array;
  /** Its header. */
  header: MessageHeader;
}

/** Result of {@link decrypt}. */
export interface DecryptResult {
  /** The plaintext; returned only after every tag (and the signature) verified. */
  plaintext: Uint8Array;
  /** The verified header. Check `header.encryptionContext` if you did not pass one to require. */
  header: MessageHeader;
}

/** Result of {@link generateDataKey}. */
export interface GenerateDataKeyResult {
  /** The data key. A secret: use it, then wipe it (`plaintextKey.fill(0)`); never store it. */
  plaintextKey: Uint8Array;
  /** The data key wrapped by the keyring's members (safe to store). */
  encryptedDataKeys: EncryptedDataKey[];
  /**
   * The context the encrypted data keys are bound to: yours, plus for a signing suite the
   * reserved `aws-crypto-public-key` pair. Unwrapping needs exactly this context.
   */
  encryptionContext: EncryptionContext;
}

/**
 * Encrypts `plaintext` into one complete message: a fresh data key, wrapped by `keyring`,
 * encrypts the data in authenticated frames.
 *
 * The whole message is built in memory and the work runs on the calling thread; for large files
 * prefer the streaming API, in a Worker.
 *
 * @throws (rejects with) an {@link EnvsealError}: `INVALID_ARGUMENT` (`TypeError` for a string
 *   plaintext, a non-keyring, an unknown option), `UNSUPPORTED_SUITE`, `COMMITMENT_POLICY` for a
 *   non-committing suite, `NOT_INITIALIZED`.
 */
export function encrypt(keyring: Keyring, plaintext: BytesLike, options?: EncryptOptions): Promise<EncryptResult>;

/**
 * Decrypts one complete message. Nothing is returned unless every authentication tag (and, for
 * signing suites, the signature) verified and no byte follows the message.
 *
 * @throws (rejects with) an {@link EnvsealError}: `NO_MATCHING_KEY`, `DECRYPT_FAILED`,
 *   `COMMITMENT_MISMATCH`, `SIGNATURE_INVALID`, `ENCRYPTION_CONTEXT_MISMATCH`, `TRUNCATED`,
 *   `TRAILING_DATA`, `MALFORMED_HEADER`, `MALFORMED_BODY`, `UNSUPPORTED_VERSION`,
 *   `COMMITMENT_POLICY`, `TOO_MANY_EDKS`, `LIMIT_EXCEEDED`, `INVALID_ARGUMENT`, `NOT_INITIALIZED`.
 */
export function decrypt(keyring: Keyring, ciphertext: BytesLike, options?: DecryptOptions): Promise<DecryptResult>;

/**
 * Generates a fresh data key and wraps it with `keyring` (like KMS `GenerateDataKey`), for
 * applications that manage their own envelope.
 *
 * @throws (rejects with) an {@link EnvsealError}: `INVALID_ARGUMENT`, `UNSUPPORTED_SUITE`,
 *   `COMMITMENT_POLICY`, `NOT_INITIALIZED`.
 */
export function generateDataKey(keyring: Keyring, options?: GenerateDataKeyOptions): Promise<GenerateDataKeyResult>;
