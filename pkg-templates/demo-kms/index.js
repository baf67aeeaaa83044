// @ts-check
// envseal/demo-kms: an in-browser stand-in for AWS KMS, for development and tests only.
// docs/demo-kms.md is the guide.

export { DemoKeyService, OPERATION_NAMES } from './service.js';
export { MemoryKeyStore } from './memory-store.js';
export { IndexedDbKeyStore } from './indexeddb-store.js';
export { KmsError, kmsErrorResponse } from './errors.js';
export { handleKmsFetch, isKmsEndpoint, kmsFetchListener } from './fetch.js';
export { AUDIT_CHANNEL, registerKmsServiceWorker } from './register.js';
export { BLOB_VERSION, encodeEncryptionContext } from './blob.js';
