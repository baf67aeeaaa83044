// @ts-check
// Key lifecycle: CreateKey, DescribeKey, ListKeys, ListResourceTags, EnableKey, DisableKey,
// ScheduleKeyDeletion, CancelKeyDeletion.

import { KmsError, invalidState, unsupported, validationMessage } from './errors.js';
import { DAY_MS, newMaterial, seconds } from './keys.js';
import { paginate, sortableNumber } from './paginate.js';

/** @typedef {import('./service.js').OperationEnv} Env */
/** @typedef {import('./service.js').Trail} Trail */

const MAX_TAGS = 50;
const DEFAULT_PENDING_WINDOW_DAYS = 30;

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function CreateKey(env, p, trail) {
  if (p.KeySpec !== undefined && p.CustomerMasterKeySpec !== undefined) {
    throw validationMessage(
      'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.',
    );
  }
  const keySpec = p.KeySpec ?? p.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  const keyUsage = p.KeyUsage ?? 'ENCRYPT_DECRYPT';
  if (keySpec !== 'SYMMETRIC_DEFAULT' || keyUsage !== 'ENCRYPT_DECRYPT') {
    throw unsupported(
      `The demo key service makes symmetric encryption keys only (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT), not KeySpec ${keySpec} with KeyUsage ${keyUsage}.`,
    );
  }
  if ((p.Origin ?? 'AWS_KMS') !== 'AWS_KMS') {
    throw unsupported(`The demo key service generates its own key material: Origin ${p.Origin} is not supported.`);
  }
  if (p.CustomKeyStoreId !== undefined || p.XksKeyId !== undefined) {
    throw unsupported('The demo key service has no custom key stores.');
  }
  if (p.MultiRegion === true) throw unsupported('The demo key service has no multi-Region keys.');
  if (p.Policy !== undefined) {
    try {
      JSON.parse(p.Policy);
    } catch {
      throw new KmsError('MalformedPolicyDocumentException', 'The key policy is not valid JSON.');
    }
  }
  const tags = checkTags(p.Tags ?? []);

  const keyId = crypto.randomUUID();
  /** @type {import('./memory-store.js').KeyRecord} */
  const key = {
    keyId,
    createdAt: env.now,
    description: p.Description ?? '',
    state: 'Enabled',
    deletionDate: null,
    pendingWindowInDays: null,
    tags,
    policy: p.Policy ?? null,
    rotation: { enabled: false, periodInDays: null, nextRotationDate: null },
    onDemandRotations: 0,
    materials: [await newMaterial(1, env.now, null)],
  };
  await env.keys.store.putKey(key);
  trail.keyId = env.keys.keyArn(keyId);
  trail.keyMaterialVersion = 1;
  return { KeyMetadata: env.keys.metadata(key) };
}

/**
 * @param {{ TagKey: string, TagValue: string }[]} tags already shape-checked
 * @throws {KmsError} TagException
 */
function checkTags(tags) {
  if (tags.length > MAX_TAGS) throw new KmsError('TagException', `A key can have at most ${MAX_TAGS} tags.`);
  const seen = new Set();
  for (const { TagKey } of tags) {
    if (TagKey.toLowerCase().startsWith('aws:')) {
      throw new KmsError('TagException', `Tag keys beginning with "aws:" are reserved: ${TagKey}`);
    }
    if (seen.has(TagKey)) throw new KmsError('TagException', `Duplicate tag key: ${TagKey}`);
    seen.add(TagKey);
  }
  return tags.map(({ TagKey, TagValue }) => ({ TagKey, TagValue }));
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function DescribeKey(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId);
  trail.keyId = env.keys.keyArn(key.keyId);
  return { KeyMetadata: env.keys.metadata(key) };
}

/** @param {Env} env @param {Record<string, any>} p */
export async function ListKeys(env, p) {
  const keys = await env.keys.store.listKeys();
  const { page, more } = paginate(keys, (k) => `${sortableNumber(k.createdAt)}/${k.keyId}`, p, 100);
  return { Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: env.keys.keyArn(k.keyId) })), ...more };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function ListResourceTags(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  trail.keyId = env.keys.keyArn(key.keyId);
  const indexed = key.tags.map((tag, i) => ({ tag, i }));
  const { page, more } = paginate(indexed, ({ i }) => sortableNumber(i), p, 50);
  return { Tags: page.map(({ tag }) => tag), ...more };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function EnableKey(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  trail.keyId = env.keys.keyArn(key.keyId);
  env.keys.assertNotPendingDeletion(key);
  key.state = 'Enabled';
  await env.keys.store.putKey(key);
  return {};
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function DisableKey(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  trail.keyId = env.keys.keyArn(key.keyId);
  env.keys.assertNotPendingDeletion(key);
  key.state = 'Disabled';
  await env.keys.store.putKey(key);
  return {};
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function ScheduleKeyDeletion(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  const arn = env.keys.keyArn(key.keyId);
  trail.keyId = arn;
  env.keys.assertNotPendingDeletion(key);
  const days = p.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
  key.state = 'PendingDeletion';
  key.deletionDate = env.now + days * DAY_MS;
  key.pendingWindowInDays = days;
  await env.keys.store.putKey(key);
  return { KeyId: arn, DeletionDate: seconds(key.deletionDate), KeyState: 'PendingDeletion', PendingWindowInDays: days };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function CancelKeyDeletion(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  const arn = env.keys.keyArn(key.keyId);
  trail.keyId = arn;
  if (key.state !== 'PendingDeletion') throw invalidState(`${arn} is not pending deletion.`);
  key.state = 'Disabled';
  key.deletionDate = null;
  key.pendingWindowInDays = null;
  await env.keys.store.putKey(key);
  return { KeyId: arn };
}
