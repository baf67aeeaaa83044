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
use crate::keyring::step::{self, Answer, Call, Poll, Progress, Request};
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
///
/// Its steps ([`Keyring::wrap_step`], [`Keyring::unwrap_step`]) ask for one KMS request at a time
/// ([`Request::Kms`]); with a client, [`Keyring::on_encrypt`] and [`Keyring::on_decrypt`] make
/// those requests through it.
pub struct KmsKeyring {
    key_id: Option<String>,
    filter: Option<DiscoveryFilter>,
    grant_tokens: Vec<String>,
    client: Option<Arc<dyn KmsClient>>,
}

/// `Progress::at` of a wrap step whose request is out.
const GENERATING: usize = 1;
const ENCRYPTING: usize = 2;

impl KmsKeyring {
    /// A keyring for `key_id` (key ARN, key id, alias name or alias ARN; decryption matches EDKs
    /// by the exact id, so give the key ARN if this keyring must decrypt).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty key id.
    pub fn new(key_id: &str, grant_tokens: Vec<String>, client: Arc<dyn KmsClient>) -> Result<Self> {
        Self::answered_by_caller(Some(key_id.to_owned()), None, grant_tokens).map(|k| k.with_client(client))
    }

    /// A discovery keyring: decrypts any KMS EDK whose key ARN passes `filter` (all, if `None`);
    /// it cannot encrypt.
    pub fn discovery(filter: Option<DiscoveryFilter>, grant_tokens: Vec<String>, client: Arc<dyn KmsClient>) -> Self {
        KmsKeyring { key_id: None, filter, grant_tokens, client: Some(client) }
    }

    /// A keyring (`key_id`) or discovery keyring (`None`, with an optional filter) without a
    /// client: whoever runs its steps makes its KMS requests (the JavaScript package).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty key id, or a filter on a keyring with a key id.
    pub fn answered_by_caller(
        key_id: Option<String>,
        filter: Option<DiscoveryFilter>,
        grant_tokens: Vec<String>,
    ) -> Result<Self> {
        match &key_id {
            Some(id) if id.is_empty() => return Err(Error::arg("a KMS keyring needs a key id")),
            Some(_) if filter.is_some() => {
                return Err(Error::arg("a discovery filter applies only to discovery keyrings (no key id)"))
            }
            _ => {}
        }
        Ok(KmsKeyring { key_id, filter, grant_tokens, client: None })
    }

    fn with_client(mut self, client: Arc<dyn KmsClient>) -> Self {
        self.client = Some(client);
        self
    }

    /// The key this keyring uses, or `None` for a discovery keyring.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    fn request(operation: &'static str, key_id: &str, body: Value) -> Call {
        Call { path: Vec::new(), request: Request::Kms { operation, key_id: key_id.to_owned(), body } }
    }
}

impl Keyring for KmsKeyring {
    fn on_encrypt(&self, materials: &mut EncryptionMaterials) -> Result<()> {
        step::wrap(self, materials)
    }

    fn on_decrypt(&self, materials: &DecryptionMaterials<'_>, edks: &[EncryptedDataKey]) -> Result<Option<DataKey>> {
        step::unwrap(self, materials, edks)
    }

    /// `GenerateDataKey` when the materials have no data key yet, else `Encrypt`; the EDK (provider
    /// id `aws-kms`, provider info the key ARN KMS named) is added to the materials.
    fn wrap_step(&self, p: &mut Progress, m: &mut EncryptionMaterials, answer: Option<Answer>) -> Result<Poll<()>> {
        let key_id = self.key_id.as_deref().ok_or_else(|| Error::arg("a KMS discovery keyring cannot encrypt"))?;
        let Some(answer) = answer else {
            let ec = &m.encryption_context;
            let call = match &m.data_key {
                None => {
                    p.at = GENERATING;
                    let body = protocol::generate_data_key_request(key_id, m.suite.key_len(), ec, &self.grant_tokens);
                    Self::request("GenerateDataKey", key_id, body)
                }
                Some(key) => {
                    p.at = ENCRYPTING;
                    Self::request("Encrypt", key_id, protocol::encrypt_request(key_id, key, ec, &self.grant_tokens))
                }
            };
            return Ok(Poll::Pending(call));
        };
        let Answer::Kms(response) = answer else { return Err(step::wrong_answer()) };
        let response = response?;
        let edk = match p.at {
            GENERATING => {
                let (key, edk) = protocol::generate_data_key_response(&response, m.suite.key_len())?;
                m.set_data_key(key)?;
                edk
            }
            ENCRYPTING => protocol::encrypt_response(&response)?,
            _ => return Err(step::wrong_answer()),
        };
        m.encrypted_data_keys.push(edk);
        Ok(Poll::Ready(()))
    }

    /// Tries this keyring's EDKs in order (those of its key or, for discovery, those whose key ARN
    /// passes the filter) until KMS decrypts one. `None` if the message has none; with one attempt
    /// its own error (e.g. KMS `DisabledException`), with several all of them.
    fn unwrap_step(
        &self,
        p: &mut Progress,
        m: &DecryptionMaterials<'_>,
        edks: &[EncryptedDataKey],
        answer: Option<Answer>,
    ) -> Result<Poll<Option<DataKey>>> {
        let candidates = protocol::decrypt_candidates(self.key_id.as_deref(), self.filter.as_ref(), edks);
        if let Some(answer) = answer {
            let Answer::Kms(response) = answer else { return Err(step::wrong_answer()) };
            let (key_id, _) = candidates.get(p.at).ok_or_else(step::wrong_answer)?;
            match response.and_then(|r| protocol::decrypt_response(&r, key_id, m.suite.key_len())) {
                Ok(key) => return Ok(Poll::Ready(Some(key))),
                Err(e) => p.failures.push(e),
            }
            p.at += 1;
        }
        if let Some((key_id, edk)) = candidates.get(p.at) {
            let body = protocol::decrypt_request(key_id, edk, m.encryption_context, &self.grant_tokens);
            return Ok(Poll::Pending(Self::request("Decrypt", key_id, body)));
        }
        match p.failures.len() {
            0 => Ok(Poll::Ready(None)),
            1 => Err(p.failures.remove(0)),
            _ => Err(Error::KeyringsFailed(core::mem::take(&mut p.failures))),
        }
    }

    fn answer(&self, path: &[usize], request: Request) -> Result<Answer> {
        match (path, request, &self.client) {
            ([], Request::Kms { operation, body, .. }, Some(client)) => Ok(Answer::Kms(client.call(operation, &body))),
            _ => Err(Error::InvalidState("this KMS keyring has no client: its caller makes its requests")),
        }
    }

    fn needs_caller(&self) -> bool {
        self.client.is_none()
    }

    fn describe(&self) -> String {
        match &self.key_id {
            Some(id) => format!("KMS keyring {id:?}"),
            None => "KMS discovery keyring".into(),
        }
    }
}
