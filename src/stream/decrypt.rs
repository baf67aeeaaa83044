//! Streaming decryption, in three typed steps:
//!
//! 1. [`HeaderParser`] reads an [`UnverifiedHeader`] (nothing in it is trusted yet);
//! 2. a keyring (sync in Rust, or async at the JS edge) unwraps a data key, and
//!    [`VerifiedHeader::verify`] checks the key commitment and the header tag: a `VerifiedHeader`
//!    can only exist after both checks passed;
//! 3. [`BodyDecryptor`] (built only from a `VerifiedHeader`) releases each frame's plaintext after
//!    its tag verified. The final frame is held back until `finish`, which also checks the
//!    signature and that nothing follows the message.
//!
//! [`MessageDecryptor`] drives the three steps over input pushed in any pieces.
//!
//! spec: client-apis/decrypt.md

use std::collections::BTreeSet;

use subtle::ConstantTimeEq;

use crate::crypto::aead::AeadKey;
use crate::crypto::kdf;
use crate::crypto::secret::DataKey;
use crate::crypto::signature::{MessageHasher, Verifier, MAX_SIGNATURE_LEN};
use crate::error::{Error, Result};
use crate::format::body::{body_aad, frame_iv, BodyKind, FINAL_FRAME_MARKER, MAX_NON_FRAMED_LEN};
use crate::format::codec::{tail, tail_mut, Need, Reader};
use crate::format::context::{self, EncryptionContext};
use crate::format::header::{
    ContentType, HeaderLimits, HeaderParser, MessageHeader, UnverifiedHeader, DEFAULT_MAX_FRAME_LEN,
};
use crate::keyring::Keyring;
use crate::materials::DecryptionMaterials;
use crate::stream::encrypt::FrameParams;
use crate::suite::{CommitmentPolicy, IV_LEN, TAG_LEN};

/// Options for decryption.
#[derive(Debug, Clone)]
pub struct DecryptOptions {
    pub commitment_policy: CommitmentPolicy,
    /// Refuse headers with more EDKs than this (`None`: no limit beyond the format's 65535).
    pub max_encrypted_data_keys: Option<u16>,
    /// Largest frame (or non-framed body) accepted; each is buffered whole until its tag verifies.
    pub max_frame_length: u32,
    /// Pairs the message must carry. Pairs whose key is in the header must match it exactly;
    /// the others are "required" pairs that the writer authenticated without storing.
    pub encryption_context: EncryptionContext,
    /// Which frame IVs are accepted; [`FrameIvs::Sequential`] unless set.
    pub frame_ivs: FrameIvs,
}

/// The frame IVs a decryptor accepts.
///
/// The spec's decrypt says the IV of a frame is its sequence number, padded with zeros, and every
/// current writer does that. Early writers drew IVs at random, and some official known-answer
/// vectors carry other IVs; the format only says an IV MUST be unique within its message
/// (data-format/message-body.md#iv, and the open spec issue awslabs/aws-encryption-sdk-specification#229).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FrameIvs {
    /// Each frame's IV is its sequence number padded: constant memory, the spec's decrypt.
    #[default]
    Sequential,
    /// Any IV, as long as no two frames of the message share one. Remembers every IV of the
    /// message (about 40 bytes of memory per frame, for at most 4,194,304 frames, else
    /// `LIMIT_EXCEEDED`): for messages of older writers.
    Unique,
}

impl FrameIvs {
    /// `"sequential"` or `"unique"`, as the npm option and the CLI flag spell it.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "sequential" => Ok(FrameIvs::Sequential),
            "unique" => Ok(FrameIvs::Unique),
            _ => Err(Error::arg(format!("frame IVs must be \"sequential\" or \"unique\", got {name:?}"))),
        }
    }
}

/// Frames a [`FrameIvs::Unique`] decryptor remembers the IVs of (about 170 MB of memory).
const MAX_REMEMBERED_IVS: usize = 1 << 22;

