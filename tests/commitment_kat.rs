//! Known answers from the official Python SDK (shared/esdk-vectors/python-commitment-kat): the
//! committing KDF reproduces each message's content key and commitment, messages with a valid
//! commitment decrypt to the recorded plaintext, and the others fail the commitment check.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use envseal::crypto::kdf;
use envseal::format::header::{self, HeaderLimits};
use envseal::{CommitmentPolicy, DataKey, DecryptOptions, DecryptState, Error, MessageDecryptor};

fn b64(v: &serde_json::Value) -> Vec<u8> {
    B64.decode(v.as_str().expect("base64 string")).expect("valid base64")
}

#[test]
fn python_commitment_known_answers() {
    let path = common::vectors_dir().join("python-commitment-kat/commitment-test-vectors.json");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 46);
    let (mut good, mut bad, mut checked_keys) = (0, 0, 0);
    for (i, t) in tests.iter().enumerate() {
        let ciphertext = b64(&t["ciphertext"]);
        let dek = b64(&t["decrypted-dek"]);
        let parsed = header::parse(&ciphertext, HeaderLimits::default()).unwrap();
        assert_eq!(parsed.header.message_id, b64(&t["message-id"]), "case {i}");
        let derived = kdf::derive(parsed.header.suite, &DataKey::from_slice(&dek), &parsed.header.message_id).unwrap();
        let expect_ok = t["status"].as_bool().unwrap();

        let mut d = MessageDecryptor::new(DecryptOptions {
            commitment_policy: CommitmentPolicy::RequireEncryptRequireDecrypt,
            ..DecryptOptions::default()
        });
        let mut out = Vec::new();
        assert_eq!(d.push(&ciphertext, &mut out).unwrap(), DecryptState::NeedDataKey);
        let verified = d.provide_data_key(DataKey::from_slice(&dek));
        if expect_ok {
            good += 1;
            // Some cases record no content key; every case records the commitment.
            if !t["content-encryption-key"].is_null() {
                checked_keys += 1;
                assert_eq!(derived.content_key.as_bytes(), &b64(&t["content-encryption-key"])[..], "case {i}");
            }
            assert_eq!(derived.commitment.unwrap().to_vec(), b64(&t["commitment"]), "case {i}");
            assert_eq!(parsed.header.commitment.unwrap().to_vec(), b64(&t["commitment"]), "case {i}");
            verified.unwrap();
            d.push(&[], &mut out).unwrap();
            d.finish(&mut out).unwrap();
            let want: Vec<u8> =
                t["plaintext-frames"].as_array().unwrap().iter().flat_map(|f| f.as_str().unwrap().bytes()).collect();
            assert_eq!(out, want, "case {i}");
        } else {
            bad += 1;
            assert_eq!(verified.unwrap_err(), Error::CommitmentMismatch, "case {i}: {}", t["comment"]);
            assert!(out.is_empty());
        }
    }
    assert_eq!((good, bad), (41, 5));
    assert!(checked_keys >= 15, "only {checked_keys} content keys checked");
}
