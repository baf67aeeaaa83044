//! Message header: body and authentication, v1 and v2, written and read side by side.
//!
//! ```text
//! v1 body: u8 version=1 | u8 type=0x80 | u16 suite | 16 message id | u16 ec len | ec
//!          | u16 edk count | edks | u8 content type | 4 reserved=0 | u8 iv len=12 | u32 frame length
//! v2 body: u8 version=2 | u16 suite | 32 message id | u16 ec len | ec
//!          | u16 edk count | edks | u8 content type | u32 frame length | 32 commitment
//! auth:    v1: IV(12) || tag(16);  v2: tag(16) (IV = 12 zero bytes)
//! ```
//! spec: data-format/message-header.md

use crate::crypto::signature::PUBLIC_KEY_CONTEXT_KEY;
use crate::error::{Error, Result};
use crate::format::codec::{tail, Need, Reader};
use crate::format::context::{self, EncryptionContext};
use crate::format::edk::EncryptedDataKey;
use crate::suite::{AlgorithmSuite, COMMITMENT_LEN, IV_LEN, TAG_LEN};

/// v1 "customer authenticated encrypted data" type byte.
const V1_TYPE: u8 = 0x80;

/// No legitimate header comes near this; a larger one is refused before it is buffered.
pub const MAX_HEADER_LEN: usize = 4 << 20;

/// Largest frame length envseal writes (the official Python SDK refuses larger frames).
pub const MAX_FRAME_LEN: u32 = (1 << 31) - 1;

/// Default cap on the frame length (or non-framed body length) accepted when decrypting: a frame
/// is buffered whole until its tag verifies, so this bounds memory.
pub const DEFAULT_MAX_FRAME_LEN: u32 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageVersion {
    V1 = 1,
    V2 = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    /// Legacy: one AES-GCM call over the whole body. Read-only.
    NonFramed = 1,
    Framed = 2,
}

/// A parsed (or to-be-written) header body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    pub version: MessageVersion,
    pub suite: AlgorithmSuite,
    /// 16 bytes (v1) or 32 bytes (v2).
    pub message_id: Vec<u8>,
    /// The context stored in the header (pairs supplied only at decrypt are not here).
    pub encryption_context: EncryptionContext,
    pub encrypted_data_keys: Vec<EncryptedDataKey>,
    pub content_type: ContentType,
    /// 0 for non-framed bodies.
    pub frame_length: u32,
    /// v2 only: the key commitment.
    pub commitment: Option<[u8; COMMITMENT_LEN]>,
}

/// The header authentication: an AES-GCM tag over the header body (and required context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderAuth {
    pub iv: [u8; IV_LEN],
    pub tag: [u8; TAG_LEN],
}

/// Limits applied while parsing an untrusted header.
#[derive(Debug, Clone, Copy)]
pub struct HeaderLimits {
    /// `None`: any count the u16 field can hold.
    pub max_encrypted_data_keys: Option<u16>,
    pub max_frame_length: u32,
}

impl Default for HeaderLimits {
    fn default() -> Self {
        HeaderLimits { max_encrypted_data_keys: None, max_frame_length: DEFAULT_MAX_FRAME_LEN }
    }
}

impl MessageHeader {
    /// Serializes the header body.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if a field does not fit its wire length, or the header is
    /// inconsistent (message id length, commitment presence, EDK count).
    pub fn write_body(&self) -> Result<Vec<u8>> {
        let v2 = self.version == MessageVersion::V2;
        if self.suite.message_version() != self.version as u8 || self.message_id.len() != self.suite.message_id_len() {
            return Err(Error::arg("header version, suite and message id length disagree"));
        }
        if v2 != self.commitment.is_some() {
            return Err(Error::arg("a v2 header needs a commitment and a v1 header has none"));
        }
        if self.encrypted_data_keys.is_empty() {
            return Err(Error::arg("a message needs at least one encrypted data key"));
        }
        let edk_count = u16::try_from(self.encrypted_data_keys.len()).map_err(|_| {
            Error::arg(format!("{} encrypted data keys; at most 65535", self.encrypted_data_keys.len()))
        })?;
        let ec = context::serialize(&self.encryption_context)?;
        let mut out = Vec::with_capacity(128 + ec.len());
        out.push(self.version as u8);
        if !v2 {
            out.push(V1_TYPE);
        }
        out.extend_from_slice(&self.suite.id().to_be_bytes());
        out.extend_from_slice(&self.message_id);
        // serialize() guarantees ec.len() <= u16::MAX
        out.extend_from_slice(&(ec.len() as u16).to_be_bytes());
        out.extend_from_slice(&ec);
        out.extend_from_slice(&edk_count.to_be_bytes());
        for edk in &self.encrypted_data_keys {
            edk.write(&mut out)?;
        }
        out.push(self.content_type as u8);
        if !v2 {
            out.extend_from_slice(&[0, 0, 0, 0, IV_LEN as u8]);
        }
        out.extend_from_slice(&self.frame_length.to_be_bytes());
        if let Some(c) = &self.commitment {
            out.extend_from_slice(c);
        }
        Ok(out)
    }

