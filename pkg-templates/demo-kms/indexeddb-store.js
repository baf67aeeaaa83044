// @ts-check
// The IndexedDB key store: keys, aliases and the audit log survive a reload. Key material is kept
// as non-extractable CryptoKey objects (IndexedDB structured-clones them; script can use them but
// never read their bytes). They are as safe as the browser profile on disk, no more.

const VERSION = 1;
const KEYS = 'keys';
const ALIASES = 'aliases';
const AUDIT = 'audit';

/** @typedef {import('./memory-store.js').KeyStore} KeyStore */

/** @implements {KeyStore} */
export class IndexedDbKeyStore {
  #name;
  #factory;
  /** @type {Promise<IDBDatabase> | undefined} */
  #db;

  /**
   * @param {string} [name] database name (default `envseal-demo-kms`)
   * @param {{ indexedDB?: IDBFactory }} [options] another IndexedDB implementation (tests)
   */
  constructor(name = 'envseal-demo-kms', options = {}) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('IndexedDbKeyStore: name must be a non-empty string');
    this.#name = name;
    this.#factory = options.indexedDB ?? globalThis.indexedDB;
  }

  /** The database name. */
  get name() {
    return this.#name;
  }

  /** @returns {Promise<IDBDatabase>} */
  #open() {
    if (this.#db) return this.#db;
    const factory = this.#factory;
    if (!factory) return Promise.reject(new TypeError('IndexedDbKeyStore: IndexedDB is not available here'));
    this.#db = new Promise((resolve, reject) => {
      const request = factory.open(this.#name, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS, { keyPath: 'keyId' });
        if (!db.objectStoreNames.contains(ALIASES)) db.createObjectStore(ALIASES, { keyPath: 'aliasName' });
        if (!db.objectStoreNames.contains(AUDIT)) db.createObjectStore(AUDIT, { autoIncrement: true });
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading or deleting the database: let it, and reopen on next use.
        db.onversionchange = () => {
          db.close();
          this.#db = undefined;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`IndexedDbKeyStore: database ${this.#name} is blocked by another connection`));
    });
    this.#db.catch(() => {
      this.#db = undefined;
    });
    return this.#db;
  }

  /**
   * Runs one request in its own transaction; resolves with its result once the transaction commits.
   * @template T
   * @param {string} storeName
   * @param {IDBTransactionMode} mode
   * @param {(store: IDBObjectStore) => IDBRequest<T>} makeRequest
   * @returns {Promise<T>}
   */
  async #run(storeName, mode, makeRequest) {
    const db = await this.#open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const request = makeRequest(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? request.error);
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDbKeyStore: transaction aborted'));
    });
  }

  /** @param {string} keyId */
  getKey(keyId) {
    return this.#run(KEYS, 'readonly', (s) => s.get(keyId));
  }

  /** @param {import('./memory-store.js').KeyRecord} record */
  async putKey(record) {
    await this.#run(KEYS, 'readwrite', (s) => s.put(record));
  }

  /** @param {string} keyId */
  async deleteKey(keyId) {
    await this.#run(KEYS, 'readwrite', (s) => s.delete(keyId));
  }

  listKeys() {
    return this.#run(KEYS, 'readonly', (s) => s.getAll());
  }

  /** @param {string} aliasName */
  getAlias(aliasName) {
    return this.#run(ALIASES, 'readonly', (s) => s.get(aliasName));
  }

  /** @param {import('./memory-store.js').AliasRecord} record */
  async putAlias(record) {
    await this.#run(ALIASES, 'readwrite', (s) => s.put(record));
  }

  /** @param {string} aliasName */
  async deleteAlias(aliasName) {
    await this.#run(ALIASES, 'readwrite', (s) => s.delete(aliasName));
  }

  listAliases() {
    return this.#run(ALIASES, 'readonly', (s) => s.getAll());
  }

  /** @param {import('./audit.js').AuditEntry} entry */
  async appendAudit(entry) {
    await this.#run(AUDIT, 'readwrite', (s) => s.add(entry));
  }

  listAudit() {
    return this.#run(AUDIT, 'readonly', (s) => s.getAll());
  }

  async clearAudit() {
    await this.#run(AUDIT, 'readwrite', (s) => s.clear());
  }

  /** Closes the connection (it reopens on next use). */
  async close() {
    const db = this.#db;
    this.#db = undefined;
    if (db) (await db).close();
  }

  /**
   * Deletes a whole database: every key (and so every ciphertext made under it) is gone for good.
   * @param {string} [name]
   * @param {{ indexedDB?: IDBFactory }} [options]
   * @returns {Promise<void>}
   */
  static delete(name = 'envseal-demo-kms', options = {}) {
    const factory = options.indexedDB ?? globalThis.indexedDB;
    if (!factory) return Promise.reject(new TypeError('IndexedDbKeyStore: IndexedDB is not available here'));
    return new Promise((resolve, reject) => {
      const request = factory.deleteDatabase(name);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
  }
}
