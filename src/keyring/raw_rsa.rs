//! Raw RSA keyring: wraps data keys with RSA-OAEP (SHA-1/256/384/512, MGF1 with the same hash)
//! under a key pair the application holds; unwraps legacy PKCS#1 v1.5 EDKs too.
//! Byte-compatible with the official SDKs' raw RSA master key / keyring.
//!
//! ```text
//! provider id   = key namespace (UTF-8)
//! provider info = key name (UTF-8)
//! ciphertext    = RSA-OAEP(public key, data key)  (modulus-length bytes)
//! ```
//! The encryption context is not bound to RSA EDKs (the header tag binds it to the message).
//!
//! spec: framework/raw-rsa-keyring.md

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::sha2::{Sha256, Sha384, Sha512};
use rsa::{Oaep, Pkcs1v15Encrypt, PrivateKey, PublicKey};
use rsa_rand_core::{TryCryptoRng, TryRng};
use sha1::Sha1;
use zeroize::Zeroizing;

use crate::crypto::random_bytes;
use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::edk::EncryptedDataKey;
use crate::keyring::kms::KMS_PROVIDER_ID;
use crate::keyring::Keyring;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};

/// RSA padding for wrapping data keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaPadding {
    /// PKCS#1 v1.5: decrypt only (legacy messages); envseal never wraps with it.
    Pkcs1,
    OaepSha1,
    OaepSha256,
    OaepSha384,
    OaepSha512,
}

impl RsaPadding {
    /// Parses `pkcs1`, `oaep-sha1`, `oaep-sha256`, `oaep-sha384` or `oaep-sha512`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for anything else.
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "pkcs1" => Self::Pkcs1,
            "oaep-sha1" => Self::OaepSha1,
            "oaep-sha256" => Self::OaepSha256,
            "oaep-sha384" => Self::OaepSha384,
            "oaep-sha512" => Self::OaepSha512,
            _ => {
                return Err(Error::arg(format!(
                    "unknown RSA padding {name:?}: expected oaep-sha1, oaep-sha256, oaep-sha384, oaep-sha512 or pkcs1"
                )))
            }
        })
    }
}

/// A raw RSA keyring. A keyring with only a public key can encrypt; decryption needs the private key.
pub struct RawRsaKeyring {
    namespace: String,
    name: String,
    public: PublicKey,
    private: Option<PrivateKey>,
    padding: RsaPadding,
}

impl RawRsaKeyring {
    /// Builds a keyring from a public key, a private key, or both (PEM or DER: SPKI / PKCS#1 public,
    /// PKCS#8 / PKCS#1 private). With only a private key, its public half encrypts.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for unparsable keys, a public key that does not match the private
    /// key, a namespace of `aws-kms`, or no key at all.
    pub fn new(
        key_namespace: &str,
        key_name: &str,
        public_key: Option<&[u8]>,
        private_key: Option<&[u8]>,
        padding: RsaPadding,
    ) -> Result<Self> {
        if key_namespace == KMS_PROVIDER_ID {
            return Err(Error::arg("a raw keyring's key namespace may not be \"aws-kms\""));
        }
        if key_namespace.len() > usize::from(u16::MAX) || key_name.len() > usize::from(u16::MAX) {
            return Err(Error::arg("key namespace or key name too long for the message format"));
        }
        let private = private_key.map(parse_private).transpose()?;
        let public = match (public_key.map(parse_public).transpose()?, &private) {
            (Some(p), Some(k)) if &p != k.as_ref() => {
                return Err(Error::arg("the RSA public key does not belong to the private key"))
            }
            (Some(p), _) => p,
            (None, Some(k)) => k.to_public_key(),
            (None, None) => return Err(Error::arg("a raw RSA keyring needs a public key, a private key, or both")),
        };
        Ok(RawRsaKeyring { namespace: key_namespace.to_owned(), name: key_name.to_owned(), public, private, padding })
    }

