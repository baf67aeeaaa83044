//! The frame-level API used by external AES-GCM engines (WebCrypto in browsers) produces the same
//! bytes as the core's own cipher, and reads what it writes. Here the "external engine" is the
//! RustCrypto `aes-gcm` crate called directly with the exported content key.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use common::{context, keyring, plaintext};
use envseal::format::header::{self, HeaderLimits};
use envseal::stream::{BodyDecryptor, BodyStep, SealStep, VerifiedHeader};
use envseal::suite::SignatureAlgorithm;
use envseal::{
    encrypt, AlgorithmSuite, DataKey, EncryptOptions, EncryptedDataKey, EncryptionMaterials, MessageEncryptor,
};
use sha2::{Digest, Sha384};

fn materials(suite: AlgorithmSuite) -> EncryptionMaterials {
    let mut m = EncryptionMaterials::new(suite, context(&[("engine", "external")])).unwrap();
    m.set_data_key(DataKey::new((0..32).collect())).unwrap();
    m.encrypted_data_keys.push(EncryptedDataKey {
        provider_id: "static".into(),
        provider_info: b"k".to_vec(),
        ciphertext: vec![0; 48],
    });
    m
}

/// Encrypts with the frame-level API, sealing each frame with `aes-gcm` directly. The plaintext
/// arrives in chunks of `chunk` bytes; the core says when a frame is due (`next_frame`).
fn encrypt_external(enc: &mut MessageEncryptor, pt: &[u8], chunk: usize) -> Vec<u8> {
    encrypt_external_hashing(enc, pt, chunk, None)
}

/// As [`encrypt_external`]; with `outside`, the signature hash is taken out of the core and
/// computed with `sha2` directly, as node:crypto computes it in Node. Returns the whole message.
fn encrypt_external_hashing(
    enc: &mut MessageEncryptor,
    pt: &[u8],
    chunk: usize,
    mut outside: Option<Sha384>,
) -> Vec<u8> {
    if let Some(h) = &mut outside {
        let (alg, prelude) = enc.hand_out_hash().unwrap();
        assert_eq!(alg, SignatureAlgorithm::EcdsaP384Sha384, "the hash the engine must use");
        h.update(prelude);
    }
    let cipher = Aes256Gcm::new_from_slice(enc.content_key().as_bytes()).unwrap();
    let mut out = enc.take_header().unwrap();
    let mut gathered: Vec<u8> = Vec::new();
    let mut chunks = pt.chunks(chunk.max(1));
    let mut ended = false;
    loop {
        match enc.next_frame(gathered.len(), ended).unwrap() {
            SealStep::Need(n) => {
                assert!(n > gathered.len() && !ended, "asks for more only while input may come");
                match chunks.next() {
                    Some(c) => gathered.extend_from_slice(c),
                    None => ended = true,
                }
            }
            SealStep::Frame(p) => {
                let frame: Vec<u8> = gathered.drain(..p.len as usize).collect();
                let sealed = cipher.encrypt(&Nonce::from(p.iv), Payload { msg: &frame, aad: &p.aad }).unwrap();
                for bytes in [&p.prefix, &sealed] {
                    match &mut outside {
                        Some(h) => h.update(bytes),
                        None => enc.absorb(bytes),
                    }
                }
                out.extend_from_slice(&p.prefix);
                out.extend_from_slice(&sealed);
            }
            SealStep::Done => break,
        }
    }
    assert!(gathered.is_empty(), "every byte was framed");
    if let Some(h) = outside {
        enc.set_digest(&h.finalize()).unwrap();
    }
    out
}

