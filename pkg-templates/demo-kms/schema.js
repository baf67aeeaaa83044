// @ts-check
// Request shapes of the supported operations (from KMS's service model) and their checks:
// a value of the wrong JSON type is a SerializationException; a value outside its constraints is
// a ValidationException worded as AWS words it. Unknown members are ignored, as KMS does.

import { decodeBase64 } from './base64.js';
import { serializationError, validationError } from './errors.js';

/** Stands for a request body that is not JSON (see fetch.js). */
export const MALFORMED_JSON = Object.freeze({ malformed: true });

export const ENCRYPTION_ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'];
const KEY_USAGES = ['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT', 'ENCAPSULATE_DECAPSULATE'];
const CMK_SPECS = [
  'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1',
  'SYMMETRIC_DEFAULT', 'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'SM2',
];
const KEY_SPECS = [
  ...CMK_SPECS, 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87', 'ECC_NIST_EDWARDS25519', 'ML_KEM_512', 'ML_KEM_768', 'ML_KEM_1024',
];
const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'];
const DATA_KEY_SPECS = ['AES_256', 'AES_128'];
const INCLUDE_KEY_MATERIAL = ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'];

/**
 * @typedef {'string' | 'integer' | 'boolean' | 'blob' | 'map' | 'strings' | 'tags' | 'structure'} FieldType
 * @typedef {{ type: FieldType, required?: boolean, min?: number, max?: number,
 *   enum?: readonly string[], pattern?: RegExp, sensitive?: boolean, maxBytes?: number }} FieldSpec
 *
 * `sensitive`: a validation message never quotes the value (so neither does the audit log).
 */

/**
 * Largest encryption context accepted: its keys and values, UTF-8 encoded, 8192 bytes together.
 * AWS KMS limits the context too, but the KMS API model states no number: this one is ours.
 */
export const CONTEXT_MAX_BYTES = 8192;

/** @type {Record<string, FieldSpec>} */
const F = {
  keyId: { type: 'string', min: 1, max: 2048 },
  // The context is not secret (KMS logs it), but large: its UTF-8 keys and values together are
  // capped (see CONTEXT_MAX_BYTES).
  context: { type: 'map', maxBytes: CONTEXT_MAX_BYTES },
  grantTokens: { type: 'strings', max: 10, sensitive: true },
  algorithm: { type: 'string', enum: ENCRYPTION_ALGORITHMS },
  flag: { type: 'boolean' },
  limit: { type: 'integer', min: 1, max: 1000 },
  marker: { type: 'string', min: 1, max: 1024 },
  ciphertext: { type: 'blob', min: 1, max: 6144, required: true },
  aliasName: { type: 'string', min: 1, max: 256, pattern: /^[a-zA-Z0-9:/_-]+$/, required: true },
};
const required = /** @param {FieldSpec} spec */ (spec) => ({ ...spec, required: true });
const KEY_ONLY = { KeyId: required(F.keyId) };