    fn unwrap_one(&self, key: &PrivateKey, ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let mut rng = PlatformRng;
        let r = match self.padding {
            RsaPadding::Pkcs1 => key.decrypt_blinded(&mut rng, Pkcs1v15Encrypt, ciphertext),
            RsaPadding::OaepSha1 => key.decrypt_blinded(&mut rng, Oaep::<Sha1>::new(), ciphertext),
            RsaPadding::OaepSha256 => key.decrypt_blinded(&mut rng, Oaep::<Sha256>::new(), ciphertext),
            RsaPadding::OaepSha384 => key.decrypt_blinded(&mut rng, Oaep::<Sha384>::new(), ciphertext),
            RsaPadding::OaepSha512 => key.decrypt_blinded(&mut rng, Oaep::<Sha512>::new(), ciphertext),
        };
        r.ok().map(Zeroizing::new)
    }
}

impl Keyring for RawRsaKeyring {
    fn on_encrypt(&self, materials: &mut EncryptionMaterials) -> Result<()> {
        let data_key = materials.generate_data_key()?;
        let mut rng = PlatformRng;
        let msg = data_key.as_bytes();
        let r = match self.padding {
            RsaPadding::Pkcs1 => {
                return Err(Error::arg("PKCS#1 v1.5 is for decrypting legacy messages only; encrypt with OAEP"))
            }
            RsaPadding::OaepSha1 => self.public.encrypt(&mut rng, Oaep::<Sha1>::new(), msg),
            RsaPadding::OaepSha256 => self.public.encrypt(&mut rng, Oaep::<Sha256>::new(), msg),
            RsaPadding::OaepSha384 => self.public.encrypt(&mut rng, Oaep::<Sha384>::new(), msg),
            RsaPadding::OaepSha512 => self.public.encrypt(&mut rng, Oaep::<Sha512>::new(), msg),
        };
        let ciphertext = r.map_err(|e| Error::Keyring(format!("RSA-OAEP wrap failed: {e}")))?;
        materials.encrypted_data_keys.push(EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: self.name.as_bytes().to_vec(),
            ciphertext,
        });
        Ok(())
    }

    fn on_decrypt(&self, materials: &DecryptionMaterials<'_>, edks: &[EncryptedDataKey]) -> Result<Option<DataKey>> {
        let mine = edks.iter().filter(|e| e.provider_id == self.namespace && e.provider_info == self.name.as_bytes());
        let mut tried = 0;
        for edk in mine {
            let Some(key) = &self.private else {
                return Err(Error::NoMatchingKey(format!(
                    "{} holds only a public key and cannot decrypt",
                    self.describe()
                )));
            };
            tried += 1;
            let Some(mut plain) = self.unwrap_one(key, &edk.ciphertext) else { continue };
            if plain.len() != materials.suite.key_len() {
                continue;
            }
            let data_key = DataKey::new(core::mem::take(&mut *plain));
            // PKCS#1 v1.5 decryption answers bad padding with a pseudo-random message instead of an
            // error (implicit rejection, so that it is no padding oracle): the wrong key or an OAEP
            // ciphertext "unwraps" to a key of the right length about once in 250 tries. Only the
            // header can tell, so a key that does not open it counts as not unwrapped.
            if self.padding == RsaPadding::Pkcs1 && !materials.key_opens_header(&data_key) {
                continue;
            }
            return Ok(Some(data_key));
        }
        if tried == 0 {
            return Ok(None);
        }
        Err(Error::NoMatchingKey(format!(
            "{tried} encrypted data key(s) for {} did not unwrap{}: wrong private key or padding, or a modified message",
            self.describe(),
            if self.padding == RsaPadding::Pkcs1 { " to a key that opens the header" } else { "" }
        )))
    }

    fn describe(&self) -> String {
        format!("raw RSA keyring {:?}/{:?} ({:?})", self.namespace, self.name, self.padding)
    }
}

fn pem_or_der(bytes: &[u8]) -> Option<&str> {
    core::str::from_utf8(bytes).ok().filter(|s| s.trim_start().starts_with("-----BEGIN"))
}

