//! Keyrings as sans-io state machines.
//!
//! Wrapping or unwrapping a data key may need calls the core cannot make itself: a KMS request
//! over the network, or a keyring the core does not hold (an application's JavaScript keyring).
//! A keyring step either finishes ([`Poll::Ready`]) or asks its caller for one such call
//! ([`Poll::Pending`] with a [`Call`]); the caller makes it and resumes the step with the
//! [`Answer`]. Where a keyring is between steps is kept in a [`Progress`] the caller holds.
//!
//! The same steps run natively ([`wrap`] and [`unwrap`] answer each call through
//! [`Keyring::answer`]: a Rust KMS keyring's own transport) and in the browser (the JavaScript
//! package answers with `fetch`, the application's transport or its keyring object).
//!
//! ```text
//! caller                         keyring (core)
//!   wrap_step(progress, None)  ->  Pending(Call { path: [1], Kms { GenerateDataKey, .. } })
//!   (makes the KMS request)
//!   wrap_step(progress, Some(Answer::Kms(json)))  ->  Ready(())
//! ```

use serde_json::Value;

use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::edk::EncryptedDataKey;
use crate::keyring::Keyring;
use crate::materials::{DecryptionMaterials, EncryptionMaterials};

/// A step's outcome: done, or waiting for the answer to a call.
#[derive(Debug)]
pub enum Poll<T> {
    Ready(T),
    Pending(Call),
}

/// A call a keyring needs made before it can go on.
#[derive(Debug)]
pub struct Call {
    /// Which keyring asks: member indexes from the keyring the run started with, outermost
    /// first (a multi-keyring's members are its generator, then its children); empty for that
    /// keyring itself.
    pub path: Vec<usize>,
    pub request: Request,
}

/// What a [`Call`] asks for.
#[derive(Debug)]
pub enum Request {
    /// A KMS keyring's request: the KMS JSON 1.1 `operation` (`GenerateDataKey`, `Encrypt`,
    /// `Decrypt`), the key it is for (an ARN's region routes it), and the request body. Answer
    /// with [`Answer::Kms`].
    Kms { operation: &'static str, key_id: String, body: Value },
    /// A keyring the core does not hold wraps the data key of the materials (generating it if
    /// there is none yet). Answer with [`Answer::Wrapped`].
    Wrap,
    /// A keyring the core does not hold unwraps a data key from the message's encrypted data
    /// keys. Answer with [`Answer::Unwrapped`].
    Unwrap,
}

/// The answer to a [`Call`].
#[derive(Debug)]
pub enum Answer {
    /// The KMS answer (JSON), or why there is none.
    Kms(Result<Value>),
    /// The outcome of a [`Request::Wrap`].
    Wrapped(Result<()>),
    /// The outcome of a [`Request::Unwrap`]: the data key, or `None` if none was the keyring's.
    Unwrapped(Result<Option<DataKey>>),
}

/// Where a keyring is between steps. Start with `Progress::default()`.
#[derive(Debug, Default)]
pub struct Progress {
    /// The part the keyring is at (a multi-keyring's member, a KMS keyring's candidate).
    pub(crate) at: usize,
    /// The progress of the member at `at` (multi-keyrings).
    pub(crate) member: Option<Box<Progress>>,
    /// Failures so far (unwrapping).
    pub(crate) failures: Vec<Error>,
}

impl Call {
    /// This call, made by the member at `index` of the keyring that passes it on.
    pub(crate) fn made_by_member(mut self, index: usize) -> Self {
        self.path.insert(0, index);
        self
    }
}

/// Runs `step` (one step of `keyring` or of something it drives) to the end, answering each call
/// natively ([`Keyring::answer`]).
///
/// # Errors
/// The step's error, or [`Keyring::answer`]'s when the keyring cannot make a call itself.
pub(crate) fn drive<T>(
    keyring: &dyn Keyring,
    mut step: impl FnMut(&mut Progress, Option<Answer>) -> Result<Poll<T>>,
) -> Result<T> {
    let mut progress = Progress::default();
    let mut answer = None;
    loop {
        match step(&mut progress, answer.take())? {
            Poll::Ready(value) => return Ok(value),
            Poll::Pending(call) => answer = Some(keyring.answer(&call.path, call.request)?),
        }
    }
}

/// Wraps (and, if needed, generates) the data key of `materials` with `keyring`, answering its
/// calls natively.
///
/// # Errors
/// The keyring's error, or the error its transport answered.
pub fn wrap(keyring: &dyn Keyring, materials: &mut EncryptionMaterials) -> Result<()> {
    drive(keyring, |progress, answer| keyring.wrap_step(progress, materials, answer))
}

/// Unwraps a data key from `edks` with `keyring`, answering its calls natively.
///
/// # Errors
/// As [`Keyring::on_decrypt`].
pub fn unwrap(
    keyring: &dyn Keyring,
    materials: &DecryptionMaterials<'_>,
    edks: &[EncryptedDataKey],
) -> Result<Option<DataKey>> {
    drive(keyring, |progress, answer| keyring.unwrap_step(progress, materials, edks, answer))
}

/// The error for an answer of the wrong kind (a caller's bug).
pub(crate) fn wrong_answer() -> Error {
    Error::InvalidState("the answer does not fit the call")
}

/// A keyring the core does not hold: every call goes to the caller, who runs the keyring
/// (the JavaScript package: an application's own keyring object). `description` names it.
pub struct ForeignKeyring {
    description: String,
}

impl ForeignKeyring {
    pub fn new(description: String) -> Self {
        ForeignKeyring { description }
    }
}

impl Keyring for ForeignKeyring {
    fn on_encrypt(&self, materials: &mut EncryptionMaterials) -> Result<()> {
        wrap(self, materials)
    }

