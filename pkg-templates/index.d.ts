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

// TypeScript declares `WebAssembly` in its DOM lib only; a Node project (lib es2022, @types/node)
// has none. An empty interface merges with the DOM lib's where it exists.
declare global {
  namespace WebAssembly {
    interface Module {}
  }
}

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
 *   and as an `Error` for a value the core refuses (a 20-byte wrapping key, a reserved context key,
 *   a string with a lone surrogate). A view of a detached (transferred) buffer is a `TypeError`.
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
 * - `LIMIT_EXCEEDED`: a size limit (`maxFrameLength`, header size, frame count, one-shot inputs
 *   over 1 GiB: stream those).
 * - `KEYRING_ERROR`: a keyring failed for a reason of its own.
 * - `KMS_ERROR`: the key service (AWS KMS or a compatible one) answered with an error; its
 *   exception name is in `kmsType` (`DisabledException`, `NotFoundException`,
 *   `AccessDeniedException`, `InvalidCiphertextException`, ...) and its message in `kmsMessage`.
 * - `KMS_UNAVAILABLE`: the key service could not be reached: `reason` says why (`'network'`,
 *   `'timeout'`, `'http'` for an HTTP error without a KMS error body, `'transport'` for a custom
 *   transport that failed).
 * - `KMS_BAD_RESPONSE`: the key service answered something that is not a valid KMS answer (not
 *   JSON, a missing field, a key of the wrong length, a key id that is not a key ARN).
 * - `INVALID_STATE`: a streaming handle was used out of order, or an object (keyring, stream) was
 *   used after an `INTERNAL_ERROR` re-instantiated the module it was created in.
 * - `INTERNAL_ERROR`: the WebAssembly module trapped, a bug in envseal (please report it). The
 *   module is re-instantiated at once, so later calls work; keyrings and streams created before
 *   must be created again.
 * - `SIGNED_MESSAGE_REFUSED`: `decryptStream` with `rejectSigned: true` met a signed message, or
 *   `decryptRange` one without `allowSigned`.
 * - `OUTPUT_EXISTS`: `encryptFile`/`decryptFile` (`envseal/node`) would replace a file, and
 *   `overwrite` is not set.
 * - `IO_ERROR`: the source of {@link decryptRange} failed, or gave other bytes than it was asked for.
 * - `LENGTH_MISMATCH`: a stream given `plaintextLength` was given plaintext of another length.
 * - `WORKER_FAILED`: a stream with `engine: 'workers'` lost a worker (its script could not be
 *   loaded, for example under a Content-Security-Policy without `worker-src 'self'`, or it
 *   crashed). The stream ends; the next stream starts new workers.
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
  | 'KMS_ERROR'
  | 'KMS_UNAVAILABLE'
  | 'KMS_BAD_RESPONSE'
  | 'INVALID_STATE'
  | 'INTERNAL_ERROR'
  | 'SIGNED_MESSAGE_REFUSED'
  | 'OUTPUT_EXISTS'
  | 'LENGTH_MISMATCH'
  | 'IO_ERROR'
  | 'WORKER_FAILED';

/** What envseal throws (or rejects with): a standard `Error` (or `TypeError`/`RangeError`) with a `code`. */
export interface EnvsealError extends Error {
  code: ErrorCode;
  /** `KMS_ERROR`: the KMS exception name, e.g. `'DisabledException'`. */
  kmsType?: string;
  /** `KMS_ERROR`: the key service's own message. */
  kmsMessage?: string;
  /** `KMS_ERROR`, `KMS_UNAVAILABLE`: the HTTP status of the key service's answer, when there was one. */
  httpStatus?: number;
  /** `KMS_UNAVAILABLE`: why the key service could not be reached. */
  reason?: 'network' | 'timeout' | 'http' | 'transport';
  /** `NO_MATCHING_KEY` from a multi-keyring or a KMS keyring with several candidates: each member's or attempt's error. */
  errors?: unknown[];
}

// ---- values -------------------------------------------------------------------------------

/**
 * Bytes: a `Uint8Array` (Node `Buffer` included), any other `ArrayBufferView` (read as its bytes),
 * an `ArrayBuffer` or a `SharedArrayBuffer`. Strings are refused with a `TypeError`: encode them
 * first (`TextEncoder`).
 * Inputs are copied when the call starts; you may reuse the buffer as soon as it returns.
 * One-shot `encrypt`/`decrypt` take at most 1 GiB (`LIMIT_EXCEEDED` beyond: use the streams).
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
  /** Bytes of the serialized header: its body and its authentication (tag, and IV in v1). */
  headerLength: number;
}

