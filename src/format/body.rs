//! Message body: framed (regular frames + one final frame) or legacy non-framed.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aad_layout() {
        let aad = body_aad(&[1; 32], BodyKind::FinalFrame, 3, 5);
        assert_eq!(aad.len(), 32 + 34 + 4 + 8);
        assert_eq!(&aad[32..66], b"AWSKMSEncryptionClient Final Frame");
        assert_eq!(&aad[66..], &[0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 5]);
        assert_eq!(frame_iv(0x01020304), [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    }
}
