// @ts-check
// The demo key service's ciphertext blob and the AES-GCM additional data that binds it.
//
//   blob   = version (1 byte, 0xD1) || keyIdLength (u16 BE) || keyId (UTF-8)
//            || materialVersion (u32 BE, 1-based) || iv (12) || ciphertext || tag (16)
//   header = the blob up to and including materialVersion
//   AAD    = header || encodeEncryptionContext(encryptionContext)
//
// docs/demo-kms.md documents the format; change both together.

/** First byte of every blob: "demo KMS, format 1". Real KMS blobs start with 0x01. */
export const BLOB_VERSION = 0xd1;
export const IV_LEN = 12;
export const TAG_LEN = 16;
/** Longest key id a blob may name (KMS's KeyIdType limit). */
const MAX_KEY_ID_LEN = 2048;
/** The service's key ids are lowercase UUIDs; a blob naming anything else is not ours. */
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEADER_FIXED_LEN = 1 + 2 + 4;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The unambiguous encoding of an encryption context:
 * `count (u32 BE)` then, sorted by the key's UTF-8 bytes, `keyLen (u32 BE) || key || valueLen (u32 BE) || value`.
 * @param {Record<string, string>} context
 * @returns {Uint8Array}
 */
export function encodeEncryptionContext(context) {
  const pairs = Object.entries(context)
    .map(([k, v]) => [utf8.encode(k), utf8.encode(v)])
    .sort(([a], [b]) => compareBytes(a, b));
  let length = 4;
  for (const [k, v] of pairs) length += 8 + k.length + v.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, pairs.length);
  let at = 4;
  for (const [k, v] of pairs) {
    view.setUint32(at, k.length);
    out.set(k, at + 4);
    at += 4 + k.length;
    view.setUint32(at, v.length);
    out.set(v, at + 4);
    at += 4 + v.length;
  }
  return out;
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * @param {string} keyId
 * @param {number} materialVersion
 * @returns {Uint8Array}
 */
function encodeHeader(keyId, materialVersion) {
  const id = utf8.encode(keyId);
  const header = new Uint8Array(HEADER_FIXED_LEN + id.length);
  const view = new DataView(header.buffer);
  header[0] = BLOB_VERSION;
  view.setUint16(1, id.length);
  header.set(id, 3);
  view.setUint32(3 + id.length, materialVersion);
  return header;
}

/**
 * @param {Uint8Array} header
 * @param {Record<string, string>} context
 */
function additionalData(header, context) {
  const ec = encodeEncryptionContext(context);
  const aad = new Uint8Array(header.length + ec.length);
  aad.set(header);
  aad.set(ec, header.length);
  return aad;
}

/**
 * Encrypts `plaintext` under one key material version.
 * @param {CryptoKey} material AES-GCM key of that version
 * @param {string} keyId
 * @param {number} materialVersion
 * @param {Uint8Array} plaintext
 * @param {Record<string, string>} context
 * @returns {Promise<Uint8Array>} the blob
 */
export async function sealBlob(material, keyId, materialVersion, plaintext, context) {
  const header = encodeHeader(keyId, materialVersion);
  const iv = crypto.getRandomValues(new Uint8Array(IV_LEN));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: additionalData(header, context), tagLength: TAG_LEN * 8 },
      material,
      /** @type {BufferSource} */ (plaintext),
    ),
  );
  const blob = new Uint8Array(header.length + IV_LEN + sealed.length);
  blob.set(header);
  blob.set(iv, header.length);
  blob.set(sealed, header.length + IV_LEN);
  return blob;
}

/**
 * @typedef {{ keyId: string, materialVersion: number, header: Uint8Array, iv: Uint8Array, sealed: Uint8Array }} ParsedBlob
 */

/**
 * Reads a blob's structure (nothing is authenticated yet).
 * @param {Uint8Array} blob
 * @returns {ParsedBlob | null} null when it is not a well-formed demo blob
 */
export function parseBlob(blob) {
  if (blob.length < HEADER_FIXED_LEN + IV_LEN + TAG_LEN || blob[0] !== BLOB_VERSION) return null;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const idLength = view.getUint16(1);
  if (idLength === 0 || idLength > MAX_KEY_ID_LEN) return null;
  const headerLength = HEADER_FIXED_LEN + idLength;
  if (blob.length < headerLength + IV_LEN + TAG_LEN) return null;
  let keyId;
  try {
    keyId = strictUtf8.decode(blob.subarray(3, 3 + idLength));
  } catch {
    return null;
  }
  if (!KEY_ID.test(keyId)) return null;
  const materialVersion = view.getUint32(3 + idLength);
  if (materialVersion === 0) return null;
  return {
    keyId,
    materialVersion,
    header: blob.subarray(0, headerLength),
    iv: blob.subarray(headerLength, headerLength + IV_LEN),
    sealed: blob.subarray(headerLength + IV_LEN),
  };
}

/**
 * Authenticates and decrypts a parsed blob.
 * @param {CryptoKey} material the key material version the blob names
 * @param {ParsedBlob} parsed
 * @param {Record<string, string>} context
 * @returns {Promise<Uint8Array | null>} the plaintext, or null when the tag does not verify
 */
export async function openBlob(material, parsed, context) {
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: /** @type {BufferSource} */ (parsed.iv),
          additionalData: additionalData(parsed.header, context),
          tagLength: TAG_LEN * 8,
        },
        material,
        /** @type {BufferSource} */ (parsed.sealed),
      ),
    );
  } catch {
    return null;
  }
}

/**
 * A new master key material: AES-256-GCM, generated here and never extractable.
 * @returns {Promise<CryptoKey>}
 */
export function generateMaterial() {
  return /** @type {Promise<CryptoKey>} */ (
    crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
  );
}
