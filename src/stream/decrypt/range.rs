//! Ranged decryption: plaintext bytes `[start, end)` of a stored framed message, reading only the
//! header, the frames that hold the range, and the final frame.
//!
//! Every regular frame holds exactly `F` bytes of plaintext and takes `F + 32` bytes on the wire,
//! so frame `i` (from 0) starts at `H + i * (F + 32)` and holds plaintext `[i * F, (i + 1) * F)`
//! ([`Layout`]). The message's size then says how many regular frames there are and how long the
//! final frame is: `size = H + n * (F + 32) + (r + 40) + footer`, with `r <= F`. That is only a
//! claim until the final frame, read where the size puts it, opens with the sequence number
//! `n + 1`, the final-frame AAD and the length `r`: a truncated or extended message fails there.
//! So the final frame is read and authenticated for every range, and every frame a range returns
//! is authenticated before any of its bytes are released.
//!
//! A signed message's signature covers the whole message and cannot be checked from a range:
//! ranges of signed messages are refused unless the caller allows them, and then what a range
//! proves is what the frame tags prove (the data was written by someone who had the data key),
//! not who wrote it. Its footer's length is read from the message's last bytes ([`TAIL_LEN`]).
//!
//! Frame IVs must be the sequence numbers (`FrameIvs::Sequential`): an IV is checked per frame,
//! and uniqueness across a whole message cannot be.
//!
//! spec: data-format/message-body.md (frame fields and lengths); the offset arithmetic is in
//! docs/ranges.md.

use super::{OpenFrame, VerifiedHeader};
use crate::crypto::signature::MAX_SIGNATURE_LEN;
use crate::error::{Error, Result};
use crate::format::codec::Reader;
use crate::format::frame::{frame_iv, FrameHeader};
use crate::format::header::{ContentType, MessageHeader};
use crate::format::layout::{Layout, FINAL_FRAME_OVERHEAD, REGULAR_FRAME_OVERHEAD};
use crate::suite::TAG_LEN;

/// Bytes at the end of a signed message that hold its footer: a u16 length and at most
/// [`MAX_SIGNATURE_LEN`] bytes of DER signature.
pub const TAIL_LEN: u64 = 2 + MAX_SIGNATURE_LEN as u64;

/// Bytes of a frame before its ciphertext, at most (the final frame's: marker, sequence number,
/// IV, length).
pub const FRAME_PREFIX_LEN: usize = 4 + 4 + 12 + 4;

/// Bytes of a stored message to read: frame `index` (the final frame's index is the number of
/// regular frames), `len` bytes from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRead {
    pub index: u64,
    pub offset: u64,
    pub len: u64,
}

/// Opens frames of one stored message at random, once its header verified.
pub struct RangeDecryptor {
    verified: VerifiedHeader,
    layout: Layout,
    /// Regular frames in the message.
    regular: u64,
    /// Plaintext bytes of the final frame.
    final_len: u64,
}

impl RangeDecryptor {
    /// Lays out the message of `size` bytes that `verified` begins.
    /// `tail`: for signed suites, the message's last `min(size, TAIL_LEN)` bytes, which hold the
    /// footer; ignored for unsigned suites.
    ///
    /// # Errors
    /// [`Error::SignedRefused`] for a signed suite unless `allow_signed`;
    /// [`Error::InvalidArgument`] for a non-framed message or frame IVs other than sequential;
    /// [`Error::Truncated`] / [`Error::MalformedBody`] for a size no framed message of this
    /// header can have, or a tail with no footer in it.
    pub(super) fn new(verified: VerifiedHeader, size: u64, tail: Option<&[u8]>, allow_signed: bool) -> Result<Self> {
        let header = &verified.header;
        if header.content_type != ContentType::Framed {
            return Err(Error::arg("ranged decryption reads framed messages; this one is a legacy non-framed body"));
        }
        let layout = Layout { header_len: verified.wire_len as u64, frame_len: u64::from(header.frame_length) };
        let footer_len = match header.suite.signature() {
            None => 0,
            Some(_) if !allow_signed => {
                return Err(Error::SignedRefused(format!(
                    "suite 0x{:04x} signs the whole message, and a range cannot check the signature; \
                     allow signed messages to read ranges that only the frame tags authenticate",
                    header.suite.id()
                )))
            }
            Some(_) => footer_len(tail.ok_or(Error::InvalidState("a signed message's range needs its tail"))?, size)?,
        };
        let (regular, final_len) = layout.frames_in(size, footer_len)?;
        Ok(RangeDecryptor { verified, layout, regular, final_len })
    }

    pub fn header(&self) -> &MessageHeader {
        &self.verified.header
    }

    /// Plaintext bytes of the whole message, as its size says (proved by the final frame).
    pub fn plaintext_len(&self) -> u64 {
        self.regular * self.layout.frame_len + self.final_len
    }

    /// The frames to read for plaintext `[start, end)`: those that hold it, `first..=last` (none
    /// for an empty range), and the final frame (index [`final_index`](Self::final_index)),
    /// which proves the message's size and is read whether or not the range reaches it. Counted,
    /// not listed: a range may span billions of frames.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `start <= end <= plaintext_len()`.
    pub fn frames_for(&self, start: u64, end: u64) -> Result<Option<(u64, u64)>> {
        let total = self.plaintext_len();
        if start > end || end > total {
            return Err(Error::arg(format!(
                "the range {start}-{end} is not within the message's {total} bytes of plaintext (start <= end <= {total})"
            )));
        }
        let f = self.layout.frame_len;
        // The last of them may be the final frame.
        Ok((start < end).then(|| (start / f, ((end - 1) / f).min(self.regular))))
    }

    /// The index of the final frame: the number of regular frames.
    pub fn final_index(&self) -> u64 {
        self.regular
    }

