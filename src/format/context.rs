//! Encryption context: non-secret UTF-8 key/value pairs bound to the message.
//!
//! Wire form (spec: data-format/message-header.md#aad, structures.md#encryption-context):
//! `u16 pair count || pairs sorted by key bytes, each u16 key len || key || u16 value len || value`.
//! An empty context serializes to zero bytes (no count).

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::format::codec::{put_u16_prefixed, Need, Reader};

/// Encryption context. `BTreeMap<String, _>` orders keys by their UTF-8 bytes, as the format requires.
pub type EncryptionContext = BTreeMap<String, String>;

/// Key prefix reserved for the SDK's own pairs; callers may not use it.
pub const RESERVED_PREFIX: &str = "aws-crypto-";

/// Serializes `ec` (empty context -> empty bytes).
///
/// # Errors
/// [`Error::InvalidArgument`] if a key or value is longer than 65535 bytes, there are more than
/// 65535 pairs, or the whole serialization exceeds 65535 bytes (it must fit the header's u16 length).
pub fn serialize(ec: &EncryptionContext) -> Result<Vec<u8>> {
    serialize_pairs(ec.len(), ec.iter())
}

/// The context serialized with its pairs ordered by the UTF-16 code units of their keys, as
/// the official JavaScript SDK's raw AES keyring builds its wrapping AAD (aws-encryption-sdk-javascript
/// issue 428); `None` when that order is the UTF-8 byte order (every context of BMP-only or
/// ASCII keys, and most others). For reading that SDK's messages only: envseal never writes it.
///
/// # Errors
/// As [`serialize`].
pub fn serialize_in_utf16_order(ec: &EncryptionContext) -> Result<Option<Vec<u8>>> {
    let mut pairs: Vec<(&String, &String)> = ec.iter().collect();
    pairs.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    if pairs.iter().map(|p| p.0).eq(ec.keys()) {
        return Ok(None);
    }
    serialize_pairs(pairs.len(), pairs.into_iter()).map(Some)
}

fn serialize_pairs<'a>(count: usize, pairs: impl Iterator<Item = (&'a String, &'a String)>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if count == 0 {
        return Ok(out);
    }
    let count =
        u16::try_from(count).map_err(|_| Error::arg(format!("encryption context has {count} pairs; at most 65535")))?;
    out.extend_from_slice(&count.to_be_bytes());
    for (k, v) in pairs {
        for s in [k, v] {
            if s.len() > usize::from(u16::MAX) {
                return Err(Error::arg(format!("encryption context entry of {} bytes; at most 65535", s.len())));
            }
            put_u16_prefixed(&mut out, s.as_bytes());
        }
    }
    if out.len() > usize::from(u16::MAX) {
        return Err(Error::arg(format!("encryption context serializes to {} bytes; at most 65535", out.len())));
    }
    Ok(out)
}

/// Parses the context field of a header (exactly `bytes`, which came with its u16 length).
///
/// # Errors
/// [`Error::MalformedHeader`] for a zero count, invalid UTF-8, duplicate keys, or bytes that do
/// not add up to exactly the given length.
pub fn parse(bytes: &[u8]) -> Result<EncryptionContext> {
    let mut ec = EncryptionContext::new();
    if bytes.is_empty() {
        return Ok(ec);
    }
    let short = |Need(n): Need| {
        Error::header(format!("encryption context field is {} bytes but its pairs need {n}", bytes.len()))
    };
    let mut r = Reader::new(bytes);
    let count = r.u16().map_err(short)?;
    if count == 0 {
        return Err(Error::header("encryption context field is present but has zero pairs"));
    }
    for _ in 0..count {
        let k = utf8(r.u16_prefixed().map_err(short)?, "key")?;
        let v = utf8(r.u16_prefixed().map_err(short)?, "value")?;
        if ec.insert(k.to_owned(), v.to_owned()).is_some() {
            return Err(Error::header(format!("encryption context has duplicate key {k:?}")));
        }
    }
    if r.remaining() != 0 {
        return Err(Error::header(format!(
            "encryption context field has {} bytes after its {count} pairs",
            r.remaining()
        )));
    }
    Ok(ec)
}

