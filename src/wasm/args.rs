//! Reading JavaScript arguments: byte buffers, option objects, encryption contexts and numbers.
//!
//! Every reader checks the JavaScript type before it converts, so a wrong shape becomes a
//! `TypeError` (a wrong number a `RangeError`) naming the argument, never a panic. Option objects
//! are read once, as their own enumerable properties; an unknown key is an error, so a misspelt
//! `encryptionContext` cannot silently turn a check off.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::Error;
use crate::format::header::MAX_FRAME_LEN;
use crate::format::{EncryptedDataKey, EncryptionContext};
use crate::stream::{DecryptOptions, EncryptOptions, FrameIvs};
use crate::suite::{AlgorithmSuite, CommitmentPolicy};

use super::errors::{describe, range_error, type_error, JsResult};

/// A view of the bytes of `value`: a `Uint8Array` as is, any other `ArrayBufferView` (typed
/// array, `DataView`, Node `Buffer`), an `ArrayBuffer` or a `SharedArrayBuffer` as a `Uint8Array`
/// over the same memory.
///
/// # Errors
/// `TypeError` for anything else (strings included: encode them first).
pub fn byte_view(value: &JsValue, label: &str) -> JsResult<Uint8Array> {
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(bytes.clone());
    }
    if ArrayBuffer::is_view(value) {
        // Also covers views from another realm, for which `instanceof Uint8Array` is false.
        let buffer = Reflect::get(value, &JsValue::from_str("buffer"))?;
        let offset = Reflect::get(value, &JsValue::from_str("byteOffset"))?.as_f64().unwrap_or(0.0);
        let length = Reflect::get(value, &JsValue::from_str("byteLength"))?.as_f64().unwrap_or(0.0);
        // Offsets and lengths of a live view fit in u32 on wasm32; `as` saturates otherwise.
        return Ok(Uint8Array::new_with_byte_offset_and_length(&buffer, offset as u32, length as u32));
    }
    if value.is_instance_of::<ArrayBuffer>() || is_shared_array_buffer(value) {
        return Ok(Uint8Array::new(value));
    }
    let hint = if value.is_string() { " (encode strings first, e.g. with TextEncoder)" } else { "" };
    Err(type_error(&format!(
        "{label} must be a Uint8Array, an ArrayBuffer or another ArrayBufferView, got {}{hint}",
        describe(value)
    )))
}

/// `value instanceof SharedArrayBuffer`, without a `ReferenceError` where the global does not
/// exist (pages that are not cross-origin isolated).
fn is_shared_array_buffer(value: &JsValue) -> bool {
    let Ok(constructor) = Reflect::get(&js_sys::global(), &JsValue::from_str("SharedArrayBuffer")) else {
        return false;
    };
    if !value.is_object() || !constructor.is_function() {
        return false;
    }
    match Reflect::get(&constructor, &JsValue::from_str("prototype")) {
        Ok(prototype) => prototype.dyn_ref::<Object>().is_some_and(|p| p.is_prototype_of(value)),
        Err(_) => false,
    }
}

/// Copies the bytes of `value` (see [`byte_view`]) into a new Rust-owned buffer. This is the only
/// copy in wasm memory, so a caller holding a secret can wrap the result and wipe it.
///
/// # Errors
/// As [`byte_view`].
pub fn bytes(value: &JsValue, label: &str) -> JsResult<Vec<u8>> {
    Ok(byte_view(value, label)?.to_vec())
}

/// `value` as a Rust string if it is a JavaScript string; `INVALID_ARGUMENT` if it is not
/// well-formed UTF-16 (a lone surrogate): the conversion would replace it with U+FFFD, so two
/// different strings (`'a\ud800'`, `'a\udfff'`) would authenticate as the same one.
///
/// # Errors
/// `INVALID_ARGUMENT` for a lone surrogate.
pub fn well_formed(value: &JsValue, label: &str) -> JsResult<Option<String>> {
    let Some(s) = value.dyn_ref::<js_sys::JsString>() else { return Ok(None) };
    if !s.is_valid_utf16() {
        return Err(Error::arg(format!(
            "{label} contains a lone surrogate (a UTF-16 code unit U+D800..U+DFFF outside a pair), which has no \
             UTF-8 form: refused rather than replaced with U+FFFD"
        ))
        .into());
    }
    Ok(s.as_string())
}

