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
//!
//! One file per job: `verify.rs` (step 2), `body.rs` (step 3), `message.rs` (the driver),
//! `range.rs` (step 3 at random: frames of a stored message by offset); the options they share
//! are here.

mod body;
mod message;
mod range;
mod verify;

pub use body::{BodyDecryptor, BodyStep, OpenFrame};
pub use message::{DecryptState, MessageDecryptor};
pub use range::{FrameRead, RangeDecryptor, FRAME_PREFIX_LEN, TAIL_LEN};
pub(crate) use verify::key_opens;
pub use verify::{full_context, VerifiedHeader};

use crate::error::{Error, Result};
use crate::format::context::EncryptionContext;
use crate::format::header::{HeaderLimits, DEFAULT_MAX_FRAME_LEN};
use crate::suite::CommitmentPolicy;

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
    pub(crate) fn header_limits(&self) -> HeaderLimits {
        HeaderLimits { max_encrypted_data_keys: self.max_encrypted_data_keys, max_frame_length: self.max_frame_length }
    }
}