    /// Where frame `index` is (indexes past the final frame are the final frame's caller's bug).
    pub fn read_of(&self, index: u64) -> FrameRead {
        let len = if index < self.regular {
            self.layout.frame_len + REGULAR_FRAME_OVERHEAD
        } else {
            self.final_len + FINAL_FRAME_OVERHEAD
        };
        FrameRead { index, offset: self.layout.frame_offset(index), len }
    }

    /// Plaintext of the frame's `[start, end)` within the message that frame `index` holds: the
    /// bytes of that range it holds, as offsets into its plaintext.
    pub fn slice_of(&self, index: u64, start: u64, end: u64) -> (usize, usize) {
        let first = index * self.layout.frame_len;
        let len = if index < self.regular { self.layout.frame_len } else { self.final_len };
        let from = start.clamp(first, first + len) - first;
        let to = end.clamp(first, first + len) - first;
        // Both at most the frame length, which fits in u32.
        (from as usize, to as usize)
    }

    /// Checks frame `index`, `len` bytes in all, by the bytes before its ciphertext (`prefix`:
    /// at least [`FRAME_PREFIX_LEN`] bytes of it, or all of it if shorter): its sequence number,
    /// IV, kind and length must be those of its place. Returns its IV and AAD, and where its
    /// sealed bytes (ciphertext and tag) start, for an AES-GCM to open it.
    ///
    /// # Errors
    /// [`Error::MalformedBody`] for a frame that does not belong at `index` (moved, reordered, a
    /// regular frame where the final one should be); [`Error::Truncated`] for fewer bytes than it
    /// takes; [`Error::InvalidArgument`] for an index past the final frame.
    pub fn frame(&self, index: u64, len: u64, prefix: &[u8]) -> Result<OpenFrame> {
        if index > self.regular {
            return Err(Error::arg(format!("frame {index} is past the final frame ({})", self.regular)));
        }
        let want = self.read_of(index);
        if len != want.len {
            return Err(Error::Truncated(format!(
                "frame {index} takes {} bytes at offset {}, got {len}",
                want.len, want.offset
            )));
        }
        let is_final = index == self.regular;
        // At most MAX_REGULAR_FRAMES + 1 < 2^32.
        let seq = (index + 1) as u32;
        let mut r = Reader::new(prefix);
        let h = FrameHeader::read(&mut r, self.verified.header.frame_length)
            .map_err(|_| Error::Truncated(format!("frame {index} ends inside its header")))?;
        if h.is_final != is_final
            || h.seq != seq
            || h.iv != frame_iv(seq)
            || (is_final && u64::from(h.len) != self.final_len)
        {
            return Err(Error::body(format!(
                "the {} frame {seq} was expected at offset {}, found {} frame {} (IV {}, {} bytes): the message was \
                 modified, truncated or extended",
                if is_final { "final" } else { "regular" },
                want.offset,
                if h.is_final { "a final" } else { "a regular" },
                h.seq,
                if h.iv == frame_iv(h.seq) { "sequential" } else { "other" },
                h.len
            )));
        }
        Ok(OpenFrame::located(&self.verified.header.message_id, h, &r))
    }

    /// Opens frame `index` from exactly its bytes (as [`read_of`](Self::read_of) locates them)
    /// with the core's AES-GCM: [`frame`](Self::frame)'s checks, then its tag; returns its plaintext.
    ///
    /// # Errors
    /// As [`frame`](Self::frame); [`Error::DecryptFailed`] if its tag fails.
    pub fn open(&self, index: u64, bytes: &[u8]) -> Result<Vec<u8>> {
        let frame = self.frame(index, bytes.len() as u64, bytes)?;
        let sealed = bytes.get(frame.prefix_len..).ok_or(Error::InvalidState("frame prefix"))?;
        let (ct, tag) =
            sealed.split_at_checked(sealed.len().saturating_sub(TAG_LEN)).ok_or(Error::InvalidState("tag"))?;
        let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| Error::InvalidState("tag length"))?;
        let mut plaintext = ct.to_vec();
        self.verified.key.open(&frame.params.iv, &frame.params.aad, &mut plaintext, &tag)?;
        Ok(plaintext)
    }

    /// The content-encryption key, for an external AES-GCM engine.
    ///
    /// # Security
    /// Import it as a non-extractable key and wipe every copy.
    pub fn content_key(&self) -> &crate::crypto::secret::DataKey {
        &self.verified.content_key
    }
}

/// Bytes of the footer at the end of a signed message whose last bytes are `tail` (a u16 length,
/// then a DER signature: `30`, its length): the one length that fits.
fn footer_len(tail: &[u8], size: u64) -> Result<u64> {
    let want = (size.min(TAIL_LEN)) as usize;
    if tail.len() != want {
        return Err(Error::arg(format!(
            "the tail of a signed message must be its last {want} bytes, got {}",
            tail.len()
        )));
    }
    for sig_len in (8..=MAX_SIGNATURE_LEN).rev() {
        let Some(at) = tail.len().checked_sub(sig_len + 2) else { continue };
        let (Some(&hi), Some(&lo)) = (tail.get(at), tail.get(at + 1)) else { continue };
        let field = u16::from_be_bytes([hi, lo]);
        let der = tail.get(at + 2..).unwrap_or_default();
        // DER SEQUENCE with a one-byte length: 30 LL, LL = the rest.
        if usize::from(field) == sig_len
            && der.first() == Some(&0x30)
            && der.get(1).map(|&b| usize::from(b)) == Some(sig_len - 2)
        {
            return Ok(2 + sig_len as u64);
        }
    }
    Err(Error::body("the message's last bytes hold no signature footer (a u16 length and a DER signature)"))
}
