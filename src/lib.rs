//! # envseal
//!
//! Client-side envelope encryption in the [AWS Encryption SDK message format]: a fresh data key
//! per message encrypts the data in authenticated frames; keyrings wrap the data key under master
//! keys; every official AWS Encryption SDK can decrypt the result, and envseal reads theirs.
//!
//! The core is sans-io: it takes and returns bytes, and never touches the network, a clock or a
//! thread, so the same code runs natively, in WebAssembly, in a browser page, a Worker or Node.
//!
//! ```
//! use envseal::{decrypt, encrypt, DataKey, DecryptOptions, EncryptOptions, RawAesKeyring};
//!
//! let keyring = RawAesKeyring::new("my-app", "key-1", &DataKey::new(vec![7u8; 32]))?;
//! let mut options = EncryptOptions::default();
//! options.encryption_context.insert("user".into(), "alice".into());
//! let (message, header) = encrypt(&keyring, b"hello", &options)?;
//! assert_eq!(header.suite.id(), 0x0478);
//! let (plaintext, _) = decrypt(&keyring, &message, &DecryptOptions::default())?;
//! assert_eq!(plaintext, b"hello");
//! # Ok::<(), envseal::Error>(())
//! ```
//!
//! Layers, each calling only the one below: [`keyring`] (wrap/unwrap data keys) over [`stream`]
//! (the encrypt/decrypt state machines) over [`format`] (the wire sections) and [`crypto`].
//!
//! [AWS Encryption SDK message format]: https://docs.aws.amazon.com/encryption-sdk/latest/developer-guide/message-format.html

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod crypto;
pub mod error;
pub mod format;
pub mod keyring;
pub mod materials;
pub mod stream;
pub mod suite;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use crypto::secret::DataKey;
pub use error::{Error, Result};
pub use format::header::MAX_FRAME_LEN;
pub use format::{ciphertext_length, ContentType, EncryptedDataKey, EncryptionContext, MessageHeader, MessageVersion};
pub use keyring::{Keyring, KmsKeyring, MultiKeyring, RawAesKeyring, RawRsaKeyring, RsaPadding};
pub use materials::EncryptionMaterials;
pub use stream::{
    rewrap, DecryptOptions, DecryptState, EncryptOptions, FrameIvs, MessageDecryptor, MessageEncryptor, RangeDecryptor,
    Rewrapper, DEFAULT_FRAME_LEN,
};
pub use suite::{AlgorithmSuite, CommitmentPolicy};

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// Prepares encryption materials with `keyring` (data key generated, wrapped by every key).
///
/// # Errors
/// Invalid options, or the keyring's error.
pub fn encryption_materials(keyring: &dyn Keyring, options: &EncryptOptions) -> Result<EncryptionMaterials> {
    options.validate()?;
    let mut materials = EncryptionMaterials::new(options.suite, options.encryption_context.clone())?;
    keyring.on_encrypt(&mut materials)?;
    Ok(materials)
}

/// Materials for a data key used outside a message (`generateDataKey` in JavaScript): checked
/// options, no data key yet.
///
/// # Errors
/// Invalid options; [`Error::InvalidArgument`] for a signing suite: the materials would bind a
/// per-message signing public key whose private key nobody could ever use.
pub fn data_key_materials(options: &EncryptOptions) -> Result<EncryptionMaterials> {
    options.validate()?;
    if options.suite.is_signing() {
        return Err(Error::arg(format!(
            "generateDataKey: suite 0x{:04x} signs messages with a per-message key; use 0x0478, or encrypt()",
            options.suite.id()
        )));
    }
    EncryptionMaterials::new(options.suite, options.encryption_context.clone())
}

/// A fresh data key generated and wrapped by `keyring`, outside any message: the materials hold
/// the key, its encrypted data keys and the context they are bound to.
///
/// # Errors
/// As [`data_key_materials`], or the keyring's error.
pub fn generate_data_key(keyring: &dyn Keyring, options: &EncryptOptions) -> Result<EncryptionMaterials> {
    let mut materials = data_key_materials(options)?;
    keyring.on_encrypt(&mut materials)?;
    Ok(materials)
}

/// Starts a streaming encryption with `keyring`.
///
/// # Errors
/// As [`encryption_materials`].
pub fn encryptor(keyring: &dyn Keyring, options: &EncryptOptions) -> Result<MessageEncryptor> {
    MessageEncryptor::new(encryption_materials(keyring, options)?, options.frame_length)
}

/// Encrypts `plaintext` into one message. Returns the message and its header.
///
/// # Errors
/// Invalid options, or the keyring's error.
pub fn encrypt(keyring: &dyn Keyring, plaintext: &[u8], options: &EncryptOptions) -> Result<(Vec<u8>, MessageHeader)> {
    let mut enc = encryptor(keyring, options)?;
    let frames = plaintext.len() / options.frame_length.max(1) as usize + 1;
    let mut out = Vec::with_capacity(plaintext.len() + frames * 32 + 1024);
    enc.push(plaintext, &mut out)?;
    let header = enc.finish(&mut out)?;
    Ok((out, header))
}

