// @ts-check
// Key identifiers as KMS accepts them: key id, key ARN, alias name, alias ARN.

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KMS_ARN = /^arn:([a-z0-9-]+):kms:([a-z0-9-]+):([0-9]{12}):(key|alias)\/(.*)$/;

/**
 * @typedef {{ partition: string, region: string, account: string }} ArnScope
 * @typedef {{ kind: 'key', keyId: string, arn?: ArnScope }
 *   | { kind: 'alias', aliasName: string, arn?: ArnScope }
 *   | { kind: 'invalid' }} KeyIdentifier
 */

/**
 * Classifies a `KeyId` value. Key ids compare case-insensitively (they are UUIDs).
 * @param {string} value
 * @returns {KeyIdentifier}
 */
export function parseKeyIdentifier(value) {
  if (value.startsWith('alias/')) return { kind: 'alias', aliasName: value };
  const arn = KMS_ARN.exec(value);
  if (arn) {
    const [, partition, region, account, type, resource] = arn;
    const scope = { partition, region, account };
    if (type === 'alias') return { kind: 'alias', aliasName: `alias/${resource}`, arn: scope };
    const keyId = resource.toLowerCase();
    return KEY_ID.test(keyId) ? { kind: 'key', keyId, arn: scope } : { kind: 'invalid' };
  }
  const keyId = value.toLowerCase();
  return KEY_ID.test(keyId) ? { kind: 'key', keyId } : { kind: 'invalid' };
}

/** @param {string} value @returns {boolean} whether `value` names an alias (name or ARN) */
export function isAliasIdentifier(value) {
  return parseKeyIdentifier(value).kind === 'alias';
}

/**
 * @param {string} region
 * @param {string} account
 * @param {string} keyId
 */
export const keyArn = (region, account, keyId) => `arn:aws:kms:${region}:${account}:key/${keyId}`;

/**
 * @param {string} region
 * @param {string} account
 * @param {string} aliasName `alias/...`
 */
export const aliasArn = (region, account, aliasName) => `arn:aws:kms:${region}:${account}:${aliasName}`;