/** @type {Record<string, Record<string, FieldSpec>>} */
export const SCHEMAS = {
  CreateKey: {
    Policy: { type: 'string', min: 1, max: 131072, sensitive: true },
    Description: { type: 'string', min: 0, max: 8192, sensitive: true },
    KeyUsage: { type: 'string', enum: KEY_USAGES },
    CustomerMasterKeySpec: { type: 'string', enum: CMK_SPECS },
    KeySpec: { type: 'string', enum: KEY_SPECS },
    Origin: { type: 'string', enum: ORIGINS },
    CustomKeyStoreId: { type: 'string', min: 1, max: 64 },
    BypassPolicyLockoutSafetyCheck: F.flag,
    Tags: { type: 'tags' },
    MultiRegion: F.flag,
    XksKeyId: { type: 'string', min: 1, max: 128 },
  },
  DescribeKey: { KeyId: required(F.keyId), GrantTokens: F.grantTokens },
  ListKeys: { Limit: F.limit, Marker: F.marker },
  ListResourceTags: { KeyId: required(F.keyId), Limit: { type: 'integer', min: 1, max: 50 }, Marker: F.marker },
  CreateAlias: { AliasName: F.aliasName, TargetKeyId: required(F.keyId) },
  UpdateAlias: { AliasName: F.aliasName, TargetKeyId: required(F.keyId) },
  DeleteAlias: { AliasName: F.aliasName },
  ListAliases: { KeyId: F.keyId, Limit: F.limit, Marker: F.marker },
  Encrypt: {
    KeyId: required(F.keyId),
    Plaintext: { type: 'blob', min: 1, max: 4096, required: true, sensitive: true },
    EncryptionContext: F.context,
    GrantTokens: F.grantTokens,
    EncryptionAlgorithm: F.algorithm,
    DryRun: F.flag,
  },
  Decrypt: {
    CiphertextBlob: F.ciphertext,
    EncryptionContext: F.context,
    GrantTokens: F.grantTokens,
    KeyId: F.keyId,
    EncryptionAlgorithm: F.algorithm,
    Recipient: { type: 'structure' },
    DryRun: F.flag,
  },
  ReEncrypt: {
    CiphertextBlob: F.ciphertext,
    SourceEncryptionContext: F.context,
    SourceKeyId: F.keyId,
    DestinationKeyId: required(F.keyId),
    DestinationEncryptionContext: F.context,
    SourceEncryptionAlgorithm: F.algorithm,
    DestinationEncryptionAlgorithm: F.algorithm,
    GrantTokens: F.grantTokens,
    DryRun: F.flag,
  },
  GenerateDataKey: {
    KeyId: required(F.keyId),
    EncryptionContext: F.context,
    NumberOfBytes: { type: 'integer', min: 1, max: 1024 },
    KeySpec: { type: 'string', enum: DATA_KEY_SPECS },
    GrantTokens: F.grantTokens,
    Recipient: { type: 'structure' },
    DryRun: F.flag,
  },
  GenerateDataKeyWithoutPlaintext: {
    KeyId: required(F.keyId),
    EncryptionContext: F.context,
    KeySpec: { type: 'string', enum: DATA_KEY_SPECS },
    NumberOfBytes: { type: 'integer', min: 1, max: 1024 },
    GrantTokens: F.grantTokens,
    DryRun: F.flag,
  },
  EnableKey: KEY_ONLY,
  DisableKey: KEY_ONLY,
  // KMS's model allows 1-365; the service enforces 7-30.
  ScheduleKeyDeletion: { KeyId: required(F.keyId), PendingWindowInDays: { type: 'integer', min: 7, max: 30 } },
  CancelKeyDeletion: KEY_ONLY,
  EnableKeyRotation: { KeyId: required(F.keyId), RotationPeriodInDays: { type: 'integer', min: 90, max: 2560 } },
  DisableKeyRotation: KEY_ONLY,
  GetKeyRotationStatus: KEY_ONLY,
  RotateKeyOnDemand: KEY_ONLY,
  ListKeyRotations: {
    KeyId: required(F.keyId),
    IncludeKeyMaterial: { type: 'string', enum: INCLUDE_KEY_MATERIAL },
    Limit: F.limit,
    Marker: F.marker,
  },
};

/**
 * Checks `input` against the operation's shape; blobs come back decoded (base64 strings, or
 * `Uint8Array`s from JavaScript callers), other values as given. Absent and `null` members are left out.
 * @param {string} operation a key of SCHEMAS
 * @param {unknown} input
 * @returns {Record<string, any>}
 * @throws {import('./errors.js').KmsError} SerializationException or ValidationException
 */
