//! Encryption materials as a JavaScript object: what a keyring run wraps the data key of
//! (`KeyringRun.wrap`, see [`super::steps`]), and what an application's own keyring receives in
//! `onEncrypt`.
//!
//! ```text
//! const m = new EncryptionMaterials({ encryptionContext?, suite?, frameLength? }, api?)
//!                               // signing suites: the message's public key is in the context already
//! (run the keyring: KeyringRun.wrap(m) ...; a JavaScript keyring's onEncrypt(m) calls
//!  m.setDataKey(...) / m.addEncryptedDataKey(...) / m.wrapWith(keyring))
//! const enc = encryptorFromMaterials(m)   // a MessageEncryptor; m is used up
//! ```

use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::EncryptionContext;
use crate::materials::EncryptionMaterials;
use crate::stream::MessageEncryptor;
use crate::suite::AlgorithmSuite;

use super::args::{bytes, data_key_options, edk_from_js, encrypt_options, encryption_context};
use super::errors::JsResult;
use super::header::{context_to_js, edks_to_js, ObjectBuilder};
use super::keyrings::keyring_from_js;
use super::stream::EncryptorHandle;

/// The materials of one message being encrypted (JavaScript class `EncryptionMaterials`): the
/// suite, the full encryption context, the data key once a keyring set it, and the encrypted data
/// keys added so far. Handed to a JavaScript keyring's `onEncrypt`.
#[wasm_bindgen(js_name = EncryptionMaterials)]
pub struct EncryptionMaterialsHandle {
    /// `None` once an encryptor was built from them.
    inner: Option<EncryptionMaterials>,
    frame_length: u32,
}

/// The name argument errors give, for the public functions that build materials.
fn api_label(api: Option<String>) -> &'static str {
    match api.as_deref() {
        Some("encrypt") => "encrypt",
        Some("encryptStream") => "encryptStream",
        Some("generateDataKey") => "generateDataKey",
        _ => "EncryptionMaterials",
    }
}

impl EncryptionMaterialsHandle {
    /// A handle over materials made in the core (rewrapping).
    pub(crate) fn wrap(inner: EncryptionMaterials, frame_length: u32) -> Self {
        EncryptionMaterialsHandle { inner: Some(inner), frame_length }
    }

    /// The materials, once (they are used up).
    pub(crate) fn take(&mut self) -> Result<EncryptionMaterials> {
        self.inner.take().ok_or(Error::InvalidState("these encryption materials were already used"))
    }
}

#[wasm_bindgen(js_class = EncryptionMaterials)]
impl EncryptionMaterialsHandle {
    /// `new EncryptionMaterials({ encryptionContext?, suite?, frameLength? }, api?)`. For a signing
    /// suite the message's signing key is generated now and its public key added to the context
    /// (`aws-crypto-public-key`), so that every keyring binds it. `api` (`'encrypt'`,
    /// `'encryptStream'`, `'generateDataKey'`) names the caller in argument errors;
    /// `'generateDataKey'` takes no `frameLength` and refuses signing suites.
    ///
    /// # Errors
    /// `TypeError`/`RangeError` for bad options; `INVALID_ARGUMENT` for a reserved context key;
    /// `COMMITMENT_POLICY` for a suite without key commitment.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue, api: Option<String>) -> JsResult<EncryptionMaterialsHandle> {
        let api = api_label(api);
        let (options, materials) = if api == "generateDataKey" {
            let options = data_key_options(options, api)?;
            let materials = crate::data_key_materials(&options)?;
            (options, materials)
        } else {
            let options = encrypt_options(options, api)?;
            options.validate()?;
            let materials = EncryptionMaterials::new(options.suite, options.encryption_context.clone())?;
            (options, materials)
        };
        Ok(EncryptionMaterialsHandle { inner: Some(materials), frame_length: options.frame_length })
    }

    /// The algorithm suite id (e.g. `0x0478`).
    #[wasm_bindgen(getter = suiteId)]
    pub fn suite_id(&self) -> JsResult<u16> {
        Ok(self.get()?.suite.id())
    }

    /// The data key length the suite needs, in bytes.
    #[wasm_bindgen(getter = keyLength)]
    pub fn key_length(&self) -> JsResult<u32> {
        // 16, 24 or 32.
        Ok(self.get()?.suite.key_len() as u32)
    }

    /// The full encryption context every keyring must bind (for signing suites it includes
    /// `aws-crypto-public-key`).
    #[wasm_bindgen(getter = encryptionContext)]
    pub fn encryption_context(&self) -> JsResult<Object> {
        context_to_js(&self.get()?.encryption_context)
    }

    /// Whether a keyring has set the data key (the first keyring, the generator, does).
    #[wasm_bindgen(getter = hasDataKey)]
    pub fn has_data_key(&self) -> JsResult<bool> {
        Ok(self.get()?.data_key.is_some())
    }

    /// The encrypted data keys added so far (copies).
    #[wasm_bindgen(getter = encryptedDataKeys)]
    pub fn encrypted_data_keys(&self) -> JsResult<Array> {
        Ok(edks_to_js(&self.get()?.encrypted_data_keys))
    }

    /// A copy of the data key, for a keyring that must wrap the key another keyring generated.
    ///
    /// # Security
    /// This key protects the whole message: wrap it, then wipe the array (`fill(0)`) at once.
    ///
    /// # Errors
    /// `INVALID_STATE` if no data key is set.
    #[wasm_bindgen(js_name = dataKey)]
    pub fn data_key(&self) -> JsResult<Uint8Array> {
        let key = self.get()?.data_key.as_ref().ok_or(Error::InvalidState("the materials have no data key yet"))?;
        Ok(Uint8Array::from(key.as_bytes()))
    }

    /// Sets the data key (generator keyrings only: it must not be set yet), e.g. the plaintext of a
    /// key service's `GenerateDataKey`. The bytes are copied; wipe your copy.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` if a key is already set or it has the wrong length for the suite.
    #[wasm_bindgen(js_name = setDataKey)]
    pub fn set_data_key(&mut self, key: &JsValue) -> JsResult<()> {
        let key = DataKey::new(bytes(key, "EncryptionMaterials.setDataKey: key")?);
        self.get_mut()?.set_data_key(key)?;
        Ok(())
    }

    /// Adds an encrypted data key `{ providerId, providerInfo, ciphertext }` (once the data key is set).
    ///
    /// # Errors
    /// `TypeError` for a malformed EDK; `INVALID_STATE` before the data key is set.
    #[wasm_bindgen(js_name = addEncryptedDataKey)]
    pub fn add_encrypted_data_key(&mut self, edk: &JsValue) -> JsResult<()> {
        let edk = edk_from_js(edk, "EncryptionMaterials.addEncryptedDataKey: edk")?;
        let m = self.get_mut()?;
        if m.data_key.is_none() {
            return Err(Error::InvalidState("an encrypted data key needs the data key set first").into());
        }
        m.encrypted_data_keys.push(edk);
        Ok(())
    }

    /// Runs a WebAssembly keyring (`RawAesKeyring`, `RawRsaKeyring`, an all-WebAssembly
    /// `MultiKeyring`) on these materials: it generates the data key if none is set, and adds its
    /// encrypted data key(s).
    ///
    /// # Errors
    /// `TypeError` for a non-keyring; the keyring's error.
    #[wasm_bindgen(js_name = wrapWith)]
    pub fn wrap_with(&mut self, keyring: &JsValue) -> JsResult<()> {
        let keyring = keyring_from_js(keyring, "EncryptionMaterials.wrapWith: keyring")?;
        keyring.on_encrypt(self.get_mut()?)?;
        Ok(())
    }
}