/// An encryption context from a plain object whose values are all strings.
/// `undefined` and `null` are the empty context.
///
/// # Errors
/// `TypeError` for a non-object (a `Map` included: pass `Object.fromEntries(map)`), or a value
/// that is not a string; `INVALID_ARGUMENT` for a key or value with a lone surrogate.
pub fn encryption_context(value: &JsValue, label: &str) -> JsResult<EncryptionContext> {
    let mut context = EncryptionContext::new();
    if value.is_undefined() || value.is_null() {
        return Ok(context);
    }
    if value.is_instance_of::<js_sys::Map>() {
        return Err(type_error(&format!(
            "{label} must be a plain object of strings, got a Map (pass Object.fromEntries(map))"
        )));
    }
    if !value.is_object() || Array::is_array(value) || ArrayBuffer::is_view(value) {
        return Err(type_error(&format!(
            "{label} must be a plain object of string keys and string values, got {}",
            describe(value)
        )));
    }
    for (key, v) in own_entries(value.unchecked_ref())? {
        let key = well_formed(&key, &format!("{label}: a key"))?.unwrap_or_default();
        let Some(v) = well_formed(&v, &format!("{label}[{key:?}]"))? else {
            return Err(type_error(&format!("{label}[{key:?}] must be a string, got {}", describe(&v))));
        };
        context.insert(key, v);
    }
    Ok(context)
}

/// `Object.entries(object)`, reading each property once; a throwing getter's error is returned.
/// Keys stay JavaScript strings (Object.entries yields string keys only) until checked.
fn own_entries(object: &Object) -> JsResult<Vec<(JsValue, JsValue)>> {
    let entries: Array = Object::entries_typed(object)?.unchecked_into();
    let mut out = Vec::with_capacity(entries.length() as usize);
    for entry in entries.iter() {
        let pair: Array = entry.unchecked_into();
        out.push((pair.get(0), pair.get(1)));
    }
    Ok(out)
}

/// An options object: its own enumerable properties, read once.
pub struct Options {
    /// The API the options belong to, for error messages (`encrypt`, `RawAesKeyring`).
    api: &'static str,
    entries: Vec<(String, JsValue)>,
}