#[test]
fn next_frame_frames_as_the_official_writers_do() {
    let suite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKey;
    let mut enc = MessageEncryptor::new(materials(suite), 100).unwrap();
    assert_eq!(enc.next_frame(99, false).unwrap(), SealStep::Need(100));
    let SealStep::Frame(first) = enc.next_frame(250, false).unwrap() else { panic!("a frame") };
    assert_eq!((first.seq, first.len, first.is_final), (1, 100, false));
    // At the end, full frames stay regular; a frame boundary ends with an empty final frame.
    let SealStep::Frame(second) = enc.next_frame(100, true).unwrap() else { panic!("a frame") };
    assert_eq!((second.seq, second.len, second.is_final), (2, 100, false));
    let SealStep::Frame(last) = enc.next_frame(0, true).unwrap() else { panic!("a frame") };
    assert_eq!((last.seq, last.len, last.is_final), (3, 0, true));
    assert_eq!(enc.next_frame(0, true).unwrap(), SealStep::Done);
    assert_eq!(enc.next_frame(500, false).unwrap(), SealStep::Done);
}

#[test]
fn external_sealing_is_byte_identical_to_the_core_cipher() {
    let suite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKey;
    let f = 100usize;
    for len in [0, 1, 99, 100, 101, 250, 300] {
        let pt = plaintext(len, 3);
        let id = vec![0x42; 32];
        let mut b = MessageEncryptor::with_message_id(materials(suite), f as u32, id.clone()).unwrap();
        let mut internal = Vec::new();
        b.push(&pt, &mut internal).unwrap();
        b.finish(&mut internal).unwrap();
        for chunk in [1, 7, 100, 1000] {
            let mut a = MessageEncryptor::with_message_id(materials(suite), f as u32, id.clone()).unwrap();
            let mut external = encrypt_external(&mut a, &pt, chunk);
            external.extend_from_slice(&a.footer().unwrap());
            assert_eq!(external, internal, "len {len}, chunks of {chunk}");
        }
    }
}

#[test]
fn external_signed_messages_verify_in_the_core() {
    let suite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384;
    let pt = plaintext(1000, 4);
    let mut enc = MessageEncryptor::new(materials(suite), 256).unwrap();
    let mut msg = encrypt_external(&mut enc, &pt, 256);
    msg.extend_from_slice(&enc.footer().unwrap());
    let (got, h) = decrypt_external(&msg, &DataKey::new((0..32).collect())).unwrap();
    assert_eq!(got, pt);
    assert_eq!(h.suite, suite);
}

#[test]
fn a_hash_computed_outside_the_core_signs_and_verifies_the_same_message() {
    let suite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384;
    let key = DataKey::new((0..32).collect());
    for len in [0, 255, 256, 1000] {
        let pt = plaintext(len, 7);
        let mut enc = MessageEncryptor::new(materials(suite), 256).unwrap();
        let mut msg = encrypt_external_hashing(&mut enc, &pt, 100, Some(Sha384::new()));
        msg.extend_from_slice(&enc.footer().unwrap());
        // The core's own hash reads it, and so does an engine that hashes outside.
        assert_eq!(decrypt_external(&msg, &key).unwrap().0, pt, "len {len}: hashed in the core");
        assert_eq!(decrypt_external_hashing(&msg, &key, Some(Sha384::new())).unwrap().0, pt, "len {len}: outside");
        // A flipped ciphertext byte fails its tag; a flipped signature byte fails the outside digest.
        let mut bad = msg.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let code = decrypt_external_hashing(&bad, &key, Some(Sha384::new())).unwrap_err().code();
        assert_eq!(code, "SIGNATURE_INVALID", "len {len}");
    }
}

