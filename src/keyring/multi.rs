//! Multi-keyring: one generator and any number of children. Every keyring wraps the same data key,
//! so any one of them can decrypt.
//!
//! spec: framework/multi-keyring.md

use std::sync::Arc;

use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::edk::EncryptedDataKey;
use crate::keyring::step::{self, Answer, Poll, Progress, Request};
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

impl MultiKeyring {
    /// The generator (if any), then the children: the order members are run in, and the
    /// indexes of [`Call::path`](crate::keyring::Call::path).
    fn members(&self) -> impl Iterator<Item = &Arc<dyn Keyring>> {
        self.generator.iter().chain(&self.children)
    }

    fn member(&self, index: usize) -> Option<&Arc<dyn Keyring>> {
        self.members().nth(index)
    }
}

impl Keyring for MultiKeyring {
    fn on_encrypt(&self, materials: &mut EncryptionMaterials) -> Result<()> {
        step::wrap(self, materials)
    }

    fn on_decrypt(&self, materials: &DecryptionMaterials<'_>, edks: &[EncryptedDataKey]) -> Result<Option<DataKey>> {
        step::unwrap(self, materials, edks)
    }

    /// The generator makes the data key (unless one is set) and wraps it, then every child wraps
    /// it too, in order.
    fn wrap_step(&self, p: &mut Progress, m: &mut EncryptionMaterials, mut answer: Option<Answer>) -> Result<Poll<()>> {
        if p.at == 0 && p.member.is_none() && self.generator.is_none() && m.data_key.is_none() {
            return Err(Error::arg(
                "a multi-keyring without a generator cannot encrypt unless a data key is already set",
            ));
        }
        while let Some(member) = self.member(p.at) {
            let progress = p.member.get_or_insert_with(Default::default);
            match member.wrap_step(progress, m, answer.take())? {
                Poll::Pending(call) => return Ok(Poll::Pending(call.made_by_member(p.at))),
                Poll::Ready(()) => {
                    p.at += 1;
                    p.member = None;
                }
            }
        }
        Ok(Poll::Ready(()))
    }

    /// Members are tried in order; the first data key wins. `None` if no member had an EDK of the
    /// message; if members failed and none succeeded, all their errors.
    fn unwrap_step(
        &self,
        p: &mut Progress,
        m: &DecryptionMaterials<'_>,
        edks: &[EncryptedDataKey],
        mut answer: Option<Answer>,
    ) -> Result<Poll<Option<DataKey>>> {
        while let Some(member) = self.member(p.at) {
            let progress = p.member.get_or_insert_with(Default::default);
            match member.unwrap_step(progress, m, edks, answer.take()) {
                Ok(Poll::Pending(call)) => return Ok(Poll::Pending(call.made_by_member(p.at))),
                Ok(Poll::Ready(Some(key))) => return Ok(Poll::Ready(Some(key))),
                Ok(Poll::Ready(None)) => {}
                Err(e) => p.failures.push(e),
            }
            p.at += 1;
            p.member = None;
        }
        match p.failures.is_empty() {
            true => Ok(Poll::Ready(None)),
            false => Err(Error::KeyringsFailed(core::mem::take(&mut p.failures))),
        }
    }

    fn answer(&self, path: &[usize], request: Request) -> Result<Answer> {
        let (first, rest) = path.split_first().ok_or(Error::InvalidState("a multi-keyring makes no calls itself"))?;
        let member = self.member(*first).ok_or(Error::InvalidState("no such multi-keyring member"))?;
        member.answer(rest, request)
    }

    fn needs_caller(&self) -> bool {
        self.members().any(|m| m.needs_caller())
    }

    fn describe(&self) -> String {
        let parts: Vec<String> = self.members().map(|k| k.describe()).collect();
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
        let dm = DecryptionMaterials::new(m.suite, &ec);
        let want = m.data_key.as_ref().unwrap().as_bytes().to_vec();
        for k in [a, b] {
            assert_eq!(k.on_decrypt(&dm, &m.encrypted_data_keys).unwrap().unwrap().as_bytes(), &want[..]);
        }
        assert!(MultiKeyring::new(None, vec![]).is_err());
    }
}
