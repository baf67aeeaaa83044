// Types of envseal/demo-kms: an in-browser stand-in for AWS KMS, for development and tests only.
// Field names are KMS's own (botocore kms/2014-11-01); blobs are base64 strings, timestamps are
// seconds since the epoch, exactly as on the KMS JSON wire. See docs/demo-kms.md.

/** A key's state. */
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

/** A blob member: base64 on the wire; a `Uint8Array` is accepted from JavaScript callers too. */
export type BlobInput = string | Uint8Array;

export type EncryptionContext = Record<string, string>;

export interface Tag {
  TagKey: string;
  TagValue: string;
}

export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  /** Seconds since the epoch. */
  CreationDate: number;
  Enabled: boolean;
  Description: string;
  KeyUsage: 'ENCRYPT_DECRYPT';
  KeyState: KeyState;
  /** Seconds since the epoch; only while `KeyState` is `PendingDeletion`. */
  DeletionDate?: number;
  Origin: 'AWS_KMS';
  KeyManager: 'CUSTOMER';
  CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT';
  KeySpec: 'SYMMETRIC_DEFAULT';
  EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'];
  MultiRegion: false;
  /** 64 hex digits: the material new encryptions use. */
  CurrentKeyMaterialId: string;
}

/** Pagination members of List* responses. */
export interface Page {
  Truncated: boolean;
  /** Present when `Truncated`: pass it as `Marker` for the next page. */
  NextMarker?: string;
}

export interface PageRequest {
  Limit?: number;
  Marker?: string;
}

type EncryptionAlgorithm = 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'SM2PKE';

