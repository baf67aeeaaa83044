//! Step 3 of decryption: [`BodyDecryptor`] reads the frames (or the non-framed body) and the
//! footer of a message whose header verified, releasing plaintext only after its tag verified.

use std::collections::BTreeSet;

use super::{DecryptOptions, FrameIvs, VerifiedHeader};
use crate::crypto::secret::DataKey;
use crate::crypto::signature::signed_hash;
use crate::error::{Error, Result};
use crate::format::codec::{tail, tail_mut, Need, Reader};
use crate::format::footer;
use crate::format::frame::{body_aad, frame_iv, BodyKind, FrameHeader, NonFramedHeader};
use crate::format::header::{ContentType, MessageHeader};
use crate::stream::encrypt::FrameParams;
use crate::suite::{SignatureAlgorithm, IV_LEN, TAG_LEN};

/// Frames a [`FrameIvs::Unique`] decryptor remembers the IVs of (about 170 MB of memory).
const MAX_REMEMBERED_IVS: usize = 1 << 22;

/// A frame located by [`BodyDecryptor::next`].
#[derive(Debug, Clone)]
pub struct OpenFrame {
    pub params: FrameParams,
    /// Bytes of the frame before the ciphertext.
    pub prefix_len: usize,
    /// Ciphertext plus tag length.
    pub sealed_len: usize,
}

impl OpenFrame {
    /// The frame whose prefix `h` a reader `r` just read (and checked) in the message `message_id`:
    /// its IV, AAD, prefix bytes and lengths.
    pub(super) fn located(message_id: &[u8], h: FrameHeader, r: &Reader<'_>) -> Self {
        let kind = if h.is_final { BodyKind::FinalFrame } else { BodyKind::Frame };
        let aad = body_aad(message_id, kind, h.seq, u64::from(h.len));
        let params =
            FrameParams { seq: h.seq, is_final: h.is_final, len: h.len, iv: h.iv, aad, prefix: r.consumed().to_vec() };
        OpenFrame { prefix_len: r.pos(), sealed_len: h.len as usize + TAG_LEN, params }
    }
}

/// What an external AES-GCM engine does next, as [`BodyDecryptor::next`] says.
#[derive(Debug, Clone)]
pub enum BodyStep {
    /// Call `next` again once `.0` bytes (counted from the current position) are held.
    Need(usize),
    /// The whole frame is at the start of the bytes, and the decryptor moved past it: take its
    /// `prefix_len + sealed_len` bytes, [`absorb`](BodyDecryptor::absorb) them all if the
    /// suite signs, open the sealed ones (after the prefix) with the frame's IV and AAD and
    /// abandon the message if the tag fails. Hold the final frame's plaintext until
    /// [`finish_external`](BodyDecryptor::finish_external) succeeded.
    Frame(OpenFrame),
    /// The signature footer, the first `.0` bytes, verified.
    Footer(usize),
    /// The message is complete: call [`finish_external`](BodyDecryptor::finish_external).
    Done,
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

    /// The verified header, for reading the body at random instead ([`super::RangeDecryptor`]).
    pub(super) fn into_verified(self) -> VerifiedHeader {
        self.verified
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
        self.check_ended(!self.carry.is_empty())?;
        out.append(&mut self.held);
        Ok(self.verified.header)
    }

    /// [`Error::Truncated`] unless the whole message was read; `mid_unit`: the input ended
    /// inside a frame or the footer rather than between units.
    fn check_ended(&self, mid_unit: bool) -> Result<()> {
        let where_ = match self.stage {
            BodyStage::Done => return Ok(()),
            BodyStage::Frames { next_seq } if !mid_unit => {
                format!("before frame {next_seq}; the final frame is missing")
            }
            BodyStage::Frames { next_seq } => format!("inside frame {next_seq}"),
            BodyStage::NonFramed => "inside the non-framed body".into(),
            BodyStage::Footer if mid_unit => "inside the signature footer".into(),
            BodyStage::Footer => "before the signature footer".into(),
        };
        Err(Error::Truncated(format!("the input ended {where_}")))
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
        Ok(Ok(OpenFrame::located(&self.verified.header.message_id, FrameHeader { seq, is_final, iv, len }, &r)))
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

    /// External engine: what to do with the bytes it holds from the current position. `bytes`
    /// is the start of them (a frame prefix needs 24 bytes at most, a footer 130), `held` how many
    /// it holds in all. The decryptor moves only past units that are held whole.
    ///
    /// # Errors
    /// [`Error::MalformedBody`] for a frame out of order, with a wrong IV or too long;
    /// [`Error::SignatureInvalid`]; [`Error::TrailingData`] for bytes held after the end of the
    /// message; [`Error::InvalidState`] for a non-framed body (the core's own cipher reads those).
    pub fn next(&mut self, bytes: &[u8], held: usize) -> Result<BodyStep> {
        let held = held.max(bytes.len());
        match self.stage {
            BodyStage::Frames { .. } => {
                let frame = match self.peek_frame(bytes)? {
                    Ok(frame) => frame,
                    Err(Need(n)) => return Ok(BodyStep::Need(n)),
                };
                let total = frame.prefix_len + frame.sealed_len;
                if held < total {
                    return Ok(BodyStep::Need(total));
                }
                self.advance(&frame.params)?;
                Ok(BodyStep::Frame(frame))
            }
            BodyStage::Footer => match self.footer(bytes)? {
                Ok(used) => Ok(BodyStep::Footer(used)),
                Err(Need(n)) => Ok(BodyStep::Need(n)),
            },
            BodyStage::Done if held > 0 => Err(Error::TrailingData { extra: held }),
            BodyStage::Done => Ok(BodyStep::Done),
            BodyStage::NonFramed => Err(Error::InvalidState("a non-framed body is read by push, not by next")),
        }
    }

    /// External engine: feeds each frame's bytes (prefix, ciphertext and tag) to the signature
    /// hash, after [`next`](Self::next) returned the frame. A no-op for suites that do not sign,
    /// and once the hash was handed out.
    pub fn absorb(&mut self, bytes: &[u8]) {
        self.hash(bytes);
    }

    /// External engine, signed suites: hands the signature hash to an engine with a faster one,
    /// before any frame. Returns its algorithm and the bytes it begins with (the header as read); the engine
    /// then hashes what it would [`absorb`](Self::absorb), and hands in the digest with
    /// [`set_digest`](Self::set_digest) before `next` reaches the footer.
    ///
    /// # Errors
    /// [`Error::InvalidState`] for an unsigned suite, or once a frame was hashed.
    pub fn hand_out_hash(&mut self) -> Result<(SignatureAlgorithm, Vec<u8>)> {
        signed_hash(&mut self.verified.signature)?.hand_out()
    }

    /// The digest of the hash handed out by [`hand_out_hash`](Self::hand_out_hash), over every
    /// frame.
    ///
    /// # Errors
    /// As [`MessageHash::set_digest`](crate::crypto::signature::MessageHash::set_digest).
    pub fn set_digest(&mut self, digest: &[u8]) -> Result<()> {
        signed_hash(&mut self.verified.signature)?.set_digest(digest)
    }

    /// External engine: the input ended, with `held` bytes still held that were no whole unit.
    /// Returns the verified header if the message was complete.
    ///
    /// # Errors
    /// [`Error::Truncated`] if it was not.
    pub fn finish_external(self, held: usize) -> Result<MessageHeader> {
        self.check_ended(held > 0)?;
        Ok(self.verified.header)
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
