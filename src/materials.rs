//! Cryptographic materials: what keyrings fill in before a message is written or read.
//!
//! spec: framework/structures.md#encryption-materials, framework/default-cmm.md

use crate::crypto::secret::DataKey;
use crate::crypto::signature::{Signer, PUBLIC_KEY_CONTEXT_KEY};
use crate::error::{Error, Result};
use crate::format::context::{self, EncryptionContext};
use crate::format::edk::EncryptedDataKey;
use crate::format::header::UnverifiedHeader;
use crate::suite::AlgorithmSuite;

/// Materials for one message being encrypted.
pub struct EncryptionMaterials {
    pub suite: AlgorithmSuite,
    /// The full context bound to the message (for signed suites it includes the public key).
    pub encryption_context: EncryptionContext,
    /// Set by the first (generator) keyring.
    pub data_key: Option<DataKey>,
    pub encrypted_data_keys: Vec<EncryptedDataKey>,
    pub(crate) signer: Option<Signer>,
}

impl EncryptionMaterials {
    /// Starts materials for `suite` and the caller's context. For signed suites this generates the
    /// message's signing key and adds its public key to the context, before any keyring runs
    /// (so keyrings bind it too).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the context uses the reserved `aws-crypto-` prefix or does not
    /// fit the header.
    pub fn new(suite: AlgorithmSuite, mut encryption_context: EncryptionContext) -> Result<Self> {
        context::check_no_reserved_keys(&encryption_context)?;
        let signer = match suite.signature() {
            Some(alg) => {
                let s = Signer::generate(alg)?;
                encryption_context.insert(PUBLIC_KEY_CONTEXT_KEY.to_owned(), s.public_key_base64());
                Some(s)
            }
            None => None,
        };
        context::serialize(&encryption_context)?;
        Ok(EncryptionMaterials { suite, encryption_context, data_key: None, encrypted_data_keys: Vec::new(), signer })
    }

    /// Generates a random data key of the suite's length, if none is set yet.
    ///
    /// # Errors
    /// [`Error::Keyring`] if no random source is available.
    pub fn generate_data_key(&mut self) -> Result<&DataKey> {
        if self.data_key.is_none() {
            self.data_key = Some(DataKey::random(self.suite.key_len())?);
        }
        self.data_key.as_ref().ok_or(Error::InvalidState("data key"))
    }

    /// Sets a data key produced elsewhere (e.g. by a KMS `GenerateDataKey` at the JS edge).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if a key is already set or its length does not fit the suite.
    pub fn set_data_key(&mut self, key: DataKey) -> Result<()> {
        if self.data_key.is_some() {
            return Err(Error::arg("the materials already have a data key"));
        }
        if key.len() != self.suite.key_len() {
            return Err(Error::arg(format!(
                "suite 0x{:04x} needs a {}-byte data key, got {}",
                self.suite.id(),
                self.suite.key_len(),
                key.len()
            )));
        }
        self.data_key = Some(key);
        Ok(())
    }
}

/// What a keyring sees when asked to unwrap a data key.
pub struct DecryptionMaterials<'a> {
    pub suite: AlgorithmSuite,
    /// The full context: the header's pairs plus required pairs supplied by the caller.
    pub encryption_context: &'a EncryptionContext,
    /// The header being decrypted, with the caller's required pairs, when there is one.
    header: Option<(&'a UnverifiedHeader, &'a EncryptionContext)>,
}

impl<'a> DecryptionMaterials<'a> {
    /// Materials for unwrapping a data key of `suite` bound to `encryption_context`, with no
    /// header to check candidate keys against.
    pub fn new(suite: AlgorithmSuite, encryption_context: &'a EncryptionContext) -> Self {
        DecryptionMaterials { suite, encryption_context, header: None }
    }

    /// Materials for the message whose header is `header` (`required`: the caller's pairs that
    /// the header does not store).
    pub(crate) fn for_header(
        header: &'a UnverifiedHeader,
        encryption_context: &'a EncryptionContext,
        required: &'a EncryptionContext,
    ) -> Self {
        DecryptionMaterials { suite: header.header.suite, encryption_context, header: Some((header, required)) }
    }

    /// Whether `key` opens the message's header: its key commitment and header tag verify. True
    /// when these materials carry no header. For a keyring whose unwrapping cannot tell a wrong
    /// key from the right one (RSA PKCS#1 v1.5 with implicit rejection).
    pub fn key_opens_header(&self, key: &DataKey) -> bool {
        self.header.map_or(true, |(header, required)| crate::stream::decrypt::key_opens(header, key, required))
    }
}