// ---- keyrings -----------------------------------------------------------------------------

/**
 * Any keyring: envseal's, or your own object with `onEncrypt`/`onDecrypt` ({@link CustomKeyring}).
 * `RawAesKeyring`, `RawRsaKeyring` and a `MultiKeyring` of only those run synchronously inside the
 * WebAssembly core; `KmsKeyring`, a `MultiKeyring` containing one, and custom keyrings are awaited.
 */
export type Keyring = RawAesKeyring | RawRsaKeyring | KmsKeyring | MultiKeyring | CustomKeyring;

/**
 * The materials of one message being encrypted, handed to {@link CustomKeyring.onEncrypt} (and to
 * every keyring's `onEncrypt`). The first keyring (the generator) sets the data key; every keyring
 * adds its encrypted data key. Valid only during the `onEncrypt` call.
 */
export interface EncryptionMaterials {
  /** The algorithm suite id, e.g. `0x0478`. */
  readonly suiteId: number;
  /** Bytes of data key the suite needs (32 for the committing suites). */
  readonly keyLength: number;
  /**
   * The full context every keyring must bind to its wrapped key; for a signing suite it includes
   * the reserved `aws-crypto-public-key` pair.
   */
  readonly encryptionContext: EncryptionContext;
  /** Whether a keyring already set the data key. */
  readonly hasDataKey: boolean;
  /** The encrypted data keys added so far (copies). */
  readonly encryptedDataKeys: EncryptedDataKey[];
  /**
   * A copy of the data key, for a keyring that wraps a key another keyring generated. A secret:
   * wrap it, then wipe it (`key.fill(0)`). Throws `INVALID_STATE` if none is set.
   */
  dataKey(): Uint8Array;
  /**
   * Sets the data key (a generator, when `hasDataKey` is false); `keyLength` bytes, copied. Throws
   * `INVALID_ARGUMENT` if one is set already or the length is wrong.
   */
  setDataKey(key: BytesLike): void;
  /** Adds this keyring's wrapped copy of the data key (after the data key is set). */
  addEncryptedDataKey(edk: EncryptedDataKey): void;
  /**
   * Runs a keyring that makes no calls (`RawAesKeyring`, `RawRsaKeyring`, a `MultiKeyring` of only
   * those) on these materials, at once. A keyring that makes calls (KMS) is refused with
   * `INVALID_STATE`: await its `onEncrypt(materials)` instead.
   */
  wrapWith(keyring: RawAesKeyring | RawRsaKeyring | MultiKeyring): void;
}

/** What a keyring's `onDecrypt` is told about the message. */
export interface DecryptionMaterials {
  /** The message's algorithm suite id (the data key has its key length). */
  suiteId: number;
  /**
   * The context the wrapped key must have been bound to: the header's pairs plus the pairs the
   * caller required at decryption.
   */
  encryptionContext: EncryptionContext;
}

/**
 * A keyring of your own (for example one that asks your backend to unwrap). Every envseal keyring
 * implements this interface too, so custom keyrings can compose them.
 */
export interface CustomKeyring {
  /**
   * Sets the data key if `materials.hasDataKey` is false (or refuses to be a generator), and adds
   * an encrypted data key. Reject to fail the encryption.
   */
  onEncrypt(materials: EncryptionMaterials): Promise<void>;
  /**
   * The data key from the first of `encryptedDataKeys` this keyring can unwrap, as a fresh
   * `Uint8Array` (envseal wipes it after use); `null` if none of them is this keyring's. Reject
   * (with `code: 'NO_MATCHING_KEY'` if yours were there but none unwrapped) to report why.
   * envseal verifies the key against the header's key commitment, so a wrong key cannot decrypt.
   */
  onDecrypt(materials: DecryptionMaterials, encryptedDataKeys: EncryptedDataKey[]): Promise<Uint8Array | null>;
}

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
  /** The keyring interface ({@link CustomKeyring}), for keyrings that compose this one. */
  onEncrypt(materials: EncryptionMaterials): Promise<void>;
  /** The keyring interface ({@link CustomKeyring}), for keyrings that compose this one. */
  onDecrypt(materials: DecryptionMaterials, encryptedDataKeys: EncryptedDataKey[]): Promise<Uint8Array | null>;
  /** Releases the keyring's WebAssembly memory now. Keyrings built from it keep working. */
  free(): void;
}

