//! The CLI's awses-decrypt manifest parser (v1-v5, cli/src/manifest.rs) on arbitrary text: it
//! never panics, tests come out sorted by id, every parsed test has a master key, and a v5
//! required-context test always carries the RequiredEncryptionContext CMM.
#![no_main]

#[path = "../../cli/src/error.rs"]
#[allow(dead_code)]
mod error;
#[path = "../../cli/src/manifest.rs"]
#[allow(dead_code)]
mod manifest;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(m) = manifest::Manifest::parse(text, "fuzz") else { return };
    assert!((1..=5).contains(&m.version));
    assert!(m.tests.windows(2).all(|w| w[0].0 <= w[1].0), "tests sorted by id");
    for (_, t) in &m.tests {
        let Ok(t) = t else { continue };
        assert!(!t.master_keys.is_empty());
        if m.version >= 5 {
            assert_eq!(!t.required_keys.is_empty(), t.cmm.as_deref() == Some("RequiredEncryptionContext"));
        } else {
            assert!(t.required_keys.is_empty());
        }
        let _ = manifest::resolve(std::path::Path::new("d"), &t.ciphertext_uri);
    }
});
