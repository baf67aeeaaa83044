//! Streaming encryption: header first, then one regular frame per `frame_length` bytes of
//! plaintext, a final frame at `finish`, and for signed suites the footer.

use crate::crypto::aead::AeadKey;
use crate::crypto::kdf;
use crate::crypto::random_bytes;
use crate::crypto::signature::{MessageHasher, Signer};
use crate::error::{Error, Result};
use crate::format::body::{body_aad, frame_iv, BodyKind, FINAL_FRAME_MARKER};
use crate::format::codec::{tail, tail_mut};
use crate::format::header::{ContentType, HeaderAuth, MessageHeader, MessageVersion, MAX_FRAME_LEN};
use crate::format::EncryptionContext;
use crate::materials::EncryptionMaterials;
use crate::suite::{AlgorithmSuite, CommitmentPolicy, IV_LEN};

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

/// Encrypts one message as a stream.
pub struct MessageEncryptor {
    header: MessageHeader,
    /// Header body + auth, until the first output call writes them.
    header_bytes: Option<Vec<u8>>,
    key: AeadKey,
    frame_len: usize,
    /// Sequence number of the next frame (starts at 1).
    seq: u32,
    /// Plaintext not yet framed: at most one frame, held until we know whether more follows.
    pending: Vec<u8>,
    signing: Option<(Signer, MessageHasher)>,
    plaintext_len: u64,
}

impl MessageEncryptor {
    /// Builds the header from materials a keyring completed (data key set, EDKs present): derives
    /// the content key, computes the commitment and the header tag.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the materials have no data key or no EDK, or the frame length is
    /// out of range; [`Error::CommitmentPolicy`] for a non-committing suite.
    pub fn new(materials: EncryptionMaterials, frame_length: u32) -> Result<Self> {
        if frame_length == 0 || frame_length > MAX_FRAME_LEN {
            return Err(Error::arg(format!("frame length must be 1 to {MAX_FRAME_LEN} bytes, got {frame_length}")));
        }
        let EncryptionMaterials { suite, encryption_context, data_key, encrypted_data_keys, signer } = materials;
        CommitmentPolicy::RequireEncryptRequireDecrypt.check_encrypt(suite)?;
        let data_key = data_key.ok_or_else(|| Error::arg("no keyring produced a data key"))?;
        if encrypted_data_keys.is_empty() {
            return Err(Error::arg("no keyring produced an encrypted data key"));
        }
        let mut message_id = vec![0u8; suite.message_id_len()];
        random_bytes(&mut message_id)?;
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
            (Some(s), Some(alg)) => {
                let mut h = MessageHasher::new(alg);
                h.update(&header_bytes);
                Some((s, h))
            }
            (None, None) => None,
            _ => return Err(Error::InvalidState("signing key does not match the suite")),
        };
        Ok(MessageEncryptor {
            header,
            header_bytes: Some(header_bytes),
            key,
            frame_len: frame_length as usize,
            seq: 1,
            pending: Vec::new(),
            signing,
            plaintext_len: 0,
        })
    }

    /// The header this encryptor writes.
    pub fn header(&self) -> &MessageHeader {
        &self.header
    }

    /// Encrypts `plaintext`, appending the header (first call) and every completed frame to `out`.
    /// A frame is written once a byte beyond it arrives, so the last full frame can become the final one.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] past 2^32 - 1 frames.
    pub fn push(&mut self, mut plaintext: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.write_header(out);
        let f = self.frame_len;
        while !plaintext.is_empty() {
            if self.pending.len() == f {
                let frame = core::mem::take(&mut self.pending);
                self.seal_frame(&frame, false, out)?;
                self.pending = frame;
                self.pending.clear();
            }
            if self.pending.is_empty() && plaintext.len() > f {
                let (frame, rest) = plaintext.split_at(f);
                self.seal_frame(frame, false, out)?;
                plaintext = rest;
                continue;
            }
            let n = (f - self.pending.len()).min(plaintext.len());
            let (head, rest) = plaintext.split_at(n);
            self.pending.extend_from_slice(head);
            plaintext = rest;
        }
        Ok(())
    }

    /// Writes the final frame and, for signed suites, the footer. Consumes the encryptor.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] past 2^32 - 1 frames.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<MessageHeader> {
        self.write_header(out);
        let last = core::mem::take(&mut self.pending);
        self.seal_frame(&last, true, out)?;
        if let Some((signer, hasher)) = self.signing.take() {
            let sig = signer.sign(hasher)?;
            // DER ECDSA signatures are at most 105 bytes.
            out.extend_from_slice(&(sig.len() as u16).to_be_bytes());
            out.extend_from_slice(&sig);
        }
        Ok(self.header)
    }

    /// Plaintext bytes accepted so far (framed or pending).
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len + self.pending.len() as u64
    }

    fn write_header(&mut self, out: &mut Vec<u8>) {
        if let Some(h) = self.header_bytes.take() {
            out.extend_from_slice(&h);
        }
    }

    fn seal_frame(&mut self, plain: &[u8], is_final: bool, out: &mut Vec<u8>) -> Result<()> {
        let seq = self.seq;
        if !is_final && seq == FINAL_FRAME_MARKER {
            return Err(Error::LimitExceeded("a message holds at most 2^32 - 1 frames".into()));
        }
        let start = out.len();
        let kind = if is_final { BodyKind::FinalFrame } else { BodyKind::Frame };
        let iv = frame_iv(seq);
        if is_final {
            out.extend_from_slice(&FINAL_FRAME_MARKER.to_be_bytes());
        }
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&iv);
        if is_final {
            // plain.len() <= frame_len <= 2^31 - 1
            out.extend_from_slice(&(plain.len() as u32).to_be_bytes());
        }
        let ct_start = out.len();
        out.extend_from_slice(plain);
        let aad = body_aad(&self.header.message_id, kind, seq, plain.len() as u64);
        let tag = self.key.seal(&iv, &aad, tail_mut(out, ct_start))?;
        out.extend_from_slice(&tag);
        if let Some((_, h)) = &mut self.signing {
            h.update(tail(out, start));
        }
        self.plaintext_len += plain.len() as u64;
        self.seq = seq.wrapping_add(1);
        Ok(())
    }
}
