//! Keyrings wrap and unwrap data keys under master keys.
//!
//! The interface is synchronous and used by the Rust API. Keyrings that must wait for a network
//! (KMS over `fetch`) live at the JavaScript edge instead: decryption is two-phase, so the edge reads
//! the header, unwraps a data key however it likes, and hands the key back
//! ([`crate::stream::MessageDecryptor::provide_data_key`]); encryption takes a prepared data key
//! ([`crate::materials::EncryptionMaterials::set_data_key`]). The core never becomes async.
//!
//! spec: framework/keyring-interface.md

pub mod kms;
pub mod multi;
pub mod raw_aes;
pub mod raw_rsa;

pub use kms::KmsKeyring;
pub use multi::MultiKeyring;
pub use raw_aes::RawAesKeyring;
pub use raw_rsa::{RawRsaKeyring, RsaPadding};

use crate::crypto::secret::DataKey;
use crate::error::Result;
use crate::format::edk::EncryptedDataKey;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};

/// Wraps and unwraps data keys.
pub trait Keyring: Send + Sync {
    /// Adds this keyring's encrypted data key to `materials`, generating the data key first if the
    /// materials have none (the keyring is then the "generator").
    ///
    /// # Errors
    /// Whatever stops this keyring from wrapping; materials are then left without its EDK.
    fn on_encrypt(&self, materials: &mut EncryptionMaterials) -> Result<()>;

    /// Unwraps the data key from the first of `edks` that is this keyring's and unwraps cleanly.
    ///
    /// `Ok(None)`: none of the EDKs is this keyring's. `Err`: at least one was, but none unwrapped
    /// (wrong key bytes, wrong encryption context, tampered EDK) or the keyring itself failed.
    ///
    /// # Errors
    /// As above: [`crate::Error::NoMatchingKey`] or [`crate::Error::Keyring`] with the reason.
    fn on_decrypt(&self, materials: &DecryptionMaterials<'_>, edks: &[EncryptedDataKey]) -> Result<Option<DataKey>>;

    /// A short description for error messages (`raw AES keyring "ns"/"name"`).
    fn describe(&self) -> String;
}
