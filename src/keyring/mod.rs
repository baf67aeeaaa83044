//! Keyrings wrap and unwrap data keys under master keys.
//!
//! A keyring that needs a call it cannot make itself (KMS over the network, a JavaScript
//! keyring) runs as a sans-io state machine ([`step`]): it asks its caller for the call and is
//! resumed with the answer, so the core never does I/O and never becomes async. The Rust API
//! drives those steps with the keyring's own transport ([`Keyring::on_encrypt`]).
//!
//! spec: framework/keyring-interface.md

pub mod kms;
pub mod multi;
pub mod raw_aes;
pub mod raw_rsa;
pub mod step;

pub use kms::KmsKeyring;
pub use multi::MultiKeyring;
pub use raw_aes::RawAesKeyring;
pub use raw_rsa::{RawRsaKeyring, RsaPadding};
pub use step::{Answer, Call, ForeignKeyring, Poll, Progress, Request};

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

    /// One step of [`on_encrypt`](Self::on_encrypt) as a state machine: `answer` answers the
    /// call the previous step returned (`None` at the start). Keyrings that need no calls keep
    /// this default, which runs `on_encrypt` at once.
    ///
    /// # Errors
    /// As `on_encrypt`.
    fn wrap_step(&self, _: &mut Progress, materials: &mut EncryptionMaterials, _: Option<Answer>) -> Result<Poll<()>> {
        self.on_encrypt(materials).map(Poll::Ready)
    }

    /// One step of [`on_decrypt`](Self::on_decrypt) as a state machine (see `wrap_step`).
    ///
    /// # Errors
    /// As `on_decrypt`.
    fn unwrap_step(
        &self,
        _: &mut Progress,
        materials: &DecryptionMaterials<'_>,
        edks: &[EncryptedDataKey],
        _: Option<Answer>,
    ) -> Result<Poll<Option<DataKey>>> {
        self.on_decrypt(materials, edks).map(Poll::Ready)
    }

    /// Whether a step of this keyring (or of a member) may ask its caller for a call the keyring
    /// cannot answer itself ([`answer`](Self::answer) fails for it). Those keyrings must be run
    /// step by step; the others can be run with `on_encrypt`/`on_decrypt` directly.
    fn needs_caller(&self) -> bool {
        false
    }

    /// Makes a call a step of this keyring (`path` empty) or of its member at `path` asked for,
    /// natively. Only keyrings with a transport of their own (a Rust KMS keyring) can.
    ///
    /// # Errors
    /// [`crate::Error::InvalidState`] if this keyring cannot; the transport's error otherwise
    /// comes back inside the answer.
    fn answer(&self, _path: &[usize], _request: Request) -> Result<Answer> {
        Err(crate::Error::InvalidState("this keyring's calls must be answered by its caller (JavaScript)"))
    }
}
