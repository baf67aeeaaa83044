//! Step 2 of decryption: a data key turns an [`UnverifiedHeader`] into a [`VerifiedHeader`],
//! after the key commitment and the header tag verified.

use subtle::ConstantTimeEq;

use crate::crypto::aead::AeadKey;
use crate::crypto::kdf;
use crate::crypto::secret::DataKey;
use crate::crypto::signature::{MessageHash, Verifier};
use crate::error::{Error, Result};
use crate::format::context::{self, EncryptionContext};
use crate::format::header::{MessageHeader, UnverifiedHeader};
use crate::suite::{IV_LEN, TAG_LEN};

/// The context a keyring binds: the header's pairs plus the caller's required pairs.
///
/// # Errors
/// [`Error::EncryptionContextMismatch`] if the caller's pair disagrees with the header's.
pub fn full_context(
    header: &MessageHeader,
    expected: &EncryptionContext,
) -> Result<(EncryptionContext, EncryptionContext)> {
    let mut required = EncryptionContext::new();
    for (k, v) in expected {
        match header.encryption_context.get(k) {
            Some(found) if found == v => {}
            Some(found) => {
                return Err(Error::EncryptionContextMismatch(format!(
                    "key {k:?}: expected {v:?}, the message has {found:?}"
                )))
            }
            None => {
                required.insert(k.clone(), v.clone());
            }
        }
    }
    let mut full = header.encryption_context.clone();
    full.extend(required.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok((full, required))
}

/// A header whose key commitment and authentication tag verified, with the content key.
pub struct VerifiedHeader {
    pub(super) header: MessageHeader,
    pub(super) content_key: DataKey,
    pub(super) key: AeadKey,
    pub(super) signature: Option<(Verifier, MessageHash)>,
    /// Bytes of the header as read (body and authentication).
    pub(super) wire_len: usize,
}

impl VerifiedHeader {
    /// Derives the content key from `data_key`, checks the commitment (constant time), then the
    /// header tag over the header body and the serialized `required` pairs.
    ///
    /// # Errors
    /// [`Error::CommitmentMismatch`]; [`Error::EncryptionContextMismatch`] if the tag fails while
    /// required pairs were supplied; [`Error::DecryptFailed`] if it fails otherwise.
    pub fn verify(unverified: UnverifiedHeader, data_key: &DataKey, required: &EncryptionContext) -> Result<Self> {
        let (content_key, key) = open_header(&unverified, data_key, required)?;
        let wire_len = unverified.wire_len();
        let UnverifiedHeader { header, auth, body_bytes } = unverified;
        let signature = match header.suite.signature() {
            Some(alg) => {
                let pk = header.public_key().ok_or_else(|| Error::header("signed suite without a public key"))?;
                let verifier = Verifier::from_context_value(alg, pk)?;
                // The hash begins with the header as it was read: body, then IV and tag.
                let mut prelude = body_bytes;
                prelude.reserve_exact(IV_LEN + TAG_LEN);
                header.write_auth(&auth, &mut prelude);
                Some((verifier, MessageHash::new(alg, prelude)))
            }
            None => None,
        };
        Ok(VerifiedHeader { header, content_key, key, signature, wire_len })
    }

    pub fn header(&self) -> &MessageHeader {
        &self.header
    }
}

/// Whether `data_key` opens `unverified`: the checks of [`VerifiedHeader::verify`] without
/// consuming the header.
pub(crate) fn key_opens(unverified: &UnverifiedHeader, data_key: &DataKey, required: &EncryptionContext) -> bool {
    open_header(unverified, data_key, required).is_ok()
}

/// Derives the content key from `data_key`, checks the commitment (constant time), then the
/// header tag over the header body and the serialized `required` pairs. Returns the content key
/// and its AES-GCM key.
fn open_header(
    unverified: &UnverifiedHeader,
    data_key: &DataKey,
    required: &EncryptionContext,
) -> Result<(DataKey, AeadKey)> {
    let header = &unverified.header;
    let derived = kdf::derive(header.suite, data_key, &header.message_id).map_err(|e| match e {
        Error::InvalidArgument(m) => Error::Keyring(format!("the keyring returned an unusable data key: {m}")),
        e => e,
    })?;
    if let (Some(want), Some(got)) = (&derived.commitment, &header.commitment) {
        if !bool::from(want.ct_eq(got)) {
            return Err(Error::CommitmentMismatch);
        }
    }
    let key = AeadKey::new(derived.content_key.as_bytes())?;
    let mut aad = Vec::with_capacity(unverified.body_bytes.len());
    aad.extend_from_slice(&unverified.body_bytes);
    aad.extend_from_slice(&context::serialize(required)?);
    if key.open(&unverified.auth.iv, &aad, &mut [], &unverified.auth.tag).is_err() {
        return Err(if required.is_empty() {
            Error::DecryptFailed
        } else {
            Error::EncryptionContextMismatch(format!(
                "the header does not authenticate with the required pairs {:?} (keys not stored in \
                 the message); the message was written without them, or with other values",
                required.keys().collect::<Vec<_>>()
            ))
        });
    }
    Ok((derived.content_key, key))
}