export function parseRequest(operation, input) {
  if (input === MALFORMED_JSON) throw serializationError('The request body is not valid JSON.');
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input) || input instanceof Uint8Array) {
    throw serializationError(`${jsonKind(input)} can not be converted to a request structure`);
  }
  const fields = /** @type {Record<string, unknown>} */ (input);
  /** @type {Record<string, any>} */
  const out = {};
  /** @type {string[]} */
  const violations = [];
  for (const [name, spec] of Object.entries(SCHEMAS[operation])) {
    const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
    const member = memberName(name);
    if (value === undefined || value === null) {
      if (spec.required) violations.push(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    out[name] = convert(member, spec, value);
    check(member, spec, out[name], violations);
  }
  if (violations.length > 0) throw validationError(violations);
  return out;
}

/** `KeyId` -> `keyId`, as AWS names members in validation messages. @param {string} name */
const memberName = (name) => name[0].toLowerCase() + name.slice(1);

/** @param {unknown} value */
function jsonKind(value) {
  if (Array.isArray(value)) return 'START_ARRAY';
  if (value instanceof Uint8Array) return 'BINARY_VALUE';
  switch (typeof value) {
    case 'string':
      return 'STRING_VALUE';
    case 'number':
      return 'NUMBER_VALUE';
    case 'boolean':
      return value ? 'TRUE_VALUE' : 'FALSE_VALUE';
    case 'object':
      return 'START_OBJECT';
    default:
      return typeof value;
  }
}

/**
 * @param {string} member
 * @param {unknown} value
 * @param {string} expected
 */
const mismatch = (member, value, expected) =>
  serializationError(`${jsonKind(value)} can not be converted to ${expected} (member '${member}')`);

/**
 * `text`, if it is well-formed UTF-16: a lone surrogate would become U+FFFD on the way to UTF-8,
 * so `'a\ud800'` and `'a\udfff'` would name one context. Else a ValidationException that does
 * not quote the text.
 * @param {string} member
 * @param {string} text
 */
function wellFormed(member, text) {
  if (LONE_SURROGATE.test(text)) {
    throw validationError([`Value at '${member}' failed to satisfy constraint: Member must be well-formed Unicode (it holds a lone surrogate)`]);
  }
  return text;
}
const LONE_SURROGATE = /\p{Cs}/u;
const utf8 = new TextEncoder();

/**
 * A copy of `value` if the service accepts it as an encryption context (the checks of
 * `parseRequest`: a map of well-formed strings within CONTEXT_MAX_BYTES), else undefined. The
 * audit log records only such contexts: a refused one may be megabytes, or two that print alike.
 * @param {unknown} value
 * @returns {Record<string, string> | undefined}
 */
export function acceptedContext(value) {
  /** @type {string[]} */
  const violations = [];
  try {
    const map = convert('encryptionContext', F.context, value);
    check('encryptionContext', F.context, map, violations);
    return violations.length === 0 ? map : undefined;
  } catch {
    return undefined;
  }
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isPlainObject = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/**
 * @param {string} member
 * @param {FieldSpec} spec
 * @param {unknown} value
 */
function convert(member, spec, value) {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') throw mismatch(member, value, 'a String');
      return wellFormed(member, value);
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw mismatch(member, value, 'an Integer');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw mismatch(member, value, 'a Boolean');
      return value;
    case 'blob': {
      if (value instanceof Uint8Array) return value.slice();
      if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
      if (typeof value !== 'string') throw mismatch(member, value, 'a Blob');
      const bytes = decodeBase64(value);
      if (bytes === null) throw serializationError(`The value of member '${member}' is not valid base64.`);
      return bytes;
    }
    case 'map': {
      if (!isPlainObject(value)) throw mismatch(member, value, 'a Map');
      /** @type {Record<string, string>} */
      const map = {};
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw mismatch(`${member}.${k}`, v, 'a String');
        map[wellFormed(member, k)] = wellFormed(member, v);
      }
      return map;
    }
    case 'strings':
      if (!Array.isArray(value)) throw mismatch(member, value, 'a List');
      for (const item of value) {
        if (typeof item !== 'string') throw mismatch(`${member}.member`, item, 'a String');
        wellFormed(`${member}.member`, item);
      }
      return [...value];
    case 'tags':
      if (!Array.isArray(value)) throw mismatch(member, value, 'a List');
      return value.map((tag, i) => {
        if (!isPlainObject(tag)) throw mismatch(`${member}.${i + 1}.member`, tag, 'a Tag');
        for (const field of ['TagKey', 'TagValue']) {
          const v = tag[field];
          if (v !== undefined && v !== null && typeof v !== 'string') {
            throw mismatch(`${member}.${i + 1}.member.${memberName(field)}`, v, 'a String');
          }
        }
        return { TagKey: tag.TagKey ?? null, TagValue: tag.TagValue ?? null };
      });
    case 'structure':
      if (!isPlainObject(value)) throw mismatch(member, value, 'a Structure');
      return value;
  }
}