#[test]
fn an_outside_hash_must_be_taken_before_the_body_and_end_with_a_digest() {
    let suite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384;
    let mut enc = MessageEncryptor::new(materials(suite), 64).unwrap();
    let _ = encrypt_external(&mut enc, &plaintext(10, 1), 10);
    assert_eq!(enc.hand_out_hash().unwrap_err().code(), "INVALID_STATE", "frames were hashed in the core");
    let mut enc = MessageEncryptor::new(materials(suite), 64).unwrap();
    enc.hand_out_hash().unwrap();
    let _ = encrypt_external(&mut enc, &plaintext(10, 1), 10);
    assert_eq!(enc.footer().unwrap_err().code(), "INVALID_STATE", "no digest came: no footer");
    let mut unsigned = MessageEncryptor::new(materials(AlgorithmSuite::Aes256GcmHkdfSha512CommitKey), 64).unwrap();
    assert_eq!(unsigned.hand_out_hash().unwrap_err().code(), "INVALID_STATE");
    assert_eq!(unsigned.set_digest(&[0; 48]).unwrap_err().code(), "INVALID_STATE");
}

/// Decrypts with the frame-level API, opening each frame with `aes-gcm` directly: the core says
/// what comes next.
fn decrypt_external(msg: &[u8], data_key: &DataKey) -> envseal::Result<(Vec<u8>, envseal::MessageHeader)> {
    decrypt_external_hashing(msg, data_key, None)
}

/// As [`decrypt_external`]; with `outside`, the signature hash is taken out of the core and
/// computed with `sha2` directly.
fn decrypt_external_hashing(
    msg: &[u8],
    data_key: &DataKey,
    mut outside: Option<Sha384>,
) -> envseal::Result<(Vec<u8>, envseal::MessageHeader)> {
    let unverified = header::parse(msg, HeaderLimits::default())?;
    let mut rest = &msg[unverified.wire_len()..];
    let verified = VerifiedHeader::verify(unverified, data_key, &Default::default())?;
    let mut body = BodyDecryptor::new(
        verified,
        &envseal::DecryptOptions { max_frame_length: 1 << 20, ..envseal::DecryptOptions::default() },
    );
    if let Some(h) = &mut outside {
        let (alg, prelude) = body.hand_out_hash()?;
        assert_eq!(alg, SignatureAlgorithm::EcdsaP384Sha384, "the hash the engine must use");
        h.update(prelude);
    }
    let cipher = Aes256Gcm::new_from_slice(body.content_key().as_bytes()).unwrap();
    let (mut out, mut held) = (Vec::new(), Vec::new());
    loop {
        match body.next(rest, rest.len())? {
            BodyStep::Need(_) => break, // the message is truncated: finish_external says so
            BodyStep::Footer(used) => rest = &rest[used..],
            BodyStep::Done => break,
            BodyStep::Frame(frame) => {
                let sealed = &rest[frame.prefix_len..frame.prefix_len + frame.sealed_len];
                let p = &frame.params;
                let plain = cipher
                    .decrypt(&Nonce::from(p.iv), Payload { msg: sealed, aad: &p.aad })
                    .map_err(|_| envseal::Error::DecryptFailed)?;
                let whole = &rest[..frame.prefix_len + frame.sealed_len];
                match &mut outside {
                    Some(h) => h.update(whole),
                    None => body.absorb(whole),
                }
                rest = &rest[frame.prefix_len + frame.sealed_len..];
                if p.is_final {
                    if let Some(h) = outside.take() {
                        body.set_digest(&h.finalize())?;
                    }
                    held = plain;
                } else {
                    out.extend_from_slice(&plain);
                }
            }
        }
    }
    let header = body.finish_external(rest.len())?;
    out.extend_from_slice(&held);
    Ok((out, header))
}

#[test]
fn external_opening_reads_core_messages_and_rejects_tampering() {
    for suite in [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
        let pt = plaintext(700, 5);
        let options = EncryptOptions { suite, frame_length: 128, ..Default::default() };
        let (msg, _) = encrypt(&keyring(1), &pt, &options).unwrap();
        let unverified = header::parse(&msg, HeaderLimits::default()).unwrap();
        let full = unverified.header.encryption_context.clone();
        let dk = envseal::keyring::Keyring::on_decrypt(
            &keyring(1),
            &envseal::materials::DecryptionMaterials::new(suite, &full),
            &unverified.header.encrypted_data_keys,
        )
        .unwrap()
        .unwrap();
        assert_eq!(decrypt_external(&msg, &dk).unwrap().0, pt);
        for i in [unverified.wire_len() + 20, msg.len() - 1] {
            let mut bad = msg.clone();
            bad[i] ^= 1;
            assert!(decrypt_external(&bad, &dk).is_err(), "{suite:?} byte {i}");
        }
    }
}

