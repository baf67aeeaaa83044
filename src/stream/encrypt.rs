//! Streaming encryption: header first, then one regular frame per `frame_length` bytes of
//! plaintext, a final frame (shorter than a frame, possibly empty) at `finish`, and for signed
//! suites the footer.

use crate::crypto::aead::AeadKey;
use crate::crypto::kdf;
use crate::crypto::random_bytes;
use crate::crypto::secret::DataKey;
use crate::crypto::signature::{signed_hash, MessageHash, Signer};
use crate::error::{Error, Result};
use crate::format::codec::{tail, tail_mut};
use crate::format::footer;
use crate::format::frame::{body_aad, frame_iv, BodyKind, FrameHeader, FINAL_FRAME_MARKER};
use crate::format::header::{ContentType, HeaderAuth, MessageHeader, MessageVersion, MAX_FRAME_LEN};
use crate::format::layout::ciphertext_length;
use crate::format::EncryptionContext;
use crate::materials::EncryptionMaterials;
use crate::suite::{AlgorithmSuite, CommitmentPolicy, SignatureAlgorithm, IV_LEN};

/// Default frame length in bytes. Large enough that per-frame overhead (28 bytes, one AES-GCM
/// call) is negligible, small enough that a frame is cheap to buffer.
pub const DEFAULT_FRAME_LEN: u32 = 64 * 1024;

/// Options for encryption.
#[derive(Debug, Clone)]
pub struct EncryptOptions {
    pub suite: AlgorithmSuite,
    /// Plaintext bytes per frame, 1 to 2^31 - 1.
    pub frame_length: u32,
    pub encryption_context: EncryptionContext,
    pub commitment_policy: CommitmentPolicy,
}

impl Default for EncryptOptions {
    fn default() -> Self {
        EncryptOptions {
            suite: AlgorithmSuite::DEFAULT,
            frame_length: DEFAULT_FRAME_LEN,
            encryption_context: EncryptionContext::new(),
            commitment_policy: CommitmentPolicy::default(),
        }
    }
}

impl EncryptOptions {
    /// Checks the options that do not depend on a keyring.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a frame length out of range; [`Error::CommitmentPolicy`] for a
    /// suite the policy forbids; [`Error::InvalidArgument`] for reserved context keys.
    pub fn validate(&self) -> Result<()> {
        if self.frame_length == 0 || self.frame_length > MAX_FRAME_LEN {
            return Err(Error::arg(format!(
                "frame length must be 1 to {MAX_FRAME_LEN} bytes, got {}",
                self.frame_length
            )));
        }
        self.commitment_policy.check_encrypt(self.suite)?;
        crate::format::context::check_no_reserved_keys(&self.encryption_context)
    }
}

/// Everything an AES-GCM engine needs to seal or open one frame, computed by the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameParams {
    pub seq: u32,
    pub is_final: bool,
    /// Plaintext length of the frame.
    pub len: u32,
    pub iv: [u8; IV_LEN],
    /// `message id || content string || seq || length`.
    pub aad: Vec<u8>,
    /// The frame's wire bytes before the ciphertext (sequence number, IV, and for the final frame
    /// the marker and length).
    pub prefix: Vec<u8>,
}

/// What an external AES-GCM engine does next, from [`MessageEncryptor::next_frame`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealStep {
    /// Gather `.0` plaintext bytes (counted from the first byte not yet framed), or end the
    /// input, then ask again.
    Need(usize),
    /// Seal the next `len` plaintext bytes as this frame (begun: the sequence moved on).
    Frame(FrameParams),
    /// The final frame was begun: once every frame was absorbed, write the [`footer`](MessageEncryptor::footer).
    Done,
}