/**
 * Appends AWS-worded constraint violations of one member.
 * @param {string} member
 * @param {FieldSpec} spec
 * @param {any} value
 * @param {string[]} out
 */
function check(member, spec, value, out) {
  const fail = /** @param {string} shown @param {string} rule */ (shown, rule) =>
    out.push(`Value ${shown}at '${member}' failed to satisfy constraint: Member must ${rule}`);
  const shown = spec.sensitive || spec.type === 'blob' ? '' : `'${value}' `;
  switch (spec.type) {
    case 'string':
    case 'blob':
    case 'strings':
      if (spec.min !== undefined && value.length < spec.min) {
        fail(shown, `have length greater than or equal to ${spec.min}`);
      } else if (spec.max !== undefined && value.length > spec.max) {
        fail(shown, `have length less than or equal to ${spec.max}`);
      }
      if (spec.enum && !spec.enum.includes(value)) fail(shown, `satisfy enum value set: [${spec.enum.join(', ')}]`);
      if (spec.pattern && !spec.pattern.test(value)) {
        fail(shown, `satisfy regular expression pattern: ${spec.pattern.source}`);
      }
      if (spec.type === 'strings') {
        value.forEach((/** @type {string} */ item, /** @type {number} */ i) => {
          if (item.length < 1) {
            out.push(
              `Value '' at '${member}.${i + 1}.member' failed to satisfy constraint: Member must have length greater than or equal to 1`,
            );
          }
        });
      }
      break;
    case 'map':
      if (spec.maxBytes !== undefined) {
        let size = 0;
        for (const [k, v] of Object.entries(value)) size += utf8.encode(k).length + utf8.encode(v).length;
        if (size > spec.maxBytes) fail('', `have keys and values of at most ${spec.maxBytes} UTF-8 bytes together, not ${size}`);
      }
      break;
    case 'integer':
      if (spec.min !== undefined && value < spec.min) fail(shown, `have value greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) fail(shown, `have value less than or equal to ${spec.max}`);
      break;
    case 'tags':
      value.forEach((/** @type {{TagKey: string|null, TagValue: string|null}} */ tag, /** @type {number} */ i) => {
        const at = `${member}.${i + 1}.member`;
        const tagFail = /** @param {string} field @param {string} shownValue @param {string} rule */ (
          field,
          shownValue,
          rule,
        ) => out.push(`Value ${shownValue} at '${at}.${field}' failed to satisfy constraint: Member must ${rule}`);
        if (tag.TagKey === null) tagFail('tagKey', 'null', 'not be null');
        else if (tag.TagKey.length < 1) tagFail('tagKey', `'${tag.TagKey}'`, 'have length greater than or equal to 1');
        else if (tag.TagKey.length > 128) tagFail('tagKey', `'${tag.TagKey}'`, 'have length less than or equal to 128');
        if (tag.TagValue === null) tagFail('tagValue', 'null', 'not be null');
        else if (tag.TagValue.length > 256) tagFail('tagValue', `'${tag.TagValue}'`, 'have length less than or equal to 256');
      });
      break;
    default:
      break;
  }
}
