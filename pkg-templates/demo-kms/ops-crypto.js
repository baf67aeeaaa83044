// @ts-check
// Cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
// GenerateDataKeyWithoutPlaintext. Master keys never leave the service; only blobs and (where
// the operation says so) plaintexts do.

import { encodeBase64 } from './base64.js';
import { openBlob, parseBlob, sealBlob } from './blob.js';
import { KmsError, invalidCiphertext, unsupported, validationMessage } from './errors.js';
import { currentMaterial } from './keys.js';

/** @typedef {import('./service.js').OperationEnv} Env */
/** @typedef {import('./service.js').Trail} Trail */
/** @typedef {import('./memory-store.js').KeyRecord} KeyRecord */

const ALGORITHM = 'SYMMETRIC_DEFAULT';
const DATA_KEY_BYTES = { AES_256: 32, AES_128: 16 };

/**
 * @param {Env} env
 * @param {KeyRecord} key
 * @param {string | undefined} algorithm
 * @throws {KmsError} InvalidKeyUsageException for an asymmetric algorithm
 */
function checkAlgorithm(env, key, algorithm) {
  if (algorithm !== undefined && algorithm !== ALGORITHM) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `${env.keys.keyArn(key.keyId)} is a symmetric encryption key: its only encryption algorithm is ${ALGORITHM}, not ${algorithm}.`,
    );
  }
}

/** @param {Record<string, any>} p */
function checkDryRun(p) {
  if (p.DryRun === true) {
    throw new KmsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  }
}

/** @param {Record<string, any>} p */
function checkNoRecipient(p) {
  if (p.Recipient !== undefined) {
    throw unsupported('The demo key service has no Nitro Enclaves attestation: Recipient is not supported.');
  }
}

/**
 * Encrypts under the key's newest material.
 * @param {KeyRecord} key
 * @param {Uint8Array} plaintext
 * @param {Record<string, string>} context
 */
async function seal(key, plaintext, context) {
  const material = currentMaterial(key);
  const blob = await sealBlob(material.key, key.keyId, material.version, plaintext, context);
  return { blob, material };
}

/**
 * Decrypts a blob: parses it, finds its key (checking it against `requestedKeyId`, if given),
 * checks the key's state and the algorithm, then authenticates and decrypts.
 * @param {Env} env
 * @param {Uint8Array} blobBytes
 * @param {string | undefined} requestedKeyId
 * @param {string | undefined} algorithm
 * @returns {Promise<{ key: KeyRecord, parsed: NonNullable<ReturnType<typeof parseBlob>> }>}
 */
async function findBlobKey(env, blobBytes, requestedKeyId, algorithm) {
  const parsed = parseBlob(blobBytes);
  if (!parsed) throw invalidCiphertext();
  const requested = requestedKeyId === undefined ? undefined : await env.keys.resolve(requestedKeyId);
  const key = await env.keys.forBlob(parsed.keyId);
  if (requested && requested.keyId !== key.keyId) {
    throw new KmsError(
      'IncorrectKeyException',
      'The key ID in the request does not identify a CMK that can perform this operation.',
    );
  }
  checkAlgorithm(env, key, algorithm);
  env.keys.assertEnabled(key);
  return { key, parsed };
}

/**
 * @param {KeyRecord} key
 * @param {NonNullable<ReturnType<typeof parseBlob>>} parsed
 * @param {Record<string, string>} context
 */
