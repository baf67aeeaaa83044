//! Cryptographic primitives, each behind a small typed API: AES-GCM, the suites' key
//! derivations, the message signature, and secret containers.

pub mod aead;
pub mod kdf;
pub mod secret;
pub mod signature;

use rand_core::{OsRng, RngCore};

use crate::error::{Error, Result};

/// Fills `buf` from the operating system's (or the browser's) CSPRNG.
///
/// # Errors
/// [`Error::Keyring`] if the platform has no random source.
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    OsRng.try_fill_bytes(buf).map_err(|e| Error::Keyring(format!("no secure random source: {e}")))
}
