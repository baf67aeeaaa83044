//! Message body units: framed (regular frames + one final frame) or legacy non-framed. This
//! module owns the bytes before each unit's ciphertext ([`FrameHeader`], [`NonFramedHeader`]),
//! the frame IV and the body AAD; the ciphertext and tag follow them on the wire.
//!
//! ```text
//! regular frame: u32 seq | IV(12) | ciphertext(frame length) | tag(16)
//! final frame:   u32 0xFFFFFFFF | u32 seq | IV(12) | u32 content length | ciphertext | tag(16)
//! non-framed:    IV(12) | u64 content length | ciphertext | tag(16)
//! ```
//! Each frame's AAD binds the message id, its kind (regular / final / single block), its
//! sequence number and its plaintext length, so frames cannot be reordered, dropped, duplicated
//! or turned into a final frame.
//!
//! spec: data-format/message-body.md, data-format/message-body-aad.md

use crate::error::{Error, Result};
use crate::format::codec::{Need, Reader};
use crate::suite::IV_LEN;

/// Sequence-number field value that marks the final frame.
pub const FINAL_FRAME_MARKER: u32 = 0xFFFF_FFFF;

/// Largest non-framed body (one AES-GCM call): 2^36 - 32 bytes.
pub const MAX_NON_FRAMED_LEN: u64 = (1 << 36) - 32;

/// Which kind of body unit an AAD is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Frame,
    FinalFrame,
    SingleBlock,
}

impl BodyKind {
    fn content_string(self) -> &'static [u8] {
        match self {
            BodyKind::Frame => b"AWSKMSEncryptionClient Frame",
            BodyKind::FinalFrame => b"AWSKMSEncryptionClient Final Frame",
            BodyKind::SingleBlock => b"AWSKMSEncryptionClient Single Block",
        }
    }
}

/// `message id || content string || u32 seq || u64 plaintext length`.
pub fn body_aad(message_id: &[u8], kind: BodyKind, seq: u32, len: u64) -> Vec<u8> {
    let s = kind.content_string();
    let mut aad = Vec::with_capacity(message_id.len() + s.len() + 12);
    aad.extend_from_slice(message_id);
    aad.extend_from_slice(s);
    aad.extend_from_slice(&seq.to_be_bytes());
    aad.extend_from_slice(&len.to_be_bytes());
    aad
}

/// The deterministic frame IV: 8 zero bytes || u32 seq (non-framed bodies use seq 1).
pub fn frame_iv(seq: u32) -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    iv[8..].copy_from_slice(&seq.to_be_bytes());
    iv
}

/// The bytes of a frame before its ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// 1, 2, ...; a regular frame's is never [`FINAL_FRAME_MARKER`].
    pub seq: u32,
    pub is_final: bool,
    pub iv: [u8; IV_LEN],
    /// Plaintext (and ciphertext) bytes: the message's frame length for a regular frame, stored
    /// on the wire only for the final frame.
    pub len: u32,
}

impl FrameHeader {
    /// Appends the wire form.
    pub fn write(&self, out: &mut Vec<u8>) {
        if self.is_final {
            out.extend_from_slice(&FINAL_FRAME_MARKER.to_be_bytes());
        }
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.iv);
        if self.is_final {
            out.extend_from_slice(&self.len.to_be_bytes());
        }
    }

    /// Reads a frame header of a message whose frame length is `frame_len`.
    pub(crate) fn read(r: &mut Reader<'_>, frame_len: u32) -> core::result::Result<Self, Need> {
        let first = r.u32()?;
        let is_final = first == FINAL_FRAME_MARKER;
        let seq = if is_final { r.u32()? } else { first };
        let iv = r.array()?;
        let len = if is_final { r.u32()? } else { frame_len };
        Ok(FrameHeader { seq, is_final, iv, len })
    }

    /// Parses `bytes`, which must be exactly one frame header.
    ///
    /// # Errors
    /// [`Error::Truncated`] if `bytes` ends inside it; [`Error::MalformedBody`] if bytes follow it.
    pub fn parse(bytes: &[u8], frame_len: u32) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let header = Self::read(&mut r, frame_len)
            .map_err(|Need(n)| Error::Truncated(format!("the frame header needs {n} more bytes")))?;
        exactly(&r, "frame header")?;
        Ok(header)
    }
}

