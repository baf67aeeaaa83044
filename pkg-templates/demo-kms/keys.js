// @ts-check
// Key lookups and key state: resolving KeyId values, the state checks KMS makes before an
// operation, KeyMetadata as KMS returns it, and new key material.

import { generateMaterial } from './blob.js';
import { KmsError, invalidState, notFound } from './errors.js';
import { aliasArn, keyArn, parseKeyIdentifier } from './ids.js';

/** @typedef {import('./memory-store.js').KeyRecord} KeyRecord */
/** @typedef {import('./memory-store.js').KeyMaterial} KeyMaterial */

export const DAY_MS = 86_400_000;

/** KMS timestamps on the JSON wire: seconds since the epoch. @param {number} ms */
export const seconds = (ms) => ms / 1000;

export class KeyDirectory {
  /**
   * @param {import('./memory-store.js').KeyStore} store
   * @param {string} region
   * @param {string} accountId
   */
  constructor(store, region, accountId) {
    this.store = store;
    this.region = region;
    this.accountId = accountId;
  }

  /** @param {string} keyId */
  keyArn(keyId) {
    return keyArn(this.region, this.accountId, keyId);
  }

  /** @param {string} aliasName */
  aliasArn(aliasName) {
    return aliasArn(this.region, this.accountId, aliasName);
  }

  /**
   * @param {import('./ids.js').ArnScope | undefined} scope
   * @returns {boolean} whether an ARN's region and account are this service's
   */
  #ours(scope) {
    return !scope || (scope.partition === 'aws' && scope.region === this.region && scope.account === this.accountId);
  }

  /**
   * Finds the key a `KeyId` value names: key id or key ARN, and (if `allowAlias`) alias name or
   * alias ARN, as KMS accepts them.
   * @param {string} value
   * @param {{ allowAlias?: boolean }} [options]
   * @returns {Promise<KeyRecord>}
   * @throws {KmsError} NotFoundException
   */
  async resolve(value, { allowAlias = true } = {}) {
    const id = parseKeyIdentifier(value);
    if (id.kind === 'invalid' || (id.kind === 'alias' && !allowAlias)) throw notFound(`Invalid keyId ${value}`);
    if (id.kind === 'alias') {
      const arn = id.arn ? value : this.aliasArn(id.aliasName);
      const alias = this.#ours(id.arn) ? await this.store.getAlias(id.aliasName) : undefined;
      const key = alias && (await this.store.getKey(alias.targetKeyId));
      if (!key) throw notFound(`Alias ${arn} is not found.`);
      return key;
    }
    const key = this.#ours(id.arn) ? await this.store.getKey(id.keyId) : undefined;
    if (!key) throw notFound(`Key '${id.arn ? value : this.keyArn(id.keyId)}' does not exist`);
    return key;
  }

  /**
   * The key a ciphertext blob names.
   * @param {string} keyId
   * @returns {Promise<KeyRecord>}
   */
  async forBlob(keyId) {
    const key = await this.store.getKey(keyId);
    if (!key) throw notFound(`Key '${this.keyArn(keyId)}' does not exist`);
    return key;
  }

  /**
   * A key must be enabled for cryptographic operations and rotation changes.
   * @param {KeyRecord} key
   * @throws {KmsError} DisabledException, KMSInvalidStateException
   */
  assertEnabled(key) {
    this.assertNotPendingDeletion(key);
    if (key.state === 'Disabled') throw new KmsError('DisabledException', `${this.keyArn(key.keyId)} is disabled.`);
  }

  /**
   * @param {KeyRecord} key
   * @throws {KmsError} KMSInvalidStateException
   */
  assertNotPendingDeletion(key) {
    if (key.state === 'PendingDeletion') throw invalidState(`${this.keyArn(key.keyId)} is pending deletion.`);
  }

  /**
   * KeyMetadata as DescribeKey and CreateKey return it.
   * @param {KeyRecord} key
   */
  metadata(key) {
    return {
      AWSAccountId: this.accountId,
      KeyId: key.keyId,
      Arn: this.keyArn(key.keyId),
      CreationDate: seconds(key.createdAt),
      Enabled: key.state === 'Enabled',
      Description: key.description,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: key.state,
      ...(key.state === 'PendingDeletion' && key.deletionDate !== null ? { DeletionDate: seconds(key.deletionDate) } : {}),
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
      CurrentKeyMaterialId: currentMaterial(key).materialId,
    };
  }
}

/**
 * The material new encryptions use: the newest.
 * @param {KeyRecord} key
 * @returns {KeyMaterial}
 */
export const currentMaterial = (key) => key.materials[key.materials.length - 1];

/**
 * A new key material version, generated inside the service.
 * @param {number} version
 * @param {number} now ms
 * @param {KeyMaterial['rotationType']} rotationType
 * @returns {Promise<KeyMaterial>}
 */
export async function newMaterial(version, now, rotationType) {
  const id = crypto.getRandomValues(new Uint8Array(32));
  return {
    version,
    materialId: Array.from(id, (b) => b.toString(16).padStart(2, '0')).join(''),
    key: await generateMaterial(),
    createdAt: now,
    rotationType,
  };
}

/**
 * Rotates a key: appends a new material version. Older versions stay, for decryption.
 * @param {KeyRecord} key changed in place
 * @param {number} now
 * @param {'AUTOMATIC' | 'ON_DEMAND'} rotationType
 */
export async function rotate(key, now, rotationType) {
  key.materials.push(await newMaterial(key.materials.length + 1, now, rotationType));
}
