//! Secret byte containers: zeroized on drop, never cloned implicitly, redacted in `Debug`.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A plaintext data key (or any other secret key bytes).
///
/// # Security
/// The bytes are wiped when the value drops. There is no `Clone`; copy with
/// [`DataKey::duplicate`] only where a second owner is truly needed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DataKey(Vec<u8>);

impl DataKey {
    /// Takes ownership of `bytes` (which the caller should not keep a copy of).
    pub fn new(bytes: Vec<u8>) -> Self {
        DataKey(bytes)
    }

    /// Copies `bytes`; the caller remains responsible for wiping its own copy.
    pub fn from_slice(bytes: &[u8]) -> Self {
        DataKey(bytes.to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `len` fresh random bytes from the platform's CSPRNG.
    ///
    /// # Errors
    /// [`crate::Error::Keyring`] if no random source is available.
    pub fn random(len: usize) -> crate::Result<Self> {
        let mut key = DataKey(vec![0u8; len]);
        crate::crypto::random_bytes(&mut key.0)?;
        Ok(key)
    }

    /// An explicit copy (there is deliberately no `Clone`).
    pub fn duplicate(&self) -> Self {
        DataKey(self.0.clone())
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey([redacted; {} bytes])", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_bytes() {
        let k = DataKey::new(vec![0xAB; 32]);
        let shown = format!("{k:?}");
        assert!(!shown.to_lowercase().contains("ab"), "{shown}");
        assert!(shown.contains("32 bytes"));
    }
}
