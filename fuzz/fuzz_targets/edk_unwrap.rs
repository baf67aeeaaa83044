//! EDK and provider-info parsing in the raw AES keyring (and the multi-keyring over it): arbitrary
//! EDKs never panic, and only a genuine EDK unwraps.
#![no_main]

#[path = "../src/fuzz_key.rs"]
mod fuzz_key;

use std::sync::Arc;

use envseal::keyring::Keyring;
use envseal::materials::DecryptionMaterials;
use envseal::{AlgorithmSuite, EncryptedDataKey, EncryptionContext, MultiKeyring};
use libfuzzer_sys::fuzz_target;

fn take<'a>(data: &mut &'a [u8]) -> &'a [u8] {
    let Some((&n, rest)) = data.split_first() else { return &[] };
    let n = usize::from(n).min(rest.len());
    let (head, tail) = rest.split_at(n);
    *data = tail;
    head
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let mut edks = Vec::new();
    while !data.is_empty() && edks.len() < 8 {
        let mut id = take(&mut data);
        if id.first() == Some(&0) {
            id = b"fuzz"; // steer towards our namespace
        }
        edks.push(EncryptedDataKey {
            provider_id: String::from_utf8_lossy(id).into_owned(),
            provider_info: take(&mut data).to_vec(),
            ciphertext: take(&mut data).to_vec(),
        });
    }
    let ec = EncryptionContext::new();
    for suite in [AlgorithmSuite::DEFAULT, AlgorithmSuite::Aes128GcmIv12Tag16HkdfSha256] {
        let m = DecryptionMaterials { suite, encryption_context: &ec };
        let raw = fuzz_key::keyring();
        // Random bytes never authenticate under AES-GCM (2^-128).
        assert!(!matches!(raw.on_decrypt(&m, &edks), Ok(Some(_))));
        let multi = MultiKeyring::new(Some(Arc::new(fuzz_key::keyring())), vec![Arc::new(fuzz_key::keyring())])
            .expect("valid multi-keyring");
        assert!(!matches!(multi.on_decrypt(&m, &edks), Ok(Some(_))));
    }
});