/** Request and response shapes of each operation, by KMS name. */
export interface DemoKmsOperations {
  CreateKey: {
    input: {
      Description?: string;
      KeyUsage?: 'ENCRYPT_DECRYPT';
      KeySpec?: 'SYMMETRIC_DEFAULT';
      CustomerMasterKeySpec?: 'SYMMETRIC_DEFAULT';
      Origin?: 'AWS_KMS';
      /** Stored, not enforced. */
      Policy?: string;
      BypassPolicyLockoutSafetyCheck?: boolean;
      Tags?: Tag[];
      MultiRegion?: false;
    };
    output: { KeyMetadata: KeyMetadata };
  };
  DescribeKey: { input: { KeyId: string; GrantTokens?: string[] }; output: { KeyMetadata: KeyMetadata } };
  ListKeys: { input: PageRequest; output: Page & { Keys: { KeyId: string; KeyArn: string }[] } };
  ListResourceTags: { input: PageRequest & { KeyId: string }; output: Page & { Tags: Tag[] } };
  CreateAlias: { input: { AliasName: string; TargetKeyId: string }; output: Record<string, never> };
  UpdateAlias: { input: { AliasName: string; TargetKeyId: string }; output: Record<string, never> };
  DeleteAlias: { input: { AliasName: string }; output: Record<string, never> };
  ListAliases: {
    input: PageRequest & { KeyId?: string };
    output: Page & {
      Aliases: { AliasName: string; AliasArn: string; TargetKeyId: string; CreationDate: number; LastUpdatedDate: number }[];
    };
  };
  Encrypt: {
    input: {
      KeyId: string;
      /** 1 to 4096 bytes. */
      Plaintext: BlobInput;
      EncryptionContext?: EncryptionContext;
      GrantTokens?: string[];
      EncryptionAlgorithm?: EncryptionAlgorithm;
      DryRun?: boolean;
    };
    output: { CiphertextBlob: string; KeyId: string; EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  };
  Decrypt: {
    input: {
      CiphertextBlob: BlobInput;
      EncryptionContext?: EncryptionContext;
      /** Optional; if given, it must name the key the blob names (else IncorrectKeyException). */
      KeyId?: string;
      GrantTokens?: string[];
      EncryptionAlgorithm?: EncryptionAlgorithm;
      DryRun?: boolean;
    };
    output: { KeyId: string; Plaintext: string; EncryptionAlgorithm: 'SYMMETRIC_DEFAULT'; KeyMaterialId: string };
  };
  ReEncrypt: {
    input: {
      CiphertextBlob: BlobInput;
      SourceEncryptionContext?: EncryptionContext;
      SourceKeyId?: string;
      DestinationKeyId: string;
      DestinationEncryptionContext?: EncryptionContext;
      SourceEncryptionAlgorithm?: EncryptionAlgorithm;
      DestinationEncryptionAlgorithm?: EncryptionAlgorithm;
      GrantTokens?: string[];
      DryRun?: boolean;
    };
    output: {
      CiphertextBlob: string;
      SourceKeyId: string;
      KeyId: string;
      SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT';
      DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT';
      SourceKeyMaterialId: string;
      DestinationKeyMaterialId: string;
    };
  };
  GenerateDataKey: {
    /** Exactly one of `KeySpec` and `NumberOfBytes` (1-1024). */
    input: {
      KeyId: string;
      KeySpec?: 'AES_256' | 'AES_128';
      NumberOfBytes?: number;
      EncryptionContext?: EncryptionContext;
      GrantTokens?: string[];
      DryRun?: boolean;
    };
    output: { CiphertextBlob: string; Plaintext: string; KeyId: string; KeyMaterialId: string };
  };
  GenerateDataKeyWithoutPlaintext: {
    input: DemoKmsOperations['GenerateDataKey']['input'];
    output: { CiphertextBlob: string; KeyId: string; KeyMaterialId: string };
  };
  EnableKey: { input: { KeyId: string }; output: Record<string, never> };
  DisableKey: { input: { KeyId: string }; output: Record<string, never> };
  /** PendingWindowInDays: 7-30, default 30. */
  ScheduleKeyDeletion: {
    input: { KeyId: string; PendingWindowInDays?: number };
    output: { KeyId: string; DeletionDate: number; KeyState: 'PendingDeletion'; PendingWindowInDays: number };
  };
  /** The key comes back `Disabled`. */
  CancelKeyDeletion: { input: { KeyId: string }; output: { KeyId: string } };
  /** RotationPeriodInDays: 90-2560, default 365. */
  EnableKeyRotation: { input: { KeyId: string; RotationPeriodInDays?: number }; output: Record<string, never> };
  DisableKeyRotation: { input: { KeyId: string }; output: Record<string, never> };
  GetKeyRotationStatus: {
    input: { KeyId: string };
    output: { KeyRotationEnabled: boolean; KeyId: string; RotationPeriodInDays?: number; NextRotationDate?: number };
  };
  /** At most 10 per key (then LimitExceededException). */
  RotateKeyOnDemand: { input: { KeyId: string }; output: { KeyId: string } };
  ListKeyRotations: {
    input: PageRequest & { KeyId: string; IncludeKeyMaterial?: 'ALL_KEY_MATERIAL' | 'ROTATIONS_ONLY' };
    output: Page & {
      Rotations: {
        KeyId: string;
        KeyMaterialId: string;
        KeyMaterialState: 'CURRENT' | 'NON_CURRENT';
        /** Absent for the key's first material (listed with ALL_KEY_MATERIAL). */
        RotationDate?: number;
        RotationType?: 'AUTOMATIC' | 'ON_DEMAND';
      }[];
    };
  };
}

export type DemoKmsOperation = keyof DemoKmsOperations;

/** The operations the service answers. */
export const OPERATION_NAMES: readonly DemoKmsOperation[];

/** One audit log entry. Never holds plaintext, data keys, key material or ciphertext blobs. */
export interface AuditEntry {
  /** ISO 8601, from the service's clock. */
  time: string;
  /** A request, or the service acting on its own (`RotateKey`, `DeleteKey`). */
  eventType: 'AwsApiCall' | 'AwsServiceEvent';
  /** A UUID; over fetch it is also the `x-amzn-RequestId` response header. */
  requestId: string;
  operation: string;
  /** The key's ARN once resolved; else the identifier the request gave. */
  keyId?: string;
  /** ReEncrypt: the key that decrypted. */
  sourceKeyId?: string;
  aliasName?: string;
  /** ReEncrypt: the destination context. */
  encryptionContext?: EncryptionContext;
  sourceEncryptionContext?: EncryptionContext;
  /** The key material version used (or made, by a rotation). */
  keyMaterialVersion?: number;
  /** Other non-secret request parameters (KeySpec, NumberOfBytes, PendingWindowInDays, ...). */
  parameters?: Record<string, string | number | boolean>;
  /**
   * The access key id a request's SigV4 `Authorization` header names. Claimed, not verified: the
   * demo service does not check signatures.
   */
  claimedAccessKeyId?: string;
  /** The user agent the request gives (claimed, like `claimedAccessKeyId`). */
  claimedUserAgent?: string;
  outcome: 'ok' | 'error';
  /** The KMS exception name, when `outcome` is `error`. */
  errorCode?: string;
  errorMessage?: string;
}

export interface AuditQuery {
  /** Key id or key ARN: entries whose `keyId` or `sourceKeyId` name that key. */
  keyId?: string;
  operation?: string;
  /** Entries at or after this time (a Date, an ISO string or ms since the epoch). */
  since?: Date | string | number;
  /** At most this many entries: the most recent ones. */
  limit?: number;
}

/** What the service keeps per key (inside its store; never returned by an operation). */
export interface KeyRecord {
  keyId: string;
  createdAt: number;
  description: string;
  state: KeyState;
  deletionDate: number | null;
  pendingWindowInDays: number | null;
  tags: Tag[];
  policy: string | null;
  rotation: { enabled: boolean; periodInDays: number | null; nextRotationDate: number | null };
  onDemandRotations: number;
  /** `materials[i]` is version `i + 1`; the last is current. */
  materials: {
    version: number;
    materialId: string;
    /** Non-extractable AES-256-GCM. */
    key: CryptoKey;
    createdAt: number;
    rotationType: 'AUTOMATIC' | 'ON_DEMAND' | null;
  }[];
}

export interface AliasRecord {
  aliasName: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * Where a DemoKeyService keeps keys, aliases and its audit log. Records go in and come out by
 * value (structured clone, which keeps CryptoKeys non-extractable).
 */
export interface KeyStore {
  getKey(keyId: string): Promise<KeyRecord | undefined>;
  putKey(record: KeyRecord): Promise<void>;
  deleteKey(keyId: string): Promise<void>;
  listKeys(): Promise<KeyRecord[]>;
  getAlias(aliasName: string): Promise<AliasRecord | undefined>;
  putAlias(record: AliasRecord): Promise<void>;
  deleteAlias(aliasName: string): Promise<void>;
  listAliases(): Promise<AliasRecord[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Oldest first. */
  listAudit(): Promise<AuditEntry[]>;
  clearAudit(): Promise<void>;
}

/** The default store: in memory, gone with the page (or process). */
export class MemoryKeyStore implements KeyStore {
  constructor();
  getKey(keyId: string): Promise<KeyRecord | undefined>;
  putKey(record: KeyRecord): Promise<void>;
  deleteKey(keyId: string): Promise<void>;
  listKeys(): Promise<KeyRecord[]>;
  getAlias(aliasName: string): Promise<AliasRecord | undefined>;
  putAlias(record: AliasRecord): Promise<void>;
  deleteAlias(aliasName: string): Promise<void>;
  listAliases(): Promise<AliasRecord[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(): Promise<AuditEntry[]>;
  clearAudit(): Promise<void>;
}

/**
 * Keys, aliases and the audit log in IndexedDB, so they survive a reload. Key material is stored
 * as non-extractable CryptoKeys: protected by the browser profile, nothing more.
 */
export class IndexedDbKeyStore implements KeyStore {
  /**
   * @param name database name, default `envseal-demo-kms`
   * @param options.indexedDB another IndexedDB implementation (tests)
   */
  constructor(name?: string, options?: { indexedDB?: IDBFactory });
  readonly name: string;
  getKey(keyId: string): Promise<KeyRecord | undefined>;
  putKey(record: KeyRecord): Promise<void>;
  deleteKey(keyId: string): Promise<void>;
  listKeys(): Promise<KeyRecord[]>;
  getAlias(aliasName: string): Promise<AliasRecord | undefined>;
  putAlias(record: AliasRecord): Promise<void>;
  deleteAlias(aliasName: string): Promise<void>;
  listAliases(): Promise<AliasRecord[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(): Promise<AuditEntry[]>;
  clearAudit(): Promise<void>;
  /** Closes the connection; it reopens on next use. */
  close(): Promise<void>;
  /** Deletes a whole database: its keys, and so every ciphertext made under them, are gone. */
  static delete(name?: string, options?: { indexedDB?: IDBFactory }): Promise<void>;
}

export interface DemoKeyServiceOptions {
  /** Default: a new MemoryKeyStore. */
  store?: KeyStore;
  /** The time, as a Date or ms since the epoch. Default `Date.now`. Drives deletion and automatic rotation. */
  clock?: () => Date | number;
  /** Used in ARNs. Default `us-east-1`. */
  region?: string;
  /** 12 digits, used in ARNs. Default `111122223333`. */
  accountId?: string;
  /** Called with each new audit entry (e.g. for a live view). Exceptions it throws are ignored. */
  onAudit?: (entry: AuditEntry) => void;
}

export interface RequestContext {
  /** Default: a new UUID. */
  requestId?: string;
  /** SigV4 access key id of the caller, for the audit log. */
  accessKeyId?: string;
  userAgent?: string;
}

/**
 * An in-browser stand-in for AWS KMS: same operations, same JSON shapes, same error names.
 * Master keys are generated inside and never leave it. For development and tests only.
 */
export class DemoKeyService {
  constructor(options?: DemoKeyServiceOptions);
  readonly region: string;
  readonly accountId: string;
  readonly store: KeyStore;
  /**
   * Runs one KMS operation on KMS JSON. Bound to the service, so `service.request` is a KMS
   * transport. Rejects with a {@link KmsError} whose `name`/`code`/`__type` is the KMS exception.
   */
  request<Op extends DemoKmsOperation>(
    operation: Op,
    input?: DemoKmsOperations[Op]['input'],
    context?: RequestContext,
  ): Promise<DemoKmsOperations[Op]['output']>;
  /** Any other name (rejects with UnknownOperationException) or a name only known at run time. */
  request<Op extends string>(
    operation: Op extends DemoKmsOperation ? never : Op,
    input?: unknown,
    context?: RequestContext,
  ): Promise<Record<string, any>>;
  /** The audit log, oldest first, optionally filtered. */
  auditLog(query?: AuditQuery): Promise<AuditEntry[]>;
  /** The audit log as JSON Lines (one entry per line, each ending in `\n`). */
  exportAuditLog(query?: AuditQuery): Promise<string>;
  clearAuditLog(): Promise<void>;
}

/**
 * An error as KMS reports it: `name`, `code` and `__type` are the exception name
 * (`NotFoundException`, `DisabledException`, `KMSInvalidStateException`,
 * `InvalidCiphertextException`, `IncorrectKeyException`, `ValidationException`, ...).
 */
export class KmsError extends Error {
  constructor(type: string, message: string);
  readonly name: string;
  readonly code: string;
  readonly __type: string;
  /** HTTP status on the wire: 400, or 500 for KMSInternalException. */
  readonly status: number;
}

/** The KMS JSON error response for a thrown value; non-KMS errors become KMSInternalException (500). */
export function kmsErrorResponse(error: unknown): { status: number; body: { __type: string; message: string } };

/**
 * Answers one KMS JSON 1.1 request (`POST`, `X-Amz-Target: TrentService.<Op>`) with `service`.
 * SigV4 signatures are accepted and not verified. Uses only Request/Response: works in a service
 * worker, a page, a Worker and Node.
 */
export function handleKmsFetch(service: DemoKeyService, request: Request): Promise<Response>;

/** Whether `url` is the endpoint `endpoint` (a path on the current origin, or an absolute URL). */
export function isKmsEndpoint(url: string | URL, endpoint: string): boolean;

/**
 * A service worker `fetch` listener that answers requests to `path` (default `/demo-kms/`) and
 * lets every other request through.
 */
export function kmsFetchListener(
  service: DemoKeyService,
  options?: { path?: string },
): (event: { request: Request; respondWith(response: Promise<Response>): void }) => void;

export interface RegisterOptions {
  /** Endpoint path the worker answers; default `/demo-kms/`. */
  path?: string;
  /** IndexedDB database name; default `envseal-demo-kms`. */
  database?: string;
  region?: string;
  accountId?: string;
  /** Service worker scope: it must contain the pages that call the endpoint. */
  scope?: string;
}

/**
 * Registers the demo key service worker (a module worker running `service-worker.js`) and
 * resolves once it controls the page.
 */
export function registerKmsServiceWorker(scriptUrl: string | URL, options?: RegisterOptions): Promise<ServiceWorkerRegistration>;

/** The BroadcastChannel name on which `service-worker.js` posts each new audit entry. */
export const AUDIT_CHANNEL: 'envseal-demo-kms-audit';

/** First byte of every demo ciphertext blob (format 1). */
export const BLOB_VERSION: 0xd1;

/** The length-prefixed, sorted encoding of an encryption context bound into every blob's AAD. */
export function encodeEncryptionContext(context: EncryptionContext): Uint8Array;
