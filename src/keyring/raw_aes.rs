//! Raw AES keyring: wraps data keys with AES-GCM under a wrapping key the application holds.
//! Byte-compatible with the official SDKs' raw AES master key / keyring.
//!
//! ```text
//! provider id   = key namespace (UTF-8)
//! provider info = key name (UTF-8) || u32 tag length in bits (128) || u32 IV length (12) || IV
//! ciphertext    = AES-GCM(wrapping key, IV, aad = serialized encryption context, data key) || tag
//! ```
//! spec: framework/raw-aes-keyring.md

use zeroize::Zeroizing;

use crate::crypto::aead::AeadKey;
use crate::crypto::random_bytes;
use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::context;
use crate::format::edk::EncryptedDataKey;
use crate::keyring::kms::KMS_PROVIDER_ID;
use crate::keyring::Keyring;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};
use crate::suite::{IV_LEN, TAG_LEN};

const TAG_BITS: u32 = (TAG_LEN * 8) as u32;

/// A raw AES-GCM keyring (128-, 192- or 256-bit wrapping key).
pub struct RawAesKeyring {
    namespace: String,
    name: String,
    key: AeadKey,
    /// Another key order to retry unwrapping with (see [`Self::with_js_sdk_order`]).
    js_sdk_order: Option<context::KeyOrder>,
}

impl RawAesKeyring {
    /// # Errors
    /// [`Error::InvalidArgument`] if the wrapping key is not 16, 24 or 32 bytes, the namespace is
    /// `aws-kms`, or a name does not fit the wire format.
    pub fn new(key_namespace: &str, key_name: &str, wrapping_key: &DataKey) -> Result<Self> {
        if key_namespace == KMS_PROVIDER_ID {
            return Err(Error::arg("a raw keyring's key namespace may not be \"aws-kms\""));
        }
        if key_namespace.len() > usize::from(u16::MAX) || key_name.len() + 8 + IV_LEN > usize::from(u16::MAX) {
            return Err(Error::arg("key namespace or key name too long for the message format"));
        }
        let key = AeadKey::new(wrapping_key.as_bytes()).map_err(|_| {
            Error::arg(format!("raw AES wrapping key must be 16, 24 or 32 bytes, got {}", wrapping_key.len()))
        })?;
        Ok(RawAesKeyring { namespace: key_namespace.to_owned(), name: key_name.to_owned(), key, js_sdk_order: None })
    }

    /// Compatibility rule for reading what the official JavaScript SDK's raw AES keyring wraps: by
    /// default it orders the encryption context in its wrapping AAD with
    /// `String.prototype.localeCompare` (aws-encryption-sdk-javascript issue 428), not by UTF-8
    /// bytes. With `order` (that comparison, e.g. `localeCompare` in the same locale), an EDK that
    /// does not unwrap is tried once more with the context in that order, where it differs. What
    /// this keyring wraps is unchanged: always the spec's UTF-8 order. The npm package sets
    /// JavaScript's own `localeCompare` here.
    #[must_use]
    pub fn with_js_sdk_order(mut self, order: context::KeyOrder) -> Self {
        self.js_sdk_order = Some(order);
        self
    }

    fn provider_info(&self, iv: &[u8; IV_LEN]) -> Vec<u8> {
        let mut info = Vec::with_capacity(self.name.len() + 8 + IV_LEN);
        info.extend_from_slice(self.name.as_bytes());
        info.extend_from_slice(&TAG_BITS.to_be_bytes());
        info.extend_from_slice(&(IV_LEN as u32).to_be_bytes());
        info.extend_from_slice(iv);
        info
    }

    /// The IV of an EDK that is this keyring's, by namespace, name and layout; `None` otherwise.
    fn iv_if_mine(&self, edk: &EncryptedDataKey) -> Option<[u8; IV_LEN]> {
        if edk.provider_id != self.namespace {
            return None;
        }
        let rest = edk.provider_info.strip_prefix(self.name.as_bytes())?;
        let (tag_bits, rest) = rest.split_first_chunk::<4>()?;
        let (iv_len, iv) = rest.split_first_chunk::<4>()?;
        if *tag_bits != TAG_BITS.to_be_bytes() || *iv_len != (IV_LEN as u32).to_be_bytes() {
            return None;
        }
        iv.try_into().ok()
    }

