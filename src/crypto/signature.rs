//! The message signature of signed suites: ECDSA P-256/SHA-256 or P-384/SHA-384 over every byte
//! before the footer, hashed incrementally so signed messages stream.
//!
//! The hash is computed by the core ([`MessageHash::Here`]) or, when an engine has a faster one
//! (node:crypto's SHA-384 in Node), outside it ([`MessageHash::Outside`]): the core hands out the
//! bytes before the body and names every body byte to hash; the engine hands back the digest,
//! which the core signs or verifies. Either way the core decides what is hashed.
//!
//! spec: data-format/message-footer.md; framework/algorithm-suites.md#signature-algorithm

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ecdsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
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
    /// Bytes of the digest of `alg`'s hash.
    pub fn digest_len(alg: SignatureAlgorithm) -> usize {
        match alg {
            SignatureAlgorithm::EcdsaP256Sha256 => 32,
            SignatureAlgorithm::EcdsaP384Sha384 => 48,
        }
    }

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

    pub fn finalize(self) -> Vec<u8> {
        match self {
            MessageHasher::Sha256(h) => h.finalize().to_vec(),
            MessageHasher::Sha384(h) => h.finalize().to_vec(),
        }
    }
}

/// The signature hash of one message, computed here or outside the core.
#[derive(Clone)]
pub enum MessageHash {
    /// Only the bytes before the body so far: either side may still take the hash.
    Start { alg: SignatureAlgorithm, prelude: Vec<u8> },
    /// The core hashes.
    Here(Box<MessageHasher>),
    /// An engine hashes; its digest once handed in.
    Outside { alg: SignatureAlgorithm, digest: Option<Vec<u8>> },
}

impl MessageHash {
    /// A hash that begins with `prelude` (the serialized header).
    pub fn new(alg: SignatureAlgorithm, prelude: Vec<u8>) -> Self {
        MessageHash::Start { alg, prelude }
    }

    /// Hashes `bytes` here, unless an engine took the hash outside.
    pub fn update(&mut self, bytes: &[u8]) {
        if let MessageHash::Start { alg, prelude } = self {
            let mut h = MessageHasher::new(*alg);
            h.update(prelude);
            *self = MessageHash::Here(Box::new(h));
        }
        if let MessageHash::Here(h) = self {
            h.update(bytes);
        }
    }

    /// Hands the hash to an engine: returns its algorithm and the bytes it begins with; the
    /// engine then hashes every body byte the core names, and hands in the digest with
    /// [`set_digest`](Self::set_digest).
    ///
    /// # Errors
    /// [`Error::InvalidState`] once the core hashed a body byte, or if the hash is outside already.
    pub fn hand_out(&mut self) -> Result<(SignatureAlgorithm, Vec<u8>)> {
        match self {
            MessageHash::Start { alg, prelude } => {
                let (alg, prelude) = (*alg, core::mem::take(prelude));
                *self = MessageHash::Outside { alg, digest: None };
                Ok((alg, prelude))
            }
            _ => Err(Error::InvalidState("the signature hash can only be handed out before the body")),
        }
    }

    /// The digest an engine computed over the bytes the core named.
    ///
    /// # Errors
    /// [`Error::InvalidState`] unless the hash was handed out and no digest came yet;
    /// [`Error::InvalidArgument`] for a digest of the wrong length.
    pub fn set_digest(&mut self, digest: &[u8]) -> Result<()> {
        let MessageHash::Outside { alg, digest: slot @ None } = self else {
            return Err(Error::InvalidState("a digest is taken once, after the hash was handed out"));
        };
        let want = MessageHasher::digest_len(*alg);
        if digest.len() != want {
            return Err(Error::arg(format!("the digest must be {want} bytes, got {}", digest.len())));
        }
        *slot = Some(digest.to_vec());
        Ok(())
    }

    /// The digest: the core's, or the engine's.
    fn finish(self) -> Result<Vec<u8>> {
        match self {
            MessageHash::Start { alg, prelude } => {
                let mut h = MessageHasher::new(alg);
                h.update(&prelude);
                Ok(h.finalize())
            }
            MessageHash::Here(h) => Ok(h.finalize()),
            MessageHash::Outside { digest: Some(d), .. } => Ok(d),
            MessageHash::Outside { digest: None, .. } => {
                Err(Error::InvalidState("the engine that hashed the message handed in no digest"))
            }
        }
    }

