//! Sans-io message state machines: bytes in, bytes out, no I/O, no clocks, no async.
//!
//! [`MessageEncryptor`] turns plaintext pushed in any pieces into a message; [`MessageDecryptor`]
//! turns a message pushed in any pieces back into plaintext, releasing each frame only after its
//! tag verified. Both end with `finish(self)`, which consumes them.

pub(crate) mod decrypt;
mod encrypt;
mod rewrap;

pub use decrypt::{
    BodyDecryptor, BodyStep, DecryptOptions, DecryptState, FrameIvs, FrameRead, MessageDecryptor, OpenFrame,
    RangeDecryptor, VerifiedHeader, FRAME_PREFIX_LEN, TAIL_LEN,
};
pub use encrypt::{EncryptOptions, FrameParams, MessageEncryptor, SealStep, DEFAULT_FRAME_LEN};
pub use rewrap::{rewrap, Rewrapper};
