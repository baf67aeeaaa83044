//! Rewrapping: a stored message gets new encrypted data keys without its body being decrypted
//! or encrypted again.
//!
//! The data key is unwrapped with one keyring (the old header verified with it: key commitment
//! and header tag), wrapped with another, and a new header is written with the same message id,
//! suite, frame length and stored encryption context. The content key (derived from the data key
//! and the message id), the key commitment and every frame stay what they were, so the body is
//! copied byte for byte; the old encrypted data keys are gone, so the old keys no longer open the
//! message. The new header gets its own authentication tag.
//!
//! Signed suites: the signature covers the header, so it is made again. The old message is
//! hashed as its frames pass and its signature verified against its footer (a rewrap never
//! vouches for bytes the old writer did not sign); the new message is hashed with the new header
//! and signed with a fresh signing key, whose public key replaces the old one in the context.
//! Frames are walked (their sequence numbers, IVs and lengths checked) but never opened.
//!
//! ```text
//! old: header(EDKs A, tag A) | frames ........................ | footer A
//! new: header(EDKs B, tag B) | frames (the same bytes) ........ | footer B (signed suites)
//! ```

use crate::crypto::signature::{signed_hash, MessageHash, Signer, PUBLIC_KEY_CONTEXT_KEY};
use crate::error::{Error, Result};
use crate::format::footer;
use crate::format::header::{ContentType, MessageHeader};
use crate::keyring::{step, Keyring};
use crate::materials::EncryptionMaterials;
use crate::stream::{BodyDecryptor, BodyStep, MessageDecryptor, MessageEncryptor};
use crate::suite::SignatureAlgorithm;

/// Copies one message's body under a new header, frame by frame, in bytes pushed in any pieces.
pub struct Rewrapper {
    /// Walks the old body and verifies the old signature.
    body: BodyDecryptor,
    /// The new header, until the first output.
    header_bytes: Option<Vec<u8>>,
    header: MessageHeader,
    /// The new signing key and the hash over the new message.
    signing: Option<(Signer, MessageHash)>,
    /// Old body bytes not yet copied (at most a frame and a footer).
    pending: Vec<u8>,
    /// Bytes of `pending` already walked past.
    at: usize,
    /// Both signature hashes were handed out ([`hand_out_hashes`](Rewrapper::hand_out_hashes)).
    outside: bool,
    /// The final frame was copied (the old footer comes next).
    final_copied: bool,
    /// The digests of hashes handed out were handed in.
    digests_in: bool,
}

impl Rewrapper {
    /// Starts rewrapping the message whose header `dec` read: unwraps the data key with
    /// `decrypt_keyring` (verifying the old header), wraps it with `encrypt_keyring` (its calls
    /// made natively), and writes the new header.
    ///
    /// # Errors
    /// As [`MessageDecryptor::unwrap_with`], [`materials`](Self::materials) and
    /// [`start`](Self::start); the encrypting keyring's error.
    pub fn new(
        mut dec: MessageDecryptor,
        decrypt_keyring: &dyn Keyring,
        encrypt_keyring: &dyn Keyring,
    ) -> Result<Self> {
        dec.keep_data_key();
        dec.unwrap_with(decrypt_keyring)?;
        let mut materials = Self::materials(&mut dec)?;
        step::wrap(encrypt_keyring, &mut materials)?;
        Self::start(dec, materials)
    }

    /// The materials of the new header, for a keyring to wrap the data key in: the old suite and
    /// stored context (a signed suite's public key replaced by a new signing key's), and the data
    /// key `dec` kept ([`MessageDecryptor::keep_data_key`], then the header verified with it).
    ///
    /// # Errors
    /// [`Error::InvalidState`] unless `dec` kept a verified data key; [`Error::InvalidArgument`]
    /// for a legacy message (v1 or non-framed: envseal writes v2 framed messages) or required
    /// context pairs (they are not stored, and a new header authenticates what it stores).
    pub fn materials(dec: &mut MessageDecryptor) -> Result<EncryptionMaterials> {
        if dec.requires_unstored_pairs() {
            return Err(Error::arg(
                "rewrap keeps the context the header stores; pairs required without being stored cannot be carried over",
            ));
        }
        let old = dec.header().ok_or(Error::InvalidState("rewrap needs a verified header"))?;
        if old.content_type != ContentType::Framed || old.commitment.is_none() {
            return Err(Error::arg(
                "rewrap writes v2 framed messages: this one is a legacy (v1 or non-framed) message",
            ));
        }
        let mut context = old.encryption_context.clone();
        context.remove(PUBLIC_KEY_CONTEXT_KEY); // a signed suite's new signing key brings its own
        let mut materials = EncryptionMaterials::new(old.suite, context)?;
        let data_key =
            dec.take_data_key().ok_or(Error::InvalidState("rewrap needs the data key the header verified with"))?;
        materials.set_data_key(data_key)?;
        Ok(materials)
    }

    /// Writes the new header from `materials` (from [`materials`](Self::materials), wrapped by the
    /// new keyring) and takes over `dec`'s body.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if no keyring wrapped the data key; [`Error::InvalidState`]
    /// unless `dec`'s header verified and no body byte was pushed.
    pub fn start(dec: MessageDecryptor, materials: EncryptionMaterials) -> Result<Self> {
        let (body, leftover) = dec.into_body()?;
        let old = body.header();
        if materials.encrypted_data_keys.is_empty() {
            return Err(Error::arg("the encrypting keyring produced no encrypted data key"));
        }
        let encryptor = MessageEncryptor::with_message_id(materials, old.frame_length, old.message_id.clone())?;
        let header = encryptor.header().clone();
        let (header_bytes, signing) = encryptor.into_header_and_signing();
        Ok(Rewrapper {
            body,
            header_bytes,
            header,
            signing,
            pending: leftover,
            at: 0,
            outside: false,
            final_copied: false,
            digests_in: false,
        })
    }

