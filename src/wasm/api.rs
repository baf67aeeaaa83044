//! One-shot operations: `encrypt`, `decrypt`, `generateDataKey`.
//!
//! They are synchronous here; the package's `index.js` exposes them as async functions so that
//! keyrings which must wait for a network (KMS) fit the same API later.

use js_sys::{Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::args::{bytes, data_key_options, decrypt_options, encrypt_options};
use super::errors::JsResult;
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
