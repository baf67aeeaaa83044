// @ts-check
// The in-memory key store: the default, for tests, Node and throwaway pages. Values are
// structured-cloned in and out, exactly as IndexedDB does, so both stores behave the same
// (a CryptoKey clones as the same non-extractable key).

/**
 * What DemoKeyService keeps per key. `materials[i]` is version `i + 1`.
 * @typedef {object} KeyRecord
 * @property {string} keyId
 * @property {number} createdAt ms since the epoch
 * @property {string} description
 * @property {'Enabled' | 'Disabled' | 'PendingDeletion'} state
 * @property {number | null} deletionDate ms, while PendingDeletion
 * @property {number | null} pendingWindowInDays
 * @property {{ TagKey: string, TagValue: string }[]} tags
 * @property {string | null} policy stored, not enforced
 * @property {{ enabled: boolean, periodInDays: number | null, nextRotationDate: number | null }} rotation
 * @property {number} onDemandRotations
 * @property {KeyMaterial[]} materials
 *
 * @typedef {object} KeyMaterial
 * @property {number} version 1-based
 * @property {string} materialId 64 hex digits (KMS's KeyMaterialId)
 * @property {CryptoKey} key non-extractable AES-256-GCM
 * @property {number} createdAt ms
 * @property {'AUTOMATIC' | 'ON_DEMAND' | null} rotationType null for the key's first material
 *
 * @typedef {object} AliasRecord
 * @property {string} aliasName `alias/...`
 * @property {string} targetKeyId
 * @property {number} createdAt
 * @property {number} updatedAt
 */

/**
 * Where a DemoKeyService keeps keys, aliases and its audit log. All methods are async; records
 * go in and come out by value (structured clone).
 * @typedef {object} KeyStore
 * @property {(keyId: string) => Promise<KeyRecord | undefined>} getKey
 * @property {(record: KeyRecord) => Promise<void>} putKey
 * @property {(keyId: string) => Promise<void>} deleteKey
 * @property {() => Promise<KeyRecord[]>} listKeys
 * @property {(aliasName: string) => Promise<AliasRecord | undefined>} getAlias
 * @property {(record: AliasRecord) => Promise<void>} putAlias
 * @property {(aliasName: string) => Promise<void>} deleteAlias
 * @property {() => Promise<AliasRecord[]>} listAliases
 * @property {(entry: import('./audit.js').AuditEntry) => Promise<void>} appendAudit
 * @property {() => Promise<import('./audit.js').AuditEntry[]>} listAudit oldest first
 * @property {() => Promise<void>} clearAudit
 */

/** @implements {KeyStore} */
export class MemoryKeyStore {
  /** @type {Map<string, KeyRecord>} */
  #keys = new Map();
  /** @type {Map<string, AliasRecord>} */
  #aliases = new Map();
  /** @type {import('./audit.js').AuditEntry[]} */
  #audit = [];

  /** @param {string} keyId */
  async getKey(keyId) {
    const record = this.#keys.get(keyId);
    return record && structuredClone(record);
  }

  /** @param {KeyRecord} record */
  async putKey(record) {
    this.#keys.set(record.keyId, structuredClone(record));
  }

  /** @param {string} keyId */
  async deleteKey(keyId) {
    this.#keys.delete(keyId);
  }

  async listKeys() {
    return [...this.#keys.values()].map((r) => structuredClone(r));
  }

  /** @param {string} aliasName */
  async getAlias(aliasName) {
    const record = this.#aliases.get(aliasName);
    return record && structuredClone(record);
  }

  /** @param {AliasRecord} record */
  async putAlias(record) {
    this.#aliases.set(record.aliasName, structuredClone(record));
  }

  /** @param {string} aliasName */
  async deleteAlias(aliasName) {
    this.#aliases.delete(aliasName);
  }

  async listAliases() {
    return [...this.#aliases.values()].map((r) => structuredClone(r));
  }

  /** @param {import('./audit.js').AuditEntry} entry */
  async appendAudit(entry) {
    this.#audit.push(structuredClone(entry));
  }

  async listAudit() {
    return this.#audit.map((e) => structuredClone(e));
  }

  async clearAudit() {
    this.#audit = [];
  }
}