    /// The data key of a wrapped `ct || tag`, if it opens under `aad`.
    fn open(&self, iv: &[u8; IV_LEN], aad: &[u8], ct: &[u8], tag: &[u8; TAG_LEN]) -> Option<DataKey> {
        let mut buf = Zeroizing::new(ct.to_vec());
        self.key.open(iv, aad, &mut buf, tag).ok()?;
        Some(DataKey::new(core::mem::take(&mut *buf)))
    }
}

impl Keyring for RawAesKeyring {
    fn on_encrypt(&self, materials: &mut EncryptionMaterials) -> Result<()> {
        let aad = context::serialize(&materials.encryption_context)?;
        let data_key = materials.generate_data_key()?;
        let mut iv = [0u8; IV_LEN];
        random_bytes(&mut iv)?;
        // The buffer holds the plaintext key until sealed in place; wipe it on any early return.
        let mut buf = Zeroizing::new(Vec::with_capacity(data_key.len() + TAG_LEN));
        buf.extend_from_slice(data_key.as_bytes());
        let tag = self.key.seal(&iv, &aad, &mut buf)?;
        let mut ciphertext = core::mem::take(&mut *buf);
        ciphertext.extend_from_slice(&tag);
        let edk = EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: self.provider_info(&iv),
            ciphertext,
        };
        materials.encrypted_data_keys.push(edk);
        Ok(())
    }

    fn on_decrypt(&self, materials: &DecryptionMaterials<'_>, edks: &[EncryptedDataKey]) -> Result<Option<DataKey>> {
        let aad = context::serialize(materials.encryption_context)?;
        // Compatibility rule (see `with_js_sdk_order`): where the JavaScript SDK's order differs from
        // the spec's UTF-8 byte order, an EDK that does not unwrap is tried once more with it. That
        // AAD is built only once an EDK of ours failed the spec's (the common case never sorts);
        // `Some(None)`: built, and the orders agree.
        let mut js_sdk_aad: Option<Option<Vec<u8>>> = None;
        let key_len = materials.suite.key_len();
        let mut tried = 0;
        for edk in edks {
            let Some(iv) = self.iv_if_mine(edk) else { continue };
            tried += 1;
            if edk.ciphertext.len() != key_len + TAG_LEN {
                continue;
            }
            let (ct, tag) = edk.ciphertext.split_at(key_len);
            let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| Error::InvalidState("tag length"))?;
            if let Some(key) = self.open(&iv, &aad, ct, &tag) {
                return Ok(Some(key));
            }
            if let (None, Some(order)) = (&js_sdk_aad, self.js_sdk_order) {
                js_sdk_aad = Some(context::serialize_in_order(materials.encryption_context, order)?);
            }
            if let Some(Some(other)) = &js_sdk_aad {
                if let Some(key) = self.open(&iv, other, ct, &tag) {
                    return Ok(Some(key));
                }
            }
        }
        if tried == 0 {
            return Ok(None);
        }
        Err(Error::NoMatchingKey(format!(
            "{tried} encrypted data key(s) for {} did not unwrap: wrong wrapping key bytes, a different \
             encryption context, or a modified message",
            self.describe()
        )))
    }

    fn describe(&self) -> String {
        format!("raw AES keyring {:?}/{:?}", self.namespace, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::EncryptionContext;
    use crate::suite::AlgorithmSuite;

    fn kr(key: u8) -> RawAesKeyring {
        RawAesKeyring::new("ns", "name", &DataKey::new(vec![key; 32])).unwrap()
    }

    #[test]
    fn wraps_and_unwraps_with_context_binding() {
        let ec: EncryptionContext = [("a".to_string(), "b".to_string())].into_iter().collect();
        let mut m = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, ec.clone()).unwrap();
        kr(1).on_encrypt(&mut m).unwrap();
        let edk = &m.encrypted_data_keys[0];
        assert_eq!(edk.provider_id, "ns");
        assert_eq!(edk.provider_info.len(), 4 + 8 + 12);
        assert_eq!(&edk.provider_info[4..12], &[0, 0, 0, 128, 0, 0, 0, 12]);
        assert_eq!(edk.ciphertext.len(), 48);
        let dm = DecryptionMaterials::new(m.suite, &ec);
        let got = kr(1).on_decrypt(&dm, &m.encrypted_data_keys).unwrap().unwrap();
        assert_eq!(got.as_bytes(), m.data_key.as_ref().unwrap().as_bytes());
        // wrong key bytes: "mine but broken"
        assert_eq!(kr(2).on_decrypt(&dm, &m.encrypted_data_keys).unwrap_err().code(), "NO_MATCHING_KEY");
        // different context: also fails
        let other = EncryptionContext::new();
        let dm2 = DecryptionMaterials::new(m.suite, &other);
        assert!(kr(1).on_decrypt(&dm2, &m.encrypted_data_keys).is_err());
        // another name: "not mine"
        let stranger = RawAesKeyring::new("ns", "other", &DataKey::new(vec![1; 32])).unwrap();
        assert!(stranger.on_decrypt(&dm, &m.encrypted_data_keys).unwrap().is_none());
    }

    #[test]
    fn rejects_bad_configuration() {
        assert!(RawAesKeyring::new("aws-kms", "n", &DataKey::new(vec![0; 32])).is_err());
        assert!(RawAesKeyring::new("ns", "n", &DataKey::new(vec![0; 20])).is_err());
        for n in [16, 24, 32] {
            assert!(RawAesKeyring::new("ns", "n", &DataKey::new(vec![0; n])).is_ok());
        }
    }

    #[test]
    fn unwraps_the_javascript_sdk_context_order_but_never_writes_it() {
        fn caseless(a: &str, b: &str) -> core::cmp::Ordering {
            a.to_lowercase().cmp(&b.to_lowercase())
        }
        // A context whose caseless order ("a" < "B") differs from its UTF-8 order ("B" < "a").
        let ec: EncryptionContext = [("B", "1"), ("a", "2")].into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let js_order = context::serialize_in_order(&ec, caseless).unwrap().unwrap();
        // An EDK as the JavaScript SDK wraps it: AAD in its order.
        let wrapping = AeadKey::new(&[7; 32]).unwrap();
        let iv = [3u8; IV_LEN];
        let mut ct = vec![0x5a; 32];
        let tag = wrapping.seal(&iv, &js_order, &mut ct).unwrap();
        ct.extend_from_slice(&tag);
        let edk =
            EncryptedDataKey { provider_id: "ns".into(), provider_info: kr(7).provider_info(&iv), ciphertext: ct };
        let dm = DecryptionMaterials::new(AlgorithmSuite::DEFAULT, &ec);
        // Without the rule it does not unwrap; with it, it does.
        assert_eq!(kr(7).on_decrypt(&dm, core::slice::from_ref(&edk)).unwrap_err().code(), "NO_MATCHING_KEY");
        let keyring = kr(7).with_js_sdk_order(caseless);
        let got = keyring.on_decrypt(&dm, core::slice::from_ref(&edk)).unwrap().expect("unwrapped");
        assert_eq!(got.as_bytes(), &[0x5a; 32]);
        // Under a context whose orders agree there is no retry: a wrong AAD still fails.
        let other: EncryptionContext = [("a".to_string(), "b".to_string())].into_iter().collect();
        let dm = DecryptionMaterials::new(AlgorithmSuite::DEFAULT, &other);
        assert_eq!(keyring.on_decrypt(&dm, &[edk]).unwrap_err().code(), "NO_MATCHING_KEY");
        // What it writes uses the UTF-8 order.
        let mut m = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, ec.clone()).unwrap();
        keyring.on_encrypt(&mut m).unwrap();
        let written = &m.encrypted_data_keys[0];
        let (ct, tag) = written.ciphertext.split_at(32);
        let iv: [u8; IV_LEN] = written.provider_info[12..].try_into().unwrap();
        let mut buf = ct.to_vec();
        assert!(wrapping.open(&iv, &js_order, &mut buf, tag.try_into().unwrap()).is_err());
        let mut buf = ct.to_vec();
        let utf8 = context::serialize(&ec).unwrap();
        assert!(wrapping.open(&iv, &utf8, &mut buf, tag.try_into().unwrap()).is_ok());
    }
}