fn parse_private(bytes: &[u8]) -> Result<PrivateKey> {
    let key = match pem_or_der(bytes) {
        Some(pem) => PrivateKey::from_pkcs8_pem(pem).or_else(|_| PrivateKey::from_pkcs1_pem(pem)).ok(),
        None => PrivateKey::from_pkcs8_der(bytes).or_else(|_| PrivateKey::from_pkcs1_der(bytes)).ok(),
    };
    key.ok_or_else(|| Error::arg("the RSA private key is not a PKCS#8 or PKCS#1 key in PEM or DER"))
}

fn parse_public(bytes: &[u8]) -> Result<PublicKey> {
    let key = match pem_or_der(bytes) {
        Some(pem) => PublicKey::from_public_key_pem(pem).or_else(|_| PublicKey::from_pkcs1_pem(pem)).ok(),
        None => PublicKey::from_public_key_der(bytes).or_else(|_| PublicKey::from_pkcs1_der(bytes)).ok(),
    };
    key.ok_or_else(|| Error::arg("the RSA public key is not an SPKI or PKCS#1 key in PEM or DER"))
}

/// The platform CSPRNG (the same source as everything else here) for the `rsa` crate.
struct PlatformRng;

#[derive(Debug)]
struct RngError;

impl core::fmt::Display for RngError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("no secure random source")
    }
}

impl core::error::Error for RngError {}

impl TryRng for PlatformRng {
    type Error = RngError;

    fn try_next_u32(&mut self) -> core::result::Result<u32, RngError> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, RngError> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), RngError> {
        random_bytes(dst).map_err(|_| RngError)
    }
}

impl TryCryptoRng for PlatformRng {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::EncryptionContext;
    use crate::suite::AlgorithmSuite;

    // A 2048-bit test key pair (PKCS#8 / SPKI), generated for these tests only.
    const PRIVATE_PEM: &str = include_str!("testdata/rsa-2048-private.pem");
    const PUBLIC_PEM: &str = include_str!("testdata/rsa-2048-public.pem");

