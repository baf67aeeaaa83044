// @ts-check
// Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases.

import { KmsError, notFound, validationMessage } from './errors.js';
import { isAliasIdentifier } from './ids.js';
import { seconds } from './keys.js';
import { paginate } from './paginate.js';

/** @typedef {import('./service.js').OperationEnv} Env */
/** @typedef {import('./service.js').Trail} Trail */

const RESERVED_PREFIX = 'alias/aws/';

/**
 * The checks KMS makes on an alias name beyond its pattern (which the schema checks).
 * @param {string} name
 * @param {string} verb what the caller tried, for the message
 */
function checkAliasName(name, verb) {
  if (!name.startsWith('alias/')) {
    throw validationMessage(
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
  }
  if (name.startsWith(RESERVED_PREFIX)) {
    throw new KmsError('NotAuthorizedException', `Cannot ${verb} ${name}: the prefix alias/aws/ is reserved for AWS managed keys.`);
  }
  if (name.length === 'alias/'.length || name.includes(':')) {
    throw validationMessage(`${name} contains invalid characters for an alias`);
  }
}

/**
 * The key an alias may point at: named by key id or key ARN, not pending deletion.
 * @param {Env} env
 * @param {string} targetKeyId
 */
async function aliasTarget(env, targetKeyId) {
  if (isAliasIdentifier(targetKeyId)) throw validationMessage('Aliases must refer to keys. Not aliases');
  const key = await env.keys.resolve(targetKeyId, { allowAlias: false });
  env.keys.assertNotPendingDeletion(key);
  return key;
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function CreateAlias(env, p, trail) {
  checkAliasName(p.AliasName, 'create');
  const key = await aliasTarget(env, p.TargetKeyId);
  trail.keyId = env.keys.keyArn(key.keyId);
  if (await env.keys.store.getAlias(p.AliasName)) {
    throw new KmsError('AlreadyExistsException', `An alias with the name ${env.keys.aliasArn(p.AliasName)} already exists`);
  }
  await env.keys.store.putAlias({ aliasName: p.AliasName, targetKeyId: key.keyId, createdAt: env.now, updatedAt: env.now });
  return {};
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function UpdateAlias(env, p, trail) {
  checkAliasName(p.AliasName, 'update');
  const alias = await env.keys.store.getAlias(p.AliasName);
  if (!alias) throw notFound(`Alias ${env.keys.aliasArn(p.AliasName)} is not found.`);
  const key = await aliasTarget(env, p.TargetKeyId);
  trail.keyId = env.keys.keyArn(key.keyId);
  await env.keys.store.putAlias({ ...alias, targetKeyId: key.keyId, updatedAt: env.now });
  return {};
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function DeleteAlias(env, p, trail) {
  checkAliasName(p.AliasName, 'delete');
  const alias = await env.keys.store.getAlias(p.AliasName);
  if (!alias) throw notFound(`Alias ${env.keys.aliasArn(p.AliasName)} is not found.`);
  trail.keyId = env.keys.keyArn(alias.targetKeyId);
  await env.keys.store.deleteAlias(p.AliasName);
  return {};
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function ListAliases(env, p, trail) {
  let aliases = await env.keys.store.listAliases();
  if (p.KeyId !== undefined) {
    const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
    trail.keyId = env.keys.keyArn(key.keyId);
    aliases = aliases.filter((a) => a.targetKeyId === key.keyId);
  }
  const { page, more } = paginate(aliases, (a) => a.aliasName, p, 50);
  return {
    Aliases: page.map((a) => ({
      AliasName: a.aliasName,
      AliasArn: env.keys.aliasArn(a.aliasName),
      TargetKeyId: a.targetKeyId,
      CreationDate: seconds(a.createdAt),
      LastUpdatedDate: seconds(a.updatedAt),
    })),
    ...more,
  };
}
