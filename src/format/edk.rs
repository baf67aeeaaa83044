//! Encrypted data keys: `u16 len || provider id (UTF-8) || u16 len || provider info || u16 len || ciphertext`.
//!
//! spec: data-format/message-header.md#encrypted-data-keys

use crate::error::{Error, Result};
use crate::format::codec::{put_u16_prefixed, Need, Reader};

/// A data key wrapped by one master key, as stored in the header.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedDataKey {
    /// Who wrapped it: a raw keyring's namespace, or `aws-kms`.
    pub provider_id: String,
    /// Which key wrapped it, in the provider's own encoding.
    pub provider_info: Vec<u8>,
    /// The wrapped key.
    pub ciphertext: Vec<u8>,
}

impl core::fmt::Debug for EncryptedDataKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncryptedDataKey")
            .field("provider_id", &self.provider_id)
            .field("provider_info", &String::from_utf8_lossy(&self.provider_info))
            .field("ciphertext_len", &self.ciphertext.len())
            .finish()
    }
}

impl EncryptedDataKey {
    /// Appends the wire form.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if a field exceeds 65535 bytes.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        for (field, bytes) in [
            ("provider id", self.provider_id.as_bytes()),
            ("provider info", &self.provider_info[..]),
            ("ciphertext", &self.ciphertext[..]),
        ] {
            if bytes.len() > usize::from(u16::MAX) {
                return Err(Error::arg(format!("encrypted data key {field} is {} bytes; at most 65535", bytes.len())));
            }
            put_u16_prefixed(out, bytes);
        }
        Ok(())
    }

    /// Reads one EDK. `Ok(Err(Need))` means the input is short.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Result<Self, Need>> {
        let fields = (|| Ok((r.u16_prefixed()?, r.u16_prefixed()?, r.u16_prefixed()?)))();
        let (id, info, ct) = match fields {
            Ok(f) => f,
            Err(need) => return Ok(Err(need)),
        };
        let provider_id = core::str::from_utf8(id)
            .map_err(|_| Error::header("encrypted data key provider id is not UTF-8"))?
            .to_owned();
        Ok(Ok(EncryptedDataKey { provider_id, provider_info: info.to_vec(), ciphertext: ct.to_vec() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_short_input() {
        let edk =
            EncryptedDataKey {
                provider_id: "ns-ü".into(), provider_info: b"name".to_vec(), ciphertext: vec![1, 2, 3]
            };
        let mut out = Vec::new();
        edk.write(&mut out).unwrap();
        assert_eq!(out.len(), 2 + 5 + 2 + 4 + 2 + 3);
        let mut r = Reader::new(&out);
        assert_eq!(EncryptedDataKey::read(&mut r).unwrap().unwrap(), edk);
        assert_eq!(r.remaining(), 0);
        for cut in 0..out.len() {
            let mut r = Reader::new(&out[..cut]);
            let need = EncryptedDataKey::read(&mut r).unwrap().unwrap_err();
            assert!(need.0 > cut);
        }
        let bad = [0, 1, 0xff, 0, 0, 0, 0];
        assert!(EncryptedDataKey::read(&mut Reader::new(&bad)).is_err());
    }
}
