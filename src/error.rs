//! One error type, three kinds of failure.
//!
//! * **Structural** errors say precisely what was expected and what was found
//!   ([`Error::MalformedHeader`], [`Error::MalformedBody`], [`Error::UnsupportedVersion`], ...).
//!   They describe public bytes, so precision leaks nothing.
//! * **Authentication** failure is one opaque [`Error::DecryptFailed`]: wrong key, flipped bit
//!   and forged tag look the same, so the error is no oracle.
//! * **Caller mistakes** are [`Error::InvalidArgument`].
//!
//! Every variant maps to a stable [`Error::code`] string; the JavaScript errors carry the same code.

use core::fmt;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in envseal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A tag did not verify: wrong key, tampered bytes, or a wrong encryption context.
    DecryptFailed,
    /// The key commitment in the header does not match the data key.
    CommitmentMismatch,
    /// The message signature (footer) did not verify.
    SignatureInvalid,
    /// The header bytes do not follow the message format.
    MalformedHeader(String),
    /// The body or footer bytes do not follow the message format.
    MalformedBody(String),
    /// The version byte names a format this implementation does not read.
    UnsupportedVersion(u8),
    /// The algorithm suite id is unknown, or not allowed where it was used.
    UnsupportedSuite(u16),
    /// The commitment policy forbids this message or suite.
    CommitmentPolicy(String),
    /// No keyring could unwrap any of the message's encrypted data keys.
    NoMatchingKey(String),
    /// Every keyring that had one of the message's encrypted data keys failed: their errors, in
    /// the order they were tried. Its code is `NO_MATCHING_KEY`.
    KeyringsFailed(Vec<Error>),
    /// An error the caller reported while answering a keyring's call (a JavaScript transport or
    /// keyring threw): its message, whether it was `NO_MATCHING_KEY`, and the `slot` by which the
    /// caller finds the original error again. Its code is `NO_MATCHING_KEY` or `KEYRING_ERROR`.
    Relayed { slot: usize, message: String, no_matching_key: bool },
    /// The encryption context given to decrypt does not match the message.
    EncryptionContextMismatch(String),
    /// The header lists more encrypted data keys than `max_encrypted_data_keys` allows.
    TooManyEncryptedDataKeys { max: u16, found: u16 },
    /// The input ended before the message did.
    Truncated(String),
    /// Bytes follow the end of the message.
    TrailingData { extra: usize },
    /// A configured or format limit would be exceeded.
    LimitExceeded(String),
    /// The plaintext given differs from the length declared before encrypting (whose ciphertext
    /// length was promised).
    LengthMismatch(String),
    /// A signed message was refused where its signature cannot be checked (a range of it).
    SignedRefused(String),
    /// Reading the message failed (ranged decryption over a source that can seek).
    Io(String),
    /// A keyring failed for a reason of its own (not "this key is not mine").
    Keyring(String),
    /// The key service (AWS KMS or a compatible one) answered with an error: its type name
    /// (`DisabledException`, `NotFoundException`, ...) and message.
    Kms { kind: String, message: String },
    /// The key service could not be reached (network failure, timeout, HTTP error without a KMS body).
    KmsUnavailable(String),
    /// The key service answered with something that is not a valid KMS response.
    KmsBadResponse(String),
    /// The caller passed an argument that cannot work.
    InvalidArgument(String),
    /// A method was called in the wrong state (e.g. `push` after an error).
    InvalidState(&'static str),
}