    /// The new header.
    pub fn header(&self) -> &MessageHeader {
        &self.header
    }

    /// Takes old body bytes; appends the new header (first call) and every frame completed so
    /// far, unchanged, to `out`.
    ///
    /// # Errors
    /// [`Error::MalformedBody`] for frames out of order or malformed; [`Error::SignatureInvalid`]
    /// if the old signature does not verify; [`Error::TrailingData`] for bytes after the message.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        if let Some(h) = self.header_bytes.take() {
            out.extend_from_slice(&h);
        }
        self.pending.extend_from_slice(input);
        while !self.needs_digests() {
            let held = self.pending.get(self.at..).unwrap_or_default();
            match self.body.next(held, held.len())? {
                BodyStep::Need(_) | BodyStep::Done => break,
                BodyStep::Frame(frame) => {
                    let end = self.at + frame.prefix_len + frame.sealed_len;
                    let bytes = self.pending.get(self.at..end).ok_or(Error::InvalidState("frame bounds"))?;
                    self.body.absorb(bytes);
                    if let Some((_, h)) = &mut self.signing {
                        h.update(bytes);
                    }
                    out.extend_from_slice(bytes);
                    self.at = end;
                    self.final_copied |= frame.params.is_final;
                }
                // The old footer verified; the new one is written at the end.
                BodyStep::Footer(n) => self.at += n,
            }
        }
        self.pending.drain(..self.at);
        self.at = 0;
        Ok(())
    }

    /// Signed suites, for a caller with a faster hash: hands out both signature hashes before
    /// any frame. Returns their algorithm and the bytes each begins with: the old header as read
    /// and the new header. The caller then hashes, with both, every frame [`push`](Self::push)
    /// returns (the new header, first in the output, left out) and, once
    /// [`needs_digests`](Self::needs_digests), hands both digests in
    /// ([`set_digests`](Self::set_digests)) and pushes on. The core still verifies the old
    /// digest against the old footer and signs the new one.
    ///
    /// # Errors
    /// [`Error::InvalidState`] for an unsigned suite, or once a frame was copied.
    pub fn hand_out_hashes(&mut self) -> Result<(SignatureAlgorithm, Vec<u8>, Vec<u8>)> {
        let (alg, old) = self.body.hand_out_hash()?;
        let (_, new) = signed_hash(&mut self.signing)?.hand_out()?;
        self.outside = true;
        Ok((alg, old, new))
    }

    /// Whether `push` waits for the digests of hashes handed out: the final frame was copied and
    /// the old footer is next.
    pub fn needs_digests(&self) -> bool {
        self.outside && self.final_copied && !self.digests_in
    }

    /// The digests of the old message (its header and frames) and of the new one (its header and
    /// the same frames), for hashes handed out.
    ///
    /// # Errors
    /// [`Error::InvalidState`] unless the hashes were handed out and the digests not yet given;
    /// [`Error::InvalidArgument`] for a digest of the wrong length.
    pub fn set_digests(&mut self, old: &[u8], new: &[u8]) -> Result<()> {
        if !self.outside || self.digests_in {
            return Err(Error::InvalidState("digests are handed in once, after the hashes were handed out"));
        }
        self.body.set_digest(old)?;
        signed_hash(&mut self.signing)?.set_digest(new)?;
        self.digests_in = true;
        Ok(())
    }

    /// Checks the old message ended exactly here and appends the new footer (signed suites).
    /// Returns the new header.
    ///
    /// # Errors
    /// [`Error::Truncated`] if the old message was incomplete; [`Error::InvalidState`] if the
    /// digests of hashes handed out were not given.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<MessageHeader> {
        self.push(&[], out)?;
        if self.needs_digests() {
            return Err(Error::InvalidState("the digests of the hashes handed out were not given"));
        }
        self.body.finish_external(self.pending.len())?;
        if let Some((signer, hash)) = self.signing.take() {
            let signature = signer.sign(hash)?;
            footer::write(&signature, out)?;
        }
        Ok(self.header)
    }
}

/// Rewraps one whole message: see [`Rewrapper`].
///
/// # Errors
/// As [`Rewrapper::new`], [`Rewrapper::push`] and [`Rewrapper::finish`]; as the header reader.
pub fn rewrap(
    decrypt_keyring: &dyn Keyring,
    encrypt_keyring: &dyn Keyring,
    message: &[u8],
    options: &crate::DecryptOptions,
) -> Result<(Vec<u8>, MessageHeader)> {
    let mut dec = MessageDecryptor::new(options.clone());
    let used = dec.read_header(message)?;
    if dec.header().is_none() {
        return Err(Error::Truncated("the input ended inside the header".into()));
    }
    let mut rewrapper = Rewrapper::new(dec, decrypt_keyring, encrypt_keyring)?;
    let mut out = Vec::with_capacity(message.len() + 1024);
    rewrapper.push(message.get(used..).unwrap_or_default(), &mut out)?;
    let header = rewrapper.finish(&mut out)?;
    Ok((out, header))
}