/// Decrypts one complete message. Nothing is returned unless every tag (and the signature)
/// verified and no byte follows the message.
///
/// # Errors
/// See [`Error`]: structural errors, [`Error::DecryptFailed`], [`Error::NoMatchingKey`],
/// [`Error::Truncated`], [`Error::TrailingData`], ...
pub fn decrypt(keyring: &dyn Keyring, message: &[u8], options: &DecryptOptions) -> Result<(Vec<u8>, MessageHeader)> {
    let mut dec = MessageDecryptor::new(options.clone());
    let header_len = dec.read_header(message)?;
    if dec.state() == DecryptState::Header {
        // The message ends inside its header: finish says so (TRUNCATED).
        return dec.finish(&mut Vec::new()).map(|header| (Vec::new(), header));
    }
    dec.unwrap_with(keyring)?;
    let (mut body, _) = dec.into_body()?;
    let mut out = Vec::with_capacity(message.len().saturating_sub(header_len));
    body.push(message.get(header_len..).unwrap_or_default(), &mut out)?;
    let header = body.finish(&mut out)?;
    Ok((out, header))
}

/// Bytes of a message read at a time while its header is read, in [`decrypt_range`].
const HEADER_READ: u64 = 4096;

/// Decrypts plaintext bytes `range` of the message `source` holds, reading only its header, the
/// frames that hold the range and the final frame (which proves the message's size): see
/// [`stream::RangeDecryptor`]. Every frame is authenticated before any of its bytes are returned.
/// Signed messages are refused (`SIGNED_MESSAGE_REFUSED`) unless `allow_signed`: their signature
/// covers the whole message, so a range of one is only as authentic as its frame tags make it.
///
/// # Errors
/// [`Error::Io`] if reading fails; [`Error::InvalidArgument`] for a range outside the plaintext;
/// [`Error::Truncated`], [`Error::MalformedBody`], [`Error::DecryptFailed`] for a message that
/// was cut, moved around or modified where the range (or the final frame) lies; as [`decrypt`].
pub fn decrypt_range<S: std::io::Read + std::io::Seek>(
    keyring: &dyn Keyring,
    source: &mut S,
    range: core::ops::Range<u64>,
    options: &DecryptOptions,
    allow_signed: bool,
) -> Result<(Vec<u8>, MessageHeader)> {
    let size = source.seek(std::io::SeekFrom::End(0)).map_err(io_error)?;
    let mut dec = MessageDecryptor::new(options.clone());
    let mut at = 0;
    while dec.state() == DecryptState::Header {
        if at >= size {
            return dec.finish(&mut Vec::new()).map(|header| (Vec::new(), header));
        }
        let chunk = read_at(source, at, HEADER_READ.min(size - at))?;
        at += dec.read_header(&chunk)? as u64;
    }
    dec.unwrap_with(keyring)?;
    let signed = dec.header().and_then(|h| h.suite.signature()).is_some();
    let tail = if signed && allow_signed {
        let n = size.min(stream::TAIL_LEN);
        Some(read_at(source, size - n, n)?)
    } else {
        None
    };
    let ranges = dec.into_ranges(size, tail.as_deref(), allow_signed)?;
    let mut out = Vec::with_capacity(usize::try_from(range.end.saturating_sub(range.start)).unwrap_or(0).min(1 << 30));
    let mut frame = |index: u64| -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let read = ranges.read_of(index);
        Ok(zeroize::Zeroizing::new(ranges.open(index, &read_at(source, read.offset, read.len)?)?))
    };
    // The final frame first: it proves the message's size.
    let final_index = ranges.final_index();
    let final_plaintext = frame(final_index)?;
    let needed = ranges.frames_for(range.start, range.end)?;
    for index in needed.into_iter().flat_map(|(first, last)| first..=last) {
        let plaintext = if index == final_index { None } else { Some(frame(index)?) };
        let (from, to) = ranges.slice_of(index, range.start, range.end);
        out.extend_from_slice(plaintext.as_ref().unwrap_or(&final_plaintext).get(from..to).unwrap_or_default());
    }
    Ok((out, ranges.header().clone()))
}

/// `len` bytes of `source` from `offset`.
fn read_at<S: std::io::Read + std::io::Seek>(source: &mut S, offset: u64, len: u64) -> Result<Vec<u8>> {
    source.seek(std::io::SeekFrom::Start(offset)).map_err(io_error)?;
    let mut bytes = vec![0; usize::try_from(len).map_err(|_| Error::LimitExceeded(format!("a read of {len} bytes")))?];
    source.read_exact(&mut bytes).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            Error::Truncated(format!("the source ended inside the {len} bytes at offset {offset}"))
        }
        _ => io_error(e),
    })?;
    Ok(bytes)
}

fn io_error(e: std::io::Error) -> Error {
    Error::Io(e.to_string())
}