/** RSA padding of {@link RawRsaKeyring} (any case). `pkcs1` (PKCS#1 v1.5) only decrypts legacy messages. */
export type RsaPadding = 'oaep-sha1' | 'oaep-sha256' | 'oaep-sha384' | 'oaep-sha512' | 'pkcs1' | (string & {});

/** Options of {@link RawRsaKeyring}. At least one of `publicKey` and `privateKey` is required. */
export interface RawRsaKeyringOptions {
  /** Namespace of the key pair; written as the EDK's provider id. Not `aws-kms`. */
  keyNamespace: string;
  /** Name of the key pair; written as the EDK's provider info. */
  keyName: string;
  /** The public key, SPKI or PKCS#1: a PEM string, or PEM or DER bytes. Enough to encrypt. */
  publicKey?: string | BytesLike;
  /**
   * The private key, PKCS#8 or PKCS#1: a PEM string, or PEM or DER bytes. Needed to decrypt; without
   * `publicKey` its public half encrypts. The copy in WebAssembly memory is wiped once parsed.
   */
  privateKey?: string | BytesLike;
  /** OAEP with SHA-1, SHA-256, SHA-384 or SHA-512 (MGF1 with the same hash), as the message's writer and readers agree. */
  padding: RsaPadding;
}

/**
 * A raw RSA keyring: wraps data keys with an RSA public key, unwraps them with the private key.
 * With only the public key a page can encrypt for a server that alone can decrypt. Byte-compatible
 * with the raw RSA keyrings of the official AWS Encryption SDKs (same namespace, name and padding).
 */
export declare class RawRsaKeyring {
  /**
   * @throws `TypeError` (`INVALID_ARGUMENT`) for missing or mistyped options; `Error`
   *   (`INVALID_ARGUMENT`) for an unknown padding, an unparsable key, a public key that does not
   *   match the private key, or the namespace `aws-kms`; `NOT_INITIALIZED` before `init()`.
   */
  constructor(options: RawRsaKeyringOptions);
  /** The key namespace. */
  readonly keyNamespace: string;
  /** The key name. */
  readonly keyName: string;
  /** The padding, lower case. */
  readonly padding: string;
  /** Whether it holds a private key (else it only encrypts). */
  readonly canDecrypt: boolean;
  /** `raw RSA keyring "namespace"/"name" (OaepSha256)` (never a key). */
  toString(): string;
  /** The keyring interface ({@link CustomKeyring}). */
  onEncrypt(materials: EncryptionMaterials): Promise<void>;
  /** The keyring interface ({@link CustomKeyring}). */
  onDecrypt(materials: DecryptionMaterials, encryptedDataKeys: EncryptedDataKey[]): Promise<Uint8Array | null>;
  /** Releases the keyring's WebAssembly memory now. Keyrings built from it keep working. */
  free(): void;
}

/** AWS credentials for SigV4 (never sent: they sign). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** For temporary credentials (STS, Cognito identity pools). */
  sessionToken?: string;
}

/** A KMS operation the keyring calls. */
export type KmsOperation = 'GenerateDataKey' | 'Encrypt' | 'Decrypt';

/**
 * Replaces `fetch` for {@link KmsKeyring}: sends one KMS JSON request (`request` is the KMS JSON
 * body, blobs in base64) and resolves with the KMS JSON answer: an object, JSON text, or a fetch
 * `Response` (read like the default transport's: a non-2xx status with a KMS error body is a
 * `KMS_ERROR`). Reject with an error that names a KMS exception (`__type`, as the demo key
 * service's `KmsError` does, or `name` with an AWS SDK v3 `$fault`) for `KMS_ERROR`; any other
 * rejection is `KMS_UNAVAILABLE` (`reason: 'transport'`).
 * `demoKeyService.request` is one; an app's backend proxy is another.
 */
export type KmsTransport = (operation: KmsOperation, request: Record<string, unknown>) => Promise<unknown>;

