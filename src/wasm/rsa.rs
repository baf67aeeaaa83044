//! `RawRsaKeyring`: wraps data keys with an RSA public key the application holds (OAEP), unwraps
//! them with the private key. Interoperates with the official SDKs' raw RSA keyrings of the same
//! namespace, name and padding.

use std::sync::Arc;

use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::keyring::{self as core, Keyring, RsaPadding};

use super::args::{bytes, Options};
use super::errors::{describe, type_error, JsResult};

/// A raw RSA keyring (OAEP with SHA-1/256/384/512; PKCS#1 v1.5 to decrypt legacy messages).
#[wasm_bindgen]
pub struct RawRsaKeyring {
    inner: Arc<dyn Keyring>,
    key_namespace: String,
    key_name: String,
    padding: String,
    can_decrypt: bool,
}

/// A key option: a PEM string, or PEM/DER bytes. Copied into a buffer wiped on drop.
fn key_bytes(o: &Options, key: &str) -> JsResult<Option<Zeroizing<Vec<u8>>>> {
    let Some(value) = o.get(key) else { return Ok(None) };
    if let Some(pem) = value.as_string() {
        return Ok(Some(Zeroizing::new(pem.into_bytes())));
    }
    match bytes(value, &o.label(key)) {
        Ok(b) => Ok(Some(Zeroizing::new(b))),
        Err(_) => Err(type_error(&format!(
            "{} must be a PEM string or PEM/DER bytes (a Uint8Array), got {}",
            o.label(key),
            describe(value)
        ))),
    }
}

#[wasm_bindgen]
impl RawRsaKeyring {
    /// `new RawRsaKeyring({ keyNamespace, keyName, publicKey?, privateKey?, padding })`: keys in PEM
    /// (a string or its bytes) or DER (SPKI or PKCS#1 public, PKCS#8 or PKCS#1 private); at least one
    /// of them. With only `publicKey` it encrypts and cannot decrypt; with only `privateKey` its
    /// public half encrypts. `padding`: `'oaep-sha1'`, `'oaep-sha256'`, `'oaep-sha384'`,
    /// `'oaep-sha512'` (any case), or `'pkcs1'` (decrypt only). The key bytes copied into wasm
    /// memory are wiped once parsed.
    ///
    /// # Errors
    /// `TypeError` for missing or mistyped options; `INVALID_ARGUMENT` for an unknown padding, an
    /// unparsable key, a public key that does not match the private key, or the namespace `aws-kms`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> JsResult<RawRsaKeyring> {
        let known = ["keyNamespace", "keyName", "publicKey", "privateKey", "padding"];
        let o = Options::read(options, "RawRsaKeyring", &known, true)?;
        let key_namespace = o.required_string("keyNamespace")?;
        let key_name = o.required_string("keyName")?;
        let padding_name = o.required_string("padding")?;
        let padding = RsaPadding::from_name(&padding_name)?;
        let public = key_bytes(&o, "publicKey")?;
        let private = key_bytes(&o, "privateKey")?;
        let keyring = core::RawRsaKeyring::new(
            &key_namespace,
            &key_name,
            public.as_deref().map(Vec::as_slice),
            private.as_deref().map(Vec::as_slice),
            padding,
        )?;
        Ok(RawRsaKeyring {
            inner: Arc::new(keyring),
            key_namespace,
            key_name,
            padding: padding_name.to_ascii_lowercase(),
            can_decrypt: private.is_some(),
        })
    }

    /// The key namespace (the provider id of the encrypted data keys it writes).
    #[wasm_bindgen(getter = keyNamespace)]
    pub fn key_namespace(&self) -> String {
        self.key_namespace.clone()
    }

    /// The key name (the provider info of the encrypted data keys it writes).
    #[wasm_bindgen(getter = keyName)]
    pub fn key_name(&self) -> String {
        self.key_name.clone()
    }

    /// The padding, lower case (`'oaep-sha256'`, ...).
    #[wasm_bindgen(getter)]
    pub fn padding(&self) -> String {
        self.padding.clone()
    }

    /// Whether it holds a private key (else it only encrypts).
    #[wasm_bindgen(getter = canDecrypt)]
    pub fn can_decrypt(&self) -> bool {
        self.can_decrypt
    }
}

keyring_class!(RawRsaKeyring);
