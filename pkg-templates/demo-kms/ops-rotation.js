// @ts-check
// Key rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand,
// ListKeyRotations. A rotation adds a key material version; older versions stay, so older
// ciphertexts still decrypt, and new encryptions use the newest. Automatic rotation happens when
// the service's clock passes NextRotationDate (see service.js, housekeeping).

import { KmsError } from './errors.js';
import { DAY_MS, currentMaterial, rotate, seconds } from './keys.js';
import { paginate, sortableNumber } from './paginate.js';

/** @typedef {import('./service.js').OperationEnv} Env */
/** @typedef {import('./service.js').Trail} Trail */

// Every export of this module is an operation (service.js); constants stay private.
const DEFAULT_ROTATION_PERIOD_DAYS = 365;
/** KMS allows 10 on-demand rotations per key. */
const ON_DEMAND_ROTATION_LIMIT = 10;

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function EnableKeyRotation(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  trail.keyId = env.keys.keyArn(key.keyId);
  env.keys.assertEnabled(key);
  const period = p.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
  // Already on: a new period counts from the newest material; never schedules into the past.
  const from = key.rotation.enabled ? currentMaterial(key).createdAt : env.now;
  key.rotation = { enabled: true, periodInDays: period, nextRotationDate: Math.max(env.now, from + period * DAY_MS) };
  await env.keys.store.putKey(key);
  return {};
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function DisableKeyRotation(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  trail.keyId = env.keys.keyArn(key.keyId);
  env.keys.assertEnabled(key);
  key.rotation = { enabled: false, periodInDays: null, nextRotationDate: null };
  await env.keys.store.putKey(key);
  return {};
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function GetKeyRotationStatus(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  const arn = env.keys.keyArn(key.keyId);
  trail.keyId = arn;
  const { enabled, periodInDays, nextRotationDate } = key.rotation;
  // The rotation operations answer with the bare key id (as KMS's examples show), not the ARN.
  return {
    KeyRotationEnabled: enabled,
    KeyId: key.keyId,
    ...(enabled && periodInDays !== null && nextRotationDate !== null
      ? { RotationPeriodInDays: periodInDays, NextRotationDate: seconds(nextRotationDate) }
      : {}),
  };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function RotateKeyOnDemand(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  const arn = env.keys.keyArn(key.keyId);
  trail.keyId = arn;
  env.keys.assertEnabled(key);
  if (key.onDemandRotations >= ON_DEMAND_ROTATION_LIMIT) {
    throw new KmsError(
      'LimitExceededException',
      `${arn} has used all ${ON_DEMAND_ROTATION_LIMIT} of its on-demand rotations.`,
    );
  }
  await rotate(key, env.now, 'ON_DEMAND');
  key.onDemandRotations += 1;
  await env.keys.store.putKey(key);
  trail.keyMaterialVersion = currentMaterial(key).version;
  return { KeyId: key.keyId };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function ListKeyRotations(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId, { allowAlias: false });
  const arn = env.keys.keyArn(key.keyId);
  trail.keyId = arn;
  const current = currentMaterial(key).version;
  const listed = p.IncludeKeyMaterial === 'ALL_KEY_MATERIAL' ? key.materials : key.materials.filter((m) => m.rotationType);
  const { page, more } = paginate(listed, (m) => sortableNumber(m.version), p, 100);
  return {
    Rotations: page.map((m) => ({
      KeyId: key.keyId,
      KeyMaterialId: m.materialId,
      KeyMaterialState: m.version === current ? 'CURRENT' : 'NON_CURRENT',
      ...(m.rotationType ? { RotationDate: seconds(m.createdAt), RotationType: m.rotationType } : {}),
    })),
    ...more,
  };
}