#[test]
fn a_streaming_decryptor_hands_its_body_to_an_external_engine() {
    use envseal::{DecryptOptions, DecryptState, MessageDecryptor};
    let pt = plaintext(500, 6);
    let (msg, _) = encrypt(&keyring(1), &pt, &EncryptOptions { frame_length: 64, ..Default::default() }).unwrap();
    let header_len = header::parse(&msg, HeaderLimits::default()).unwrap().wire_len();
    let mut d = MessageDecryptor::new(DecryptOptions::default());
    let mut out = Vec::new();
    assert_eq!(d.push(&msg[..header_len + 10], &mut out).unwrap(), DecryptState::NeedDataKey);
    d.unwrap_with(&keyring(1)).unwrap();
    let (mut body, leftover) = d.into_body().unwrap();
    assert_eq!(leftover, &msg[header_len..header_len + 10]);
    let Ok(BodyStep::Frame(frame)) = body.next(&msg[header_len..], msg.len() - header_len) else { panic!("a frame") };
    assert_eq!((frame.params.seq, frame.params.is_final, frame.prefix_len, frame.sealed_len), (1, false, 16, 80));

    // read_header takes the header and nothing more: nothing is left behind for the body.
    let mut d = MessageDecryptor::new(DecryptOptions::default());
    assert_eq!(d.read_header(&msg[..7]).unwrap(), 7);
    assert_eq!(d.read_header(&msg[7..]).unwrap(), header_len - 7);
    assert_eq!(d.state(), DecryptState::NeedDataKey);
    assert_eq!(d.read_header(&msg[header_len..]).unwrap(), 0);
    d.unwrap_with(&keyring(1)).unwrap();
    let (mut body, leftover) = d.into_body().unwrap();
    assert!(leftover.is_empty());
    // A prefix without the whole frame: wait for the frame, nothing changes.
    assert!(matches!(body.next(&msg[header_len..header_len + 24], 50).unwrap(), BodyStep::Need(96)));
    assert_eq!(body.finish_external(50).unwrap_err().to_string(), "truncated message: the input ended inside frame 1");

    let mut d = MessageDecryptor::new(DecryptOptions::default());
    d.push(&msg, &mut out).unwrap();
    assert_eq!(d.into_body().err().map(|e| e.code()), Some("INVALID_STATE"), "no key yet");
}

#[test]
fn the_external_engine_is_told_about_trailing_bytes_and_truncation() {
    let (msg, _) =
        encrypt(&keyring(1), &plaintext(300, 7), &EncryptOptions { frame_length: 128, ..Default::default() }).unwrap();
    let unverified = header::parse(&msg, HeaderLimits::default()).unwrap();
    let full = unverified.header.encryption_context.clone();
    let dk = envseal::keyring::Keyring::on_decrypt(
        &keyring(1),
        &envseal::materials::DecryptionMaterials::new(unverified.header.suite, &full),
        &unverified.header.encrypted_data_keys,
    )
    .unwrap()
    .unwrap();
    assert_eq!(decrypt_external(&msg, &dk).unwrap().0, plaintext(300, 7));
    let mut long = msg.clone();
    long.extend_from_slice(b"xy");
    assert_eq!(decrypt_external(&long, &dk).unwrap_err().code(), "TRAILING_DATA");
    for cut in [1, 17, 40] {
        let short = &msg[..msg.len() - cut];
        assert_eq!(decrypt_external(short, &dk).unwrap_err().code(), "TRUNCATED", "cut {cut}");
    }
}
