//! The driver: [`MessageDecryptor`] runs the three steps of decryption over input pushed in
//! pieces of any size.

use super::{full_context, BodyDecryptor, DecryptOptions, FrameIvs, RangeDecryptor, VerifiedHeader};
use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::codec::tail;
use crate::format::context::EncryptionContext;
use crate::format::header::{HeaderParser, MessageHeader, UnverifiedHeader};
use crate::keyring::step;
use crate::keyring::{Answer, Keyring, Poll, Progress};
use crate::materials::DecryptionMaterials;

/// Where a [`MessageDecryptor`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptState {
    /// Reading the header.
    Header,
    /// The header is read; give a data key ([`MessageDecryptor::provide_data_key`] or
    /// [`MessageDecryptor::unwrap_with`]). Input pushed meanwhile is buffered.
    NeedDataKey,
    /// Decrypting frames.
    Body,
    /// The whole message was read and verified; call `finish`.
    Complete,
}

enum Phase {
    Header(HeaderParser),
    NeedKey { header: UnverifiedHeader, full_context: EncryptionContext, required: EncryptionContext },
    Body(Box<BodyDecryptor>),
    Failed,
}

/// Decrypts one message pushed in pieces of any size.
pub struct MessageDecryptor {
    phase: Phase,
    options: DecryptOptions,
    /// Input received while waiting for the data key.
    waiting: Vec<u8>,
    /// Whether to keep a copy of the data key once it verified, and that copy.
    keep_key: bool,
    kept_key: Option<DataKey>,
}

impl MessageDecryptor {
    pub fn new(options: DecryptOptions) -> Self {
        MessageDecryptor {
            phase: Phase::Header(HeaderParser::new(options.header_limits())),
            options,
            waiting: Vec::new(),
            keep_key: false,
            kept_key: None,
        }
    }

    /// Feeds ciphertext; appends plaintext of frames that verified to `out`.
    ///
    /// # Errors
    /// Any header, policy or body error. After an error every further call fails with
    /// [`Error::InvalidState`].
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<DecryptState> {
        let r = self.push_inner(input, out);
        if r.is_err() {
            self.phase = Phase::Failed;
        }
        r
    }

    /// Feeds header bytes and returns how many it took: all of `input`, or those up to the end
    /// of the header (the state is then [`DecryptState::NeedDataKey`]); nothing is buffered past
    /// the header. Once the header is read, takes nothing.
    ///
    /// # Errors
    /// Any header or policy error, after which every further call fails.
    pub fn read_header(&mut self, input: &[u8]) -> Result<usize> {
        let r = self.read_header_inner(input);
        if r.is_err() {
            self.phase = Phase::Failed;
        }
        r
    }

    fn read_header_inner(&mut self, input: &[u8]) -> Result<usize> {
        let Phase::Header(parser) = &mut self.phase else {
            return match self.phase {
                Phase::Failed => Err(Error::InvalidState("an earlier error ended this decryption")),
                _ => Ok(0),
            };
        };
        let (used, done) = parser.push(input)?;
        if let Some(header) = done {
            self.options.commitment_policy.check_decrypt(header.header.suite)?;
            let (full_context, required) = full_context(&header.header, &self.options.encryption_context)?;
            self.phase = Phase::NeedKey { header, full_context, required };
        }
        Ok(used)
    }

    /// Where the decryptor is.
    pub fn state(&self) -> DecryptState {
        match &self.phase {
            Phase::Header(_) | Phase::Failed => DecryptState::Header,
            Phase::NeedKey { .. } => DecryptState::NeedDataKey,
            Phase::Body(body) if body.is_done() => DecryptState::Complete,
            Phase::Body(_) => DecryptState::Body,
        }
    }

