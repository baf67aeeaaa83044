// Every export of `envseal` and `envseal/demo-kms`, used as an application would. Type-checked by
// types.test.mjs (tsc --strict); not run. Each call's result is given the type the docs promise.

import {
  AlgorithmSuite,
  CommitmentPolicy,
  KmsKeyring,
  MultiKeyring,
  RawAesKeyring,
  RawRsaKeyring,
  ciphertextLength,
  decrypt,
  decryptRange,
  decryptRangeStream,
  decryptStream,
  encrypt,
  encryptStream,
  generateDataKey,
  init,
  rewrap,
  rewrapStream,
  signSigV4,
  type CustomKeyring,
  type DecryptResult,
  type EncryptResult,
  type EnvsealError,
  type ErrorCode,
  type GenerateDataKeyResult,
  type Keyring,
  type MessageHeader,
  type MessageStream,
  type SigV4Headers,
  type SizedMessageStream,
} from 'envseal';
import {
  AUDIT_CHANNEL,
  BLOB_VERSION,
  DemoKeyService,
  IndexedDbKeyStore,
  KmsError,
  MemoryKeyStore,
  OPERATION_NAMES,
  encodeEncryptionContext,
  handleKmsFetch,
  isKmsEndpoint,
  kmsErrorResponse,
  kmsFetchListener,
  registerKmsServiceWorker,
  type AuditEntry,
  type DemoKmsOperation,
  type KeyMetadata,
  type KeyStore,
} from 'envseal/demo-kms';

await init();
await init(new URL('https://cdn.example/envseal_bg.wasm'));
await init(new Uint8Array(8));

const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
const aes = new RawAesKeyring({ keyNamespace: 'app', keyName: 'k1', wrappingKey });
const names: string = `${aes.keyNamespace}/${aes.keyName} ${aes.toString()}`;
const rsa = new RawRsaKeyring({ keyNamespace: 'app', keyName: 'r1', publicKey: '-----BEGIN PUBLIC KEY-----', padding: 'oaep-sha256' });
const canDecrypt: boolean = rsa.canDecrypt && rsa.padding.length > 0;
const kms = new KmsKeyring({
  keyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  region: 'us-east-1',
  credentials: async () => ({ accessKeyId: 'AKIA', secretAccessKey: 'secret', sessionToken: 'token' }),
  grantTokens: ['g'],
  timeoutMs: 5000,
});
const discovery = new KmsKeyring({
  discovery: true,
  discoveryFilter: { partition: 'aws', accounts: ['111122223333'] },
  endpoint: 'http://127.0.0.1:4566',
  allowInsecureHttp: true,
  transport: async (operation, request) => ({ operation, request }),
});
const kmsId: string | null = kms.keyId;
const isDiscovery: boolean = discovery.discovery;
const multi = new MultiKeyring({ generator: kms, children: [aes, rsa, discovery] });

// A keyring of one's own, used directly and as a multi-keyring member.
const custom: CustomKeyring = {
  async onEncrypt(materials) {
    if (!materials.hasDataKey) materials.setDataKey(new Uint8Array(materials.keyLength));
    materials.wrapWith(aes);
    const key: Uint8Array = materials.dataKey();
    materials.addEncryptedDataKey({ providerId: 'mine', providerInfo: new Uint8Array(1), ciphertext: key });
    const count: number = materials.encryptedDataKeys.length + materials.suiteId + Object.keys(materials.encryptionContext).length;
    void count;
  },
  async onDecrypt({ suiteId, encryptionContext }, encryptedDataKeys) {
    const mine = encryptedDataKeys.find((edk) => edk.providerId === 'mine' && suiteId > 0 && !encryptionContext['x']);
    return mine ? mine.ciphertext : null;
  },
};
const keyrings: Keyring[] = [aes, rsa, kms, discovery, multi, custom, new MultiKeyring({ children: [custom] })];

const encrypted: EncryptResult = await encrypt(aes, new TextEncoder().encode('hi'), {
  encryptionContext: { user: 'alice' },
  suite: AlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
  frameLength: 4096,
});
const header: MessageHeader = encrypted.header;
const decrypted: DecryptResult = await decrypt(multi, encrypted.ciphertext.buffer, {
  encryptionContext: { user: 'alice' },
  commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
  maxEncryptedDataKeys: 3,
  maxFrameLength: 1 << 20,
  frameIvs: 'unique',
});
const dataKey: GenerateDataKeyResult = await generateDataKey(kms, {
  encryptionContext: { purpose: 'upload' },
  suite: AlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
});
const wrapped: number = dataKey.plaintextKey.length + dataKey.encryptedDataKeys.length;