/// Encrypts one message as a stream.
///
/// Two ways to drive it:
/// * [`push`](Self::push) / [`finish`](Self::finish): the core frames the plaintext and seals each
///   frame with its own AES-GCM;
/// * frame by frame with an external AES-GCM engine (WebCrypto in browsers):
///   [`take_header`](Self::take_header), then per frame [`next_frame`](Self::next_frame) (or
///   [`begin_frame`](Self::begin_frame) where the caller picks the lengths), seal
///   with [`content_key`](Self::content_key), [`absorb`](Self::absorb) the frame's bytes, and at the
///   end [`footer`](Self::footer). Both produce the same bytes.
pub struct MessageEncryptor {
    header: MessageHeader,
    /// Header body + auth, until the first output call writes them.
    header_bytes: Option<Vec<u8>>,
    content_key: DataKey,
    key: AeadKey,
    frame_len: u32,
    /// Sequence number of the next frame (starts at 1).
    seq: u32,
    final_written: bool,
    /// Plaintext not yet framed: less than one frame.
    pending: Vec<u8>,
    signing: Option<(Signer, MessageHash)>,
    /// Plaintext bytes in frames begun so far.
    framed_len: u64,
    /// The plaintext length promised by [`expect_plaintext_len`](Self::expect_plaintext_len).
    expected_len: Option<u64>,
}

impl MessageEncryptor {
    /// Builds the header from materials a keyring completed (data key set, EDKs present): derives
    /// the content key, computes the commitment and the header tag.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the materials have no data key or no EDK, or the frame length is
    /// out of range; [`Error::CommitmentPolicy`] for a non-committing suite.
    pub fn new(materials: EncryptionMaterials, frame_length: u32) -> Result<Self> {
        let mut message_id = vec![0u8; materials.suite.message_id_len()];
        random_bytes(&mut message_id)?;
        Self::with_message_id(materials, frame_length, message_id)
    }

    /// As [`new`](Self::new) with a given message id: for known-answer tests only.
    ///
    /// # Security
    /// A message id must never repeat under the same data key.
    ///
    /// # Errors
    /// As [`new`](Self::new), and [`Error::InvalidArgument`] for a message id of the wrong length.
    pub fn with_message_id(materials: EncryptionMaterials, frame_length: u32, message_id: Vec<u8>) -> Result<Self> {
        if frame_length == 0 || frame_length > MAX_FRAME_LEN {
            return Err(Error::arg(format!("frame length must be 1 to {MAX_FRAME_LEN} bytes, got {frame_length}")));
        }
        let EncryptionMaterials { suite, encryption_context, data_key, encrypted_data_keys, signer } = materials;
        CommitmentPolicy::RequireEncryptRequireDecrypt.check_encrypt(suite)?;
        let data_key = data_key.ok_or_else(|| Error::arg("no keyring produced a data key"))?;
        if encrypted_data_keys.is_empty() {
            return Err(Error::arg("no keyring produced an encrypted data key"));
        }
        let derived = kdf::derive(suite, &data_key, &message_id)?;
        let key = AeadKey::new(derived.content_key.as_bytes())?;
        let header = MessageHeader {
            version: MessageVersion::V2,
            suite,
            message_id,
            encryption_context,
            encrypted_data_keys,
            content_type: ContentType::Framed,
            frame_length,
            commitment: derived.commitment,
        };
        let mut header_bytes = header.write_body()?;
        let iv = [0u8; IV_LEN];
        let tag = key.seal(&iv, &header_bytes, &mut [])?;
        header.write_auth(&HeaderAuth { iv, tag }, &mut header_bytes);
        let signing = match (signer, suite.signature()) {
            (Some(s), Some(alg)) => Some((s, MessageHash::new(alg, header_bytes.clone()))),
            (None, None) => None,
            _ => return Err(Error::InvalidState("signing key does not match the suite")),
        };
        Ok(MessageEncryptor {
            header,
            header_bytes: Some(header_bytes),
            content_key: derived.content_key,
            key,
            frame_len: frame_length,
            seq: 1,
            final_written: false,
            pending: Vec::new(),
            signing,
            framed_len: 0,
            expected_len: None,
        })
    }

