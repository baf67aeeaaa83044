//! Algorithm suites and the commitment policy.
//!
//! spec: framework/algorithm-suites.md, framework/commitment-policy.md

use crate::error::{Error, Result};

/// How the data key becomes the content-encryption key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// The data key is used directly (legacy suites 0x0014/0x0046/0x0078).
    Identity,
    /// HKDF-SHA256, `info = suite id || message id`.
    HkdfSha256,
    /// HKDF-SHA384, `info = suite id || message id`.
    HkdfSha384,
    /// HKDF-SHA512 with key commitment (salt = message id).
    CommittingHkdfSha512,
}

/// The message signature, when the suite signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// ECDSA over P-256 with SHA-256.
    EcdsaP256Sha256,
    /// ECDSA over P-384 with SHA-384.
    EcdsaP384Sha384,
}

impl SignatureAlgorithm {
    /// The hash's name as WebCrypto spells it ("SHA-256", "SHA-384").
    pub fn hash_name(self) -> &'static str {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => "SHA-256",
            SignatureAlgorithm::EcdsaP384Sha384 => "SHA-384",
        }
    }

    /// The algorithm whose hash is `name` ("SHA-256", "SHA-384"), if any.
    pub fn from_hash_name(name: &str) -> Option<Self> {
        [SignatureAlgorithm::EcdsaP256Sha256, SignatureAlgorithm::EcdsaP384Sha384]
            .into_iter()
            .find(|a| a.hash_name() == name)
    }
}

/// One of the eleven algorithm suites of the AWS Encryption SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlgorithmSuite {
    Aes128GcmIv12Tag16NoKdf = 0x0014,
    Aes192GcmIv12Tag16NoKdf = 0x0046,
    Aes256GcmIv12Tag16NoKdf = 0x0078,
    Aes128GcmIv12Tag16HkdfSha256 = 0x0114,
    Aes192GcmIv12Tag16HkdfSha256 = 0x0146,
    Aes256GcmIv12Tag16HkdfSha256 = 0x0178,
    Aes128GcmIv12Tag16HkdfSha256EcdsaP256 = 0x0214,
    Aes192GcmIv12Tag16HkdfSha384EcdsaP384 = 0x0346,
    Aes256GcmIv12Tag16HkdfSha384EcdsaP384 = 0x0378,
    Aes256GcmHkdfSha512CommitKey = 0x0478,
    Aes256GcmHkdfSha512CommitKeyEcdsaP384 = 0x0578,
}

/// AES-GCM IV length for every suite, in bytes.
pub const IV_LEN: usize = 12;
/// AES-GCM tag length for every suite, in bytes.
pub const TAG_LEN: usize = 16;
/// Length of the key commitment stored in v2 headers, in bytes.
pub const COMMITMENT_LEN: usize = 32;

impl AlgorithmSuite {
    /// Every suite, in id order.
    pub const ALL: [AlgorithmSuite; 11] = [
        Self::Aes128GcmIv12Tag16NoKdf,
        Self::Aes192GcmIv12Tag16NoKdf,
        Self::Aes256GcmIv12Tag16NoKdf,
        Self::Aes128GcmIv12Tag16HkdfSha256,
        Self::Aes192GcmIv12Tag16HkdfSha256,
        Self::Aes256GcmIv12Tag16HkdfSha256,
        Self::Aes128GcmIv12Tag16HkdfSha256EcdsaP256,
        Self::Aes192GcmIv12Tag16HkdfSha384EcdsaP384,
        Self::Aes256GcmIv12Tag16HkdfSha384EcdsaP384,
        Self::Aes256GcmHkdfSha512CommitKey,
        Self::Aes256GcmHkdfSha512CommitKeyEcdsaP384,
    ];

    /// The default suite for encryption: committing, unsigned, streams at full speed.
    pub const DEFAULT: AlgorithmSuite = Self::Aes256GcmHkdfSha512CommitKey;