    fn push_inner(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<DecryptState> {
        match &mut self.phase {
            Phase::Header(_) => {
                let used = self.read_header_inner(input)?;
                if matches!(self.phase, Phase::NeedKey { .. }) {
                    self.waiting.extend_from_slice(tail(input, used));
                    return Ok(DecryptState::NeedDataKey);
                }
                Ok(DecryptState::Header)
            }
            Phase::NeedKey { .. } => {
                self.waiting.extend_from_slice(input);
                Ok(DecryptState::NeedDataKey)
            }
            Phase::Body(body) => {
                if !self.waiting.is_empty() {
                    let waiting = core::mem::take(&mut self.waiting);
                    body.push(&waiting, out)?;
                }
                body.push(input, out)?;
                Ok(if body.is_done() { DecryptState::Complete } else { DecryptState::Body })
            }
            Phase::Failed => Err(Error::InvalidState("an earlier error ended this decryption")),
        }
    }

    /// The header, once read (unverified until a data key was provided).
    pub fn header(&self) -> Option<&MessageHeader> {
        match &self.phase {
            Phase::NeedKey { header, .. } => Some(&header.header),
            Phase::Body(b) => Some(b.header()),
            _ => None,
        }
    }

    /// The context a keyring must bind while unwrapping (header pairs plus required pairs).
    pub fn keyring_context(&self) -> Option<&EncryptionContext> {
        match &self.phase {
            Phase::NeedKey { full_context, .. } => Some(full_context),
            _ => None,
        }
    }

    /// Supplies the data key unwrapped at the edge; verifies commitment and header tag.
    /// Input that arrived while the key was awaited is decrypted by the next `push` (an empty
    /// push will do) or by `finish`.
    ///
    /// # Errors
    /// [`Error::InvalidState`] if no key is awaited; verification errors as [`VerifiedHeader::verify`].
    pub fn provide_data_key(&mut self, data_key: DataKey) -> Result<()> {
        let phase = core::mem::replace(&mut self.phase, Phase::Failed);
        let Phase::NeedKey { header, required, .. } = phase else {
            self.phase = phase;
            return Err(Error::InvalidState("no data key is awaited"));
        };
        let verified = VerifiedHeader::verify(header, &data_key, &required)?;
        self.phase = Phase::Body(Box::new(BodyDecryptor::new(verified, &self.options)));
        if self.keep_key {
            self.kept_key = Some(data_key);
        }
        Ok(())
    }

    /// Unwraps the data key with `keyring` and verifies the header (buffered input: as
    /// [`Self::provide_data_key`]). The keyring's calls are made natively ([`Keyring::answer`]).
    ///
    /// # Errors
    /// [`Error::NoMatchingKey`] when the keyring has no key for the message; as `provide_data_key`.
    pub fn unwrap_with(&mut self, keyring: &dyn Keyring) -> Result<()> {
        // A call the keyring cannot answer ends the decryption, as a failed step does.
        step::drive(keyring, |progress, answer| self.unwrap_step(keyring, progress, answer)).map_err(|e| self.fail(e))
    }

    /// One step of [`unwrap_with`](Self::unwrap_with), for a caller that makes the keyring's calls
    /// itself (the JavaScript package): `answer` answers the call the previous step returned
    /// (`None` at the start). When the keyring found the data key, the header is verified with it.
    ///
    /// # Errors
    /// As `unwrap_with`; [`Error::InvalidState`] (the decryption goes on) if no key is awaited.
    pub fn unwrap_step(
        &mut self,
        keyring: &dyn Keyring,
        progress: &mut Progress,
        answer: Option<Answer>,
    ) -> Result<Poll<()>> {
        let Phase::NeedKey { header, full_context, required } = &self.phase else {
            return Err(Error::InvalidState("no data key is awaited"));
        };
        let materials = DecryptionMaterials::for_header(header, full_context, required);
        let found = match keyring.unwrap_step(progress, &materials, &header.header.encrypted_data_keys, answer) {
            Ok(Poll::Pending(call)) => return Ok(Poll::Pending(call)),
            Ok(Poll::Ready(key)) => Ok(key),
            Err(e) => Err(e),
        };
        match found_key(keyring, &header.header, required, found) {
            Ok(key) => self.provide_data_key(key).map(Poll::Ready),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Keeps a copy of the data key once it verified, for [`take_data_key`](Self::take_data_key):
    /// to wrap it under other keys ([`crate::stream::Rewrapper`]). Call before the key is given.
    pub fn keep_data_key(&mut self) {
        self.keep_key = true;
    }

    /// The data key kept by [`keep_data_key`](Self::keep_data_key), once (it is not kept after).
    ///
    /// # Security
    /// The plaintext data key of the message: wrap it and drop it.
    pub fn take_data_key(&mut self) -> Option<DataKey> {
        self.kept_key.take()
    }

    /// Whether the caller required pairs that the header does not store (once it is read).
    pub fn requires_unstored_pairs(&self) -> bool {
        self.header()
            .is_some_and(|h| self.options.encryption_context.keys().any(|k| !h.encryption_context.contains_key(k)))
    }

    fn fail(&mut self, e: Error) -> Error {
        self.phase = Phase::Failed;
        e
    }

    /// Hands over the body decryptor (after the data key was provided) and the input received
    /// beyond the header so far (none if the header was fed by [`read_header`](Self::read_header)),
    /// for an external AES-GCM engine to drive frame by frame ([`BodyDecryptor::next`]).
    ///
    /// # Errors
    /// [`Error::InvalidState`] before the header verified or after an error.
    pub fn into_body(self) -> Result<(BodyDecryptor, Vec<u8>)> {
        match self.phase {
            Phase::Body(body) if body.untouched() => Ok((*body, self.waiting)),
            Phase::Body(_) => Err(Error::InvalidState("into_body after body bytes were pushed")),
            _ => Err(Error::InvalidState("into_body before the data key was provided")),
        }
    }

    /// Reads the message at random instead of in order: for a stored message of `size` bytes whose
    /// header was read with [`read_header`](Self::read_header) and verified (the data key given),
    /// a [`RangeDecryptor`] that locates and opens any frame. `tail`: for signed suites, the
    /// message's last `min(size, TAIL_LEN)` bytes; signed suites are refused unless
    /// `allow_signed` (see [`RangeDecryptor`]).
    ///
    /// # Errors
    /// [`Error::InvalidState`] before the header verified or once body bytes were pushed;
    /// [`Error::InvalidArgument`] for `FrameIvs::Unique`; as [`RangeDecryptor`]'s layout.
    pub fn into_ranges(self, size: u64, tail: Option<&[u8]>, allow_signed: bool) -> Result<RangeDecryptor> {
        if self.options.frame_ivs != FrameIvs::Sequential {
            return Err(Error::arg("ranged decryption checks each frame's IV alone: frame IVs must be sequential"));
        }
        let (body, waiting) = self.into_body()?;
        if !waiting.is_empty() {
            return Err(Error::InvalidState("into_ranges after body bytes were pushed"));
        }
        RangeDecryptor::new(body.into_verified(), size, tail, allow_signed)
    }

    /// Ends the message: checks it is complete with nothing after it and releases the last
    /// frame's plaintext into `out`. Returns the verified header.
    ///
    /// # Errors
    /// [`Error::Truncated`] if the input ended early; any error a pending unit raises.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<MessageHeader> {
        match self.phase {
            Phase::Body(mut body) => {
                if !self.waiting.is_empty() {
                    let waiting = core::mem::take(&mut self.waiting);
                    body.push(&waiting, out)?;
                }
                body.finish(out)
            }
            Phase::Header(p) => {
                Err(Error::Truncated(format!("the input ended inside the header after {} bytes", p.buffered())))
            }
            Phase::NeedKey { .. } => Err(Error::InvalidState("finish called before a data key was provided")),
            Phase::Failed => Err(Error::InvalidState("an earlier error ended this decryption")),
        }
    }
}

/// What a keyring's search for the data key of `header` comes to: the key, or a helpful error
/// when none was found (naming the message's providers) or when required context pairs were
/// given and nothing unwrapped with them.
fn found_key(
    keyring: &dyn Keyring,
    header: &MessageHeader,
    required: &EncryptionContext,
    found: Result<Option<DataKey>>,
) -> Result<DataKey> {
    match found {
        Ok(Some(k)) => Ok(k),
        Err(e) if e.code() == "NO_MATCHING_KEY" && !required.is_empty() => {
            Err(Error::EncryptionContextMismatch(format!(
                "the message does not store the keys {:?}, so they were used as required pairs, and no data key \
                 unwrapped with them: the message was written without them or with other values ({})",
                required.keys().collect::<Vec<_>>(),
                e.to_string().trim_start_matches("no keyring could decrypt a data key: ")
            )))
        }
        Err(e) => Err(e),
        Ok(None) => {
            let providers: Vec<String> = header
                .encrypted_data_keys
                .iter()
                .map(|e| {
                    // Provider info is often a UTF-8 name followed by binary (raw AES): show the name.
                    let info = String::from_utf8_lossy(&e.provider_info);
                    let name: String = info.chars().take_while(|c| !c.is_control() && *c != '\u{FFFD}').collect();
                    format!("{:?}/{:?}", e.provider_id, name)
                })
                .collect();
            Err(Error::NoMatchingKey(format!(
                "{} is not among the message's {} encrypted data key(s): {}",
                keyring.describe(),
                providers.len(),
                providers.join(", ")
            )))
        }
    }
}