    /// Bytes of this header on the wire: body and authentication (IV and tag in v1, tag in v2).
    ///
    /// # Errors
    /// As [`write_body`](Self::write_body).
    pub fn wire_len(&self) -> Result<usize> {
        let auth = if self.version == MessageVersion::V1 { IV_LEN + TAG_LEN } else { TAG_LEN };
        Ok(self.write_body()?.len() + auth)
    }

    /// Serializes the header authentication for this header's version.
    pub fn write_auth(&self, auth: &HeaderAuth, out: &mut Vec<u8>) {
        if self.version == MessageVersion::V1 {
            out.extend_from_slice(&auth.iv);
        }
        out.extend_from_slice(&auth.tag);
    }

    /// The stored verification key of a signed message.
    pub fn public_key(&self) -> Option<&str> {
        self.encryption_context.get(PUBLIC_KEY_CONTEXT_KEY).map(String::as_str)
    }
}

/// A header that was read but whose commitment and authentication tag are not yet checked.
#[derive(Debug, Clone)]
pub struct UnverifiedHeader {
    pub header: MessageHeader,
    pub auth: HeaderAuth,
    /// The exact header body bytes read (the header tag's AAD).
    pub body_bytes: Vec<u8>,
}

impl UnverifiedHeader {
    /// Total length of header body and auth on the wire.
    pub fn wire_len(&self) -> usize {
        let auth = if self.header.version == MessageVersion::V1 { IV_LEN + TAG_LEN } else { TAG_LEN };
        self.body_bytes.len() + auth
    }
}

#[derive(Debug, Clone, Copy)]
enum Stage {
    Version,
    Prefix,
    Context { len: u16 },
    EdkCount,
    Edks { left: u16 },
    Tail,
    Auth,
}

/// Fields read so far.
#[derive(Default)]
struct Partial {
    version: Option<MessageVersion>,
    suite: Option<AlgorithmSuite>,
    message_id: Vec<u8>,
    context: EncryptionContext,
    edks: Vec<EncryptedDataKey>,
    tail: Option<(ContentType, u32, Option<[u8; COMMITMENT_LEN]>)>,
    body_len: usize,
}

/// An incremental header reader: it takes bytes only as far as the header goes and parses each
/// section once, so input split anywhere costs linear time.
pub struct HeaderParser {
    buf: Vec<u8>,
    /// Bytes of `buf` already parsed.
    pos: usize,
    stage: Stage,
    limits: HeaderLimits,
    partial: Partial,
}

enum Step {
    Advanced,
    Need(usize),
    Complete(HeaderAuth),
}

impl HeaderParser {
    pub fn new(limits: HeaderLimits) -> Self {
        HeaderParser { buf: Vec::new(), pos: 0, stage: Stage::Version, limits, partial: Partial::default() }
    }

