//! Step 3 of decryption: [`BodyDecryptor`] reads the frames (or the non-framed body) and the
//! footer of a message whose header verified, releasing plaintext only after its tag verified.

use std::collections::BTreeSet;

use super::{DecryptOptions, FrameIvs, VerifiedHeader};
use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::codec::{tail, tail_mut, Need, Reader};
use crate::format::footer;
use crate::format::frame::{body_aad, frame_iv, BodyKind, FrameHeader, NonFramedHeader};
use crate::format::header::{ContentType, MessageHeader};
use crate::stream::encrypt::FrameParams;
use crate::suite::{IV_LEN, TAG_LEN};

/// Frames a [`FrameIvs::Unique`] decryptor remembers the IVs of (about 170 MB of memory).
const MAX_REMEMBERED_IVS: usize = 1 << 22;

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

    /// Whether no body byte was read yet.
    pub(super) fn untouched(&self) -> bool {
        self.carry.is_empty()
            && self.held.is_empty()
            && matches!(self.stage, BodyStage::Frames { next_seq: 1 } | BodyStage::NonFramed)
    }

    /// Whether the whole message was read and verified.
    pub(super) fn is_done(&self) -> bool {
        matches!(self.stage, BodyStage::Done)
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
        let FrameHeader { seq, is_final, iv, len } = match FrameHeader::read(&mut r, frame_len) {
            Ok(h) => h,
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
        let NonFramedHeader { iv, len } = match NonFramedHeader::read(&mut r)? {
            Ok(h) => h,
            Err(need) => return Ok(Err(need)),
        };
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
        let sig = match footer::read(&mut r)? {
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

/// Lowercase hex, for error messages about public bytes.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{DecryptState, MessageDecryptor};
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
