//! Multi-keyring: one generator and any number of children. Every keyring wraps the same data key,
//! so any one of them can decrypt.
//!
//! spec: framework/multi-keyring.md

use std::sync::Arc;

use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::edk::EncryptedDataKey;
use crate::keyring::Keyring;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};

/// A keyring made of keyrings.
pub struct MultiKeyring {
    generator: Option<Arc<dyn Keyring>>,
    children: Vec<Arc<dyn Keyring>>,
}

impl MultiKeyring {
    /// # Errors
    /// [`Error::InvalidArgument`] if there is neither a generator nor a child.
    pub fn new(generator: Option<Arc<dyn Keyring>>, children: Vec<Arc<dyn Keyring>>) -> Result<Self> {
        if generator.is_none() && children.is_empty() {
            return Err(Error::arg("a multi-keyring needs a generator or at least one child"));
        }
        Ok(MultiKeyring { generator, children })
    }
}

impl Keyring for MultiKeyring {
    fn on_encrypt(&self, materials: &mut EncryptionMaterials) -> Result<()> {
        match &self.generator {
            Some(g) => g.on_encrypt(materials)?,
            None if materials.data_key.is_none() => {
                return Err(Error::arg(
                    "a multi-keyring without a generator cannot encrypt unless a data key is already set",
                ))
            }
            None => {}
        }
        for child in &self.children {
            child.on_encrypt(materials)?;
        }
        Ok(())
    }

    fn on_decrypt(&self, materials: &DecryptionMaterials<'_>, edks: &[EncryptedDataKey]) -> Result<Option<DataKey>> {
        let mut failures = Vec::new();
        for k in self.generator.iter().chain(&self.children) {
            match k.on_decrypt(materials, edks) {
                Ok(Some(key)) => return Ok(Some(key)),
                Ok(None) => {}
                Err(e) => failures.push(e.to_string()),
            }
        }
        if failures.is_empty() {
            Ok(None)
        } else {
            Err(Error::NoMatchingKey(failures.join("; ")))
        }
    }

    fn describe(&self) -> String {
        let parts: Vec<String> = self.generator.iter().chain(&self.children).map(|k| k.describe()).collect();
        format!("multi-keyring [{}]", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::EncryptionContext;
    use crate::keyring::RawAesKeyring;
    use crate::suite::AlgorithmSuite;

    #[test]
    fn each_member_alone_decrypts() {
        let a: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("ns", "a", &DataKey::new(vec![1; 16])).unwrap());
        let b: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("ns", "b", &DataKey::new(vec![2; 32])).unwrap());
        let multi = MultiKeyring::new(Some(a.clone()), vec![b.clone()]).unwrap();
        let ec = EncryptionContext::new();
        let mut m = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, ec.clone()).unwrap();
        multi.on_encrypt(&mut m).unwrap();
        assert_eq!(m.encrypted_data_keys.len(), 2);
        let dm = DecryptionMaterials { suite: m.suite, encryption_context: &ec };
        let want = m.data_key.as_ref().unwrap().as_bytes().to_vec();
        for k in [a, b] {
            assert_eq!(k.on_decrypt(&dm, &m.encrypted_data_keys).unwrap().unwrap().as_bytes(), &want[..]);
        }
        assert!(MultiKeyring::new(None, vec![]).is_err());
    }
}