    #[test]
    fn every_oaep_padding_round_trips_and_public_only_encrypts() {
        for padding in [RsaPadding::OaepSha1, RsaPadding::OaepSha256, RsaPadding::OaepSha384, RsaPadding::OaepSha512] {
            let enc_only = RawRsaKeyring::new("ns", "rsa", Some(PUBLIC_PEM.as_bytes()), None, padding).unwrap();
            let full = RawRsaKeyring::new("ns", "rsa", None, Some(PRIVATE_PEM.as_bytes()), padding).unwrap();
            let ec = EncryptionContext::new();
            let mut m = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, ec.clone()).unwrap();
            enc_only.on_encrypt(&mut m).unwrap();
            assert_eq!(m.encrypted_data_keys[0].ciphertext.len(), 256);
            assert_eq!(m.encrypted_data_keys[0].provider_info, b"rsa");
            let dm = DecryptionMaterials::new(m.suite, &ec);
            let got = full.on_decrypt(&dm, &m.encrypted_data_keys).unwrap().unwrap();
            assert_eq!(got.as_bytes(), m.data_key.as_ref().unwrap().as_bytes(), "{padding:?}");
            assert_eq!(enc_only.on_decrypt(&dm, &m.encrypted_data_keys).unwrap_err().code(), "NO_MATCHING_KEY");
            // The wrong padding does not unwrap.
            let other = if padding == RsaPadding::OaepSha1 { RsaPadding::OaepSha256 } else { RsaPadding::OaepSha1 };
            let wrong = RawRsaKeyring::new("ns", "rsa", None, Some(PRIVATE_PEM.as_bytes()), other).unwrap();
            assert!(wrong.on_decrypt(&dm, &m.encrypted_data_keys).is_err());
        }
    }

    #[test]
    fn rejects_bad_keys_and_pkcs1_encryption() {
        assert!(RawRsaKeyring::new("ns", "n", Some(b"not a key"), None, RsaPadding::OaepSha256).is_err());
        assert!(RawRsaKeyring::new("ns", "n", None, None, RsaPadding::OaepSha256).is_err());
        assert!(RawRsaKeyring::new("aws-kms", "n", Some(PUBLIC_PEM.as_bytes()), None, RsaPadding::OaepSha256).is_err());
        let k = RawRsaKeyring::new("ns", "n", Some(PUBLIC_PEM.as_bytes()), None, RsaPadding::Pkcs1).unwrap();
        let mut m = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, EncryptionContext::new()).unwrap();
        assert_eq!(k.on_encrypt(&mut m).unwrap_err().code(), "INVALID_ARGUMENT");
        assert_eq!(RsaPadding::from_name("OAEP-SHA384").unwrap(), RsaPadding::OaepSha384);
    }

    /// Writes the data key wrapped with PKCS#1 v1.5 (which envseal never writes), after `decoys`
    /// EDKs of the same name that wrap other keys of the right length: what implicit rejection
    /// makes of a ciphertext with bad padding, about once in 250.
    struct LegacyPkcs1 {
        decoys: u8,
        real: bool,
    }

    impl Keyring for LegacyPkcs1 {
        fn on_encrypt(&self, m: &mut EncryptionMaterials) -> Result<()> {
            let key = m.generate_data_key()?.as_bytes().to_vec();
            let public = parse_public(PUBLIC_PEM.as_bytes())?;
            let wrapped: Vec<Vec<u8>> =
                (0..self.decoys).map(|i| vec![i; key.len()]).chain(self.real.then(|| key.clone())).collect();
            for k in wrapped {
                let ciphertext = public.encrypt(&mut PlatformRng, Pkcs1v15Encrypt, &k).unwrap();
                let edk = EncryptedDataKey { provider_id: "ns".into(), provider_info: b"rsa".to_vec(), ciphertext };
                m.encrypted_data_keys.push(edk);
            }
            Ok(())
        }

        fn on_decrypt(&self, _: &DecryptionMaterials<'_>, _: &[EncryptedDataKey]) -> Result<Option<DataKey>> {
            Ok(None)
        }

        fn describe(&self) -> String {
            "legacy PKCS#1 v1.5 writer".into()
        }
    }

    #[test]
    fn pkcs1_keys_that_do_not_open_the_header_count_as_not_unwrapped() {
        let reader = RawRsaKeyring::new("ns", "rsa", None, Some(PRIVATE_PEM.as_bytes()), RsaPadding::Pkcs1).unwrap();
        for suite in [AlgorithmSuite::DEFAULT, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
            let options = crate::EncryptOptions { suite, ..Default::default() };
            // Two keys of the right length that are not the data key, then the data key: found.
            let (msg, _) = crate::encrypt(&LegacyPkcs1 { decoys: 2, real: true }, b"legacy", &options).unwrap();
            let (plain, _) = crate::decrypt(&reader, &msg, &crate::DecryptOptions::default()).unwrap();
            assert_eq!(plain, b"legacy");
            // Only such keys: no matching key (not COMMITMENT_MISMATCH), and the message says why.
            let (msg, _) = crate::encrypt(&LegacyPkcs1 { decoys: 2, real: false }, b"x", &options).unwrap();
            let err = crate::decrypt(&reader, &msg, &crate::DecryptOptions::default()).unwrap_err();
            assert_eq!(err.code(), "NO_MATCHING_KEY", "{err}");
            assert!(err.to_string().contains("2 encrypted data key(s)"), "{err}");
            assert!(err.to_string().contains("to a key that opens the header"), "{err}");
            // Without a header to check against, the keyring returns what it unwrapped.
            let ec = EncryptionContext::new();
            let dm = DecryptionMaterials::new(suite, &ec);
            let edks = crate::format::header::parse(&msg, Default::default()).unwrap().header.encrypted_data_keys;
            assert_eq!(reader.on_decrypt(&dm, &edks).unwrap().unwrap().as_bytes(), [0u8; 32]);
        }
    }
}