/** Options of {@link KmsKeyring}. */
export interface KmsKeyringOptions {
  /**
   * The KMS key: key ARN, key id, alias name (`alias/x`) or alias ARN. Required unless `discovery`.
   * Decryption matches the message's encrypted data keys by exact key ARN, so give the key ARN to
   * a keyring that must decrypt (KMS answers encryption with the key ARN, and that is what the
   * message records).
   */
  keyId?: string;
  /**
   * Where KMS is: any KMS JSON 1.1 endpoint (LocalStack, moto, the demo key service's
   * `'/demo-kms/'`; relative URLs resolve against the page). Default:
   * `https://kms.<region>.amazonaws.com/`.
   */
  endpoint?: string | URL;
  /** For the default endpoint and for SigV4. Default: the region in the key ARN. */
  region?: string;
  /**
   * Sign requests with SigV4 (computed in WebAssembly; the clock is the caller's). An object is
   * read and checked when the keyring is made; a function is called before each request (refresh
   * temporary credentials there). Without credentials requests
   * are unsigned (for the demo key service, or a proxy that signs).
   */
  credentials?: AwsCredentials | (() => AwsCredentials | Promise<AwsCredentials>);
  /** KMS grant tokens sent with every request. */
  grantTokens?: string[];
  /** Replaces fetch (and `endpoint`, `region`, `credentials`, `timeoutMs`, which it cannot be combined with). */
  transport?: KmsTransport;
  /**
   * A discovery keyring (decrypt only): tries every `aws-kms` encrypted data key whose key ARN
   * passes `discoveryFilter`, at `endpoint`, else in `region`, else in the region of the key ARN
   * (checked to be a region name; the host is `kms.<region>.` + the partition's AWS domain).
   */
  discovery?: boolean;
  /** Discovery only: the partition and accounts whose keys may be used. Default: any key (not recommended). */
  discoveryFilter?: { partition: string; accounts: string[] };
  /** How long the default transport waits for each answer, in ms. Default 10000. */
  timeoutMs?: number;
  /**
   * Allow a plain `http:` endpoint on another machine (default false: `http:` only to 127.0.0.0/8,
   * localhost and [::1]). KMS requests carry data keys and credentials; for a local test network only.
   */
  allowInsecureHttp?: boolean;
}

/**
 * A keyring whose master key is a KMS key, over the AWS KMS JSON 1.1 protocol: AWS KMS,
 * LocalStack, moto, envseal's demo key service (directly as a transport or through its service
 * worker endpoint), or your backend through `transport`. Encryption calls `GenerateDataKey` (as
 * generator) or `Encrypt` (as a multi-keyring child); decryption calls `Decrypt`. Its encrypted
 * data keys have provider id `aws-kms` and the key ARN as provider info, as the official AWS
 * Encryption SDKs' KMS keyrings write them, so each reads the other's messages.
 *
 * Failures: `KMS_ERROR` (with `kmsType`), `KMS_UNAVAILABLE` (with `reason`), `KMS_BAD_RESPONSE`;
 * `NO_MATCHING_KEY` when the message has no encrypted data key for this key.
 */
