//! Core values as plain JavaScript objects (no classes, nothing to free).
//!
//! ```text
//! header = { version: 1 | 2, suiteId: number, messageId: Uint8Array,
//!            encryptionContext: { [key]: string }, encryptedDataKeys: EncryptedDataKey[],
//!            contentType: 'framed' | 'non-framed', frameLength: number }
//! EncryptedDataKey = { providerId: string, providerInfo: Uint8Array, ciphertext: Uint8Array }
//! ```

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsValue;

use crate::format::{ContentType, EncryptedDataKey, EncryptionContext, MessageHeader};

use super::errors::JsResult;

/// Builds a plain object from our own (constant, safe) property names.
pub struct ObjectBuilder(Object);

impl ObjectBuilder {
    pub fn new() -> Self {
        ObjectBuilder(Object::new())
    }

    /// Sets `key`; keys are fixed names chosen here, never `__proto__`.
    pub fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        // Setting a data property on a fresh ordinary object cannot fail.
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    pub fn build(self) -> Object {
        self.0
    }
}

impl Default for ObjectBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// The header as a plain object (see the module docs).
///
/// # Errors
/// Only if the JavaScript engine fails to build an object.
pub fn header_to_js(header: &MessageHeader) -> JsResult<Object> {
    let content_type = match header.content_type {
        ContentType::Framed => "framed",
        ContentType::NonFramed => "non-framed",
    };
    Ok(ObjectBuilder::new()
        .set("version", header.version as u8)
        .set("suiteId", header.suite.id())
        .set("messageId", Uint8Array::from(header.message_id.as_slice()))
        .set("encryptionContext", context_to_js(&header.encryption_context)?)
        .set("encryptedDataKeys", edks_to_js(&header.encrypted_data_keys))
        .set("contentType", content_type)
        .set("frameLength", header.frame_length)
        // At most 4 MiB: a header is refused past that.
        .set("headerLength", header.wire_len()? as u32)
        .build())
}

/// An encryption context as a plain object with string values.
///
/// Built with `Object.fromEntries`, which defines own properties: a context key such as
/// `__proto__` stays an ordinary key instead of changing the object's prototype.
///
/// # Errors
/// Only if the JavaScript engine fails to build an object.
pub fn context_to_js(context: &EncryptionContext) -> JsResult<Object> {
    let pairs = Array::new();
    for (k, v) in context {
        pairs.push(&Array::of2(&JsValue::from_str(k), &JsValue::from_str(v)));
    }
    Object::from_entries(&pairs)
}

/// Encrypted data keys as an array of `{ providerId, providerInfo, ciphertext }`.
pub fn edks_to_js(edks: &[EncryptedDataKey]) -> Array {
    edks.iter()
        .map(|edk| {
            ObjectBuilder::new()
                .set("providerId", edk.provider_id.as_str())
                .set("providerInfo", Uint8Array::from(edk.provider_info.as_slice()))
                .set("ciphertext", Uint8Array::from(edk.ciphertext.as_slice()))
                .build()
        })
        .collect()
}
