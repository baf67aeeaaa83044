//! AWS KMS keyring: data keys are generated and wrapped by a KMS key (AWS KMS, LocalStack, moto,
//! or envseal's demo key service) over the KMS JSON 1.1 protocol.
//!
//! The transport is injected ([`KmsClient`]), so the core does no I/O: a Rust program supplies an
//! HTTP client; the JavaScript package uses the same request/response functions ([`protocol`])
//! with `fetch`, asynchronously, at the edge. Requests can be signed with [`sigv4`].
//!
//! spec: framework/aws-kms/aws-kms-keyring.md, aws-kms-discovery-keyring.md

pub mod arn;
pub mod protocol;
pub mod sigv4;

use std::sync::Arc;

use serde_json::Value;

use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::EncryptedDataKey;
use crate::keyring::Keyring;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};
pub use protocol::{DiscoveryFilter, KMS_PROVIDER_ID};

/// Sends one KMS JSON request (`operation` is e.g. `GenerateDataKey`) and returns the JSON answer.
pub trait KmsClient: Send + Sync {
    /// # Errors
    /// [`Error::Kms`] for a KMS error body, [`Error::KmsUnavailable`] for transport failures,
    /// [`Error::KmsBadResponse`] for an unreadable answer.
    fn call(&self, operation: &str, request: &Value) -> Result<Value>;
}

/// A KMS keyring bound to one key (or, for discovery, to any key a filter allows).
pub struct KmsKeyring {
    key_id: Option<String>,
    filter: Option<DiscoveryFilter>,
    grant_tokens: Vec<String>,
    client: Arc<dyn KmsClient>,
}

impl KmsKeyring {
    /// A keyring for `key_id` (key ARN, key id, alias name or alias ARN; decryption matches EDKs
    /// by the exact id, so give the key ARN if this keyring must decrypt).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty key id.
    pub fn new(key_id: &str, grant_tokens: Vec<String>, client: Arc<dyn KmsClient>) -> Result<Self> {
        if key_id.is_empty() {
            return Err(Error::arg("a KMS keyring needs a key id"));
        }
        Ok(KmsKeyring { key_id: Some(key_id.to_owned()), filter: None, grant_tokens, client })
    }

    /// A discovery keyring: decrypts any KMS EDK whose key ARN passes `filter` (all, if `None`);
    /// it cannot encrypt.
    pub fn discovery(filter: Option<DiscoveryFilter>, grant_tokens: Vec<String>, client: Arc<dyn KmsClient>) -> Self {
        KmsKeyring { key_id: None, filter, grant_tokens, client }
    }
}

impl Keyring for KmsKeyring {
    fn on_encrypt(&self, materials: &mut EncryptionMaterials) -> Result<()> {
        let key_id = self.key_id.as_deref().ok_or_else(|| Error::arg("a KMS discovery keyring cannot encrypt"))?;
        let ec = &materials.encryption_context;
        let edk = match &materials.data_key {
            None => {
                let key_len = materials.suite.key_len();
                let req = protocol::generate_data_key_request(key_id, key_len, ec, &self.grant_tokens);
                let (key, edk) =
                    protocol::generate_data_key_response(&self.client.call("GenerateDataKey", &req)?, key_len)?;
                materials.set_data_key(key)?;
                edk
            }
            Some(key) => {
                let req = protocol::encrypt_request(key_id, key, ec, &self.grant_tokens);
                protocol::encrypt_response(&self.client.call("Encrypt", &req)?)?
            }
        };
        materials.encrypted_data_keys.push(edk);
        Ok(())
    }

    fn on_decrypt(&self, materials: &DecryptionMaterials<'_>, edks: &[EncryptedDataKey]) -> Result<Option<DataKey>> {
        let candidates = protocol::decrypt_candidates(self.key_id.as_deref(), self.filter.as_ref(), edks);
        let mut errors = Vec::new();
        for (key_id, edk) in &candidates {
            let req = protocol::decrypt_request(key_id, edk, materials.encryption_context, &self.grant_tokens);
            match self
                .client
                .call("Decrypt", &req)
                .and_then(|r| protocol::decrypt_response(&r, key_id, materials.suite.key_len()))
            {
                Ok(key) => return Ok(Some(key)),
                Err(e) => errors.push(e),
            }
        }
        match errors.len() {
            0 => Ok(None),
            // One attempt: its own error (e.g. KMS DisabledException) is the clearest answer.
            1 => Err(errors.remove(0)),
            _ => Err(Error::NoMatchingKey(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))),
        }
    }

    fn describe(&self) -> String {
        match &self.key_id {
            Some(id) => format!("KMS keyring {id:?}"),
            None => "KMS discovery keyring".into(),
        }
    }
}