    /// Promises that the plaintext will be exactly `plaintext_len` bytes, before any frame was
    /// begun, and returns the exact length of the message (header, frames and footer). A frame that
    /// would take the plaintext past that length, or a final frame that ends it short, is then
    /// refused, so no message of another length is ever written.
    ///
    /// # Errors
    /// [`Error::InvalidState`] once a frame was begun or a length promised;
    /// [`Error::LimitExceeded`] for more plaintext than a message holds at this frame length.
    pub fn expect_plaintext_len(&mut self, plaintext_len: u64) -> Result<u64> {
        if self.seq != 1 || self.expected_len.is_some() {
            return Err(Error::InvalidState("the plaintext length must be promised once, before any frame"));
        }
        let length = ciphertext_length(&self.header, plaintext_len)?;
        self.expected_len = Some(plaintext_len);
        Ok(length)
    }

    /// The header bytes and the signature hash over them, for a writer that copies frames sealed
    /// elsewhere (rewrapping): it hashes every frame as written and signs the hash.
    pub(crate) fn into_header_and_signing(self) -> (Option<Vec<u8>>, Option<(Signer, MessageHash)>) {
        (self.header_bytes, self.signing)
    }

    /// The header this encryptor writes.
    pub fn header(&self) -> &MessageHeader {
        &self.header
    }

    /// Plaintext bytes accepted so far (framed or pending).
    pub fn plaintext_len(&self) -> u64 {
        self.framed_len + self.pending.len() as u64
    }