const sealing: MessageStream = encryptStream(aes, {
  engine: 'webcrypto',
  frameLength: 256 * 1024,
  onProgress: ({ bytesIn, bytesOut }) => void (bytesIn + bytesOut),
});
const opening: MessageStream = decryptStream(aes, { engine: 'auto', rejectSigned: true, maxFrameLength: 1 << 22 });
const viaNode: MessageStream = decryptStream(aes, { engine: 'node' });
const pooled: MessageStream = encryptStream(aes, { engine: 'workers', workers: 2, suite: 0x0578 });
const sized: SizedMessageStream = encryptStream(aes, { plaintextLength: 1 << 20 });
const promisedLength: number = (await sized.ciphertextLength) + ciphertextLength(await sized.header, 1 << 20) + (await sized.header).headerLength;
void promisedLength;
const slice: Uint8Array = (await decryptRange(aes, new Blob([]), { start: 0, end: 10, allowSigned: false })).plaintext;
const viaUrl: MessageHeader = (await decryptRange(aes, new URL('https://example.com/x.enc'), { start: 5, end: 9 })).header;
const rangeStream: ReadableStream<Uint8Array> = decryptRangeStream(aes, { size: 100, read: async () => new Uint8Array(1) }, { start: 0, end: 1 });
void [slice, viaUrl, rangeStream];
const moved: EncryptResult = await rewrap(aes, kms, new Uint8Array(1), { maxEncryptedDataKeys: 3 });
const moving: MessageStream = rewrapStream(aes, aes);
void [moved, moving];
void [viaNode, pooled];
const roundTrip: ReadableStream<Uint8Array> = new Blob(['hello']).stream().pipeThrough(sealing).pipeThrough(opening);
const streamHeader: MessageHeader = await opening.header;
const frameLength: number = streamHeader.frameLength + (streamHeader.contentType === 'framed' ? 1 : 0);

const signed: SigV4Headers = signSigV4(
  { method: 'POST', host: 'kms.us-east-1.amazonaws.com', path: '/', headers: { 'x-amz-target': 'TrentService.Decrypt' }, body: '{}' },
  { accessKeyId: 'AKIA', secretAccessKey: 'secret' },
  'us-east-1',
  'kms',
  '20260101T000000Z',
);
const authorization: string = signed.authorization + (signed['x-amz-security-token'] ?? '');

try {
  await decrypt(aes, new Uint8Array(3));
} catch (e) {
  const error = e as EnvsealError;
  const code: ErrorCode = error.code;
  const detail = `${code} ${error.kmsType ?? ''} ${error.kmsMessage ?? ''} ${error.httpStatus ?? 0} ${error.reason ?? ''}`;
  void detail;
}
aes.free();
rsa.free();
multi.free();

// ---- envseal/demo-kms ------------------------------------------------------------------------

const store: KeyStore = new MemoryKeyStore();
const service = new DemoKeyService({ store, region: 'eu-west-1', accountId: '111122223333', clock: () => Date.now(), onAudit: (entry: AuditEntry) => void entry.operation });
const created: KeyMetadata = (await service.request('CreateKey', { Description: 'demo' })).KeyMetadata;
const blob: string = (await service.request('Encrypt', { KeyId: created.KeyId, Plaintext: new Uint8Array(4), EncryptionContext: { a: 'b' } })).CiphertextBlob;
const plain: string = (await service.request('Decrypt', { CiphertextBlob: blob, EncryptionContext: { a: 'b' } })).Plaintext;
const other: Record<string, any> = await service.request('TagResource', { KeyId: created.KeyId });
const audit: AuditEntry[] = await service.auditLog({ keyId: created.KeyId, since: new Date(), limit: 10 });
const exported: string = await service.exportAuditLog();
await service.clearAuditLog();
const operations: readonly DemoKmsOperation[] = OPERATION_NAMES;
const region: string = service.region + service.accountId + (service.store === store ? '' : '?');

const indexed = new IndexedDbKeyStore('envseal-types', { indexedDB });
const storeName: string = indexed.name;
await indexed.close();
await IndexedDbKeyStore.delete('envseal-types');

const refusal = new KmsError('NotFoundException', 'no such key');
const wire: { status: number; body: { __type: string; message: string } } = kmsErrorResponse(refusal);
const status: number = refusal.status + wire.status + refusal.code.length + refusal.__type.length;
const response: Response = await handleKmsFetch(service, new Request('https://kms.local/', { method: 'POST' }));
const matches: boolean = isKmsEndpoint('https://kms.local/', 'https://kms.local/');
const listener = kmsFetchListener(service, { path: '/kms' });
listener({ request: new Request('https://kms.local/kms'), respondWith: (answer) => void answer });
const registration: ServiceWorkerRegistration = await registerKmsServiceWorker('/sw.js', { path: '/kms', database: 'db', scope: '/' });
const channel: 'envseal-demo-kms-audit' = AUDIT_CHANNEL;
const version: 0xd1 = BLOB_VERSION;
const context: Uint8Array = encodeEncryptionContext({ a: 'b' });

export const used = [
  names, canDecrypt, kmsId, isDiscovery, keyrings, header, decrypted, wrapped, roundTrip, frameLength,
  authorization, plain, other, audit, exported, operations, region, storeName, status, response, matches,
  registration, channel, version, context,
];