impl Error {
    /// The stable, machine-readable code (the JavaScript `error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::DecryptFailed => "DECRYPT_FAILED",
            Error::CommitmentMismatch => "COMMITMENT_MISMATCH",
            Error::SignatureInvalid => "SIGNATURE_INVALID",
            Error::MalformedHeader(_) => "MALFORMED_HEADER",
            Error::MalformedBody(_) => "MALFORMED_BODY",
            Error::UnsupportedVersion(_) => "UNSUPPORTED_VERSION",
            Error::UnsupportedSuite(_) => "UNSUPPORTED_SUITE",
            Error::CommitmentPolicy(_) => "COMMITMENT_POLICY",
            Error::NoMatchingKey(_) | Error::KeyringsFailed(_) => "NO_MATCHING_KEY",
            Error::Relayed { no_matching_key: true, .. } => "NO_MATCHING_KEY",
            Error::Relayed { .. } => "KEYRING_ERROR",
            Error::EncryptionContextMismatch(_) => "ENCRYPTION_CONTEXT_MISMATCH",
            Error::TooManyEncryptedDataKeys { .. } => "TOO_MANY_EDKS",
            Error::Truncated(_) => "TRUNCATED",
            Error::TrailingData { .. } => "TRAILING_DATA",
            Error::LimitExceeded(_) => "LIMIT_EXCEEDED",
            Error::LengthMismatch(_) => "LENGTH_MISMATCH",
            Error::SignedRefused(_) => "SIGNED_MESSAGE_REFUSED",
            Error::Io(_) => "IO_ERROR",
            Error::Keyring(_) => "KEYRING_ERROR",
            Error::Kms { .. } => "KMS_ERROR",
            Error::KmsUnavailable(_) => "KMS_UNAVAILABLE",
            Error::KmsBadResponse(_) => "KMS_BAD_RESPONSE",
            Error::InvalidArgument(_) => "INVALID_ARGUMENT",
            Error::InvalidState(_) => "INVALID_STATE",
        }
    }

    pub(crate) fn header(msg: impl Into<String>) -> Self {
        Error::MalformedHeader(msg.into())
    }

    pub(crate) fn body(msg: impl Into<String>) -> Self {
        Error::MalformedBody(msg.into())
    }

    pub(crate) fn arg(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DecryptFailed => f.write_str(
                "decryption failed: an authentication tag did not verify (wrong key, wrong \
                 encryption context, or the ciphertext was modified)",
            ),
            Error::CommitmentMismatch => f.write_str(
                "decryption failed: the header's key commitment does not match the data key \
                 (the message was crafted to decrypt differently under different keys, or modified)",
            ),
            Error::SignatureInvalid => f.write_str("decryption failed: the message signature did not verify"),
            Error::MalformedHeader(m) => write!(f, "malformed message header: {m}"),
            Error::MalformedBody(m) => write!(f, "malformed message body: {m}"),
            Error::UnsupportedVersion(v) => write!(
                f,
                "unsupported message format version 0x{v:02x}: expected 0x01 or 0x02 \
                 (is this an AWS Encryption SDK message?)"
            ),
            Error::UnsupportedSuite(id) => write!(f, "unsupported algorithm suite 0x{id:04x}"),
            Error::CommitmentPolicy(m) => write!(f, "commitment policy: {m}"),
            Error::NoMatchingKey(m) => write!(f, "no keyring could decrypt a data key: {m}"),
            Error::KeyringsFailed(errors) => {
                f.write_str("no keyring could decrypt a data key: ")?;
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            Error::Relayed { message, .. } => f.write_str(message),
            Error::EncryptionContextMismatch(m) => write!(f, "encryption context mismatch: {m}"),
            Error::TooManyEncryptedDataKeys { max, found } => write!(
                f,
                "the message has {found} encrypted data keys, more than the maximum of {max} \
                 (max_encrypted_data_keys)"
            ),
            Error::Truncated(m) => write!(f, "truncated message: {m}"),
            Error::TrailingData { extra } => {
                write!(f, "{extra} unexpected bytes follow the end of the message")
            }
            Error::LimitExceeded(m) => write!(f, "limit exceeded: {m}"),
            Error::LengthMismatch(m) => write!(f, "plaintext length mismatch: {m}"),
            Error::SignedRefused(m) => write!(f, "signed message refused: {m}"),
            Error::Io(m) => write!(f, "reading the message failed: {m}"),
            Error::Keyring(m) => write!(f, "keyring error: {m}"),
            Error::Kms { kind, message } => write!(f, "KMS {kind}: {message}"),
            Error::KmsUnavailable(m) => write!(f, "KMS unavailable: {m}"),
            Error::KmsBadResponse(m) => write!(f, "invalid KMS response: {m}"),
            Error::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            Error::InvalidState(m) => write!(f, "invalid state: {m}"),
        }
    }
}

impl std::error::Error for Error {}