fn utf8<'a>(b: &'a [u8], what: &str) -> Result<&'a str> {
    core::str::from_utf8(b).map_err(|_| Error::header(format!("encryption context {what} is not UTF-8")))
}

/// Rejects caller-supplied keys that use the SDK's reserved `aws-crypto-` prefix.
///
/// # Errors
/// [`Error::InvalidArgument`] naming the offending key.
pub fn check_no_reserved_keys(ec: &EncryptionContext) -> Result<()> {
    match ec.keys().find(|k| k.starts_with(RESERVED_PREFIX)) {
        Some(k) => {
            Err(Error::arg(format!("encryption context key {k:?} uses the reserved prefix {RESERVED_PREFIX:?}")))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ec(pairs: &[(&str, &str)]) -> EncryptionContext {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn round_trip_sorted_by_bytes() {
        let c = ec(&[("b", "2"), ("a", "1"), ("é", "ü"), ("Z", "")]);
        let bytes = serialize(&c).unwrap();
        assert_eq!(&bytes[..2], &[0, 4]);
        // "Z" (0x5a) < "a" < "b" < "é" (0xc3 0xa9)
        assert_eq!(&bytes[2..7], &[0, 1, b'Z', 0, 0]);
        assert_eq!(parse(&bytes).unwrap(), c);
        assert!(serialize(&EncryptionContext::new()).unwrap().is_empty());
        assert!(parse(&[]).unwrap().is_empty());
    }

    #[test]
    fn rejects_malformed() {
        assert!(parse(&[0, 0]).is_err(), "zero pairs");
        assert!(parse(&[0, 1, 0, 1, b'a']).is_err(), "short");
        assert!(parse(&[0, 1, 0, 1, b'a', 0, 0, 9]).is_err(), "trailing");
        assert!(parse(&[0, 2, 0, 1, b'a', 0, 0, 0, 1, b'a', 0, 0]).is_err(), "duplicate");
        assert!(parse(&[0, 1, 0, 1, 0xff, 0, 0]).is_err(), "utf8");
    }

    #[test]
    fn bounds_are_enforced_on_write() {
        let big = "x".repeat(65536);
        assert!(serialize(&ec(&[("k", &big)])).is_err());
        let total = ec(&[("a", &"x".repeat(40000)), ("b", &"y".repeat(40000))]);
        assert_eq!(serialize(&total).unwrap_err().code(), "INVALID_ARGUMENT");
    }

    #[test]
    fn reserved_prefix() {
        assert!(check_no_reserved_keys(&ec(&[("aws-crypto-public-key", "x")])).is_err());
        assert!(check_no_reserved_keys(&ec(&[("aws-crypto", "x")])).is_ok());
    }

    #[test]
    fn utf16_order_only_where_it_differs() {
        // U+FF21 is one UTF-16 unit 0xFF21 and UTF-8 EF BC A1; U+1F600 is the surrogate pair
        // D83D DE00 and UTF-8 F0 9F 98 80: UTF-8 puts U+FF21 first, UTF-16 puts U+1F600 first.
        let both = ec(&[("\u{FF21}", "a"), ("\u{1F600}", "b")]);
        let utf8 = serialize(&both).unwrap();
        assert_eq!(&utf8[..7], &[0, 2, 0, 3, 0xEF, 0xBC, 0xA1]);
        let utf16 = serialize_in_utf16_order(&both).unwrap().expect("the orders differ");
        assert_eq!(&utf16[..8], &[0, 2, 0, 4, 0xF0, 0x9F, 0x98, 0x80]);
        assert_eq!(utf16.len(), utf8.len());
        assert_eq!(parse(&utf16).unwrap(), both, "same pairs, other order");
        for same in
            [ec(&[]), ec(&[("b", "1"), ("a", "2")]), ec(&[("\u{1F600}", "x"), ("z", "y")]), ec(&[("\u{FF21}", "")])]
        {
            assert_eq!(serialize_in_utf16_order(&same).unwrap(), None, "{same:?}");
        }
    }
}
