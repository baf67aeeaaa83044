//! AES-GCM with 128-, 192- or 256-bit keys, 12-byte IVs and 16-byte tags (every suite's AEAD).

use aes::Aes192;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm, Nonce, Tag};

use crate::error::{Error, Result};
use crate::suite::{IV_LEN, TAG_LEN};

type Aes192Gcm = AesGcm<Aes192, U12>;

/// An expanded AES-GCM key. The key schedule is zeroized on drop.
pub enum AeadKey {
    Aes128(Box<Aes128Gcm>),
    Aes192(Box<Aes192Gcm>),
    Aes256(Box<Aes256Gcm>),
}

impl AeadKey {
    /// Expands a 16-, 24- or 32-byte key.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for any other length.
    pub fn new(key: &[u8]) -> Result<Self> {
        Ok(match key.len() {
            16 => AeadKey::Aes128(Box::new(Aes128Gcm::new_from_slice(key).map_err(|_| bad_len(16))?)),
            24 => AeadKey::Aes192(Box::new(Aes192Gcm::new_from_slice(key).map_err(|_| bad_len(24))?)),
            32 => AeadKey::Aes256(Box::new(Aes256Gcm::new_from_slice(key).map_err(|_| bad_len(32))?)),
            n => return Err(Error::arg(format!("AES-GCM key must be 16, 24 or 32 bytes, got {n}"))),
        })
    }

    /// Encrypts `buf` in place and returns the tag.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] if `buf` is longer than AES-GCM allows in one call.
    pub fn seal(&self, iv: &[u8; IV_LEN], aad: &[u8], buf: &mut [u8]) -> Result<[u8; TAG_LEN]> {
        let nonce: Nonce<U12> = (*iv).into();
        let tag = match self {
            AeadKey::Aes128(k) => k.encrypt_in_place_detached(&nonce, aad, buf),
            AeadKey::Aes192(k) => k.encrypt_in_place_detached(&nonce, aad, buf),
            AeadKey::Aes256(k) => k.encrypt_in_place_detached(&nonce, aad, buf),
        }
        .map_err(|_| Error::LimitExceeded("AES-GCM input too long for one call".into()))?;
        Ok(tag.into())
    }

    /// Verifies `tag` and, only if it verifies, decrypts `buf` in place.
    ///
    /// # Errors
    /// [`Error::DecryptFailed`] if the tag does not verify; `buf` is then left unchanged.
    pub fn open(&self, iv: &[u8; IV_LEN], aad: &[u8], buf: &mut [u8], tag: &[u8; TAG_LEN]) -> Result<()> {
        let nonce: Nonce<U12> = (*iv).into();
        let tag: Tag = (*tag).into();
        match self {
            AeadKey::Aes128(k) => k.decrypt_in_place_detached(&nonce, aad, buf, &tag),
            AeadKey::Aes192(k) => k.decrypt_in_place_detached(&nonce, aad, buf, &tag),
            AeadKey::Aes256(k) => k.decrypt_in_place_detached(&nonce, aad, buf, &tag),
        }
        .map_err(|_| Error::DecryptFailed)
    }
}

fn bad_len(n: usize) -> Error {
    Error::arg(format!("AES-GCM key must be {n} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// NIST GCM test vectors (gcmEncryptExtIV{128,192,256}.rsp, Count = 0 with 16-byte PT and no AAD).
    #[test]
    fn nist_known_answers() {
        let cases = [
            (
                "7fddb57453c241d03efbed3ac44e371c",
                "ee283a3fc75575e33efd4887",
                "d5de42b461646c255c87bd2962d3b9a2",
                "2ccda4a5415cb91e135c2a0f78c9b2fd",
                "b36d1df9b9d5e596f83e8b7f52971cb3",
            ),
            (
                "fbc0b4c56a714c83217b2d1bcadd2ed2e9efb0dcac6cc19f",
                "5f4b43e811da9c470d6a9b01",
                "d2ae38c4375954835d75b8e4c2f9bbb4",
                "69482957e6be5c54882d00314e0259cf",
                "191e9f29bef63a26860c1e020a21137e",
            ),
            (
                "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22",
                "0d18e06c7c725ac9e362e1ce",
                "2db5168e932556f8089a0622981d017d",
                "fa4362189661d163fcd6a56d8bf0405a",
                "d636ac1bbedd5cc3ee727dc2ab4a9489",
            ),
        ];
        for (key, iv, pt, ct, tag) in cases {
            let k = AeadKey::new(&hex(key)).unwrap();
            let iv: [u8; 12] = hex(iv).try_into().unwrap();
            let mut buf = hex(pt);
            let t = k.seal(&iv, b"", &mut buf).unwrap();
            assert_eq!(buf, hex(ct));
            assert_eq!(t.to_vec(), hex(tag));
            k.open(&iv, b"", &mut buf, &t).unwrap();
            assert_eq!(buf, hex(pt));
        }
    }

    #[test]
    fn failed_open_leaves_buffer_untouched() {
        let k = AeadKey::new(&[7u8; 32]).unwrap();
        let iv = [1u8; 12];
        let mut buf = b"attack at dawn".to_vec();
        let mut tag = k.seal(&iv, b"aad", &mut buf).unwrap();
        tag[0] ^= 1;
        let before = buf.clone();
        assert_eq!(k.open(&iv, b"aad", &mut buf, &tag), Err(Error::DecryptFailed));
        assert_eq!(buf, before);
    }

    #[test]
    fn rejects_bad_key_lengths() {
        for n in [0, 15, 17, 31, 33, 64] {
            assert_eq!(AeadKey::new(&vec![0; n]).err().unwrap().code(), "INVALID_ARGUMENT");
        }
    }
}