    /// Looks up a suite by its two-byte id.
    ///
    /// # Errors
    /// [`Error::UnsupportedSuite`] for an unknown id.
    pub fn from_id(id: u16) -> Result<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id).ok_or(Error::UnsupportedSuite(id))
    }

    /// The suite's two-byte id, as written in the header.
    pub fn id(self) -> u16 {
        self as u16
    }

    /// The message format version this suite is written with (1 or 2).
    pub fn message_version(self) -> u8 {
        if self.is_committing() {
            2
        } else {
            1
        }
    }

    /// Data key length = content key length, in bytes.
    pub fn key_len(self) -> usize {
        match self.id() >> 4 & 0xf {
            0x1 => 16,
            0x4 => 24,
            _ => 32,
        }
    }

    pub fn kdf(self) -> Kdf {
        match self.id() >> 8 {
            0x00 => Kdf::Identity,
            0x01 | 0x02 => Kdf::HkdfSha256,
            0x03 => Kdf::HkdfSha384,
            _ => Kdf::CommittingHkdfSha512,
        }
    }

    pub fn signature(self) -> Option<SignatureAlgorithm> {
        match self {
            Self::Aes128GcmIv12Tag16HkdfSha256EcdsaP256 => Some(SignatureAlgorithm::EcdsaP256Sha256),
            Self::Aes192GcmIv12Tag16HkdfSha384EcdsaP384
            | Self::Aes256GcmIv12Tag16HkdfSha384EcdsaP384
            | Self::Aes256GcmHkdfSha512CommitKeyEcdsaP384 => Some(SignatureAlgorithm::EcdsaP384Sha384),
            _ => None,
        }
    }

    pub fn is_committing(self) -> bool {
        self.kdf() == Kdf::CommittingHkdfSha512
    }

    pub fn is_signing(self) -> bool {
        self.signature().is_some()
    }

    /// Length of the message id for this suite's format version.
    pub fn message_id_len(self) -> usize {
        if self.is_committing() {
            32
        } else {
            16
        }
    }
}

/// Which suites may be written and read.
///
/// spec: framework/commitment-policy.md
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommitmentPolicy {
    /// Write and read only committing (v2) messages. The default.
    #[default]
    RequireEncryptRequireDecrypt,
    /// Write committing messages; also read legacy non-committing (v1) ones.
    RequireEncryptAllowDecrypt,
    /// Write non-committing messages; read both. envseal never writes v1, so encrypt refuses it.
    ForbidEncryptAllowDecrypt,
}