    fn on_decrypt(&self, materials: &DecryptionMaterials<'_>, edks: &[EncryptedDataKey]) -> Result<Option<DataKey>> {
        unwrap(self, materials, edks)
    }

    fn wrap_step(&self, _: &mut Progress, _: &mut EncryptionMaterials, answer: Option<Answer>) -> Result<Poll<()>> {
        match answer {
            None => Ok(Poll::Pending(Call { path: Vec::new(), request: Request::Wrap })),
            Some(Answer::Wrapped(outcome)) => outcome.map(Poll::Ready),
            Some(_) => Err(wrong_answer()),
        }
    }

    fn unwrap_step(
        &self,
        _: &mut Progress,
        _: &DecryptionMaterials<'_>,
        _: &[EncryptedDataKey],
        answer: Option<Answer>,
    ) -> Result<Poll<Option<DataKey>>> {
        match answer {
            None => Ok(Poll::Pending(Call { path: Vec::new(), request: Request::Unwrap })),
            Some(Answer::Unwrapped(outcome)) => outcome.map(Poll::Ready),
            Some(_) => Err(wrong_answer()),
        }
    }

    fn needs_caller(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::format::EncryptionContext;
    use crate::keyring::{KmsKeyring, MultiKeyring, RawAesKeyring};
    use crate::suite::AlgorithmSuite;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/k";

    fn members() -> (Arc<dyn Keyring>, Arc<dyn Keyring>, Arc<dyn Keyring>) {
        let kms = KmsKeyring::answered_by_caller(Some(ARN.into()), None, vec![]).unwrap();
        let aes = RawAesKeyring::new("ns", "aes", &DataKey::new(vec![3; 32])).unwrap();
        (Arc::new(kms), Arc::new(ForeignKeyring::new("mine".into())), Arc::new(aes))
    }

    #[test]
    fn a_multi_keyring_passes_its_members_calls_on_with_their_paths() {
        let (kms, foreign, aes) = members();
        let inner: Arc<dyn Keyring> = Arc::new(MultiKeyring::new(None, vec![foreign, aes]).unwrap());
        let multi = MultiKeyring::new(Some(kms), vec![inner]).unwrap();
        assert!(multi.needs_caller());
        let mut m = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, EncryptionContext::new()).unwrap();
        let mut p = Progress::default();

        let Poll::Pending(call) = multi.wrap_step(&mut p, &mut m, None).unwrap() else { panic!("KMS asks first") };
        assert_eq!(call.path, [0], "the generator, member 0");
        let Request::Kms { operation: "GenerateDataKey", key_id, .. } = call.request else { panic!("{call:?}") };
        assert_eq!(key_id, ARN);
        let answer = serde_json::json!({ "KeyId": ARN, "Plaintext": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=", "CiphertextBlob": "AQID" });
        let Poll::Pending(call) = multi.wrap_step(&mut p, &mut m, Some(Answer::Kms(Ok(answer)))).unwrap() else {
            panic!("then the foreign member")
        };
        assert_eq!(call.path, [1, 0], "member 0 of member 1");
        assert!(matches!(call.request, Request::Wrap));
        assert_eq!(m.encrypted_data_keys.len(), 1);
        let Poll::Ready(()) = multi.wrap_step(&mut p, &mut m, Some(Answer::Wrapped(Ok(())))).unwrap() else {
            panic!("the AES member needs no call")
        };
        assert_eq!(m.encrypted_data_keys.len(), 2, "KMS and AES; the foreign keyring added none");
        assert_eq!(m.data_key.as_ref().unwrap().as_bytes(), &[7; 32]);
    }

    #[test]
    fn unwrapping_collects_every_failure_in_order() {
        let (kms, foreign, aes) = members();
        let multi = MultiKeyring::new(Some(foreign), vec![kms, aes]).unwrap();
        let edks = [EncryptedDataKey { provider_id: "aws-kms".into(), provider_info: ARN.into(), ciphertext: vec![1] }];
        let ec = EncryptionContext::new();
        let dm = DecryptionMaterials::new(AlgorithmSuite::DEFAULT, &ec);
        let mut p = Progress::default();
        let Poll::Pending(call) = multi.unwrap_step(&mut p, &dm, &edks, None).unwrap() else { panic!() };
        assert_eq!(call.path, [0]);
        let relayed = Error::Relayed { slot: 0, message: "mine failed".into(), no_matching_key: false };
        let Poll::Pending(call) = multi.unwrap_step(&mut p, &dm, &edks, Some(Answer::Unwrapped(Err(relayed)))).unwrap()
        else {
            panic!()
        };
        assert_eq!(call.path, [1]);
        let denied = Error::Kms { kind: "AccessDeniedException".into(), message: "no".into() };
        let error = multi.unwrap_step(&mut p, &dm, &edks, Some(Answer::Kms(Err(denied.clone())))).unwrap_err();
        let Error::KeyringsFailed(failures) = &error else { panic!("{error:?}") };
        assert_eq!(failures.len(), 2, "the AES member had no EDK: no failure of its own");
        assert_eq!(failures[1], denied);
        assert_eq!(error.code(), "NO_MATCHING_KEY");
        assert_eq!(
            error.to_string(),
            "no keyring could decrypt a data key: mine failed; KMS AccessDeniedException: no"
        );
    }

    #[test]
    fn wrong_answers_and_native_runs_without_a_transport_are_refused() {
        let (kms, foreign, _) = members();
        let mut m = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, EncryptionContext::new()).unwrap();
        let mut p = Progress::default();
        assert!(matches!(kms.wrap_step(&mut p, &mut m, None).unwrap(), Poll::Pending(_)));
        let wrong = kms.wrap_step(&mut p, &mut m, Some(Answer::Wrapped(Ok(())))).unwrap_err();
        assert_eq!(wrong.code(), "INVALID_STATE");
        // Natively, a keyring without a transport of its own cannot be run.
        assert_eq!(kms.on_encrypt(&mut m).unwrap_err().code(), "INVALID_STATE");
        assert_eq!(foreign.on_encrypt(&mut m).unwrap_err().code(), "INVALID_STATE");
    }
}
