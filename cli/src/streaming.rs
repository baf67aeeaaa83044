//! Drives the library's sans-io state machines over an [`Input`] and a [`Sink`] in constant
//! memory: input is read in fixed chunks, and the output buffer is written and cleared after
//! every chunk (it holds at most one chunk plus one frame).

use envseal::{DecryptOptions, DecryptState, EncryptOptions, Keyring, MessageDecryptor, MessageHeader};

use crate::error::CliResult;
use crate::files::{Input, Sink};

/// Input read size for files and stdin.
pub const FILE_CHUNK: usize = 1 << 20;

/// Encrypts all of `input` into one message written to `sink`.
///
/// # Errors
/// The library's error (bad options, keyring failure) or an I/O error.
/// With `expected` (a plaintext length and what to tell the message's length to), the message
/// is promised that length first: plaintext of another length fails (`LENGTH_MISMATCH`).
pub fn encrypt(
    keyring: &dyn Keyring,
    options: &EncryptOptions,
    expected: Option<(u64, &dyn Fn(u64))>,
    input: &mut Input,
    sink: &mut dyn Sink,
    chunk: usize,
) -> CliResult<MessageHeader> {
    let mut encryptor = envseal::encryptor(keyring, options)?;
    if let Some((plaintext_len, tell)) = expected {
        tell(encryptor.expect_plaintext_len(plaintext_len)?);
    }
    let mut buf = vec![0u8; chunk];
    // Grows to what one push emits (about a chunk, plus the header on the first push).
    let mut out = Vec::with_capacity(chunk + 4096);
    loop {
        let n = input.read_chunk(&mut buf)?;
        if n == 0 {
            break;
        }
        encryptor.push(&buf[..n], &mut out)?;
        sink.put(&out)?;
        out.clear();
    }
    let header = encryptor.finish(&mut out)?;
    sink.put(&out)?;
    Ok(header)
}

/// Decrypts one message from `input`, writing each frame's plaintext to `sink` once its tag
/// verified (the final frame only after the signature and the end of input were checked).
/// `check` runs on the parsed header before any key is unwrapped: the caller's own refusals
/// (`--decrypt-unsigned`, required context keys, a test's `streaming-unsigned-only`).
///
/// # Errors
/// The library's error (wrong key, tampering, truncation, trailing data, ...), an I/O error, or
/// `check`'s error. Plaintext already passed to `sink` is then to be discarded.
pub fn decrypt(
    keyring: &dyn Keyring,
    options: DecryptOptions,
    input: &mut Input,
    sink: &mut dyn Sink,
    chunk: usize,
    check: &dyn Fn(&MessageHeader) -> CliResult<()>,
) -> CliResult<MessageHeader> {
    let mut decryptor = MessageDecryptor::new(options);
    let mut buf = vec![0u8; chunk];
    let mut out = Vec::with_capacity(chunk);
    loop {
        let n = input.read_chunk(&mut buf)?;
        if n == 0 {
            break;
        }
        if decryptor.push(&buf[..n], &mut out)? == DecryptState::NeedDataKey {
            // The header is read: unwrap the data key, verify the header, then decrypt the
            // bytes of this chunk that followed the header (the decryptor buffered them).
            if let Some(header) = decryptor.header() {
                check(header)?;
            }
            decryptor.unwrap_with(keyring)?;
            decryptor.push(&[], &mut out)?;
        }
        sink.put(&out)?;
        out.clear();
    }
    let header = decryptor.finish(&mut out)?;
    sink.put(&out)?;
    Ok(header)
}

/// Rewraps one message from `input` into `sink`: the new header, the body copied frame by frame as
/// it is read, and the new footer (signed suites). See [`envseal::Rewrapper`].
///
/// # Errors
/// The library's error (no key for the message, a modified header or signature, truncation,
/// trailing data) or an I/O error. What was passed to `sink` is then to be discarded.
pub fn rewrap(
    old: &dyn Keyring,
    new: &dyn Keyring,
    options: DecryptOptions,
    input: &mut Input,
    sink: &mut dyn Sink,
    chunk: usize,
) -> CliResult<MessageHeader> {
    let mut decryptor = MessageDecryptor::new(options);
    let mut buf = vec![0u8; chunk];
    let mut out = Vec::with_capacity(chunk + 4096);
    // The header first: the decryptor takes exactly its bytes.
    let mut rest = Vec::new();
    while decryptor.state() == DecryptState::Header {
        let n = input.read_chunk(&mut buf)?;
        if n == 0 {
            return Err(envseal::Error::Truncated("the input ended inside the message header".into()).into());
        }
        let used = decryptor.read_header(&buf[..n])?;
        rest = buf[used..n].to_vec();
    }
    let mut rewrapper = envseal::Rewrapper::new(decryptor, old, new)?;
    rewrapper.push(&rest, &mut out)?;
    loop {
        sink.put(&out)?;
        out.clear();
        let n = input.read_chunk(&mut buf)?;
        if n == 0 {
            break;
        }
        rewrapper.push(&buf[..n], &mut out)?;
    }
    let header = rewrapper.finish(&mut out)?;
    sink.put(&out)?;
    Ok(header)
}
