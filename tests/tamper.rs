//! Hostile input: every flipped byte, every truncation, reordered and duplicated frames, trailing
//! bytes. Each gives an error (never success, never a panic), and streaming decryption never
//! releases plaintext that is not a prefix of the true plaintext.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{context, keyring, plaintext};
use envseal::{
    decrypt, encrypt, AlgorithmSuite, DecryptOptions, DecryptState, EncryptOptions, Error, FrameIvs, MessageDecryptor,
};

fn message(suite: AlgorithmSuite, len: usize, frame: u32) -> (Vec<u8>, Vec<u8>) {
    let pt = plaintext(len, 9);
    let options = EncryptOptions {
        suite,
        frame_length: frame,
        encryption_context: context(&[("tenant", "acme"), ("purpose", "tamper test")]),
        ..EncryptOptions::default()
    };
    (encrypt(&keyring(1), &pt, &options).unwrap().0, pt)
}

/// Streams `msg` in `chunk`-byte pieces; returns what was released and the result.
fn stream(msg: &[u8], chunk: usize) -> (Vec<u8>, Result<(), Error>) {
    let mut d = MessageDecryptor::new(DecryptOptions::default());
    let mut out = Vec::new();
    for piece in msg.chunks(chunk) {
        match d.push(piece, &mut out) {
            Ok(DecryptState::NeedDataKey) => {
                if let Err(e) = d.unwrap_with(&keyring(1)) {
                    return (out, Err(e));
                }
            }
            Ok(_) => {}
            Err(e) => return (out, Err(e)),
        }
    }
    let r = d.finish(&mut out).map(|_| ());
    (out, r)
}

#[test]
fn every_flipped_bit_is_rejected() {
    for suite in [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
        for (len, frame) in [(0, 64), (100, 32), (300, 128)] {
            let (msg, pt) = message(suite, len, frame);
            for i in 0..msg.len() {
                for bit in [0x01u8, 0x80] {
                    let mut bad = msg.clone();
                    bad[i] ^= bit;
                    let err = decrypt(&keyring(1), &bad, &DecryptOptions::default()).unwrap_err();
                    assert!(!err.code().is_empty());
                    let (released, r) = stream(&bad, 7);
                    assert!(r.is_err(), "suite {suite:?} len {len} byte {i} bit {bit:#x} accepted");
                    assert!(pt.starts_with(&released), "byte {i}: released bytes that are not plaintext");
                }
            }
        }
    }
}

#[test]
fn every_truncation_is_rejected_as_truncated() {
    for suite in [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
        let (msg, pt) = message(suite, 200, 64);
        for cut in 0..msg.len() {
            let err = decrypt(&keyring(1), &msg[..cut], &DecryptOptions::default()).unwrap_err();
            assert_eq!(err.code(), "TRUNCATED", "cut at {cut}: {err}");
            let (released, r) = stream(&msg[..cut], 13);
            assert_eq!(r.unwrap_err().code(), "TRUNCATED", "stream cut at {cut}");
            // The final frame is never released from a truncated message.
            assert!(released.len() < pt.len() && pt.starts_with(&released));
        }
    }
}

#[test]
fn trailing_bytes_are_rejected() {
    let (msg, _) = message(AlgorithmSuite::DEFAULT, 100, 64);
    for extra in [&[0u8][..], &msg[..]] {
        let mut bad = msg.clone();
        bad.extend_from_slice(extra);
        assert_eq!(
            decrypt(&keyring(1), &bad, &DecryptOptions::default()).unwrap_err(),
            Error::TrailingData { extra: extra.len() }
        );
        let (released, r) = stream(&bad, 1000);
        assert_eq!(r.unwrap_err().code(), "TRAILING_DATA");
        assert!(released.len() < 100, "final frame withheld");
    }
}

#[test]
fn reordered_dropped_and_duplicated_frames_are_rejected() {
    let frame = 32usize;
    let (msg, _) = message(AlgorithmSuite::DEFAULT, 4 * frame + 5, frame as u32);
    let h = envseal::format::header::parse(&msg, Default::default()).unwrap().wire_len();
    let f = 4 + 12 + frame + 16;
    let frames: Vec<&[u8]> = (0..4).map(|i| &msg[h + i * f..h + (i + 1) * f]).collect();
    let last = &msg[h + 4 * f..];
    let build = |order: &[usize], with_last: bool| {
        let mut m = msg[..h].to_vec();
        for &i in order {
            m.extend_from_slice(frames[i]);
        }
        if with_last {
            m.extend_from_slice(last);
        }
        m
    };
    assert!(decrypt(&keyring(1), &build(&[0, 1, 2, 3], true), &DecryptOptions::default()).is_ok());
    for (order, with_last) in
        [(&[1, 0, 2, 3][..], true), (&[0, 1, 3][..], true), (&[0, 1, 1, 2, 3][..], true), (&[0, 1, 2, 3][..], false)]
    {
        let err = decrypt(&keyring(1), &build(order, with_last), &DecryptOptions::default()).unwrap_err();
        assert!(matches!(err.code(), "MALFORMED_BODY" | "TRUNCATED"), "{order:?}: {err}");
    }
}

