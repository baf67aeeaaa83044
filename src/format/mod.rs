//! The AWS Encryption SDK message format, one module per wire section.
//!
//! ```text
//! message = header body || header auth || body || [footer, iff the suite signs]
//! ```
//! Every reader caps untrusted counts and lengths before allocating, reports "need N more bytes"
//! instead of failing on short input, and rejects what the spec forbids.

pub(crate) mod codec;
pub mod context;
pub mod edk;
pub mod footer;
pub mod frame;
pub mod header;
pub mod layout;

pub use codec::Need;
pub use context::EncryptionContext;
pub use edk::EncryptedDataKey;
pub use frame::{FrameHeader, NonFramedHeader};
pub use header::{ContentType, HeaderAuth, MessageHeader, MessageVersion};
pub use layout::{ciphertext_length, Layout};
