//! EDK and provider-info parsing in every keyring (raw AES, raw RSA, KMS with a stub transport, and
//! the multi-keyring over them): arbitrary EDKs never panic, and only a genuine EDK unwraps.
#![no_main]

#[path = "../src/fuzz_key.rs"]
mod fuzz_key;

use std::sync::Arc;

use envseal::keyring::kms::{protocol, KmsClient};
use envseal::keyring::Keyring;
use envseal::materials::DecryptionMaterials;
use envseal::{AlgorithmSuite, EncryptedDataKey, EncryptionContext, KmsKeyring, MultiKeyring, RawRsaKeyring, RsaPadding};

const RSA_PRIVATE: &[u8] = include_bytes!("../../src/keyring/testdata/rsa-2048-private.pem");

/// A KMS that refuses every call, after checking the request the keyring built is well-formed.
struct RefusingKms;

impl KmsClient for RefusingKms {
    fn call(&self, operation: &str, request: &serde_json::Value) -> envseal::Result<serde_json::Value> {
        assert_eq!(operation, "Decrypt");
        assert!(request["KeyId"].is_string() && request["CiphertextBlob"].is_string());
        Err(protocol::error_from_body(400, r#"{"__type":"InvalidCiphertextException","message":"no"}"#))
    }
}
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
            id = match id.get(1) {
                Some(0) => &b"aws-kms"[..],
                _ => &b"fuzz"[..], // steer towards our keyrings' namespaces
            };
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
        let rsa = RawRsaKeyring::new("fuzz", "key", None, Some(RSA_PRIVATE), RsaPadding::OaepSha256).expect("valid key");
        assert!(!matches!(rsa.on_decrypt(&m, &edks), Ok(Some(_))));
        let kms = KmsKeyring::discovery(None, vec![], Arc::new(RefusingKms));
        assert!(!matches!(kms.on_decrypt(&m, &edks), Ok(Some(_))));
        let multi = MultiKeyring::new(Some(Arc::new(fuzz_key::keyring())), vec![Arc::new(rsa), Arc::new(kms)])
            .expect("valid multi-keyring");
        assert!(!matches!(multi.on_decrypt(&m, &edks), Ok(Some(_))));
    }
});
