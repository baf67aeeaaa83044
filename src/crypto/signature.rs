//! The message signature of signed suites: ECDSA P-256/SHA-256 or P-384/SHA-384 over every byte
//! before the footer, hashed incrementally so signed messages stream.
//!
//! spec: data-format/message-footer.md; framework/algorithm-suites.md#signature-algorithm

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ecdsa::signature::DigestSigner;
use ecdsa::signature::DigestVerifier;
use sha2::{Digest, Sha256, Sha384};

use crate::crypto::random_bytes;
use crate::error::{Error, Result};
use crate::suite::SignatureAlgorithm;

/// Encryption-context key that carries the verification key of signed messages.
pub const PUBLIC_KEY_CONTEXT_KEY: &str = "aws-crypto-public-key";

/// Largest DER ECDSA signature we accept (P-384: 2 * (2 + 1 + 48) + 3 = 105 bytes).
pub const MAX_SIGNATURE_LEN: usize = 128;

/// A running hash of the message, for signing or verifying.
#[derive(Clone)]
pub enum MessageHasher {
    Sha256(Sha256),
    Sha384(Sha384),
}

impl MessageHasher {
    pub fn new(alg: SignatureAlgorithm) -> Self {
        match alg {
            SignatureAlgorithm::EcdsaP256Sha256 => MessageHasher::Sha256(Sha256::new()),
            SignatureAlgorithm::EcdsaP384Sha384 => MessageHasher::Sha384(Sha384::new()),
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            MessageHasher::Sha256(h) => h.update(bytes),
            MessageHasher::Sha384(h) => h.update(bytes),
        }
    }
}

/// A fresh per-message signing key.
///
/// # Security
/// The scalar is zeroized on drop by the `ecdsa` crate.
pub enum Signer {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl Signer {
    /// Generates a key pair for `alg`.
    ///
    /// # Errors
    /// [`Error::Keyring`] if no random source is available.
    pub fn generate(alg: SignatureAlgorithm) -> Result<Self> {
        // Rejection sampling: a random scalar is valid with overwhelming probability.
        for _ in 0..16 {
            let key = match alg {
                SignatureAlgorithm::EcdsaP256Sha256 => {
                    let mut scalar = zeroize::Zeroizing::new([0u8; 32]);
                    random_bytes(&mut *scalar)?;
                    p256::ecdsa::SigningKey::from_slice(&*scalar).ok().map(Signer::P256)
                }
                SignatureAlgorithm::EcdsaP384Sha384 => {
                    let mut scalar = zeroize::Zeroizing::new([0u8; 48]);
                    random_bytes(&mut *scalar)?;
                    p384::ecdsa::SigningKey::from_slice(&*scalar).ok().map(Signer::P384)
                }
            };
            if let Some(key) = key {
                return Ok(key);
            }
        }
        Err(Error::Keyring("could not generate a signing key".into()))
    }

    /// The verification key as the encryption-context value: base64 of the compressed SEC1 point.
    pub fn public_key_base64(&self) -> String {
        let point = match self {
            Signer::P256(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
            Signer::P384(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
        };
        BASE64.encode(point)
    }

    /// Signs the message hash; returns the DER-encoded signature.
    ///
    /// # Errors
    /// [`Error::InvalidState`] if the hasher does not belong to this key's algorithm.
    pub fn sign(&self, hasher: MessageHasher) -> Result<Vec<u8>> {
        match (self, hasher) {
            (Signer::P256(k), MessageHasher::Sha256(h)) => {
                let sig: p256::ecdsa::Signature = k.sign_digest(h);
                Ok(sig.to_der().as_bytes().to_vec())
            }
            (Signer::P384(k), MessageHasher::Sha384(h)) => {
                let sig: p384::ecdsa::Signature = k.sign_digest(h);
                Ok(sig.to_der().as_bytes().to_vec())
            }
            _ => Err(Error::InvalidState("signature hash does not match the signing key")),
        }
    }
}

/// A message's verification key, parsed from the encryption context.
pub enum Verifier {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

impl Verifier {
    /// Parses the `aws-crypto-public-key` value for `alg`.
    ///
    /// # Errors
    /// [`Error::MalformedHeader`] if the value is not base64 of a point on the suite's curve.
    pub fn from_context_value(alg: SignatureAlgorithm, value: &str) -> Result<Self> {
        let bytes =
            BASE64.decode(value).map_err(|_| Error::header(format!("{PUBLIC_KEY_CONTEXT_KEY} is not valid base64")))?;
        let bad = |curve: &str| {
            Error::header(format!("{PUBLIC_KEY_CONTEXT_KEY} is not a {curve} public key ({} bytes)", bytes.len()))
        };
        Ok(match alg {
            SignatureAlgorithm::EcdsaP256Sha256 => {
                Verifier::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes).map_err(|_| bad("P-256"))?)
            }
            SignatureAlgorithm::EcdsaP384Sha384 => {
                Verifier::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(&bytes).map_err(|_| bad("P-384"))?)
            }
        })
    }

    /// Verifies a DER signature over the hashed message. High-s signatures are accepted
    /// (the Python SDK writes them).
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] if the signature is not valid DER or does not verify.
    pub fn verify(&self, hasher: MessageHasher, der: &[u8]) -> Result<()> {
        let ok = match (self, hasher) {
            (Verifier::P256(k), MessageHasher::Sha256(h)) => {
                p256::ecdsa::Signature::from_der(der).map(|s| k.verify_digest(h, &s).is_ok()).unwrap_or(false)
            }
            (Verifier::P384(k), MessageHasher::Sha384(h)) => {
                p384::ecdsa::Signature::from_der(der).map(|s| k.verify_digest(h, &s).is_ok()).unwrap_or(false)
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_both_curves() {
        for alg in [SignatureAlgorithm::EcdsaP256Sha256, SignatureAlgorithm::EcdsaP384Sha384] {
            let signer = Signer::generate(alg).unwrap();
            let pk = signer.public_key_base64();
            assert_eq!(pk.len(), if alg == SignatureAlgorithm::EcdsaP256Sha256 { 44 } else { 68 });
            let mut h = MessageHasher::new(alg);
            h.update(b"header and body");
            let sig = signer.sign(h.clone()).unwrap();
            let verifier = Verifier::from_context_value(alg, &pk).unwrap();
            verifier.verify(h.clone(), &sig).unwrap();
            let mut other = MessageHasher::new(alg);
            other.update(b"header and bodY");
            assert_eq!(verifier.verify(other, &sig), Err(Error::SignatureInvalid));
            assert_eq!(verifier.verify(h, &sig[..sig.len() - 1]), Err(Error::SignatureInvalid));
        }
    }

    #[test]
    fn rejects_bad_public_keys() {
        let alg = SignatureAlgorithm::EcdsaP384Sha384;
        assert_eq!(Verifier::from_context_value(alg, "not base64!").err().unwrap().code(), "MALFORMED_HEADER");
        assert!(Verifier::from_context_value(alg, "AAAA").is_err());
    }
}