impl Default for DecryptOptions {
    fn default() -> Self {
        DecryptOptions {
            commitment_policy: CommitmentPolicy::default(),
            max_encrypted_data_keys: None,
            max_frame_length: DEFAULT_MAX_FRAME_LEN,
            encryption_context: EncryptionContext::new(),
            frame_ivs: FrameIvs::Sequential,
        }
    }
}

impl DecryptOptions {
    fn header_limits(&self) -> HeaderLimits {
        HeaderLimits { max_encrypted_data_keys: self.max_encrypted_data_keys, max_frame_length: self.max_frame_length }
    }
}

/// The context a keyring binds: the header's pairs plus the caller's required pairs.
///
/// # Errors
/// [`Error::EncryptionContextMismatch`] if the caller's pair disagrees with the header's.
pub fn full_context(
    header: &MessageHeader,
    expected: &EncryptionContext,
) -> Result<(EncryptionContext, EncryptionContext)> {
    let mut required = EncryptionContext::new();
    for (k, v) in expected {
        match header.encryption_context.get(k) {
            Some(found) if found == v => {}
            Some(found) => {
                return Err(Error::EncryptionContextMismatch(format!(
                    "key {k:?}: expected {v:?}, the message has {found:?}"
                )))
            }
            None => {
                required.insert(k.clone(), v.clone());
            }
        }
    }
    let mut full = header.encryption_context.clone();
    full.extend(required.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok((full, required))
}

/// A header whose key commitment and authentication tag verified, with the content key.
pub struct VerifiedHeader {
    header: MessageHeader,
    content_key: DataKey,
    key: AeadKey,
    signature: Option<(Verifier, MessageHasher)>,
}

impl VerifiedHeader {
    /// Derives the content key from `data_key`, checks the commitment (constant time), then the
    /// header tag over the header body and the serialized `required` pairs.
    ///
    /// # Errors
    /// [`Error::CommitmentMismatch`]; [`Error::EncryptionContextMismatch`] if the tag fails while
    /// required pairs were supplied; [`Error::DecryptFailed`] if it fails otherwise.
    pub fn verify(unverified: UnverifiedHeader, data_key: &DataKey, required: &EncryptionContext) -> Result<Self> {
        let UnverifiedHeader { header, auth, body_bytes } = unverified;
        let derived = kdf::derive(header.suite, data_key, &header.message_id).map_err(|e| match e {
            Error::InvalidArgument(m) => Error::Keyring(format!("the keyring returned an unusable data key: {m}")),
            e => e,
        })?;
        if let (Some(want), Some(got)) = (&derived.commitment, &header.commitment) {
            if !bool::from(want.ct_eq(got)) {
                return Err(Error::CommitmentMismatch);
            }
        }
        let key = AeadKey::new(derived.content_key.as_bytes())?;
        let mut aad = body_bytes;
        let body_len = aad.len();
        aad.extend_from_slice(&context::serialize(required)?);
        if key.open(&auth.iv, &aad, &mut [], &auth.tag).is_err() {
            return Err(if required.is_empty() {
                Error::DecryptFailed
            } else {
                Error::EncryptionContextMismatch(format!(
                    "the header does not authenticate with the required pairs {:?} (keys not stored in \
                     the message); the message was written without them, or with other values",
                    required.keys().collect::<Vec<_>>()
                ))
            });
        }
        let signature = match header.suite.signature() {
            Some(alg) => {
                let pk = header.public_key().ok_or_else(|| Error::header("signed suite without a public key"))?;
                let verifier = Verifier::from_context_value(alg, pk)?;
                let mut hasher = MessageHasher::new(alg);
                aad.truncate(body_len);
                hasher.update(&aad);
                let mut auth_bytes = Vec::with_capacity(IV_LEN + TAG_LEN);
                header.write_auth(&auth, &mut auth_bytes);
                hasher.update(&auth_bytes);
                Some((verifier, hasher))
            }
            None => None,
        };
        Ok(VerifiedHeader { header, content_key: derived.content_key, key, signature })
    }

    pub fn header(&self) -> &MessageHeader {
        &self.header
    }
}

/// A frame located by [`BodyDecryptor::begin_frame`].
#[derive(Debug, Clone)]
pub struct OpenFrame {
    pub params: FrameParams,
    /// Bytes of the frame before the ciphertext.
    pub prefix_len: usize,
    /// Ciphertext plus tag length.
    pub sealed_len: usize,
}

/// Where the body decryptor is.
enum BodyStage {
    Frames { next_seq: u32 },
    NonFramed,
    Footer,
    Done,
}

/// Decrypts the body of a message whose header verified.
pub struct BodyDecryptor {
    verified: VerifiedHeader,
    stage: BodyStage,
    /// An incomplete unit (frame, body or footer) carried over between pushes.
    carry: Vec<u8>,
    /// Plaintext of the final frame (or non-framed body): verified, released by `finish`.
    held: Vec<u8>,
    max_unit_len: u32,
    frame_ivs: FrameIvs,
    /// Every frame IV so far, kept only under [`FrameIvs::Unique`].
    seen_ivs: BTreeSet<[u8; IV_LEN]>,
}

impl BodyDecryptor {
    /// Reads `options.max_frame_length` and `options.frame_ivs`.
    pub fn new(verified: VerifiedHeader, options: &DecryptOptions) -> Self {
        let stage = match verified.header.content_type {
            ContentType::Framed => BodyStage::Frames { next_seq: 1 },
            ContentType::NonFramed => BodyStage::NonFramed,
        };
        BodyDecryptor {
            verified,
            stage,
            carry: Vec::new(),
            held: Vec::new(),
            max_unit_len: options.max_frame_length,
            frame_ivs: options.frame_ivs,
            seen_ivs: BTreeSet::new(),
        }
    }

    pub fn header(&self) -> &MessageHeader {
        &self.verified.header
    }

    fn at_first_frame(&self) -> bool {
        matches!(self.stage, BodyStage::Frames { next_seq: 1 } | BodyStage::NonFramed)
    }

    /// Decrypts what `input` completes and appends verified plaintext to `out`. On error `out` is
    /// left as it was.
    ///
    /// # Errors
    /// [`Error::DecryptFailed`] for a frame whose tag fails; [`Error::MalformedBody`] for frames out of
    /// order or malformed; [`Error::TrailingData`] for bytes after the end of the message.
    pub fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let mark = out.len();
        let r = (|| {
            // Complete a unit started in an earlier push, taking only the bytes it needs.
            while !self.carry.is_empty() {
                let carry = core::mem::take(&mut self.carry);
                let result = self.unit(&carry, out);
                self.carry = carry;
                match result? {
                    Ok(_) => self.carry.clear(),
                    Err(_) if input.is_empty() => break,
                    Err(Need(total)) => {
                        let n = total.saturating_sub(self.carry.len()).min(input.len());
                        let (head, rest) = input.split_at_checked(n).ok_or(Error::InvalidState("carry range"))?;
                        self.carry.extend_from_slice(head);
                        input = rest;
                    }
                }
            }
            // Then whole units straight from the input, without copying them first.
            while !input.is_empty() {
                match self.unit(input, out)? {
                    Ok(used) => input = tail(input, used),
                    Err(_) => {
                        self.carry.extend_from_slice(input);
                        break;
                    }
                }
            }
            Ok(())
        })();
        if r.is_err() {
            out.truncate(mark);
        }
        r
    }

    /// Checks the message ended exactly here, then releases the final frame's plaintext.
    ///
    /// # Errors
    /// [`Error::Truncated`] if the message is incomplete.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<MessageHeader> {
        if !matches!(self.stage, BodyStage::Done) {
            let where_ = match self.stage {
                BodyStage::Frames { next_seq } if self.carry.is_empty() => {
                    format!("before frame {next_seq}; the final frame is missing")
                }
                BodyStage::Frames { next_seq } => format!("inside frame {next_seq}"),
                BodyStage::NonFramed => "inside the non-framed body".into(),
                _ => "before the signature footer".into(),
            };
            return Err(Error::Truncated(format!("the input ended {where_}")));
        }
        out.append(&mut self.held);
        Ok(self.verified.header)
    }

    /// Processes one unit from the start of `bytes`. `Ok(Ok(n))`: `n` bytes used; `Ok(Err(need))`:
    /// too short, nothing changed.
    fn unit(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> Result<Result<usize, Need>> {
        match self.stage {
            BodyStage::Frames { .. } => self.frame(bytes, out),
            BodyStage::NonFramed => self.non_framed(bytes),
            BodyStage::Footer => self.footer(bytes),
            BodyStage::Done => Err(Error::TrailingData { extra: bytes.len() }),
        }
    }

    fn frame(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> Result<Result<usize, Need>> {
        let frame = match self.peek_frame(bytes)? {
            Ok(f) => f,
            Err(need) => return Ok(Err(need)),
        };
        let p = &frame.params;
        let mut r = Reader::new(tail(bytes, frame.prefix_len));
        let (ct, tag) = match (|| Ok((r.take(p.len as usize)?, r.array::<TAG_LEN>()?)))() {
            Ok(parts) => parts,
            Err(Need(n)) => return Ok(Err(Need(frame.prefix_len.saturating_add(n)))),
        };
        let dest = if p.is_final { &mut self.held } else { out };
        let start = dest.len();
        dest.extend_from_slice(ct);
        if let Err(e) = self.verified.key.open(&p.iv, &p.aad, tail_mut(dest, start), &tag) {
            dest.truncate(start);
            return Err(e);
        }
        let used = frame.prefix_len + frame.sealed_len;
        self.hash(bytes.get(..used).unwrap_or_default());
        self.advance(&frame.params)?;
        Ok(Ok(used))
    }

    /// Reads the next frame's prefix and checks its position and length, without changing state.
    fn peek_frame(&self, bytes: &[u8]) -> Result<Result<OpenFrame, Need>> {
        let BodyStage::Frames { next_seq: expected } = self.stage else {
            return Err(Error::InvalidState("no frame is expected here"));
        };
        let frame_len = self.verified.header.frame_length;
        let mut r = Reader::new(bytes);
        let parsed = (|| {
            let first = r.u32()?;
            let is_final = first == FINAL_FRAME_MARKER;
            let seq = if is_final { r.u32()? } else { first };
            let iv: [u8; IV_LEN] = r.array()?;
            let len = if is_final { r.u32()? } else { frame_len };
            Ok((is_final, seq, iv, len))
        })();
        let (is_final, seq, iv, len) = match parsed {
            Ok(p) => p,
            Err(need) => return Ok(Err(need)),
        };
        if seq != expected {
            return Err(Error::body(format!("frame sequence number is {seq}, expected {expected}")));
        }
        // spec: client-apis/decrypt.md#decrypt-the-message-body: "The IV is the sequence number
        // [...] padded to the IV length with 0." A frame with any other IV (e.g. one IV reused for
        // every frame) is refused before it is opened, unless the caller accepts any unique IV
        // (data-format/message-body.md#iv: "The IV MUST be a unique IV within the message.").
        match self.frame_ivs {
            FrameIvs::Sequential if iv != frame_iv(seq) => {
                return Err(Error::body(format!("frame {seq} has IV {}, not its sequence number", hex(&iv))));
            }
            FrameIvs::Unique if self.seen_ivs.contains(&iv) => {
                return Err(Error::body(format!("frame {seq} reuses the IV {} of an earlier frame", hex(&iv))));
            }
            FrameIvs::Unique if self.seen_ivs.len() >= MAX_REMEMBERED_IVS => {
                return Err(Error::LimitExceeded(format!(
                    "frameIvs unique remembers the IVs of at most {MAX_REMEMBERED_IVS} frames"
                )));
            }
            _ => {}
        }
        if len > frame_len {
            return Err(Error::body(format!("final frame holds {len} bytes, more than the frame length {frame_len}")));
        }
        let kind = if is_final { BodyKind::FinalFrame } else { BodyKind::Frame };
        let aad = body_aad(&self.verified.header.message_id, kind, seq, u64::from(len));
        let prefix = r.consumed().to_vec();
        let params = FrameParams { seq, is_final, len, iv, aad, prefix };
        Ok(Ok(OpenFrame { prefix_len: r.pos(), sealed_len: len as usize + TAG_LEN, params }))
    }

    fn advance(&mut self, p: &FrameParams) -> Result<()> {
        if self.frame_ivs == FrameIvs::Unique {
            self.seen_ivs.insert(p.iv);
        }
        self.stage = if p.is_final {
            self.after_body()
        } else {
            // A regular frame's seq is never 0xFFFFFFFF (that is the final-frame marker).
            match p.seq.checked_add(1) {
                Some(next_seq) => BodyStage::Frames { next_seq },
                None => return Err(Error::body("frame sequence number overflow")),
            }
        };
        Ok(())
    }

    // ---- frame-level API for an external AES-GCM engine ----------------------------------

    /// The content-encryption key, for an external AES-GCM engine (e.g. WebCrypto `importKey`).
    ///
    /// # Security
    /// Import it as a non-extractable key and wipe every copy.
    pub fn content_key(&self) -> &DataKey {
        &self.verified.content_key
    }

    /// External engine: reads the prefix of the next frame from the start of `bytes` and checks
    /// its sequence number and length. On success the decryptor moves past the frame: the caller
    /// must open `sealed_len` bytes (ciphertext || tag) after `prefix_len` with the returned IV and
    /// AAD, [`absorb`](Self::absorb) the frame's bytes if the suite signs, and abandon the message
    /// if the tag fails. Plaintext of the final frame must be held until [`finish`](Self::finish).
    ///
    /// # Errors
    /// [`Error::MalformedBody`] for a frame out of order or too long; [`Error::InvalidState`] when no
    /// frame is expected (non-framed body, footer, or end of message).
    pub fn begin_frame(&mut self, bytes: &[u8]) -> Result<Result<OpenFrame, Need>> {
        let frame = self.peek_frame(bytes)?;
        if let Ok(f) = &frame {
            self.advance(&f.params)?;
        }
        Ok(frame)
    }

    /// External engine: feeds a frame's wire bytes (prefix, ciphertext, tag) to the signature hash.
    pub fn absorb(&mut self, bytes: &[u8]) {
        self.hash(bytes);
    }

    /// Whether the message has a footer still to read (signed suite, frames done).
    pub fn expects_footer(&self) -> bool {
        matches!(self.stage, BodyStage::Footer)
    }

    /// External engine: reads and verifies the footer from the start of `bytes`.
    /// Returns the bytes used.
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`]; [`Error::InvalidState`] if no footer is expected.
    pub fn read_footer(&mut self, bytes: &[u8]) -> Result<Result<usize, Need>> {
        if !self.expects_footer() {
            return Err(Error::InvalidState("no footer is expected here"));
        }
        self.footer(bytes)
    }

    fn non_framed(&mut self, bytes: &[u8]) -> Result<Result<usize, Need>> {
        let mut r = Reader::new(bytes);
        let (iv, len) = match (|| Ok((r.array::<IV_LEN>()?, r.u64()?)))() {
            Ok(p) => p,
            Err(need) => return Ok(Err(need)),
        };
        if len > MAX_NON_FRAMED_LEN {
            return Err(Error::body(format!("non-framed body of {len} bytes exceeds the format's limit")));
        }
        if len > u64::from(self.max_unit_len) {
            return Err(Error::LimitExceeded(format!(
                "non-framed body of {len} bytes exceeds max_frame_length {}",
                self.max_unit_len
            )));
        }
        let ct = match r.take(len as usize) {
            Ok(c) => c,
            Err(need) => return Ok(Err(need)),
        };
        let tag: [u8; TAG_LEN] = match r.array() {
            Ok(t) => t,
            Err(need) => return Ok(Err(need)),
        };
        let aad = body_aad(&self.verified.header.message_id, BodyKind::SingleBlock, 1, len);
        let mut plain = ct.to_vec();
        self.verified.key.open(&iv, &aad, &mut plain, &tag)?;
        self.held = plain;
        self.hash(r.consumed());
        self.stage = self.after_body();
        Ok(Ok(r.pos()))
    }

    fn footer(&mut self, bytes: &[u8]) -> Result<Result<usize, Need>> {
        let mut r = Reader::new(bytes);
        let len = match r.u16() {
            Ok(l) => usize::from(l),
            Err(need) => return Ok(Err(need)),
        };
        if len > MAX_SIGNATURE_LEN {
            return Err(Error::body(format!("signature length {len} exceeds {MAX_SIGNATURE_LEN} bytes")));
        }
        let sig = match r.take(len) {
            Ok(s) => s,
            Err(need) => return Ok(Err(need)),
        };
        let (verifier, hasher) =
            self.verified.signature.take().ok_or(Error::InvalidState("footer without signature"))?;
        verifier.verify(hasher, sig)?;
        self.stage = BodyStage::Done;
        Ok(Ok(r.pos()))
    }

    fn after_body(&self) -> BodyStage {
        if self.verified.signature.is_some() {
            BodyStage::Footer
        } else {
            BodyStage::Done
        }
    }

    fn hash(&mut self, bytes: &[u8]) {
        if let Some((_, h)) = &mut self.verified.signature {
            h.update(bytes);
        }
    }
}

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
}

impl MessageDecryptor {
    pub fn new(options: DecryptOptions) -> Self {
        MessageDecryptor {
            phase: Phase::Header(HeaderParser::new(options.header_limits())),
            options,
            waiting: Vec::new(),
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

    fn push_inner(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<DecryptState> {
        match &mut self.phase {
            Phase::Header(parser) => {
                let (used, done) = parser.push(input)?;
                if let Some(header) = done {
                    self.options.commitment_policy.check_decrypt(header.header.suite)?;
                    let (full_context, required) = full_context(&header.header, &self.options.encryption_context)?;
                    self.waiting.extend_from_slice(tail(input, used));
                    self.phase = Phase::NeedKey { header, full_context, required };
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
                Ok(if matches!(body.stage, BodyStage::Done) { DecryptState::Complete } else { DecryptState::Body })
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
        Ok(())
    }

    /// Unwraps the data key with `keyring` and verifies the header (buffered input: as
    /// [`Self::provide_data_key`]).
    ///
    /// # Errors
    /// [`Error::NoMatchingKey`] when the keyring has no key for the message; as `provide_data_key`.
    pub fn unwrap_with(&mut self, keyring: &dyn Keyring) -> Result<()> {
        let key = match &self.phase {
            Phase::NeedKey { header, full_context, required } => {
                unwrap_data_key(keyring, &header.header, full_context, required)
            }
            _ => Err(Error::InvalidState("no data key is awaited")),
        };
        match key {
            Ok(k) => self.provide_data_key(k),
            Err(e @ Error::InvalidState(_)) => Err(e),
            Err(e) => {
                self.phase = Phase::Failed;
                Err(e)
            }
        }
    }

    /// Hands over the body decryptor (after the data key was provided) and the input received
    /// beyond the header so far, for an external AES-GCM engine to drive frame by frame
    /// ([`BodyDecryptor::begin_frame`]).
    ///
    /// # Errors
    /// [`Error::InvalidState`] before the header verified or after an error.
    pub fn into_body(self) -> Result<(BodyDecryptor, Vec<u8>)> {
        match self.phase {
            Phase::Body(body) if body.carry.is_empty() && body.held.is_empty() && body.at_first_frame() => {
                Ok((*body, self.waiting))
            }
            Phase::Body(_) => Err(Error::InvalidState("into_body after body bytes were pushed")),
            _ => Err(Error::InvalidState("into_body before the data key was provided")),
        }
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

/// Asks `keyring` for the data key of `header`, with a helpful error when none is found.
///
/// # Errors
/// [`Error::NoMatchingKey`] naming the message's providers when the keyring has none of them.
pub fn unwrap_data_key(
    keyring: &dyn Keyring,
    header: &MessageHeader,
    full_context: &EncryptionContext,
    required: &EncryptionContext,
) -> Result<DataKey> {
    let materials = DecryptionMaterials { suite: header.suite, encryption_context: full_context };
    match keyring.on_decrypt(&materials, &header.encrypted_data_keys) {
        Ok(Some(k)) => Ok(k),
        Err(Error::NoMatchingKey(reason)) if !required.is_empty() => Err(Error::EncryptionContextMismatch(format!(
            "the message does not store the keys {:?}, so they were used as required pairs, and no data key \
             unwrapped with them: the message was written without them or with other values ({reason})",
            required.keys().collect::<Vec<_>>()
        ))),
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

/// Lowercase hex, for error messages about public bytes.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyring::RawAesKeyring;
    use crate::EncryptOptions;

    /// A decryptor of a 3-frame message (100-byte frames) at its first frame, with the frames.
    fn body_of_three_frames(frame_ivs: FrameIvs) -> (BodyDecryptor, Vec<u8>) {
        let keyring = RawAesKeyring::new("ns", "name", &DataKey::new(vec![7; 32])).unwrap();
        let options = EncryptOptions { frame_length: 100, ..EncryptOptions::default() };
        let (message, _) = crate::encrypt(&keyring, &[5; 250], &options).unwrap();
        let mut dec = MessageDecryptor::new(DecryptOptions { frame_ivs, ..DecryptOptions::default() });
        assert!(matches!(dec.push(&message, &mut Vec::new()).unwrap(), DecryptState::NeedDataKey));
        dec.unwrap_with(&keyring).unwrap();
        dec.into_body().unwrap()
    }

    /// `n` IVs no frame of the message has (the message's are sequence numbers, high bytes zero).
    fn fill_with_foreign_ivs(body: &mut BodyDecryptor, n: usize) {
        body.seen_ivs.extend((0..n as u64).map(|i| {
            let mut iv = [0xA5; IV_LEN];
            iv[4..].copy_from_slice(&i.to_be_bytes());
            iv
        }));
    }

    #[test]
    fn unique_ivs_are_remembered_for_at_most_max_frames() {
        // One place left: the first frame is opened (and released), the second is refused.
        let (mut body, rest) = body_of_three_frames(FrameIvs::Unique);
        fill_with_foreign_ivs(&mut body, MAX_REMEMBERED_IVS - 1);
        let (first, later) = rest.split_at(4 + IV_LEN + 100 + TAG_LEN);
        let mut out = Vec::new();
        body.push(first, &mut out).unwrap();
        assert_eq!(out, [5; 100]);
        assert_eq!(body.seen_ivs.len(), MAX_REMEMBERED_IVS);
        let error = body.push(later, &mut out).unwrap_err();
        assert_eq!(error.code(), "LIMIT_EXCEEDED", "{error}");
        assert_eq!(out, [5; 100], "nothing of the refused frame was released");

        // The sequential check remembers nothing, so it has no such limit.
        let (mut body, rest) = body_of_three_frames(FrameIvs::Sequential);
        let mut out = Vec::new();
        body.push(&rest, &mut out).unwrap();
        assert_eq!(body.finish(&mut out).map(|_| out.len()).unwrap(), 250);
        assert!(body_of_three_frames(FrameIvs::Sequential).0.seen_ivs.is_empty());
    }
}
