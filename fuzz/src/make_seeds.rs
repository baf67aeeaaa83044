//! Writes seed corpora: the shared test vectors (any key) and messages written for the fuzz key
//! (both suites, several lengths and frame lengths). Usage: make_seeds VECTORS_DIR CORPUS_DIR
#[path = "fuzz_key.rs"]
mod fuzz_key;

use std::fs;
use std::path::Path;

use envseal::{encrypt, AlgorithmSuite, EncryptOptions};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (vectors, corpus) = (Path::new(&args[1]), Path::new(&args[2]));
    for t in ["header_parse", "stream_decrypt", "edk_unwrap", "vector_manifest", "decrypt_range"] {
        fs::create_dir_all(corpus.join(t))?;
    }
    // Every manifest of the shared vectors (v2-v5), whole, for the manifest parser.
    for (set, file) in [
        ("net-4.0.1-raw", "manifest.json"),
        ("net-4.0.0-known-bad", "manifest.json"),
        ("java-v5-sample", "decrypt-manifest.json"),
    ] {
        fs::copy(vectors.join(set).join(file), corpus.join("vector_manifest").join(set))?;
    }
    let mut n = 0;
    for set in ["net-4.0.1-raw", "net-4.0.0-known-bad"] {
        for entry in fs::read_dir(vectors.join(set).join("ciphertexts"))? {
            let bytes = fs::read(entry?.path())?;
            fs::write(corpus.join("header_parse").join(format!("vector-{n}")), &bytes)?;
            let mut with_seed = vec![7u8];
            with_seed.extend_from_slice(&bytes);
            fs::write(corpus.join("stream_decrypt").join(format!("vector-{n}")), with_seed)?;
            n += 1;
        }
    }
    let keyring = fuzz_key::keyring();
    for suite in [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
        for (len, frame) in [(0usize, 16u32), (1, 16), (40, 16), (300, 128)] {
            let mut options = EncryptOptions { suite, frame_length: frame, ..Default::default() };
            options.encryption_context.insert("k".into(), "v".into());
            let (msg, header) = encrypt(&keyring, &vec![0xab; len], &options).expect("encrypts");
            let name = format!("own-{:04x}-{len}-{frame}", suite.id());
            let mut with_seed = vec![3u8];
            with_seed.extend_from_slice(&msg);
            fs::write(corpus.join("stream_decrypt").join(&name), with_seed)?;
            fs::write(corpus.join("header_parse").join(&name), &msg)?;
            // decrypt_range: a range from a quarter to three quarters, signed messages allowed.
            let mut ranged = vec![64u8, 128, 1, 0];
            ranged.extend_from_slice(&msg);
            fs::write(corpus.join("decrypt_range").join(&name), ranged)?;
            let mut edks = Vec::new();
            for e in &header.encrypted_data_keys {
                for field in [e.provider_id.as_bytes(), &e.provider_info[..], &e.ciphertext[..]] {
                    edks.push(field.len() as u8);
                    edks.extend_from_slice(field);
                }
            }
            fs::write(corpus.join("edk_unwrap").join(&name), edks)?;
        }
    }
    // One raw RSA EDK and one KMS-shaped EDK for the keyring target.
    let rsa_public = include_bytes!("../../src/keyring/testdata/rsa-2048-public.pem");
    let rsa = envseal::RawRsaKeyring::new("fuzz", "key", Some(rsa_public), None, envseal::RsaPadding::OaepSha256)
        .expect("valid key");
    let (_, header) = encrypt(&rsa, b"x", &EncryptOptions::default()).expect("encrypts");
    let kms_arn = b"arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000";
    for (name, fields) in [
        ("rsa", [header.encrypted_data_keys[0].provider_id.as_bytes(), b"key", &header.encrypted_data_keys[0].ciphertext[..200]]),
        ("kms", [&b"aws-kms"[..], &kms_arn[..], &[7u8; 64][..]]),
    ] {
        let mut edks = Vec::new();
        for field in fields {
            edks.push(field.len() as u8);
            edks.extend_from_slice(field);
        }
        fs::write(corpus.join("edk_unwrap").join(name), edks)?;
    }
    println!("seeded {n} vector files and 8 own messages into {}", corpus.display());
    Ok(())
}
