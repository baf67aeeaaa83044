//! Keyring classes: `RawAesKeyring` and `MultiKeyring`.
//!
//! Every keyring object holds an `Arc<dyn Keyring>`. A binding that takes a keyring (`encrypt`,
//! a multi-keyring's children, ...) accepts any of them as a plain JavaScript value and asks it
//! for a [`KeyringHandle`] (a new reference to the same keyring) through its `__keyringHandle()`
//! method: the caller's object stays usable, and no binding needs to know every keyring class.

use std::sync::Arc;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::crypto::secret::DataKey;
use crate::keyring::{self as core, Keyring};

use super::args::{bytes, Options};
use super::errors::{describe, type_error, JsResult};

/// Name of the method every keyring class exposes to hand out a [`KeyringHandle`].
const HANDLE_METHOD: &str = "__keyringHandle";

/// A reference to a keyring, passed between bindings. Internal: JavaScript never constructs one,
/// and a binding consumes it as soon as it receives it.
#[doc(hidden)]
#[wasm_bindgen]
pub struct KeyringHandle {
    inner: Arc<dyn Keyring>,
}

impl KeyringHandle {
    /// A handle to `inner`, for the keyring classes defined in other binding modules.
    pub(crate) fn new(inner: Arc<dyn Keyring>) -> Self {
        KeyringHandle { inner }
    }
}

/// The keyring behind `value`, any envseal keyring object.
///
/// # Errors
/// `TypeError` if `value` is not an envseal keyring, or was freed.
pub fn keyring_from_js(value: &JsValue, label: &str) -> JsResult<Arc<dyn Keyring>> {
    let not_a_keyring = || {
        type_error(&format!(
            "{label} must be an envseal keyring (RawAesKeyring, RawRsaKeyring, KmsKeyring, MultiKeyring), got {}",
            describe(value)
        ))
    };
    if !value.is_object() {
        return Err(not_a_keyring());
    }
    let method = Reflect::get(value, &JsValue::from_str(HANDLE_METHOD)).map_err(|_| not_a_keyring())?;
    let method = method.dyn_into::<Function>().map_err(|_| not_a_keyring())?;
    // Fails when the keyring's memory was released with `free()`.
    let handle = method.call0(value).map_err(|_| {
        type_error(&format!(
            "{label} is a keyring that was freed (free() was called), or was created before envseal \
             re-instantiated its WebAssembly module after an INTERNAL_ERROR"
        ))
    })?;
    let handle = KeyringHandle::try_from_js_value(handle).map_err(|_| not_a_keyring())?;
    Ok(handle.inner)
}

/// A raw AES-GCM keyring: wraps data keys under a 128-, 192- or 256-bit key the application holds.
/// Interoperates with the official SDKs' raw AES keyrings of the same namespace and name.
#[wasm_bindgen]
pub struct RawAesKeyring {
    inner: Arc<dyn Keyring>,
    key_namespace: String,
    key_name: String,
}

#[wasm_bindgen]
impl RawAesKeyring {
    /// `new RawAesKeyring({ keyNamespace, keyName, wrappingKey })`. The wrapping key (16, 24 or
    /// 32 bytes) is copied once into wasm memory, and that copy is wiped after the keyring has
    /// expanded it; the caller's buffer is untouched.
    ///
    /// # Errors
    /// `TypeError` for missing or mistyped options; the core's `INVALID_ARGUMENT` for a key of
    /// another length or the reserved namespace `aws-kms`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> JsResult<RawAesKeyring> {
        let o = Options::read(options, "RawAesKeyring", &["keyNamespace", "keyName", "wrappingKey"], true)?;
        let key_namespace = o.required_string("keyNamespace")?;
        let key_name = o.required_string("keyName")?;
        let wrapping_key = DataKey::new(bytes(o.required("wrappingKey")?, &o.label("wrappingKey"))?);
        let keyring =
            core::RawAesKeyring::new(&key_namespace, &key_name, &wrapping_key)?.with_js_sdk_order(locale_compare);
        Ok(RawAesKeyring { inner: Arc::new(keyring), key_namespace, key_name })
    }

    /// The key namespace (the provider id of the encrypted data keys it writes).
    #[wasm_bindgen(getter = keyNamespace)]
    pub fn key_namespace(&self) -> String {
        self.key_namespace.clone()
    }

    /// The key name.
    #[wasm_bindgen(getter = keyName)]
    pub fn key_name(&self) -> String {
        self.key_name.clone()
    }
}

keyring_class!(RawAesKeyring);

/// A keyring of keyrings: the generator makes the data key, and it and every child wrap it, so
/// any one of them can decrypt.
#[wasm_bindgen]
pub struct MultiKeyring {
    inner: Arc<dyn Keyring>,
}

#[wasm_bindgen]
impl MultiKeyring {
    /// `new MultiKeyring({ generator?, children? })`: any envseal keyrings. The members stay
    /// usable on their own.
    ///
    /// # Errors
    /// `TypeError` for a member that is not a keyring or `children` that is not an array; the
    /// core's `INVALID_ARGUMENT` when there is neither a generator nor a child.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> JsResult<MultiKeyring> {
        let o = Options::read(options, "MultiKeyring", &["generator", "children"], true)?;
        let generator = match o.get("generator") {
            Some(g) => Some(keyring_from_js(g, &o.label("generator"))?),
            None => None,
        };
        let mut children = Vec::new();
        if let Some(list) = o.get("children") {
            if !Array::is_array(list) {
                return Err(type_error(&format!(
                    "{} must be an array of keyrings, got {}",
                    o.label("children"),
                    describe(list)
                )));
            }
            let list: &Array = list.unchecked_ref();
            for (i, child) in list.iter().enumerate() {
                children.push(keyring_from_js(&child, &format!("{}[{i}]", o.label("children")))?);
            }
        }
        Ok(MultiKeyring { inner: Arc::new(core::MultiKeyring::new(generator, children)?) })
    }
}

keyring_class!(MultiKeyring);

/// JavaScript's `a.localeCompare(b)` in this runtime's default locale: the order in which the
/// official JavaScript SDK's raw AES keyring serializes the context it wraps under (by default).
fn locale_compare(a: &str, b: &str) -> std::cmp::Ordering {
    js_sys::JsString::from(a).locale_compare(b, &js_sys::Array::new(), &js_sys::Object::new()).cmp(&0)
}