impl Options {
    /// Reads `value` as the options of `api`. `undefined` and `null` are no options, unless
    /// `required`.
    ///
    /// # Errors
    /// `TypeError` for a non-object, a missing required object, or a key not in `known`.
    pub fn read(value: &JsValue, api: &'static str, known: &[&str], required: bool) -> JsResult<Options> {
        let expected = || format!("{{ {} }}", known.join(", "));
        if value.is_undefined() || value.is_null() {
            if required {
                return Err(type_error(&format!(
                    "{api}: options must be an object {}, got {}",
                    expected(),
                    describe(value)
                )));
            }
            return Ok(Options { api, entries: Vec::new() });
        }
        if !value.is_object() || Array::is_array(value) {
            return Err(type_error(&format!(
                "{api}: options must be an object {}, got {}",
                expected(),
                describe(value)
            )));
        }
        // Option names are compared with known ASCII names: a lossy conversion cannot match one.
        let entries: Vec<(String, JsValue)> = own_entries(value.unchecked_ref())?
            .into_iter()
            .map(|(k, v)| (k.as_string().unwrap_or_default(), v))
            .collect();
        if let Some((key, _)) = entries.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            return Err(type_error(&format!("{api}: unknown option {key:?}; the options are {}", expected())));
        }
        Ok(Options { api, entries })
    }

    /// The label of option `key` in error messages.
    pub fn label(&self, key: &str) -> String {
        format!("{}: options.{key}", self.api)
    }

    /// The value of `key`; `None` when absent, `undefined` or `null`.
    pub fn get(&self, key: &str) -> Option<&JsValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v).filter(|v| !v.is_undefined() && !v.is_null())
    }

    /// # Errors
    /// `TypeError` if the option is missing.
    pub fn required(&self, key: &str) -> JsResult<&JsValue> {
        self.get(key).ok_or_else(|| type_error(&format!("{} is required", self.label(key))))
    }

    /// # Errors
    /// `TypeError` if the option is missing or not a string.
    pub fn required_string(&self, key: &str) -> JsResult<String> {
        let value = self.required(key)?;
        well_formed(value, &self.label(key))?
            .ok_or_else(|| type_error(&format!("{} must be a string, got {}", self.label(key), describe(value))))
    }

    /// A boolean option; `false` when absent.
    ///
    /// # Errors
    /// `TypeError` for anything but a boolean.
    pub fn flag(&self, key: &str) -> JsResult<bool> {
        match self.get(key) {
            None => Ok(false),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| type_error(&format!("{} must be a boolean, got {}", self.label(key), describe(v)))),
        }
    }

    /// An integer option in `min..=max`.
    ///
    /// # Errors
    /// `TypeError` for a non-number; `RangeError` for a fraction, infinity, NaN or a value out of range.
    pub fn integer(&self, key: &str, min: u32, max: u32) -> JsResult<Option<u32>> {
        let Some(value) = self.get(key) else { return Ok(None) };
        let Some(n) = value.as_f64() else {
            return Err(type_error(&format!("{} must be a number, got {}", self.label(key), describe(value))));
        };
        if n.fract() != 0.0 || n < f64::from(min) || n > f64::from(max) {
            return Err(range_error(&format!("{} must be an integer from {min} to {max}, got {n}", self.label(key))));
        }
        // In range, so exact.
        Ok(Some(n as u32))
    }

    /// The `suite` option: a numeric algorithm suite id such as `0x0478`.
    ///
    /// # Errors
    /// As [`Options::integer`]; the core's `UNSUPPORTED_SUITE` for an id that names no suite.
    pub fn suite(&self) -> JsResult<Option<AlgorithmSuite>> {
        match self.integer("suite", 0, u32::from(u16::MAX))? {
            Some(id) => Ok(Some(AlgorithmSuite::from_id(id as u16)?)),
            None => Ok(None),
        }
    }

    /// The `encryptionContext` option (see [`encryption_context`]).
    ///
    /// # Errors
    /// As [`encryption_context`].
    pub fn encryption_context(&self) -> JsResult<EncryptionContext> {
        match self.get("encryptionContext") {
            Some(v) => encryption_context(v, &self.label("encryptionContext")),
            None => Ok(EncryptionContext::new()),
        }
    }
}

/// Options of `encrypt` and `MessageEncryptor`: `{ encryptionContext?, suite?, frameLength? }`.
///
/// # Errors
/// As the [`Options`] readers.
pub fn encrypt_options(value: &JsValue, api: &'static str) -> JsResult<EncryptOptions> {
    let o = Options::read(value, api, &["encryptionContext", "suite", "frameLength"], false)?;
    let mut options = EncryptOptions { encryption_context: o.encryption_context()?, ..EncryptOptions::default() };
    if let Some(suite) = o.suite()? {
        options.suite = suite;
    }
    if let Some(frame_length) = o.integer("frameLength", 1, MAX_FRAME_LEN)? {
        options.frame_length = frame_length;
    }
    Ok(options)
}