impl EncryptionMaterialsHandle {
    /// The materials, unless an encryptor took them.
    pub(crate) fn get(&self) -> Result<&EncryptionMaterials> {
        self.inner.as_ref().ok_or(Error::InvalidState("these encryption materials were already used"))
    }

    /// As [`Self::get`], mutably.
    pub(crate) fn get_mut(&mut self) -> Result<&mut EncryptionMaterials> {
        self.inner.as_mut().ok_or(Error::InvalidState("these encryption materials were already used"))
    }
}

/// `encryptorFromMaterials(materials)`: a `MessageEncryptor` over complete materials (data key
/// and at least one encrypted data key), with the frame length they were made with. The materials
/// are used up (the data key moves into the encryptor).
///
/// # Errors
/// `INVALID_ARGUMENT` if no keyring set a data key or added an EDK; `INVALID_STATE` if the
/// materials were used already.
#[wasm_bindgen(js_name = encryptorFromMaterials)]
pub fn encryptor_from_materials(materials: &mut EncryptionMaterialsHandle) -> JsResult<EncryptorHandle> {
    let m = materials.inner.take().ok_or(Error::InvalidState("these encryption materials were already used"))?;
    Ok(EncryptorHandle::wrap(MessageEncryptor::new(m, materials.frame_length)?))
}

/// `generateDataKeyResult(materials)` → `{ plaintextKey, encryptedDataKeys, encryptionContext }`
/// (as `generateDataKey` returns), from materials a JavaScript keyring completed. The materials
/// are used up.
///
/// # Errors
/// `INVALID_ARGUMENT` without a data key or an EDK; `INVALID_STATE` if used already.
#[wasm_bindgen(js_name = generateDataKeyResult)]
pub fn generate_data_key_result(materials: &mut EncryptionMaterialsHandle) -> JsResult<Object> {
    let m = materials.inner.take().ok_or(Error::InvalidState("these encryption materials were already used"))?;
    let key = m.data_key.as_ref().ok_or_else(|| Error::arg("no keyring produced a data key"))?;
    if m.encrypted_data_keys.is_empty() {
        return Err(Error::arg("no keyring produced an encrypted data key").into());
    }
    Ok(ObjectBuilder::new()
        .set("plaintextKey", Uint8Array::from(key.as_bytes()))
        .set("encryptedDataKeys", edks_to_js(&m.encrypted_data_keys))
        .set("encryptionContext", context_to_js(&m.encryption_context)?)
        .build())
}

/// `{ suiteId, encryptionContext }` as given to `onDecrypt`.
pub(crate) fn decryption_materials(value: &JsValue, label: &str) -> JsResult<(AlgorithmSuite, EncryptionContext)> {
    let get = |key: &str| js_sys::Reflect::get(value, &JsValue::from_str(key));
    if !value.is_object() {
        return Err(super::errors::type_error(&format!(
            "{label}: materials must be an object {{ suiteId, encryptionContext }}, got {}",
            super::errors::describe(value)
        )));
    }
    let id = get("suiteId")?.as_f64().filter(|n| n.fract() == 0.0 && (0.0..=65535.0).contains(n));
    let id = id.ok_or_else(|| super::errors::type_error(&format!("{label}: materials.suiteId must be a suite id")))?;
    // In range, so exact.
    let suite = AlgorithmSuite::from_id(id as u16)?;
    let context = encryption_context(&get("encryptionContext")?, &format!("{label}: materials.encryptionContext"))?;
    Ok((suite, context))
}
