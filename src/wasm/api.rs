//! One-shot operations: `encrypt`, `decrypt`, `generateDataKey`.
//!
//! They are synchronous here; the package's `index.js` exposes them as async functions so that
//! keyrings which must wait for a network (KMS) fit the same API later.

use js_sys::{Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::format::header::MAX_FRAME_LEN;
use crate::format::layout::{footer_len, Layout};
use crate::suite::AlgorithmSuite;

use super::args::{bytes, data_key_options, decrypt_options, encrypt_options, safe_integer, MAX_SAFE_INTEGER};
use super::errors::{describe, range_error, type_error, JsResult};
use super::header::{context_to_js, edks_to_js, header_to_js, ObjectBuilder};
use super::keyrings::keyring_from_js;

/// `encrypt(keyring, plaintext, { encryptionContext?, suite?, frameLength? })`
/// → `{ ciphertext: Uint8Array, header }`: one complete message.
///
/// # Errors
/// `TypeError`/`RangeError` for bad arguments; the core's error otherwise (its `code` kept).
#[wasm_bindgen]
pub fn encrypt(keyring: &JsValue, plaintext: &JsValue, options: &JsValue) -> JsResult<Object> {
    let keyring = keyring_from_js(keyring, "encrypt: keyring")?;
    let plaintext = Zeroizing::new(bytes(plaintext, "encrypt: plaintext")?);
    let options = encrypt_options(options, "encrypt")?;
    let (ciphertext, header) = crate::encrypt(&*keyring, &plaintext, &options)?;
    Ok(ObjectBuilder::new()
        .set("ciphertext", Uint8Array::from(ciphertext.as_slice()))
        .set("header", header_to_js(&header)?)
        .build())
}

/// `decrypt(keyring, ciphertext, { encryptionContext?, commitmentPolicy?, maxEncryptedDataKeys?,
/// maxFrameLength? })` → `{ plaintext: Uint8Array, header }`. Nothing is returned unless every
/// tag (and the signature) verified and nothing follows the message.
///
/// # Errors
/// `TypeError`/`RangeError` for bad arguments; the core's error otherwise (`DECRYPT_FAILED`,
/// `NO_MATCHING_KEY`, `TRUNCATED`, `TRAILING_DATA`, ...).
#[wasm_bindgen]
pub fn decrypt(keyring: &JsValue, ciphertext: &JsValue, options: &JsValue) -> JsResult<Object> {
    let keyring = keyring_from_js(keyring, "decrypt: keyring")?;
    let ciphertext = bytes(ciphertext, "decrypt: ciphertext")?;
    let options = decrypt_options(options, "decrypt")?;
    let (plaintext, header) = crate::decrypt(&*keyring, &ciphertext, &options)?;
    let plaintext = Zeroizing::new(plaintext);
    Ok(ObjectBuilder::new()
        .set("plaintext", Uint8Array::from(plaintext.as_slice()))
        .set("header", header_to_js(&header)?)
        .build())
}

/// `generateDataKey(keyring, { encryptionContext?, suite? })`
/// → `{ plaintextKey: Uint8Array, encryptedDataKeys, encryptionContext }`: a fresh data key and
/// its wrapped forms, as the keyring would write them into a message. `encryptionContext` is the
/// context the keys are bound to (for a signing suite it includes the message's public key).
///
/// # Security
/// `plaintextKey` is the secret the encrypted data keys protect; the wasm copy is wiped, the
/// returned one is the caller's to keep safe.
///
/// # Errors
/// `TypeError`/`RangeError` for bad arguments; the core's error otherwise.
#[wasm_bindgen(js_name = generateDataKey)]
pub fn generate_data_key(keyring: &JsValue, options: &JsValue) -> JsResult<Object> {
    let keyring = keyring_from_js(keyring, "generateDataKey: keyring")?;
    let options = data_key_options(options, "generateDataKey")?;
    let materials = crate::generate_data_key(&*keyring, &options)?;
    let plaintext_key = match &materials.data_key {
        Some(key) => Uint8Array::from(key.as_bytes()),
        None => return Err(crate::Error::InvalidState("the keyring produced no data key").into()),
    };
    Ok(ObjectBuilder::new()
        .set("plaintextKey", plaintext_key)
        .set("encryptedDataKeys", edks_to_js(&materials.encrypted_data_keys))
        .set("encryptionContext", context_to_js(&materials.encryption_context)?)
        .build())
}

/// `ciphertextLength(header, plaintextLength)`: the exact length of the message envseal writes
/// with `header` (a header object as `encrypt`, the streams and `decrypt` give: its `headerLength`,
/// `frameLength`, `suiteId` and `contentType` are read) for `plaintextLength` bytes of plaintext.
///
/// # Errors
/// `TypeError`/`RangeError` for bad arguments; `INVALID_ARGUMENT` for a non-framed header;
/// `LIMIT_EXCEEDED` for more plaintext than a message holds at that frame length or a length past
/// 2^53 - 1.
#[wasm_bindgen(js_name = ciphertextLength)]
pub fn ciphertext_length(header: &JsValue, plaintext_length: &JsValue) -> JsResult<f64> {
    let api = "ciphertextLength";
    if !header.is_object() {
        return Err(type_error(&format!("{api}: header must be a message header object, got {}", describe(header))));
    }
    let field = |name: &str| js_sys::Reflect::get(header, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    let number = |name: &str| safe_integer(&field(name), &format!("{api}: header.{name}"));
    let suite_id = number("suiteId")?;
    let suite = u16::try_from(suite_id)
        .map_err(|_| Error::arg(format!("{api}: header.suiteId 0x{suite_id:x} is no algorithm suite")))
        .and_then(AlgorithmSuite::from_id)?;
    if field("contentType").as_string().as_deref() != Some("framed") {
        return Err(Error::arg(format!("{api}: the header is not of a framed message (contentType 'framed')")).into());
    }
    let frame_len = number("frameLength")?;
    if frame_len == 0 || frame_len > u64::from(MAX_FRAME_LEN) {
        return Err(range_error(&format!("{api}: header.frameLength must be 1 to {MAX_FRAME_LEN}, got {frame_len}")));
    }
    let layout = Layout { header_len: number("headerLength")?, frame_len };
    let plaintext_len = safe_integer(plaintext_length, &format!("{api}: plaintextLength"))?;
    let length = layout.message_len(plaintext_len, footer_len(suite))?;
    if length > MAX_SAFE_INTEGER {
        return Err(Error::LimitExceeded(format!("the message would be {length} bytes, past 2^53 - 1")).into());
    }
    // Exact: at most 2^53 - 1.
    Ok(length as f64)
}