/// Options of `decrypt` and `MessageDecryptor`:
/// `{ encryptionContext?, commitmentPolicy?, maxEncryptedDataKeys?, maxFrameLength?, frameIvs? }`.
///
/// # Errors
/// As the [`Options`] readers; the core's `INVALID_ARGUMENT` for an unknown policy name.
pub fn decrypt_options(value: &JsValue, api: &'static str) -> JsResult<DecryptOptions> {
    let known = ["encryptionContext", "commitmentPolicy", "maxEncryptedDataKeys", "maxFrameLength", "frameIvs"];
    let o = Options::read(value, api, &known, false)?;
    let mut options = DecryptOptions { encryption_context: o.encryption_context()?, ..DecryptOptions::default() };
    if let Some(v) = o.get("commitmentPolicy") {
        let Some(name) = v.as_string() else {
            return Err(type_error(&format!("{} must be a string, got {}", o.label("commitmentPolicy"), describe(v))));
        };
        options.commitment_policy = CommitmentPolicy::from_name(&name)?;
    }
    if let Some(max) = o.integer("maxEncryptedDataKeys", 1, u32::from(u16::MAX))? {
        // In 1..=65535.
        options.max_encrypted_data_keys = Some(max as u16);
    }
    if let Some(max) = o.integer("maxFrameLength", 1, u32::MAX)? {
        options.max_frame_length = max;
    }
    if let Some(v) = o.get("frameIvs") {
        options.frame_ivs = match v.as_string().map(|name| FrameIvs::from_name(&name)) {
            Some(Ok(mode)) => mode,
            _ => {
                let label = o.label("frameIvs");
                return Err(type_error(&format!("{label} must be 'sequential' or 'unique', got {}", describe(v))));
            }
        };
    }
    Ok(options)
}

/// Options of `generateDataKey`: `{ encryptionContext?, suite? }`.
///
/// # Errors
/// As the [`Options`] readers.
pub fn data_key_options(value: &JsValue, api: &'static str) -> JsResult<EncryptOptions> {
    let o = Options::read(value, api, &["encryptionContext", "suite"], false)?;
    let mut options = EncryptOptions { encryption_context: o.encryption_context()?, ..EncryptOptions::default() };
    if let Some(suite) = o.suite()? {
        options.suite = suite;
    }
    Ok(options)
}

/// A required string argument (well-formed UTF-16).
pub fn string_arg(value: &JsValue, label: &str) -> JsResult<String> {
    well_formed(value, label)?.ok_or_else(|| type_error(&format!("{label} must be a string, got {}", describe(value))))
}

/// One encrypted data key from `{ providerId, providerInfo, ciphertext }` (as in a header).
pub fn edk_from_js(value: &JsValue, label: &str) -> JsResult<EncryptedDataKey> {
    if !value.is_object() {
        return Err(type_error(&format!(
            "{label} must be an encrypted data key {{ providerId, providerInfo, ciphertext }}, got {}",
            describe(value)
        )));
    }
    let get = |key: &str| Reflect::get(value, &JsValue::from_str(key));
    Ok(EncryptedDataKey {
        provider_id: string_arg(&get("providerId")?, &format!("{label}.providerId"))?,
        provider_info: bytes(&get("providerInfo")?, &format!("{label}.providerInfo"))?,
        ciphertext: bytes(&get("ciphertext")?, &format!("{label}.ciphertext"))?,
    })
}

/// A list of encrypted data keys (an array of [`edk_from_js`]).
pub fn edks_from_js(value: &JsValue, label: &str) -> JsResult<Vec<EncryptedDataKey>> {
    if !Array::is_array(value) {
        return Err(type_error(&format!("{label} must be an array of encrypted data keys, got {}", describe(value))));
    }
    let list: &Array = value.unchecked_ref();
    list.iter().enumerate().map(|(i, e)| edk_from_js(&e, &format!("{label}[{i}]"))).collect()
}

/// Largest integer a JavaScript number holds exactly: 2^53 - 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A whole number of bytes from 0 to 2^53 - 1 (a length or an offset), `label` naming it.
///
/// # Errors
/// `TypeError` for a non-number; `RangeError` for a fraction, a negative number or one past 2^53 - 1.
pub fn safe_integer(value: &JsValue, label: &str) -> JsResult<u64> {
    let Some(n) = value.as_f64() else {
        return Err(type_error(&format!("{label} must be a whole number of bytes, got {}", describe(value))));
    };
    // `as` is exact here: n is a whole number from 0 to 2^53 - 1.
    if n.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER as f64).contains(&n) {
        Ok(n as u64)
    } else {
        Err(range_error(&format!("{label} must be a whole number of bytes from 0 to 2^53 - 1, got {n}")))
    }
}
