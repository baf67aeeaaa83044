//! Where the parts of a framed message lie, from its header's length and frame length alone: the
//! exact length of a message before it is written, and where each frame of a stored message
//! starts (ranged decryption).
//!
//! ```text
//! message = header (H) || n regular frames (F + 32 bytes each) || final frame (r + 40 bytes)
//!           || footer (2 + signature length; signed suites only)
//! n = plaintext length / F, r = plaintext length % F   (envseal's framing: the final frame holds
//!                                                      the rest, possibly nothing)
//! ```
//! spec: data-format/message-body.md (regular and final frame fields)

use crate::crypto::signature::signature_len;
use crate::error::{Error, Result};
use crate::format::header::{ContentType, MessageHeader};
use crate::suite::{AlgorithmSuite, IV_LEN, TAG_LEN};

/// Bytes a regular frame adds to its plaintext: sequence number, IV, tag.
pub const REGULAR_FRAME_OVERHEAD: u64 = (4 + IV_LEN + TAG_LEN) as u64;
/// Bytes the final frame adds to its plaintext: end marker, sequence number, IV, content length, tag.
pub const FINAL_FRAME_OVERHEAD: u64 = (4 + 4 + IV_LEN + 4 + TAG_LEN) as u64;
/// Most regular frames a message can hold: sequence numbers run from 1 and 0xFFFFFFFF marks the
/// final frame, whose own number follows the last regular one.
pub const MAX_REGULAR_FRAMES: u64 = 0xFFFF_FFFE;

/// The framed layout of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Bytes of the header (body and authentication).
    pub header_len: u64,
    /// Plaintext bytes per regular frame.
    pub frame_len: u64,
}

impl Layout {
    /// The layout of the message `header` begins.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a non-framed header (envseal writes framed messages only);
    /// as [`MessageHeader::wire_len`].
    pub fn of(header: &MessageHeader) -> Result<Self> {
        if header.content_type != ContentType::Framed || header.frame_length == 0 {
            return Err(Error::arg("a legacy non-framed message has no frames: envseal writes framed messages"));
        }
        Ok(Layout { header_len: header.wire_len()? as u64, frame_len: u64::from(header.frame_length) })
    }

    /// Regular frames, and plaintext bytes of the final frame, for `plaintext_len` bytes.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] past [`MAX_REGULAR_FRAMES`].
    pub fn frames(&self, plaintext_len: u64) -> Result<(u64, u64)> {
        let regular = plaintext_len / self.frame_len;
        if regular > MAX_REGULAR_FRAMES {
            return Err(Error::LimitExceeded(format!(
                "{plaintext_len} bytes of plaintext need {regular} frames of {} bytes; a message holds at most {MAX_REGULAR_FRAMES} plus the final frame",
                self.frame_len
            )));
        }
        Ok((regular, plaintext_len % self.frame_len))
    }

    /// Where regular frame `index` (from 0) begins; the final frame begins at index = number of
    /// regular frames.
    pub fn frame_offset(&self, index: u64) -> u64 {
        // index <= 2^32 - 2 and frame length + 32 < 2^32: no overflow.
        self.header_len + index * (self.frame_len + REGULAR_FRAME_OVERHEAD)
    }

    /// The inverse of [`message_len`](Self::message_len): regular frames, and plaintext bytes of
    /// the final frame, of a message of `message_len` bytes with a footer of `footer_len`.
    ///
    /// # Errors
    /// [`Error::Truncated`] for a message too short for the header and a final frame;
    /// [`Error::MalformedBody`] for a length no message of this layout has.
    pub fn frames_in(&self, message_len: u64, footer_len: u64) -> Result<(u64, u64)> {
        let body = message_len.checked_sub(self.header_len + footer_len + FINAL_FRAME_OVERHEAD).ok_or_else(|| {
            Error::Truncated(format!("a message of {message_len} bytes is too short for its header and a final frame"))
        })?;
        let stride = self.frame_len + REGULAR_FRAME_OVERHEAD;
        let (regular, last) = (body / stride, body % stride);
        if last > self.frame_len || regular > MAX_REGULAR_FRAMES {
            return Err(Error::body(format!(
                "a message of {message_len} bytes cannot hold frames of {} bytes after a {}-byte header \
                 (a final frame of {last} bytes): truncated, extended or not this message",
                self.frame_len, self.header_len
            )));
        }
        Ok((regular, last))
    }

    /// Bytes of the message for `plaintext_len` bytes of plaintext and a footer of `footer_len`
    /// bytes (0 for unsigned suites).
    ///
    /// # Errors
    /// As [`frames`](Self::frames).
    pub fn message_len(&self, plaintext_len: u64, footer_len: u64) -> Result<u64> {
        let (regular, last) = self.frames(plaintext_len)?;
        Ok(self.frame_offset(regular) + FINAL_FRAME_OVERHEAD + last + footer_len)
    }
}

/// Bytes of the footer envseal writes for `suite`: 0 for unsigned suites, else the signature's
/// u16 length and its fixed length ([`signature_len`]).
pub fn footer_len(suite: AlgorithmSuite) -> u64 {
    suite.signature().map_or(0, |alg| 2 + signature_len(alg) as u64)
}

/// The exact length of the message envseal writes with `header` for `plaintext_len` bytes of
/// plaintext.
///
/// # Errors
/// As [`Layout::of`] and [`Layout::message_len`].
pub fn ciphertext_length(header: &MessageHeader, plaintext_len: u64) -> Result<u64> {
    Layout::of(header)?.message_len(plaintext_len, footer_len(header.suite))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_as_the_encryptor_frames() {
        let l = Layout { header_len: 100, frame_len: 10 };
        assert_eq!(l.frames(0).unwrap(), (0, 0));
        assert_eq!(l.frames(9).unwrap(), (0, 9));
        assert_eq!(l.frames(10).unwrap(), (1, 0));
        assert_eq!(l.frames(25).unwrap(), (2, 5));
        // 100 + 2 * 42 + 40 + 5 + footer
        assert_eq!(l.message_len(25, 105).unwrap(), 100 + 84 + 45 + 105);
        // frames_in undoes message_len.
        for p in [0, 9, 10, 25, 1000] {
            assert_eq!(l.frames_in(l.message_len(p, 105).unwrap(), 105).unwrap(), l.frames(p).unwrap(), "{p}");
        }
        assert_eq!(l.frames_in(100 + 39, 0).unwrap_err().code(), "TRUNCATED");
        assert_eq!(l.frames_in(100 + 40 + 11, 0).unwrap_err().code(), "MALFORMED_BODY");
        let huge = Layout { header_len: 1, frame_len: 1 };
        assert!(huge.frames(MAX_REGULAR_FRAMES).is_ok());
        assert_eq!(huge.frames(MAX_REGULAR_FRAMES + 1).unwrap_err().code(), "LIMIT_EXCEEDED");
    }
}