    /// Bytes taken so far.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Takes bytes from `input` up to the end of the header. Returns how many were taken and,
    /// once the header is complete, the header.
    ///
    /// # Errors
    /// Structural errors as soon as they are visible; [`Error::TooManyEncryptedDataKeys`] before the
    /// EDKs are read; [`Error::LimitExceeded`] before an oversized header or frame is buffered.
    pub fn push(&mut self, input: &[u8]) -> Result<(usize, Option<UnverifiedHeader>)> {
        let mut taken = 0;
        loop {
            match self.step()? {
                Step::Advanced => {}
                Step::Need(total) => {
                    if total > MAX_HEADER_LEN {
                        return Err(Error::LimitExceeded(format!(
                            "the header would be at least {total} bytes; at most {MAX_HEADER_LEN} are accepted"
                        )));
                    }
                    let n = total.saturating_sub(self.buf.len()).min(input.len() - taken);
                    if n == 0 {
                        return Ok((taken, None));
                    }
                    let chunk = input.get(taken..taken + n).ok_or(Error::InvalidState("header input range"))?;
                    self.buf.extend_from_slice(chunk);
                    taken += n;
                }
                Step::Complete(auth) => {
                    let p = core::mem::take(&mut self.partial);
                    let (content_type, frame_length, commitment) = p.tail.ok_or(Error::InvalidState("header tail"))?;
                    let header = MessageHeader {
                        version: p.version.ok_or(Error::InvalidState("header version"))?,
                        suite: p.suite.ok_or(Error::InvalidState("header suite"))?,
                        message_id: p.message_id,
                        encryption_context: p.context,
                        encrypted_data_keys: p.edks,
                        content_type,
                        frame_length,
                        commitment,
                    };
                    self.buf.truncate(p.body_len);
                    let body_bytes = core::mem::take(&mut self.buf);
                    return Ok((taken, Some(UnverifiedHeader { header, auth, body_bytes })));
                }
            }
        }
    }

    /// Parses the current stage from buffered bytes, if enough are there.
    fn step(&mut self) -> Result<Step> {
        let mut r = Reader::new(tail(&self.buf, self.pos));
        let need = |Need(n): Need, pos: usize| Ok(Step::Need(pos.saturating_add(n)));
        let p = &mut self.partial;
        let next = match self.stage {
            Stage::Version => match r.u8() {
                Err(n) => return need(n, self.pos),
                Ok(1) => {
                    p.version = Some(MessageVersion::V1);
                    Stage::Prefix
                }
                Ok(2) => {
                    p.version = Some(MessageVersion::V2);
                    Stage::Prefix
                }
                Ok(v) => return Err(Error::UnsupportedVersion(v)),
            },
            Stage::Prefix => {
                let v1 = p.version == Some(MessageVersion::V1);
                let id_len = if v1 { 16 } else { 32 };
                let fields = (|| {
                    let ty = if v1 { Some(r.u8()?) } else { None };
                    Ok((ty, r.u16()?, r.take(id_len)?, r.u16()?))
                })();
                let (ty, suite_id, message_id, ec_len) = match fields {
                    Ok(f) => f,
                    Err(n) => return need(n, self.pos),
                };
                if let Some(ty) = ty.filter(|&t| t != V1_TYPE) {
                    return Err(Error::header(format!("v1 message type is 0x{ty:02x}, expected 0x80")));
                }
                let suite = AlgorithmSuite::from_id(suite_id)?;
                let version = if v1 { 1 } else { 2 };
                if suite.message_version() != version {
                    return Err(Error::header(format!(
                        "suite 0x{suite_id:04x} belongs to format v{}, found in a v{version} header",
                        suite.message_version()
                    )));
                }
                p.suite = Some(suite);
                p.message_id = message_id.to_vec();
                Stage::Context { len: ec_len }
            }
            Stage::Context { len } => {
                let bytes = match r.take(usize::from(len)) {
                    Ok(b) => b,
                    Err(n) => return need(n, self.pos),
                };
                p.context = context::parse(bytes)?;
                let signs = p.suite.is_some_and(AlgorithmSuite::is_signing);
                match (signs, p.context.contains_key(PUBLIC_KEY_CONTEXT_KEY)) {
                    (true, false) => {
                        return Err(Error::header(format!(
                            "signed suite but the encryption context has no {PUBLIC_KEY_CONTEXT_KEY}"
                        )))
                    }
                    (false, true) => {
                        return Err(Error::header(format!(
                            "unsigned suite but the encryption context has {PUBLIC_KEY_CONTEXT_KEY}"
                        )))
                    }
                    _ => {}
                }
                Stage::EdkCount
            }
            Stage::EdkCount => {
                let count = match r.u16() {
                    Ok(c) => c,
                    Err(n) => return need(n, self.pos),
                };
                if count == 0 {
                    return Err(Error::header("encrypted data key count is 0; at least one is required"));
                }
                if let Some(max) = self.limits.max_encrypted_data_keys.filter(|&m| count > m) {
                    return Err(Error::TooManyEncryptedDataKeys { max, found: count });
                }
                Stage::Edks { left: count }
            }
            Stage::Edks { left } => {
                match EncryptedDataKey::read(&mut r)? {
                    Ok(edk) => p.edks.push(edk),
                    Err(n) => return need(n, self.pos),
                }
                if left > 1 {
                    Stage::Edks { left: left - 1 }
                } else {
                    Stage::Tail
                }
            }
            Stage::Tail => {
                let v1 = p.version == Some(MessageVersion::V1);
                let fields = (|| {
                    let ct = r.u8()?;
                    let v1_fields = if v1 { Some((r.u32()?, r.u8()?)) } else { None };
                    let frame_length = r.u32()?;
                    let commitment = if v1 { None } else { Some(r.array::<COMMITMENT_LEN>()?) };
                    Ok((ct, v1_fields, frame_length, commitment))
                })();
                let (ct, v1_fields, frame_length, commitment) = match fields {
                    Ok(f) => f,
                    Err(n) => return need(n, self.pos),
                };
                if let Some((reserved, iv_len)) = v1_fields {
                    if reserved != 0 {
                        return Err(Error::header(format!("reserved field is 0x{reserved:08x}, expected 0")));
                    }
                    if usize::from(iv_len) != IV_LEN {
                        return Err(Error::header(format!("IV length is {iv_len}, expected {IV_LEN}")));
                    }
                }
                let content_type = match ct {
                    1 => ContentType::NonFramed,
                    2 => ContentType::Framed,
                    other => {
                        return Err(Error::header(format!(
                            "content type is 0x{other:02x}, expected 0x01 (non-framed) or 0x02 (framed)"
                        )))
                    }
                };
                match content_type {
                    ContentType::NonFramed if frame_length != 0 => {
                        return Err(Error::header(format!(
                            "non-framed message has frame length {frame_length}, expected 0"
                        )))
                    }
                    ContentType::Framed if frame_length == 0 => {
                        return Err(Error::header("framed message has frame length 0"))
                    }
                    ContentType::Framed if frame_length > self.limits.max_frame_length => {
                        return Err(Error::LimitExceeded(format!(
                            "frame length {frame_length} exceeds max_frame_length {}",
                            self.limits.max_frame_length
                        )))
                    }
                    _ => {}
                }
                p.tail = Some((content_type, frame_length, commitment));
                p.body_len = self.pos + r.pos();
                Stage::Auth
            }
            Stage::Auth => {
                let v1 = p.version == Some(MessageVersion::V1);
                let fields = (|| {
                    let iv = if v1 { r.array::<IV_LEN>()? } else { [0u8; IV_LEN] };
                    Ok((iv, r.array::<TAG_LEN>()?))
                })();
                return match fields {
                    Ok((iv, tag)) => Ok(Step::Complete(HeaderAuth { iv, tag })),
                    Err(n) => need(n, self.pos),
                };
            }
        };
        self.pos += r.pos();
        self.stage = next;
        Ok(Step::Advanced)
    }
}