export declare class KmsKeyring implements CustomKeyring {
  /**
   * @throws `TypeError` (`INVALID_ARGUMENT`) for missing or mistyped options; `Error`
   *   (`INVALID_ARGUMENT`) for contradictory ones (a transport with an endpoint, a key id that is
   *   not an ARN without region or endpoint, ...); `NOT_INITIALIZED` before `init()`.
   */
  constructor(options: KmsKeyringOptions);
  /** The key id as given; `null` for a discovery keyring. */
  readonly keyId: string | null;
  /** Whether this is a discovery keyring. */
  readonly discovery: boolean;
  /** `KMS keyring "arn:..."` or `KMS discovery keyring` (never credentials). */
  toString(): string;
  onEncrypt(materials: EncryptionMaterials): Promise<void>;
  onDecrypt(materials: DecryptionMaterials, encryptedDataKeys: EncryptedDataKey[]): Promise<Uint8Array | null>;
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
 * one of them can decrypt. Decryption tries the members in order (generator first) and takes the
 * first data key found; if none is found, `NO_MATCHING_KEY` lists each member's failure (`errors`).
 * Members may be of any kind (a `KmsKeyring` generator with `RawRsaKeyring` and `RawAesKeyring`
 * children, say). The members stay usable alone, and freeing one later does not affect this one.
 */
export declare class MultiKeyring implements CustomKeyring {
  /**
   * @throws `TypeError` (`INVALID_ARGUMENT`) if a member is not an envseal keyring or `children`
   *   is not an array; `Error` (`INVALID_ARGUMENT`) with neither a generator nor a child.
   */
  constructor(options: MultiKeyringOptions);
  /** `multi-keyring [member, ...]`. */
  toString(): string;
  onEncrypt(materials: EncryptionMaterials): Promise<void>;
  onDecrypt(materials: DecryptionMaterials, encryptedDataKeys: EncryptedDataKey[]): Promise<Uint8Array | null>;
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
  /**
   * Which frame IVs are accepted. Default `'sequential'`: each frame's IV must be its sequence
   * number padded (what every current writer does; others fail with `MALFORMED_BODY`).
   * `'unique'` reads messages of older writers that drew other IVs, refusing only an IV used
   * twice; it remembers each frame's IV (about 40 bytes per frame; more than 4,194,304 frames: `LIMIT_EXCEEDED`).
   */
  frameIvs?: 'sequential' | 'unique';
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

// ---- streams ------------------------------------------------------------------------------

/**
 * Which AES-GCM implementation seals and opens the frames of a stream. All write identical bytes.
 * - `'node'`: Node's `node:crypto` (OpenSSL, hardware AES), in Node 20.16 and later. Fastest in
 *   Node.
 * - `'webcrypto'`: the platform's WebCrypto (`crypto.subtle`, hardware AES; about 20x faster than
 *   `'wasm'` in browsers).
 * - `'wasm'`: the core's own constant-time software AES-GCM, for contexts without either.
 * - `'auto'` (default): `'node'` where `node:crypto` is available, else `'webcrypto'` where
 *   `globalThis.crypto.subtle` exists (secure contexts: https and localhost, Workers of such
 *   pages), else `'wasm'`.
 * - `'workers'` (opt-in): more than one thread for one stream. In browsers, frames are sealed and
 *   opened with WebCrypto on a pool of Web Workers (`workers` of them; the module script
 *   `frame-worker.js` next to the package's `index.js`, loaded with `new URL(...,
 *   import.meta.url)`, which Vite and webpack bundle); the stream's key is posted to them as a
 *   non-extractable `CryptoKey`. In Node, frames stay with `node:crypto` on the calling thread
 *   (faster than any hand-off) and a signed message's SHA-384 runs on a worker thread: about
 *   1.35-1.4x `'node'` for `0x0578`. Whether it is faster than `'auto'` depends on the machine: see
 *   docs/streaming.md in the repository for what was measured.
 *
 * With `'node'` and `'webcrypto'` plaintext is framed in JavaScript and never copied into
 * WebAssembly; the WebAssembly core still derives the key, computes every IV, AAD and frame
 * header, checks order, and hashes signed messages. Several frames are in flight at once,
 * delivered in order. Asking for an engine the runtime lacks throws `INVALID_ARGUMENT`.
 */
export type StreamEngine = 'auto' | 'node' | 'webcrypto' | 'wasm' | 'workers';

/** What `onProgress` receives: running totals, in bytes. */
export interface StreamProgress {
  /** Bytes written into the stream so far (plaintext for `encryptStream`, the message for `decryptStream`). */
  bytesIn: number;
  /** Bytes the stream has made readable so far (the message, or verified plaintext). */
  bytesOut: number;
}

/** Options of {@link encryptStream}. Unknown keys are refused (`TypeError`). */
export interface EncryptStreamOptions {
  /** Pairs bound to the message (stored in the header). Default: none. */
  encryptionContext?: EncryptionContext;
  /** Algorithm suite id: `0x0478` (default) or `0x0578` (signed; streams too, at SHA-384 speed). */
  suite?: number;
  /**
   * Plaintext bytes per frame, 1 to 2^31 - 1. Default 262144 (256 KiB), chosen by measurement:
   * WebCrypto pays a fixed cost per call, so 256 KiB frames stream 1.3-2x faster than 64 KiB ones
   * (the one-shot `encrypt`'s default), and in Chromium 1 MiB frames are slower again (see
   * docs/streaming.md in the repository). Readers buffer a whole frame before its tag verifies,
   * so keep it modest.
   */
  frameLength?: number;
  /**
   * The plaintext's exact length in bytes, if known (a `File`'s `size`): the stream then has a
   * `ciphertextLength` promise ({@link SizedMessageStream}), and input of any other length errors
   * the stream with `LENGTH_MISMATCH` instead of writing a message of another length (frames
   * before the point where the difference shows were already written).
   */
  plaintextLength?: number;
  /** Frame engine. Default `'auto'`. */
  engine?: StreamEngine;
  /**
   * With `engine: 'workers'` in browsers: how many Web Workers seal frames, 1 to 16. Default: one
   * per core (`navigator.hardwareConcurrency`), at most 4. Workers are shared by every stream of
   * the page (or Worker) and started on first use. Only with `engine: 'workers'`.
   */
  workers?: number;
  /**
   * Called with running totals each time the stream makes output readable (about once per frame),
   * and once at the end. Keep it quick; if it throws, the stream errors with that error.
   */
  onProgress?: (progress: StreamProgress) => void;
}

/** Options of {@link decryptStream}. Unknown keys are refused (`TypeError`). */
export interface DecryptStreamOptions extends DecryptOptions {
  /** Frame engine. Default `'auto'`. Legacy non-framed messages are always read by `'wasm'`. */
  engine?: StreamEngine;
  /** As for {@link EncryptStreamOptions.workers}. */
  workers?: number;
  /** As for {@link EncryptStreamOptions.onProgress}. */
  onProgress?: (progress: StreamProgress) => void;
  /**
   * Refuse signed messages (suites with an ECDSA signature, such as `0x0578`) as soon as the header
   * shows one, before any key is unwrapped, with `SIGNED_MESSAGE_REFUSED`. A stream releases each
   * frame when its own tag verifies, before the signature at the very end can be checked (see
   * {@link decryptStream}); set this if you must not act on data whose writer is not yet
   * authenticated, and read signed messages with the one-shot {@link decrypt} instead.
   * Default `false`.
   */
  rejectSigned?: boolean;
}

/**
 * A `TransformStream` of bytes with the message header as a promise. It resolves with the header
 * once it was written (`encryptStream`: at once) or read and verified (`decryptStream`: after the
 * keyring unwrapped the data key and the header's key commitment and tag checked out), and rejects
 * with the stream's error if the stream fails first. Nobody has to await it.
 */
export interface MessageStream extends TransformStream<Uint8Array, Uint8Array> {
  readonly header: Promise<MessageHeader>;
}

/** What {@link encryptStream} returns when given `plaintextLength`. */
export interface SizedMessageStream extends MessageStream {
  /**
   * The exact length of the message in bytes, resolved once the data key is wrapped (with a
   * keyring that makes no calls: at once), before any plaintext is needed: for a `Content-Length`
   * header or a presigned upload of exactly that size. Rejects as `header` does.
   */
  readonly ciphertextLength: Promise<number>;
}

/**
 * Encrypts everything written to it into one message, frame by frame, in memory bounded by a few
 * frames whatever the input's size:
 *
 * ```ts
 * const encrypting = encryptStream(keyring, { encryptionContext: { file: file.name } });
 * await fetch(url, { method: 'PUT', body: file.stream().pipeThrough(encrypting), duplex: 'half' });
 * ```
 *
 * - Write chunks of any size (`Uint8Array`, or any `ArrayBufferView` or `ArrayBuffer`): the output
 *   does not depend on how the input was cut. A chunk is read before `write` resolves and not
 *   kept afterwards.
 * - Backpressure: one written chunk waits while another is processed, and about two frames of
 *   output wait to be read; beyond that, writes wait for the reader.
 * - The output is the header, then each frame once a byte after it arrived (the last frame is
 *   marked final when the input ends), then the signature for signed suites.
 * - For large inputs in a browser, run it in a Worker: WebCrypto works on the calling thread there.
 *
 * @throws at once, for bad arguments (as {@link encrypt}, naming `encryptStream`), or
 *   `NOT_INITIALIZED`. Failures later (a chunk that is not bytes: `TypeError`) error the stream.
 */
export function encryptStream(keyring: Keyring, options: EncryptStreamOptions & { plaintextLength: number }): SizedMessageStream;
export function encryptStream(keyring: Keyring, options?: EncryptStreamOptions): MessageStream;

// ---- ranged decryption ----------------------------------------------------------------------

/** Where {@link decryptRange} reads a stored message from. */
export type RangeSource =
  /** Any storage: `read` resolves with exactly `length` bytes from `offset` (else `IO_ERROR`). */
  | { size: number; read(offset: number, length: number): Promise<Uint8Array> | Uint8Array }
  /** A `Blob` or `File`. */
  | Blob
  /**
   * A URL fetched with HTTP `Range` requests: the server must answer `206 Partial Content` with a
   * `Content-Range` header (exposed to this origin through CORS if it is another one).
   */
  | string
  | URL;

/** Options of {@link decryptRange} and {@link decryptRangeStream}. Unknown keys are refused. */
export interface DecryptRangeOptions extends Omit<DecryptOptions, 'frameIvs'> {
  /** First plaintext byte of the range (from 0). */
  start: number;
  /** Plaintext byte after the range: `start <= end <= ` the message's plaintext length. */
  end: number;
  /**
   * Read ranges of signed messages (suites such as `0x0578`) too. A signed message's signature
   * covers every byte of it and cannot be checked from a range: what a range of one proves is
   * what its frame tags prove (the bytes were written by someone holding the data key, unmodified,
   * at their place in a message of this size), not who wrote them. Default `false`:
   * `SIGNED_MESSAGE_REFUSED`.
   */
  allowSigned?: boolean;
}

/** What {@link decryptRange} resolves with. */
export interface DecryptRangeResult {
  /** Plaintext bytes `[start, end)`. */
  plaintext: Uint8Array;
  /** The verified header. */
  header: MessageHeader;
}

/**
 * Plaintext bytes `[start, end)` of a stored message, reading only its header, the frames that
 * hold the range and its final frame (which proves the message's size):
 *
 * ```ts
 * const { plaintext } = await decryptRange(keyring, 'https://storage.example/video.enc', { start: 1 << 20, end: 2 << 20 });
 * ```
 *
 * Every frame is authenticated before any of its bytes are returned; a frame out of place is
 * `MALFORMED_BODY`, a modified one `DECRYPT_FAILED`, a cut or extended message fails at its final
 * frame. Frames are opened with node:crypto or WebCrypto where there is one.
 *
 * @throws (rejects) `INVALID_ARGUMENT` for a range outside the plaintext; `SIGNED_MESSAGE_REFUSED`;
 *   `IO_ERROR` when the source fails or gives other than what was asked; as {@link decrypt}.
 */
export function decryptRange(keyring: Keyring, source: RangeSource, options: DecryptRangeOptions): Promise<DecryptRangeResult>;

/**
 * {@link decryptRange} as a stream: one chunk per frame, for large ranges in memory bounded by a
 * frame. The final frame is read and checked first, so nothing of a cut message is released.
 */
export function decryptRangeStream(
  keyring: Keyring,
  source: RangeSource,
  options: DecryptRangeOptions,
): ReadableStream<Uint8Array> & { readonly header: Promise<MessageHeader> };

// ---- rewrap --------------------------------------------------------------------------------

/** Options of {@link rewrap} and {@link rewrapStream}: how the message is read (as for {@link decrypt}). */
export type RewrapOptions = Omit<DecryptOptions, 'frameIvs'>;

/**
 * The message `ciphertext` moved to the keys of `encryptKeyring` without decrypting its body:
 *
 * ```ts
 * const { ciphertext: moved } = await rewrap(oldKmsKeyring, newKmsKeyring, stored);
 * ```
 *
 * The data key is unwrapped with `decryptKeyring` (the header verified with it), wrapped with
 * `encryptKeyring`, and a new header written: the same message id, suite, frame length and stored
 * encryption context, new encrypted data keys (only the new keyring's: the old keys no longer open
 * it) and a new header tag. The frames are copied byte for byte. Signed suites (`0x0578`): the old
 * signature is verified as the message passes and a new one made with a new signing key (its
 * public key replaces the old one in the context). A modified frame is not detected (frames are
 * not opened) and still fails at decryption.
 *
 * @throws (rejects) as {@link decrypt} (`NO_MATCHING_KEY`, `TRUNCATED`, `TRAILING_DATA`,
 *   `SIGNATURE_INVALID`, ...); `INVALID_ARGUMENT` for a legacy (v1 or non-framed) message, or for
 *   required context pairs (a new header authenticates only what it stores); the new keyring's errors.
 */
export function rewrap(
  decryptKeyring: Keyring,
  encryptKeyring: Keyring,
  ciphertext: BytesLike,
  options?: RewrapOptions,
): Promise<EncryptResult>;

/**
 * {@link rewrap} as a stream, for large messages: write the old message, read the new one (the new
 * header once the old one verified, then each frame as it arrives, then the new signature).
 */
export function rewrapStream(decryptKeyring: Keyring, encryptKeyring: Keyring, options?: RewrapOptions): MessageStream;

/**
 * The exact length of the message envseal writes with `header` (from {@link encrypt}, a stream's
 * `header` promise, or {@link decrypt}) for `plaintextLength` bytes of plaintext: the header,
 * `floor(p / frameLength)` regular frames of `frameLength + 32` bytes, a final frame of
 * `p % frameLength + 40` bytes, and for signed suites a footer of 105 bytes (envseal's
 * signatures have a fixed length).
 *
 * @throws `INVALID_ARGUMENT` for a non-framed header or a length that is not a whole number of
 *   bytes; `LIMIT_EXCEEDED` for more plaintext than a message holds at that frame length.
 */
export function ciphertextLength(header: MessageHeader, plaintextLength: number): number;

/**
 * Decrypts one message written to it, frame by frame, in memory bounded by a few frames:
 *
 * ```ts
 * const response = await fetch(url);
 * const decrypting = decryptStream(keyring, { encryptionContext: { file: name } });
 * const plaintext = response.body.pipeThrough(decrypting); // a ReadableStream<Uint8Array>
 * ```
 *
 * - A frame's plaintext is released only after its authentication tag verified; a frame that does
 *   not verify errors the stream with `DECRYPT_FAILED`, and nothing of it (or after it) is released.
 * - The final frame's plaintext is held back until the input ended, nothing followed the message
 *   (else `TRAILING_DATA`), and, for signed suites, the signature verified (else
 *   `SIGNATURE_INVALID`). An input that ends early errors with `TRUNCATED`. Header errors
 *   (`NO_MATCHING_KEY`, `ENCRYPTION_CONTEXT_MISMATCH`, `COMMITMENT_POLICY`, ...) are as for
 *   {@link decrypt}.
 * - **Signed messages**: frames before the final one are released as their own tags verify, before
 *   the signature at the end of the message can be checked. If the signature then fails, the
 *   stream errors, but those frames were already delivered. Frame tags still guarantee that
 *   nothing was modified; the signature adds who wrote it. This is what the AWS Encryption SDK
 *   specification allows; see SECURITY.md ("Streaming signed messages"). To act only on data from
 *   an authenticated writer, use `rejectSigned: true` (or wait for the stream to close before
 *   using any of its output, or decrypt signed messages with {@link decrypt}).
 * - Chunks larger than 2 KiB may be kept by reference until their bytes are processed: do not
 *   modify a chunk after writing it.
 *
 * @throws at once, for bad arguments (as {@link decrypt}, naming `decryptStream`), or
 *   `NOT_INITIALIZED`. Everything else errors the stream (and rejects `header` if it was not
 *   resolved yet).
 */
export function decryptStream(keyring: Keyring, options?: DecryptStreamOptions): MessageStream;

// ---- SigV4 --------------------------------------------------------------------------------

/** The request {@link signSigV4} signs. */
export interface SigV4Request {
  method: string;
  /** `host[:port]` exactly as sent in the Host header. */
  host: string;
  /** The URI path, percent-encoded (`/` for KMS). */
  path: string;
  /** The other headers to sign, e.g. `content-type` and `x-amz-target`. */
  headers?: Record<string, string>;
  /** The body: a string (UTF-8) or bytes. */
  body?: string | BytesLike;
}

/** The headers {@link signSigV4} returns, to add to the request. */
export interface SigV4Headers {
  'x-amz-date': string;
  'x-amz-security-token'?: string;
  authorization: string;
}

/**
 * AWS Signature Version 4 for a request without a query string (as KMS JSON requests are),
 * computed in WebAssembly; the signer `KmsKeyring` uses, checked against botocore's. Useful to
 * sign requests a backend proxy forwards.
 *
 * @param amzDate the request time, `YYYYMMDDTHHMMSSZ` (UTC; e.g.
 *   `new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')`).
 * @throws `INVALID_ARGUMENT` (`TypeError` for mistyped fields) for a malformed date, or an empty
 *   region, service or access key id; `NOT_INITIALIZED` before `init()`.
 */
export function signSigV4(
  request: SigV4Request,
  credentials: AwsCredentials,
  region: string,
  service: string,
  amzDate: string,
): SigV4Headers;