    fn alg(&self) -> SignatureAlgorithm {
        match self {
            MessageHash::Start { alg, .. } | MessageHash::Outside { alg, .. } => *alg,
            MessageHash::Here(h) => match **h {
                MessageHasher::Sha256(_) => SignatureAlgorithm::EcdsaP256Sha256,
                MessageHasher::Sha384(_) => SignatureAlgorithm::EcdsaP384Sha384,
            },
        }
    }
}

/// The hash of a signed message's `(key, hash)` pair.
///
/// # Errors
/// [`Error::InvalidState`] for a suite that does not sign (`None`).
pub fn signed_hash<K>(signature: &mut Option<(K, MessageHash)>) -> Result<&mut MessageHash> {
    signature.as_mut().map(|(_, h)| h).ok_or(Error::InvalidState("the suite does not sign"))
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

    /// Signs the message hash; returns the DER-encoded signature, always [`signature_len`] bytes
    /// long (so the length of a signed message is known before it is written).
    ///
    /// # Errors
    /// [`Error::InvalidState`] if the hash does not belong to this key's algorithm, or an engine
    /// that took the hash handed in no digest.
    pub fn sign(&self, hash: MessageHash) -> Result<Vec<u8>> {
        let mismatch = || Error::InvalidState("signature hash does not match the signing key");
        let alg = hash.alg();
        let digest = hash.finish()?;
        let want = signature_len(alg);
        // A signature has the fixed length when r needs its leading zero byte and s, taken low,
        // does not (about every second attempt); 64 attempts all failing has odds of 2^-64.
        for attempt in 0..64u64 {
            let der = match (self, alg) {
                (Signer::P256(k), SignatureAlgorithm::EcdsaP256Sha256) => {
                    let sig: p256::ecdsa::Signature =
                        k.sign_prehash_with_rng(&mut Attempt(attempt), &digest).map_err(|_| mismatch())?;
                    sig.normalize_s().unwrap_or(sig).to_der().as_bytes().to_vec()
                }
                (Signer::P384(k), SignatureAlgorithm::EcdsaP384Sha384) => {
                    let sig: p384::ecdsa::Signature =
                        k.sign_prehash_with_rng(&mut Attempt(attempt), &digest).map_err(|_| mismatch())?;
                    sig.normalize_s().unwrap_or(sig).to_der().as_bytes().to_vec()
                }
                _ => return Err(mismatch()),
            };
            if der.len() == want {
                return Ok(der);
            }
        }
        Err(Error::InvalidState("no signature of the fixed length after 64 attempts"))
    }
}

/// Bytes of the DER signature envseal writes for `alg`: `r` with its leading zero byte, `s` in
/// its low form without one (2 + (2 + 33) + (2 + 32) = 71 for P-256, 2 + (2 + 49) + (2 + 48) = 103
/// for P-384), the fixed lengths the official Python SDK writes too. Readers accept any length.
pub fn signature_len(alg: SignatureAlgorithm) -> usize {
    match alg {
        SignatureAlgorithm::EcdsaP256Sha256 => 71,
        SignatureAlgorithm::EcdsaP384Sha384 => 103,
    }
}

/// The additional data of RFC 6979 (section 3.6) for signing attempt `n`: public and distinct per
/// attempt, so each attempt has its own nonce while the nonce stays derived from the key and the
/// digest (signing stays deterministic). Not a random source: only the signer's
/// `sign_prehash_with_rng` reads it, as the additional data.
struct Attempt(u64);