/// The bytes of a legacy non-framed body before its ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonFramedHeader {
    pub iv: [u8; IV_LEN],
    /// Plaintext (and ciphertext) bytes, at most [`MAX_NON_FRAMED_LEN`].
    pub len: u64,
}

impl NonFramedHeader {
    /// Appends the wire form.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.iv);
        out.extend_from_slice(&self.len.to_be_bytes());
    }

    /// Reads a non-framed body's header.
    ///
    /// # Errors
    /// [`Error::MalformedBody`] for a length over the format's limit.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<core::result::Result<Self, Need>> {
        let (iv, len) = match (|| Ok((r.array()?, r.u64()?)))() {
            Ok(fields) => fields,
            Err(need) => return Ok(Err(need)),
        };
        if len > MAX_NON_FRAMED_LEN {
            return Err(Error::body(format!("non-framed body of {len} bytes exceeds the format's limit")));
        }
        Ok(Ok(NonFramedHeader { iv, len }))
    }

    /// Parses `bytes`, which must be exactly one non-framed body header.
    ///
    /// # Errors
    /// As [`read`](Self::read); [`Error::Truncated`] if `bytes` ends inside it;
    /// [`Error::MalformedBody`] if bytes follow it.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let header = Self::read(&mut r)?
            .map_err(|Need(n)| Error::Truncated(format!("the non-framed body header needs {n} more bytes")))?;
        exactly(&r, "non-framed body header")?;
        Ok(header)
    }
}

/// Refuses bytes left in `r` after a section that must fill its input.
pub(crate) fn exactly(r: &Reader<'_>, what: &str) -> Result<()> {
    match r.remaining() {
        0 => Ok(()),
        extra => Err(Error::body(format!("{extra} bytes follow the {what}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_headers_round_trip_and_refuse_short_or_long_input() {
        let regular = FrameHeader { seq: 7, is_final: false, iv: frame_iv(7), len: 4096 };
        let last = FrameHeader { seq: 8, is_final: true, iv: [9; IV_LEN], len: 3 };
        for (header, wire_len) in [(regular, 4 + IV_LEN), (last, 8 + IV_LEN + 4)] {
            let mut wire = Vec::new();
            header.write(&mut wire);
            assert_eq!(wire.len(), wire_len);
            assert_eq!(FrameHeader::parse(&wire, 4096).unwrap(), header);
            assert_eq!(FrameHeader::parse(&wire[..wire_len - 1], 4096).unwrap_err().code(), "TRUNCATED");
            wire.push(0);
            assert_eq!(FrameHeader::parse(&wire, 4096).unwrap_err().code(), "MALFORMED_BODY");
        }
        // The final frame's marker, then its sequence number, IV and length, big-endian.
        let mut wire = Vec::new();
        last.write(&mut wire);
        assert_eq!(&wire[..8], &[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 8]);
        assert_eq!(&wire[20..], &[0, 0, 0, 3]);
    }

    #[test]
    fn non_framed_headers_round_trip_and_are_bounded() {
        let header = NonFramedHeader { iv: [3; IV_LEN], len: 1000 };
        let mut wire = Vec::new();
        header.write(&mut wire);
        assert_eq!(wire.len(), IV_LEN + 8);
        assert_eq!(NonFramedHeader::parse(&wire).unwrap(), header);
        assert_eq!(NonFramedHeader::parse(&wire[..19]).unwrap_err().code(), "TRUNCATED");
        wire.push(0);
        assert_eq!(NonFramedHeader::parse(&wire).unwrap_err().code(), "MALFORMED_BODY");
        let mut too_long = Vec::new();
        NonFramedHeader { iv: [3; IV_LEN], len: MAX_NON_FRAMED_LEN + 1 }.write(&mut too_long);
        assert_eq!(NonFramedHeader::parse(&too_long).unwrap_err().code(), "MALFORMED_BODY");
    }

    #[test]
    fn aad_layout() {
        let aad = body_aad(&[1; 32], BodyKind::FinalFrame, 3, 5);
        assert_eq!(aad.len(), 32 + 34 + 4 + 8);
        assert_eq!(&aad[32..66], b"AWSKMSEncryptionClient Final Frame");
        assert_eq!(&aad[66..], &[0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 5]);
        assert_eq!(frame_iv(0x01020304), [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    }
}
