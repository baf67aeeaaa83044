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

/// How two context keys compare in an order other than the format's (see [`serialize_in_order`]).
pub type KeyOrder = fn(&str, &str) -> core::cmp::Ordering;

/// The context serialized with its pairs ordered by `order` (ties by UTF-8 bytes); `None` when
/// that is the format's UTF-8 byte order. For reading what a writer with another order wrapped:
/// the official JavaScript SDK's raw AES keyring, by default, orders keys with
/// `String.prototype.localeCompare` when it builds its wrapping AAD (aws-encryption-sdk-javascript
/// issue 428; its `utf8Sorting: true` option fixes it). envseal never writes such an order.
///
/// The sort is a merge sort of our own: it cannot panic whatever `order` answers.
///
/// # Errors
/// As [`serialize`].
pub fn serialize_in_order(ec: &EncryptionContext, order: KeyOrder) -> Result<Option<Vec<u8>>> {
    let pairs: Vec<(&String, &String)> = ec.iter().collect();
    let sorted = merge_sort(pairs, &|a: &(&String, &String), b: &(&String, &String)| {
        order(a.0, b.0).then_with(|| a.0.cmp(b.0)).is_le()
    });
    if sorted.iter().map(|p| p.0).eq(ec.keys()) {
        return Ok(None);
    }
    serialize_pairs(sorted.len(), sorted.into_iter()).map(Some)
}

/// A stable merge sort by `le` (a <= b): it uses no indexing that could fail, so an inconsistent
/// comparison gives some order, never a panic.
fn merge_sort<T>(items: Vec<T>, le: &dyn Fn(&T, &T) -> bool) -> Vec<T> {
    if items.len() <= 1 {
        return items;
    }
    let mut left = items;
    let right = left.split_off(left.len() / 2);
    let (left, right) = (merge_sort(left, le), merge_sort(right, le));
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        let take_left = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => le(a, b),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_left { l.next() } else { r.next() });
    }
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
    fn another_key_order_only_where_it_differs() {
        // A stand-in for localeCompare: case-insensitive, so "a" < "B" (UTF-8 puts "B" first).
        fn caseless(a: &str, b: &str) -> core::cmp::Ordering {
            a.to_lowercase().cmp(&b.to_lowercase())
        }
        let mixed = ec(&[("B", "1"), ("a", "2"), ("c", "3")]);
        let utf8 = serialize(&mixed).unwrap();
        assert_eq!(&utf8[..5], &[0, 3, 0, 1, b'B']);
        let other = serialize_in_order(&mixed, caseless).unwrap().expect("the orders differ");
        assert_eq!(&other[..5], &[0, 3, 0, 1, b'a']);
        assert_eq!(&other[5..13], &[0, 1, b'2', 0, 1, b'B', 0, 1]);
        assert_eq!(other.len(), utf8.len());
        assert_eq!(parse(&other).unwrap(), mixed, "same pairs, other order");
        for same in [ec(&[]), ec(&[("a", "1"), ("b", "2")]), ec(&[("A", "x")])] {
            assert_eq!(serialize_in_order(&same, caseless).unwrap(), None, "{same:?}");
        }
        // An inconsistent order cannot make it panic.
        fn chaos(a: &str, b: &str) -> core::cmp::Ordering {
            if (a.len() + b.len()) % 2 == 0 {
                core::cmp::Ordering::Less
            } else {
                core::cmp::Ordering::Greater
            }
        }
        let many: EncryptionContext = (0..200).map(|i| (format!("k{i}"), String::new())).collect();
        let shuffled = serialize_in_order(&many, chaos).unwrap().unwrap_or_else(|| serialize(&many).unwrap());
        assert_eq!(parse(&shuffled).unwrap(), many);
    }
}
