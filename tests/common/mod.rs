//! Helpers shared by the native integration tests.
#![allow(dead_code)]

use envseal::{DataKey, EncryptionContext, RawAesKeyring};

pub fn keyring(byte: u8) -> RawAesKeyring {
    RawAesKeyring::new("test-ns", "test-key", &DataKey::new(vec![byte; 32])).unwrap()
}

/// Deterministic, non-repeating test bytes.
pub fn plaintext(len: usize, seed: u8) -> Vec<u8> {
    let mut x = 0x9e37_79b9u32 ^ u32::from(seed);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

pub fn context(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Path of the shared test vectors (`ENVSEAL_VECTORS_DIR`, else `../shared/esdk-vectors`).
pub fn vectors_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("ENVSEAL_VECTORS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/esdk-vectors"));
    assert!(dir.is_dir(), "test vectors not found at {} (set ENVSEAL_VECTORS_DIR)", dir.display());
    dir
}