    /// Encrypts `plaintext`, appending the header (first call) and every completed frame to `out`.
    /// A frame is sealed as a regular frame as soon as it is full; [`finish`](Self::finish) seals
    /// what is left (0 to frame length - 1 bytes) as the final frame. A non-empty plaintext that
    /// ends on a frame boundary therefore ends with an empty final frame. The spec prefers a full
    /// final frame there (SHOULD) and allows an empty one (MAY); every official writer writes the
    /// empty one, and deployed readers (the official `aws-encryption-cli`, ESDK-Python 3.x) refuse
    /// a full final frame, so envseal writes what they read.
    /// spec: data-format/message-body.md#final-frame
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] past 2^32 - 1 frames; [`Error::InvalidState`] after the final frame.
    pub fn push(&mut self, mut plaintext: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.write_header(out);
        loop {
            match self.next_frame(self.pending.len() + plaintext.len(), false)? {
                SealStep::Need(_) => break,
                SealStep::Frame(frame) => plaintext = self.seal_frame(&frame, plaintext, out)?,
                SealStep::Done => return Err(Error::InvalidState("the final frame was already written")),
            }
        }
        self.pending.extend_from_slice(plaintext);
        Ok(())
    }

    /// Writes the final frame and, for signed suites, the footer. Consumes the encryptor.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] past 2^32 - 1 frames.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<MessageHeader> {
        self.write_header(out);
        while let SealStep::Frame(frame) = self.next_frame(self.pending.len(), true)? {
            self.seal_frame(&frame, &[], out)?;
        }
        let footer = self.footer_bytes()?;
        out.extend_from_slice(&footer);
        Ok(self.header)
    }

    // ---- frame-level API for an external AES-GCM engine ----------------------------------

    /// The header bytes (body and auth), the first time only.
    pub fn take_header(&mut self) -> Option<Vec<u8>> {
        self.header_bytes.take()
    }

    /// The content-encryption key, for an external AES-GCM engine (e.g. WebCrypto `importKey`).
    ///
    /// # Security
    /// This is the key that encrypts every frame of this message. Import it as a non-extractable
    /// key and wipe every copy.
    pub fn content_key(&self) -> &DataKey {
        &self.content_key
    }

    /// The framing rule of [`push`](Self::push)/[`finish`](Self::finish), for an external engine
    /// holding `available` plaintext bytes not yet framed: a full frame is sealed as a regular
    /// frame at once; when the input `ended`, the rest (0 to frame length - 1 bytes) is the final
    /// frame; otherwise the engine gathers a frame's worth first. Engines that follow it write
    /// the same bytes as `push`, whatever their input's chunks.
    ///
    /// # Errors
    /// As [`begin_frame`](Self::begin_frame).
    pub fn next_frame(&mut self, available: usize, ended: bool) -> Result<SealStep> {
        let f = self.frame_len as usize;
        if self.final_written {
            Ok(SealStep::Done)
        } else if available >= f {
            self.begin_frame(f, false).map(SealStep::Frame)
        } else if ended {
            self.begin_frame(available, true).map(SealStep::Frame)
        } else {
            Ok(SealStep::Need(f))
        }
    }

    /// Parameters of the next frame: `len` plaintext bytes, which must be exactly the frame length
    /// for a regular frame and at most the frame length for the final one. Advances the sequence.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a wrong length; [`Error::InvalidState`] after the final frame;
    /// [`Error::LimitExceeded`] past 2^32 - 1 frames.
    pub fn begin_frame(&mut self, len: usize, is_final: bool) -> Result<FrameParams> {
        if self.final_written {
            return Err(Error::InvalidState("the final frame was already written"));
        }
        let f = self.frame_len as usize;
        if (!is_final && len != f) || len > f {
            return Err(Error::arg(format!(
                "a {} frame holds {} {f} bytes, got {len}",
                if is_final { "final" } else { "regular" },
                if is_final { "at most" } else { "exactly" }
            )));
        }
        if let Some(expected) = self.expected_len {
            let framed = self.framed_len + len as u64;
            if framed > expected || (is_final && framed != expected) {
                return Err(Error::LengthMismatch(format!(
                    "the plaintext length was given as {expected} bytes, but {} {framed} bytes",
                    if framed > expected { "the input holds at least" } else { "the input ended after" }
                )));
            }
        }
        let seq = self.seq;
        if !is_final && seq == FINAL_FRAME_MARKER {
            return Err(Error::LimitExceeded("a message holds at most 2^32 - 1 frames".into()));
        }
        let kind = if is_final { BodyKind::FinalFrame } else { BodyKind::Frame };
        let iv = frame_iv(seq);
        // len <= frame length <= 2^31 - 1
        let len = len as u32;
        let mut prefix = Vec::with_capacity(24);
        FrameHeader { seq, is_final, iv, len }.write(&mut prefix);
        let aad = body_aad(&self.header.message_id, kind, seq, u64::from(len));
        self.seq = seq.wrapping_add(1);
        self.final_written = is_final;
        self.framed_len += u64::from(len);
        Ok(FrameParams { seq, is_final, len, iv, aad, prefix })
    }

    /// Whether [`absorb`](Self::absorb) must see the frames (signed suites hash every byte).
    pub fn is_signing(&self) -> bool {
        self.signing.is_some()
    }

    /// Feeds written body bytes (each frame's prefix, ciphertext and tag, in order) to the
    /// signature hash. A no-op for unsigned suites, and once the hash was handed out.
    pub fn absorb(&mut self, bytes: &[u8]) {
        if let Some((_, h)) = &mut self.signing {
            h.update(bytes);
        }
    }

    /// Signed suites: hands the signature hash to an engine with a faster one, before any frame
    /// was absorbed. Returns its algorithm and the bytes it begins with (the header); the engine then hashes
    /// what it would [`absorb`](Self::absorb), and hands in the digest with
    /// [`set_digest`](Self::set_digest) before the [`footer`](Self::footer).
    ///
    /// # Errors
    /// [`Error::InvalidState`] for an unsigned suite, or once a frame was absorbed.
    pub fn hand_out_hash(&mut self) -> Result<(SignatureAlgorithm, Vec<u8>)> {
        signed_hash(&mut self.signing)?.hand_out()
    }

    /// The digest of the hash handed out by [`hand_out_hash`](Self::hand_out_hash).
    ///
    /// # Errors
    /// As [`MessageHash::set_digest`].
    pub fn set_digest(&mut self, digest: &[u8]) -> Result<()> {
        signed_hash(&mut self.signing)?.set_digest(digest)
    }

    /// The footer (empty for unsigned suites), once the final frame was begun. Consumes the encryptor.
    ///
    /// # Errors
    /// [`Error::InvalidState`] if no final frame was written.
    pub fn footer(mut self) -> Result<Vec<u8>> {
        self.footer_bytes()
    }

    fn footer_bytes(&mut self) -> Result<Vec<u8>> {
        if !self.final_written {
            return Err(Error::InvalidState("the final frame was not written"));
        }
        let Some((signer, hasher)) = self.signing.take() else { return Ok(Vec::new()) };
        let sig = signer.sign(hasher)?;
        let mut out = Vec::with_capacity(2 + sig.len());
        footer::write(&sig, &mut out)?;
        Ok(out)
    }

    fn write_header(&mut self, out: &mut Vec<u8>) {
        if let Some(h) = self.header_bytes.take() {
            out.extend_from_slice(&h);
        }
    }

    /// Seals `frame` (begun by [`next_frame`](Self::next_frame)) with the core's AES-GCM: the
    /// pending plaintext, then as much of `plaintext` as the frame still holds; returns the rest
    /// of `plaintext`.
    fn seal_frame<'a>(&mut self, frame: &FrameParams, plaintext: &'a [u8], out: &mut Vec<u8>) -> Result<&'a [u8]> {
        let wanted = (frame.len as usize).checked_sub(self.pending.len());
        let (head, rest) =
            wanted.and_then(|n| plaintext.split_at_checked(n)).ok_or(Error::InvalidState("frame split"))?;
        let start = out.len();
        out.extend_from_slice(&frame.prefix);
        let ct_start = out.len();
        out.extend_from_slice(&self.pending);
        out.extend_from_slice(head);
        self.pending.clear();
        let tag = self.key.seal(&frame.iv, &frame.aad, tail_mut(out, ct_start))?;
        out.extend_from_slice(&tag);
        if let Some((_, h)) = &mut self.signing {
            h.update(tail(out, start));
        }
        Ok(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::EncryptedDataKey;

    fn encryptor() -> MessageEncryptor {
        let mut m = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, EncryptionContext::new()).unwrap();
        m.set_data_key(DataKey::new(vec![1; 32])).unwrap();
        m.encrypted_data_keys.push(EncryptedDataKey {
            provider_id: "p".into(),
            provider_info: vec![],
            ciphertext: vec![1],
        });
        MessageEncryptor::new(m, 16).unwrap()
    }

    #[test]
    fn at_most_2_pow_32_minus_1_frames() {
        let mut enc = encryptor();
        enc.seq = u32::MAX - 1;
        assert!(enc.begin_frame(16, false).is_ok(), "frame 2^32 - 2 is regular");
        assert_eq!(enc.begin_frame(16, false).unwrap_err().code(), "LIMIT_EXCEEDED");
        let last = enc.begin_frame(3, true).unwrap();
        assert_eq!(last.seq, u32::MAX, "the 2^32 - 1st frame can only be the final one");
        assert_eq!(enc.begin_frame(0, true).unwrap_err().code(), "INVALID_STATE");
    }

    #[test]
    fn frame_lengths_are_checked() {
        let mut enc = encryptor();
        assert_eq!(enc.begin_frame(15, false).unwrap_err().code(), "INVALID_ARGUMENT");
        assert_eq!(enc.begin_frame(17, true).unwrap_err().code(), "INVALID_ARGUMENT");
        assert!(encryptor().footer().is_err(), "no footer before the final frame");
    }
}