impl CommitmentPolicy {
    /// The spec's name for the policy (`REQUIRE_ENCRYPT_REQUIRE_DECRYPT`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::RequireEncryptRequireDecrypt => "REQUIRE_ENCRYPT_REQUIRE_DECRYPT",
            Self::RequireEncryptAllowDecrypt => "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
            Self::ForbidEncryptAllowDecrypt => "FORBID_ENCRYPT_ALLOW_DECRYPT",
        }
    }

    /// Parses the spec's name.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for anything but the three names.
    pub fn from_name(name: &str) -> Result<Self> {
        [Self::RequireEncryptRequireDecrypt, Self::RequireEncryptAllowDecrypt, Self::ForbidEncryptAllowDecrypt]
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                Error::arg(format!(
                    "unknown commitment policy {name:?}: expected REQUIRE_ENCRYPT_REQUIRE_DECRYPT, \
                     REQUIRE_ENCRYPT_ALLOW_DECRYPT or FORBID_ENCRYPT_ALLOW_DECRYPT"
                ))
            })
    }

    /// Checks that `suite` may be used to encrypt.
    ///
    /// # Errors
    /// [`Error::CommitmentPolicy`] when the policy and the suite disagree; envseal writes only
    /// committing suites, so `FORBID_ENCRYPT_ALLOW_DECRYPT` cannot encrypt.
    pub fn check_encrypt(self, suite: AlgorithmSuite) -> Result<()> {
        match self {
            Self::ForbidEncryptAllowDecrypt => Err(Error::CommitmentPolicy(
                "FORBID_ENCRYPT_ALLOW_DECRYPT would write a legacy non-committing message; \
                 envseal writes only committing suites (0x0478, 0x0578)"
                    .into(),
            )),
            _ if !suite.is_committing() => Err(Error::CommitmentPolicy(format!(
                "suite 0x{:04x} does not commit to its key; {} allows only 0x0478 or 0x0578 for encryption",
                suite.id(),
                self.name()
            ))),
            _ => Ok(()),
        }
    }

    /// Checks that a message written with `suite` may be decrypted.
    ///
    /// # Errors
    /// [`Error::CommitmentPolicy`] for a non-committing suite under `REQUIRE_ENCRYPT_REQUIRE_DECRYPT`.
    pub fn check_decrypt(self, suite: AlgorithmSuite) -> Result<()> {
        if self == Self::RequireEncryptRequireDecrypt && !suite.is_committing() {
            return Err(Error::CommitmentPolicy(format!(
                "the message uses non-committing suite 0x{:04x} (format v1); \
                 REQUIRE_ENCRYPT_REQUIRE_DECRYPT reads only committing messages: pass \
                 REQUIRE_ENCRYPT_ALLOW_DECRYPT to read legacy messages",
                suite.id()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_table_matches_the_spec() {
        // (id, key bytes, kdf, signs, version) straight from framework/algorithm-suites.md
        let table: [(u16, usize, Kdf, bool, u8); 11] = [
            (0x0014, 16, Kdf::Identity, false, 1),
            (0x0046, 24, Kdf::Identity, false, 1),
            (0x0078, 32, Kdf::Identity, false, 1),
            (0x0114, 16, Kdf::HkdfSha256, false, 1),
            (0x0146, 24, Kdf::HkdfSha256, false, 1),
            (0x0178, 32, Kdf::HkdfSha256, false, 1),
            (0x0214, 16, Kdf::HkdfSha256, true, 1),
            (0x0346, 24, Kdf::HkdfSha384, true, 1),
            (0x0378, 32, Kdf::HkdfSha384, true, 1),
            (0x0478, 32, Kdf::CommittingHkdfSha512, false, 2),
            (0x0578, 32, Kdf::CommittingHkdfSha512, true, 2),
        ];
        for (id, key_len, kdf, signs, version) in table {
            let s = AlgorithmSuite::from_id(id).unwrap();
            assert_eq!(
                (s.id(), s.key_len(), s.kdf(), s.is_signing(), s.message_version()),
                (id, key_len, kdf, signs, version)
            );
        }
        assert_eq!(AlgorithmSuite::from_id(0x0479), Err(Error::UnsupportedSuite(0x0479)));
    }

    #[test]
    fn policy_names_round_trip_and_gate_suites() {
        for p in [
            CommitmentPolicy::RequireEncryptRequireDecrypt,
            CommitmentPolicy::RequireEncryptAllowDecrypt,
            CommitmentPolicy::ForbidEncryptAllowDecrypt,
        ] {
            assert_eq!(CommitmentPolicy::from_name(p.name()).unwrap(), p);
        }
        let v1 = AlgorithmSuite::Aes256GcmIv12Tag16HkdfSha256;
        assert!(CommitmentPolicy::default().check_decrypt(v1).is_err());
        assert!(CommitmentPolicy::RequireEncryptAllowDecrypt.check_decrypt(v1).is_ok());
        assert!(CommitmentPolicy::default().check_encrypt(v1).is_err());
        assert!(CommitmentPolicy::default().check_encrypt(AlgorithmSuite::DEFAULT).is_ok());
        assert!(CommitmentPolicy::ForbidEncryptAllowDecrypt.check_encrypt(AlgorithmSuite::DEFAULT).is_err());
    }
}
