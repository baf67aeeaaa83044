//! Key derivation: data key -> content-encryption key (and, for v2 suites, the key commitment).
//!
//! spec: framework/algorithm-suites.md#key-derivation, #key-commitment

use hkdf::Hkdf;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::suite::{AlgorithmSuite, Kdf, COMMITMENT_LEN};

/// `info` label for the committing suites' content key (after the suite id).
const DERIVE_KEY_LABEL: &[u8] = b"DERIVEKEY";
/// `info` for the committing suites' key commitment (no suite id).
const COMMIT_KEY_LABEL: &[u8] = b"COMMITKEY";

/// The content-encryption key and, for committing suites, the commitment that goes in the header.
pub struct DerivedKeys {
    pub content_key: DataKey,
    pub commitment: Option<[u8; COMMITMENT_LEN]>,
}

/// Derives the content key (and commitment) for `suite` from `data_key` and the message id.
///
/// # Errors
/// [`Error::InvalidArgument`] if the data key or message id length does not fit the suite.
pub fn derive(suite: AlgorithmSuite, data_key: &DataKey, message_id: &[u8]) -> Result<DerivedKeys> {
    if data_key.len() != suite.key_len() {
        return Err(Error::arg(format!(
            "suite 0x{:04x} needs a {}-byte data key, got {} bytes",
            suite.id(),
            suite.key_len(),
            data_key.len()
        )));
    }
    if message_id.len() != suite.message_id_len() {
        return Err(Error::arg(format!(
            "suite 0x{:04x} needs a {}-byte message id, got {}",
            suite.id(),
            suite.message_id_len(),
            message_id.len()
        )));
    }
    let ikm = data_key.as_bytes();
    let mut okm = Zeroizing::new(vec![0u8; suite.key_len()]);
    let suite_id = suite.id().to_be_bytes();
    let commitment = match suite.kdf() {
        Kdf::Identity => {
            okm.copy_from_slice(ikm);
            None
        }
        Kdf::HkdfSha256 => {
            let info = [&suite_id[..], message_id].concat();
            expand(Hkdf::<Sha256>::new(None, ikm).expand(&info, &mut okm))?;
            None
        }
        Kdf::HkdfSha384 => {
            let info = [&suite_id[..], message_id].concat();
            expand(Hkdf::<Sha384>::new(None, ikm).expand(&info, &mut okm))?;
            None
        }
        Kdf::CommittingHkdfSha512 => {
            let prk = Hkdf::<Sha512>::new(Some(message_id), ikm);
            let info = [&suite_id[..], DERIVE_KEY_LABEL].concat();
            expand(prk.expand(&info, &mut okm))?;
            let mut commit = [0u8; COMMITMENT_LEN];
            expand(prk.expand(COMMIT_KEY_LABEL, &mut commit))?;
            Some(commit)
        }
    };
    Ok(DerivedKeys { content_key: DataKey::new(core::mem::take(&mut *okm)), commitment })
}

fn expand(r: core::result::Result<(), hkdf::InvalidLength>) -> Result<()> {
    // Output lengths here are at most 32 bytes, far below HKDF's 255 * hash-length limit.
    r.map_err(|_| Error::LimitExceeded("HKDF output length".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// RFC 5869 test case 3 (SHA-256, no salt, no info) checks our "salt = none" wiring.
    #[test]
    fn rfc5869_no_salt() {
        let ikm = [0x0bu8; 22];
        let mut okm = [0u8; 42];
        Hkdf::<Sha256>::new(None, &ikm).expand(&[], &mut okm).unwrap();
        assert_eq!(
            okm.to_vec(),
            hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
        );
    }

    #[test]
    fn identity_kdf_uses_the_data_key() {
        let suite = AlgorithmSuite::Aes128GcmIv12Tag16NoKdf;
        let dk = DataKey::new((0..16).collect());
        let d = derive(suite, &dk, &[0; 16]).unwrap();
        assert_eq!(d.content_key.as_bytes(), dk.as_bytes());
        assert!(d.commitment.is_none());
    }

    #[test]
    fn rejects_wrong_lengths() {
        let suite = AlgorithmSuite::DEFAULT;
        assert!(derive(suite, &DataKey::new(vec![0; 16]), &[0; 32]).is_err());
        assert!(derive(suite, &DataKey::new(vec![0; 32]), &[0; 16]).is_err());
    }
    // The committing KDF is checked against the official SDK's known answers in
    // tests/vectors.rs (python-commitment-kat).
}
