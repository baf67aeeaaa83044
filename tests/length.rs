//! Exact message length before encrypting: what `ciphertext_length` and `expect_plaintext_len`
//! predict is what the encryptor writes, over sizes x frame lengths x suites; plaintext of
//! another length is refused before a frame of it is written; signatures have a fixed length.

mod common;

use common::{keyring, plaintext};
use envseal::{ciphertext_length, decrypt, encrypt, AlgorithmSuite, DecryptOptions, EncryptOptions, MessageHeader};

const SUITES: [AlgorithmSuite; 2] =
    [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384];

fn options(suite: AlgorithmSuite, frame_length: u32) -> EncryptOptions {
    EncryptOptions { suite, frame_length, ..Default::default() }
}

/// Bytes of a header as written: the message's first bytes up to the first frame, counted by
/// parsing (not by the function under test).
fn parsed_header_len(message: &[u8]) -> usize {
    envseal::format::header::parse(message, Default::default()).unwrap().wire_len()
}

#[test]
fn predicted_length_is_written_length_for_sizes_frames_and_suites() {
    let mut checked = 0;
    for suite in SUITES {
        for frame in [1u32, 7, 64, 4096] {
            let f = frame as usize;
            for size in [0, 1, f.saturating_sub(1), f, f + 1, 2 * f, 3 * f + 5, 10_000] {
                let pt = plaintext(size, size as u8);
                let (message, header) = encrypt(&keyring(1), &pt, &options(suite, frame)).unwrap();
                let predicted = ciphertext_length(&header, size as u64).unwrap();
                assert_eq!(predicted, message.len() as u64, "{suite:?} frame {frame} size {size}");
                assert_eq!(header.wire_len().unwrap(), parsed_header_len(&message));
                // By the format's own arithmetic, independently: regular frames of F + 32 bytes, a
                // final frame of r + 40, and for the signed suite a 2-byte length and 103 bytes.
                let footer = if suite.signature().is_some() { 105 } else { 0 };
                let by_hand = parsed_header_len(&message) + (size / f) * (f + 32) + size % f + 40 + footer;
                assert_eq!(by_hand, message.len(), "{suite:?} frame {frame} size {size}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 4 * 8);
}

#[test]
fn a_promised_length_is_kept_whatever_the_pieces() {
    for suite in SUITES {
        for size in [0usize, 1, 100, 4096, 10_000] {
            let pt = plaintext(size, 3);
            let mut enc = envseal::encryptor(&keyring(2), &options(suite, 100)).unwrap();
            let promised = enc.expect_plaintext_len(size as u64).unwrap();
            let mut out = Vec::new();
            for piece in pt.chunks(37) {
                enc.push(piece, &mut out).unwrap();
            }
            enc.finish(&mut out).unwrap();
            assert_eq!(out.len() as u64, promised, "{suite:?} {size}");
            assert_eq!(decrypt(&keyring(2), &out, &DecryptOptions::default()).unwrap().0, pt);
        }
    }
}

#[test]
fn another_length_fails_before_a_frame_of_it_is_written() {
    for suite in SUITES {
        // More than promised: the frame that would pass the promise is refused.
        let mut enc = envseal::encryptor(&keyring(3), &options(suite, 10)).unwrap();
        enc.expect_plaintext_len(25).unwrap();
        let mut out = Vec::new();
        enc.push(&[7; 20], &mut out).unwrap(); // two frames of 10
        let before = out.len();
        let err = enc.push(&[7; 10], &mut out).unwrap_err();
        assert_eq!(err.code(), "LENGTH_MISMATCH", "{err}");
        assert!(err.to_string().contains("given as 25 bytes, but the input holds at least 30"), "{err}");
        assert_eq!(out.len(), before, "nothing of the refused frame was written");

        // Less than promised: the final frame is refused, so the message stays incomplete.
        let mut enc = envseal::encryptor(&keyring(3), &options(suite, 10)).unwrap();
        enc.expect_plaintext_len(25).unwrap();
        let mut out = Vec::new();
        enc.push(&[7; 24], &mut out).unwrap();
        let err = enc.finish(&mut out).unwrap_err();
        assert_eq!(err.code(), "LENGTH_MISMATCH");
        assert!(err.to_string().contains("the input ended after 24 bytes"), "{err}");

        // Past the end of what fits, and promising twice or late.
        let mut enc = envseal::encryptor(&keyring(3), &options(suite, 1)).unwrap();
        assert_eq!(enc.expect_plaintext_len(1 << 40).unwrap_err().code(), "LIMIT_EXCEEDED");
        let mut enc = envseal::encryptor(&keyring(3), &options(suite, 10)).unwrap();
        enc.expect_plaintext_len(5).unwrap();
        assert_eq!(enc.expect_plaintext_len(5).unwrap_err().code(), "INVALID_STATE");
        let mut enc = envseal::encryptor(&keyring(3), &options(suite, 10)).unwrap();
        enc.push(&[1; 10], &mut Vec::new()).unwrap();
        assert_eq!(enc.expect_plaintext_len(10).unwrap_err().code(), "INVALID_STATE");
    }
}

#[test]
fn signatures_always_have_the_fixed_length() {
    // About half of all P-384 signatures are shorter than 103 bytes before fixing; 64 messages
    // all of the fixed length would be a 2^-64 accident otherwise.
    for i in 0..64u8 {
        let (message, _) = encrypt(&keyring(4), &[i], &options(SUITES[1], 16)).unwrap();
        let footer = &message[message.len() - 105..];
        assert_eq!(&footer[..2], &[0, 103], "message {i}: the footer's length field");
        assert_eq!(footer[2], 0x30, "a DER sequence");
        assert_eq!(decrypt(&keyring(4), &message, &DecryptOptions::default()).unwrap().0, [i]);
    }
}

#[test]
fn non_framed_headers_have_no_length() {
    let (_, mut header): (Vec<u8>, MessageHeader) = encrypt(&keyring(5), b"x", &options(SUITES[0], 16)).unwrap();
    header.content_type = envseal::ContentType::NonFramed;
    header.frame_length = 0;
    assert_eq!(ciphertext_length(&header, 1).unwrap_err().code(), "INVALID_ARGUMENT");
}