impl rand_core::RngCore for Attempt {
    fn next_u32(&mut self) -> u32 {
        self.0 as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // The attempt number, big-endian, in the last bytes; zeros before it.
        let n = self.0.to_be_bytes();
        for (d, b) in dest.iter_mut().rev().zip(n.iter().rev().chain(core::iter::repeat(&0))) {
            *d = *b;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for Attempt {}

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
    /// [`Error::SignatureInvalid`] if the signature is not valid DER or does not verify;
    /// [`Error::InvalidState`] if an engine that took the hash handed in no digest.
    pub fn verify(&self, hash: MessageHash, der: &[u8]) -> Result<()> {
        let ok = match (self, hash.alg(), hash.finish()?) {
            (Verifier::P256(k), SignatureAlgorithm::EcdsaP256Sha256, d) => {
                p256::ecdsa::Signature::from_der(der).is_ok_and(|s| k.verify_prehash(&d, &s).is_ok())
            }
            (Verifier::P384(k), SignatureAlgorithm::EcdsaP384Sha384, d) => {
                p384::ecdsa::Signature::from_der(der).is_ok_and(|s| k.verify_prehash(&d, &s).is_ok())
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

    const ALGS: [SignatureAlgorithm; 2] = [SignatureAlgorithm::EcdsaP256Sha256, SignatureAlgorithm::EcdsaP384Sha384];

    fn hash_here(alg: SignatureAlgorithm, prelude: &[u8], body: &[u8]) -> MessageHash {
        let mut h = MessageHash::new(alg, prelude.to_vec());
        h.update(body);
        h
    }

    /// The digest of `bytes` computed with `sha2` directly, as an engine outside the core would.
    fn outside_digest(alg: SignatureAlgorithm, bytes: &[u8]) -> Vec<u8> {
        match alg {
            SignatureAlgorithm::EcdsaP256Sha256 => Sha256::digest(bytes).to_vec(),
            SignatureAlgorithm::EcdsaP384Sha384 => Sha384::digest(bytes).to_vec(),
        }
    }

    #[test]
    fn sign_then_verify_both_curves() {
        for alg in ALGS {
            let signer = Signer::generate(alg).unwrap();
            let pk = signer.public_key_base64();
            assert_eq!(pk.len(), if alg == SignatureAlgorithm::EcdsaP256Sha256 { 44 } else { 68 });
            let h = hash_here(alg, b"header", b" and body");
            let sig = signer.sign(h.clone()).unwrap();
            let verifier = Verifier::from_context_value(alg, &pk).unwrap();
            verifier.verify(h.clone(), &sig).unwrap();
            let other = hash_here(alg, b"header", b" and bodY");
            assert_eq!(verifier.verify(other, &sig), Err(Error::SignatureInvalid));
            assert_eq!(verifier.verify(h, &sig[..sig.len() - 1]), Err(Error::SignatureInvalid));
        }
    }

    #[test]
    fn a_digest_computed_outside_signs_and_verifies_as_the_core_hash() {
        for alg in ALGS {
            let signer = Signer::generate(alg).unwrap();
            let verifier = Verifier::from_context_value(alg, &signer.public_key_base64()).unwrap();
            let mut outside = MessageHash::new(alg, b"header".to_vec());
            assert_eq!(
                outside.hand_out().unwrap(),
                (alg, b"header".to_vec()),
                "the engine starts from the core's prelude"
            );
            outside.update(b"ignored: the engine hashes");
            outside.set_digest(&outside_digest(alg, b"header and body")).unwrap();
            let here = hash_here(alg, b"header", b" and body");
            // RFC 6979: the same digest gives the same signature, wherever it was computed.
            let sig = signer.sign(outside.clone()).unwrap();
            assert_eq!(sig, signer.sign(here.clone()).unwrap());
            verifier.verify(outside, &sig).unwrap();
            let mut wrong = MessageHash::new(alg, Vec::new());
            wrong.hand_out().unwrap();
            wrong.set_digest(&outside_digest(alg, b"header and bodY")).unwrap();
            assert_eq!(verifier.verify(wrong, &sig), Err(Error::SignatureInvalid));
        }
    }

    #[test]
    fn the_hash_is_handed_out_once_before_the_body_and_takes_one_digest_of_its_length() {
        let alg = SignatureAlgorithm::EcdsaP384Sha384;
        let code = |r: Result<()>| r.unwrap_err().code();
        let mut h = MessageHash::new(alg, b"header".to_vec());
        assert_eq!(code(h.set_digest(&[0; 48])), "INVALID_STATE", "not handed out");
        h.update(b"body");
        assert_eq!(h.hand_out().unwrap_err().code(), "INVALID_STATE", "the core began hashing the body");
        let mut h = MessageHash::new(alg, b"header".to_vec());
        h.hand_out().unwrap();
        assert_eq!(h.hand_out().unwrap_err().code(), "INVALID_STATE");
        let signer = Signer::generate(alg).unwrap();
        assert_eq!(signer.sign(h.clone()).unwrap_err().code(), "INVALID_STATE", "no digest yet");
        assert_eq!(code(h.set_digest(&[0; 32])), "INVALID_ARGUMENT", "a SHA-256 length for SHA-384");
        h.set_digest(&[0; 48]).unwrap();
        assert_eq!(code(h.set_digest(&[0; 48])), "INVALID_STATE", "one digest");
        let p256 = Signer::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
        assert_eq!(p256.sign(h).unwrap_err().code(), "INVALID_STATE", "a P-384 hash for a P-256 key");
    }

    #[test]
    fn rejects_bad_public_keys() {
        let alg = SignatureAlgorithm::EcdsaP384Sha384;
        assert_eq!(Verifier::from_context_value(alg, "not base64!").err().unwrap().code(), "MALFORMED_HEADER");
        assert!(Verifier::from_context_value(alg, "AAAA").is_err());
    }
}