/// Parses a header from the start of `bytes`.
///
/// # Errors
/// As [`HeaderParser::push`], and [`Error::Truncated`] if `bytes` ends inside the header.
pub fn parse(bytes: &[u8], limits: HeaderLimits) -> Result<UnverifiedHeader> {
    let mut p = HeaderParser::new(limits);
    match p.push(bytes)? {
        (_, Some(h)) => Ok(h),
        (_, None) => Err(Error::Truncated(format!("the input ends inside the header after {} bytes", bytes.len()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample(version: MessageVersion, content_type: ContentType) -> MessageHeader {
        let suite = match version {
            MessageVersion::V1 => AlgorithmSuite::Aes256GcmIv12Tag16HkdfSha256,
            MessageVersion::V2 => AlgorithmSuite::DEFAULT,
        };
        MessageHeader {
            version,
            suite,
            message_id: (0..suite.message_id_len() as u8).collect(),
            encryption_context: [("purpose".to_string(), "test ✓".to_string())].into_iter().collect(),
            encrypted_data_keys: vec![
                EncryptedDataKey { provider_id: "a".into(), provider_info: b"k1".to_vec(), ciphertext: vec![9; 48] },
                EncryptedDataKey { provider_id: "b".into(), provider_info: vec![], ciphertext: vec![8; 3] },
            ],
            content_type,
            frame_length: if content_type == ContentType::Framed { 4096 } else { 0 },
            commitment: (version == MessageVersion::V2).then_some([7; 32]),
        }
    }

    fn wire(h: &MessageHeader) -> Vec<u8> {
        let mut w = h.write_body().unwrap();
        h.write_auth(&HeaderAuth { iv: [3; 12], tag: [4; 16] }, &mut w);
        w
    }

    #[test]
    fn round_trip_every_shape_and_every_split() {
        for (v, ct) in [
            (MessageVersion::V1, ContentType::Framed),
            (MessageVersion::V1, ContentType::NonFramed),
            (MessageVersion::V2, ContentType::Framed),
        ] {
            let h = sample(v, ct);
            let bytes = wire(&h);
            let u = parse(&bytes, HeaderLimits::default()).unwrap();
            assert_eq!(u.header, h);
            assert_eq!(u.wire_len(), bytes.len());
            assert_eq!(u.body_bytes, h.write_body().unwrap());
            let iv = if v == MessageVersion::V1 { [3; 12] } else { [0; 12] };
            assert_eq!(u.auth, HeaderAuth { iv, tag: [4; 16] });
            // Fed in two pieces split anywhere, and one byte at a time, with trailing bytes.
            let mut with_tail = bytes.clone();
            with_tail.extend_from_slice(b"BODY");
            for split in 0..with_tail.len() {
                let mut p = HeaderParser::new(HeaderLimits::default());
                let (a, first) = p.push(&with_tail[..split]).unwrap();
                let got = match first {
                    Some(h) => {
                        assert_eq!(a, bytes.len());
                        h
                    }
                    None => {
                        assert_eq!(a, split);
                        let (b, second) = p.push(&with_tail[split..]).unwrap();
                        assert_eq!(a + b, bytes.len(), "takes exactly the header");
                        second.unwrap()
                    }
                };
                assert_eq!(got.header, h);
            }
            let mut p = HeaderParser::new(HeaderLimits::default());
            let mut done = None;
            for b in &bytes {
                assert!(done.is_none());
                done = p.push(std::slice::from_ref(b)).unwrap().1;
            }
            assert_eq!(done.unwrap().header, h);
        }
    }

    #[test]
    fn truncation_is_reported_at_every_length() {
        let bytes = wire(&sample(MessageVersion::V2, ContentType::Framed));
        for cut in 0..bytes.len() {
            assert_eq!(parse(&bytes[..cut], HeaderLimits::default()).unwrap_err().code(), "TRUNCATED");
        }
    }

    #[test]
    fn structural_errors_are_precise() {
        let good = wire(&sample(MessageVersion::V2, ContentType::Framed));
        let lim = HeaderLimits::default();
        let mut b = good.clone();
        b[0] = 3;
        assert_eq!(parse(&b, lim).unwrap_err(), Error::UnsupportedVersion(3));
        let mut b = good.clone();
        b[1..3].copy_from_slice(&0x0178u16.to_be_bytes());
        assert_eq!(parse(&b, lim).unwrap_err().code(), "MALFORMED_HEADER");
        let mut b = good.clone();
        b[1..3].copy_from_slice(&0x0999u16.to_be_bytes());
        assert_eq!(parse(&b, lim).unwrap_err(), Error::UnsupportedSuite(0x0999));

        let v1 = wire(&sample(MessageVersion::V1, ContentType::Framed));
        let mut b = v1.clone();
        b[1] = 0x81;
        assert_eq!(parse(&b, lim).unwrap_err().code(), "MALFORMED_HEADER");
        let body_len = sample(MessageVersion::V1, ContentType::Framed).write_body().unwrap().len();
        let mut b = v1.clone();
        b[body_len - 6] = 1; // reserved
        assert!(parse(&b, lim).unwrap_err().to_string().contains("reserved"));
        let mut b = v1.clone();
        b[body_len - 5] = 16; // IV length
        assert!(parse(&b, lim).unwrap_err().to_string().contains("IV length"));
    }

    #[test]
    fn limits_apply_before_allocation() {
        let h = sample(MessageVersion::V2, ContentType::Framed);
        let bytes = wire(&h);
        let lim = HeaderLimits { max_encrypted_data_keys: Some(1), ..HeaderLimits::default() };
        assert_eq!(parse(&bytes, lim).unwrap_err(), Error::TooManyEncryptedDataKeys { max: 1, found: 2 });
        let mut big = h.clone();
        big.frame_length = DEFAULT_MAX_FRAME_LEN + 1;
        assert_eq!(parse(&wire(&big), HeaderLimits::default()).unwrap_err().code(), "LIMIT_EXCEEDED");
        let mut zero = h;
        zero.frame_length = 0;
        assert_eq!(parse(&wire(&zero), HeaderLimits::default()).unwrap_err().code(), "MALFORMED_HEADER");
    }
}
