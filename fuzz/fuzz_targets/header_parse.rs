//! Header parsing: never panics; whatever parses re-serializes to bytes that parse to the same
//! header, and to exactly the input when its encryption context was in canonical (sorted) order.
#![no_main]

use envseal::format::context;
use envseal::format::header::{self, HeaderLimits, HeaderParser};
use envseal::format::MessageVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = header::parse(data, HeaderLimits::default()) else { return };
    let body = parsed.header.write_body().expect("a parsed header serializes");
    let mut wire = body.clone();
    parsed.header.write_auth(&parsed.auth, &mut wire);
    let again = header::parse(&wire, HeaderLimits::default()).expect("re-serialized header parses");
    assert_eq!(again.header, parsed.header);
    assert_eq!(again.auth, parsed.auth);
    // The context field starts after version, [type,] suite, message id and its u16 length.
    let ec_start = if parsed.header.version == MessageVersion::V1 { 22 } else { 37 };
    let canonical = context::serialize(&parsed.header.encryption_context).expect("parsed context serializes");
    let raw_ec = parsed.body_bytes.get(ec_start..ec_start + canonical.len());
    if raw_ec == Some(&canonical[..]) {
        // Pairs in canonical order: serialization is the identity.
        assert_eq!(body, parsed.body_bytes);
        assert_eq!(&wire[..], &data[..wire.len()]);
    } else {
        // Only the order of the pairs may differ.
        assert_eq!(body.len(), parsed.body_bytes.len());
    }
    // Byte-at-a-time parsing agrees with one-shot parsing.
    let mut p = HeaderParser::new(HeaderLimits::default());
    let mut got = None;
    for b in data {
        if let (_, Some(h)) = p.push(std::slice::from_ref(b)).expect("same input parsed before") {
            got = Some(h);
            break;
        }
    }
    assert_eq!(got.expect("complete").header, parsed.header);
});
