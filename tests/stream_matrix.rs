//! Round trips over a matrix of plaintext lengths x frame lengths x write sizes x suites, with
//! the exact message layout checked against the format (not against our own output).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{context, keyring, plaintext};
use envseal::{decrypt, encryptor, AlgorithmSuite, DecryptOptions, DecryptState, EncryptOptions, MessageDecryptor};

const SUITES: [AlgorithmSuite; 2] =
    [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384];

fn encrypt_in_pieces(pt: &[u8], write: usize, options: &EncryptOptions) -> Vec<u8> {
    let kr = keyring(1);
    let mut enc = encryptor(&kr, options).unwrap();
    let mut out = Vec::new();
    for piece in pt.chunks(write.max(1)) {
        enc.push(piece, &mut out).unwrap();
    }
    enc.finish(&mut out).unwrap();
    out
}

fn decrypt_in_pieces(msg: &[u8], read: usize) -> Vec<u8> {
    let kr = keyring(1);
    let mut d = MessageDecryptor::new(DecryptOptions::default());
    let mut out = Vec::new();
    for piece in msg.chunks(read.max(1)) {
        if d.push(piece, &mut out).unwrap() == DecryptState::NeedDataKey {
            d.unwrap_with(&kr).unwrap();
        }
    }
    d.finish(&mut out).unwrap();
    out
}

/// Body length per the spec: regular frames of `4 + 12 + F + 16` bytes, then a final frame of
/// `4 + 4 + 12 + 4 + r + 16` with `r` in `1..=F` (0 only for an empty message).
fn expected_body_len(len: usize, f: usize) -> usize {
    let regular = if len == 0 { 0 } else { (len - 1) / f };
    let last = len - regular * f;
    regular * (4 + 12 + f + 16) + (4 + 4 + 12 + 4 + last + 16)
}

#[test]
fn lengths_by_frame_lengths_by_write_sizes() {
    let mut cases = 0;
    for suite in SUITES {
        for f in [1usize, 7, 128, 4096] {
            let r = 3.min(f - 1);
            for len in [0, 1, f.saturating_sub(1), f, f + 1, 2 * f + r, 5 * f] {
                let pt = plaintext(len, len as u8);
                let options = EncryptOptions {
                    suite,
                    frame_length: f as u32,
                    encryption_context: context(&[("case", &format!("{len}/{f}"))]),
                    ..EncryptOptions::default()
                };
                let mut reference_len = None;
                for write in [1, 3, f, f + 1, len + 1] {
                    let msg = encrypt_in_pieces(&pt, write, &options);
                    // Unsigned messages have a fixed length; signed ones vary by a DER byte or two.
                    let header_len = envseal::format::header::parse(&msg, Default::default()).unwrap().wire_len();
                    let body = msg.len() - header_len;
                    if suite.is_signing() {
                        let footer = body - expected_body_len(len, f);
                        assert!((2 + 8..=2 + 104).contains(&footer), "footer {footer}");
                    } else {
                        assert_eq!(body, expected_body_len(len, f), "len {len} frame {f} write {write}");
                        assert_eq!(*reference_len.get_or_insert(msg.len()), msg.len());
                    }
                    for read in [1, 5, f + 3, msg.len()] {
                        assert_eq!(decrypt_in_pieces(&msg, read), pt, "len {len} frame {f} w {write} r {read}");
                    }
                    let (one_shot, header) = decrypt(&keyring(1), &msg, &DecryptOptions::default()).unwrap();
                    assert_eq!(one_shot, pt);
                    assert_eq!(header.frame_length as usize, f);
                    assert_eq!(header.suite, suite);
                    assert_eq!(header.encryption_context.get("case").map(String::as_str), Some(&*format!("{len}/{f}")));
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 2 * 4 * 7 * 5);
}

#[test]
fn a_full_last_frame_is_the_final_frame() {
    // spec: the final frame SHOULD be a full frame when the length is a multiple of the frame length.
    let msg = encrypt_in_pieces(&plaintext(256, 0), 256, &EncryptOptions { frame_length: 128, ..Default::default() });
    let header_len = envseal::format::header::parse(&msg, Default::default()).unwrap().wire_len();
    let body = &msg[header_len..];
    assert_eq!(&body[..4], &1u32.to_be_bytes(), "one regular frame");
    let final_frame = &body[4 + 12 + 128 + 16..];
    assert_eq!(&final_frame[..8], &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2]);
    assert_eq!(&final_frame[20..24], &128u32.to_be_bytes());
}