async function open(key, parsed, context) {
  const material = key.materials[parsed.materialVersion - 1];
  const plaintext = material && (await openBlob(material.key, parsed, context));
  if (!plaintext) throw invalidCiphertext();
  return { plaintext, material };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function Encrypt(env, p, trail) {
  const key = await env.keys.resolve(p.KeyId);
  const arn = env.keys.keyArn(key.keyId);
  trail.keyId = arn;
  checkAlgorithm(env, key, p.EncryptionAlgorithm);
  env.keys.assertEnabled(key);
  checkDryRun(p);
  const { blob, material } = await seal(key, p.Plaintext, p.EncryptionContext ?? {});
  p.Plaintext.fill(0);
  trail.keyMaterialVersion = material.version;
  return { CiphertextBlob: encodeBase64(blob), KeyId: arn, EncryptionAlgorithm: ALGORITHM };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function Decrypt(env, p, trail) {
  const { key, parsed } = await findBlobKey(env, p.CiphertextBlob, p.KeyId, p.EncryptionAlgorithm);
  const arn = env.keys.keyArn(key.keyId);
  trail.keyId = arn;
  checkNoRecipient(p);
  checkDryRun(p);
  const { plaintext, material } = await open(key, parsed, p.EncryptionContext ?? {});
  trail.keyMaterialVersion = material.version;
  const encoded = encodeBase64(plaintext);
  plaintext.fill(0);
  return { KeyId: arn, Plaintext: encoded, EncryptionAlgorithm: ALGORITHM, KeyMaterialId: material.materialId };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function ReEncrypt(env, p, trail) {
  const { key: source, parsed } = await findBlobKey(env, p.CiphertextBlob, p.SourceKeyId, p.SourceEncryptionAlgorithm);
  const sourceArn = env.keys.keyArn(source.keyId);
  trail.sourceKeyId = sourceArn;
  const destination = await env.keys.resolve(p.DestinationKeyId);
  const destinationArn = env.keys.keyArn(destination.keyId);
  trail.keyId = destinationArn;
  checkAlgorithm(env, destination, p.DestinationEncryptionAlgorithm);
  env.keys.assertEnabled(destination);
  checkDryRun(p);
  const { plaintext, material: sourceMaterial } = await open(source, parsed, p.SourceEncryptionContext ?? {});
  const { blob, material } = await seal(destination, plaintext, p.DestinationEncryptionContext ?? {});
  plaintext.fill(0);
  trail.keyMaterialVersion = material.version;
  return {
    CiphertextBlob: encodeBase64(blob),
    SourceKeyId: sourceArn,
    KeyId: destinationArn,
    SourceEncryptionAlgorithm: ALGORITHM,
    DestinationEncryptionAlgorithm: ALGORITHM,
    SourceKeyMaterialId: sourceMaterial.materialId,
    DestinationKeyMaterialId: material.materialId,
  };
}

/**
 * The shared part of GenerateDataKey and GenerateDataKeyWithoutPlaintext.
 * @param {Env} env
 * @param {Record<string, any>} p
 * @param {Trail} trail
 */
async function generate(env, p, trail) {
  if ((p.KeySpec === undefined) === (p.NumberOfBytes === undefined)) {
    throw validationMessage('Please specify either number of bytes or key spec.');
  }
  const key = await env.keys.resolve(p.KeyId);
  const arn = env.keys.keyArn(key.keyId);
  trail.keyId = arn;
  env.keys.assertEnabled(key);
  checkNoRecipient(p);
  checkDryRun(p);
  const length = p.NumberOfBytes ?? DATA_KEY_BYTES[/** @type {'AES_256' | 'AES_128'} */ (p.KeySpec)];
  const dataKey = crypto.getRandomValues(new Uint8Array(length));
  const { blob, material } = await seal(key, dataKey, p.EncryptionContext ?? {});
  trail.keyMaterialVersion = material.version;
  return { arn, dataKey, blob, material };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function GenerateDataKey(env, p, trail) {
  const { arn, dataKey, blob, material } = await generate(env, p, trail);
  const plaintext = encodeBase64(dataKey);
  dataKey.fill(0);
  return { CiphertextBlob: encodeBase64(blob), Plaintext: plaintext, KeyId: arn, KeyMaterialId: material.materialId };
}

/** @param {Env} env @param {Record<string, any>} p @param {Trail} trail */
export async function GenerateDataKeyWithoutPlaintext(env, p, trail) {
  const { arn, dataKey, blob, material } = await generate(env, p, trail);
  dataKey.fill(0);
  return { CiphertextBlob: encodeBase64(blob), KeyId: arn, KeyMaterialId: material.materialId };
}