#[test]
fn wrong_key_and_context_errors_are_specific() {
    let (msg, _) = message(AlgorithmSuite::DEFAULT, 10, 64);
    assert_eq!(decrypt(&keyring(2), &msg, &DecryptOptions::default()).unwrap_err().code(), "NO_MATCHING_KEY");
    let other = envseal::RawAesKeyring::new("other-ns", "k", &envseal::DataKey::new(vec![1; 32])).unwrap();
    let err = decrypt(&other, &msg, &DecryptOptions::default()).unwrap_err();
    assert_eq!(err.code(), "NO_MATCHING_KEY");
    assert!(err.to_string().contains("test-ns"), "names the message's providers: {err}");
    let mismatch = DecryptOptions { encryption_context: context(&[("tenant", "evil")]), ..Default::default() };
    assert_eq!(decrypt(&keyring(1), &msg, &mismatch).unwrap_err().code(), "ENCRYPTION_CONTEXT_MISMATCH");
    let missing = DecryptOptions { encryption_context: context(&[("absent", "x")]), ..Default::default() };
    assert_eq!(decrypt(&keyring(1), &msg, &missing).unwrap_err().code(), "ENCRYPTION_CONTEXT_MISMATCH");
    let subset = DecryptOptions { encryption_context: context(&[("tenant", "acme")]), ..Default::default() };
    assert!(decrypt(&keyring(1), &msg, &subset).is_ok());
    let few = DecryptOptions { max_encrypted_data_keys: Some(0), ..Default::default() };
    assert_eq!(decrypt(&keyring(1), &msg, &few).unwrap_err().code(), "TOO_MANY_EDKS");
}

#[test]
fn encrypt_rejects_bad_options() {
    let kr = keyring(1);
    for options in [
        EncryptOptions { frame_length: 0, ..Default::default() },
        EncryptOptions { frame_length: 1 << 31, ..Default::default() },
        EncryptOptions { suite: AlgorithmSuite::Aes256GcmIv12Tag16HkdfSha256, ..Default::default() },
        EncryptOptions { encryption_context: context(&[("aws-crypto-public-key", "x")]), ..Default::default() },
    ] {
        let err = encrypt(&kr, b"x", &options).unwrap_err();
        assert!(matches!(err.code(), "INVALID_ARGUMENT" | "COMMITMENT_POLICY"), "{err}");
    }
}

/// A message sealed correctly under its own key and AADs, except that every frame uses the IV of
/// frame 1 (as a buggy or hostile writer could): each frame's tag verifies, so only the IV check
/// can refuse it.
fn message_reusing_one_iv(suite: AlgorithmSuite, frames: usize, f: usize) -> Vec<u8> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Nonce};
    let options = EncryptOptions { suite, frame_length: f as u32, ..EncryptOptions::default() };
    let mut enc = envseal::encryptor(&keyring(1), &options).unwrap();
    let cipher = Aes256Gcm::new_from_slice(enc.content_key().as_bytes()).unwrap();
    let mut msg = enc.take_header().unwrap();
    let mut reused = None;
    for i in 0..frames {
        let is_final = i + 1 == frames;
        let mut p = enc.begin_frame(f, is_final).unwrap();
        let iv = *reused.get_or_insert(p.iv);
        let at = if is_final { 8 } else { 4 };
        p.prefix[at..at + 12].copy_from_slice(&iv);
        let sealed = cipher.encrypt(&Nonce::from(iv), Payload { msg: &plaintext(f, i as u8), aad: &p.aad }).unwrap();
        enc.absorb(&p.prefix);
        enc.absorb(&sealed);
        msg.extend_from_slice(&p.prefix);
        msg.extend_from_slice(&sealed);
    }
    msg.extend_from_slice(&enc.footer().unwrap());
    msg
}

#[test]
fn frames_whose_iv_is_not_their_sequence_number_are_refused() {
    // spec: the IV of a frame is its sequence number, padded. Before this check such a message
    // decrypted (its tags verify).
    for suite in [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
        let msg = message_reusing_one_iv(suite, 3, 64);
        let e = decrypt(&keyring(1), &msg, &DecryptOptions::default()).unwrap_err();
        assert_eq!(e.code(), "MALFORMED_BODY", "{e}");
        assert!(e.to_string().contains("frame 2 has IV 000000000000000000000001"), "{e}");
        for chunk in [1, 17, msg.len()] {
            let (released, r) = stream(&msg, chunk);
            assert_eq!(r.unwrap_err().code(), "MALFORMED_BODY");
            assert!(plaintext(64, 0).starts_with(&released), "at most frame 1, whose IV is right, was released");
        }
        // One frame only (its IV is right): it decrypts, so the crafting itself is sound.
        let single = message_reusing_one_iv(suite, 1, 64);
        assert_eq!(decrypt(&keyring(1), &single, &DecryptOptions::default()).unwrap().0, plaintext(64, 0));
        // Accepting older writers' IVs still refuses one IV used twice.
        let unique = DecryptOptions { frame_ivs: FrameIvs::Unique, ..DecryptOptions::default() };
        let e = decrypt(&keyring(1), &msg, &unique).unwrap_err();
        assert_eq!(e.code(), "MALFORMED_BODY", "{e}");
        assert!(e.to_string().contains("frame 2 reuses the IV 000000000000000000000001"), "{e}");
    }
}
