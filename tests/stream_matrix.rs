//! Round trips over a matrix of plaintext lengths x frame lengths x write sizes x suites, with
//! the exact message layout checked against the format (not against our own output).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

use common::{context, keyring, plaintext};
use envseal::keyring::ForeignKeyring;
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

/// Body length per the format as the official SDKs write it: `len / F` regular frames of
/// `4 + 12 + F + 16` bytes, then a final frame of `4 + 4 + 12 + 4 + r + 16` with `r = len % F`
/// (an empty final frame when `len` is a multiple of `F`, 0 included).
fn expected_body_len(len: usize, f: usize) -> usize {
    let regular = len / f;
    let last = len % f;
    regular * (4 + 12 + f + 16) + (4 + 4 + 12 + 4 + last + 16)
}

#[test]
fn lengths_by_frame_lengths_by_write_sizes() {
    let mut cases = 0;
    for suite in SUITES {
        for f in [1usize, 7, 128, 4096] {
            let r = 3.min(f - 1);
            for len in [0, 1, f.saturating_sub(1), f, f + 1, 2 * f, 2 * f + r, 3 * f, 5 * f] {
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
    assert_eq!(cases, 2 * 4 * 9 * 5);
}

#[test]
fn a_plaintext_ending_on_a_frame_boundary_ends_with_an_empty_final_frame() {
    // What the official SDKs write, and all the official CLI (ESDK-Python 3.x) reads: k regular
    // frames, then a final frame holding 0 bytes. Checked byte by byte against the format.
    let f = 128;
    for suite in SUITES {
        for k in 1..=3u32 {
            for write in [1, f, f + 1, k as usize * f] {
                let options = EncryptOptions { suite, frame_length: f as u32, ..Default::default() };
                let msg = encrypt_in_pieces(&plaintext(k as usize * f, 0), write, &options);
                let header_len = envseal::format::header::parse(&msg, Default::default()).unwrap().wire_len();
                let body = &msg[header_len..];
                let regular = 4 + 12 + f + 16;
                for seq in 1..=k {
                    let at = (seq as usize - 1) * regular;
                    assert_eq!(&body[at..at + 4], &seq.to_be_bytes(), "k {k} write {write}: regular frame {seq}");
                }
                let final_frame = &body[k as usize * regular..];
                assert_eq!(&final_frame[..4], &[0xff; 4], "k {k} write {write}: final-frame marker");
                assert_eq!(&final_frame[4..8], &(k + 1).to_be_bytes(), "final frame's sequence number");
                assert_eq!(&final_frame[20..24], &0u32.to_be_bytes(), "final frame's content length");
                let footer = &final_frame[24 + 16..];
                if suite.is_signing() {
                    let sig_len = u16::from_be_bytes([footer[0], footer[1]]) as usize;
                    assert_eq!(footer.len(), 2 + sig_len, "only the signature follows the final frame");
                } else {
                    assert!(footer.is_empty(), "nothing follows the final frame");
                }
            }
        }
    }
}

#[test]
fn a_full_final_frame_written_by_others_is_still_read() {
    // The spec allows (SHOULD) a full final frame; envseal no longer writes one but must read it.
    // Built by hand from the frame-level API: one final frame of exactly F bytes.
    let f = 128;
    let pt = plaintext(f, 9);
    let kr = keyring(1);
    let options = EncryptOptions { frame_length: f as u32, ..Default::default() };
    let mut enc = encryptor(&kr, &options).unwrap();
    let mut msg = enc.take_header().unwrap();
    let p = enc.begin_frame(f, true).unwrap();
    msg.extend_from_slice(&p.prefix);
    let cipher = Aes256Gcm::new_from_slice(enc.content_key().as_bytes()).unwrap();
    msg.extend_from_slice(&cipher.encrypt(&Nonce::from(p.iv), Payload { msg: &pt, aad: &p.aad }).unwrap());
    msg.extend_from_slice(&enc.footer().unwrap());
    assert_eq!(msg.len(), envseal::format::header::parse(&msg, Default::default()).unwrap().wire_len() + 24 + f + 16);
    for read in [1, 7, msg.len()] {
        assert_eq!(decrypt_in_pieces(&msg, read), pt, "read {read}");
    }
    assert_eq!(decrypt(&kr, &msg, &DecryptOptions::default()).unwrap().0, pt);
}

#[test]
fn a_keyring_call_that_cannot_be_answered_ends_the_decryption() {
    let msg = encrypt_in_pieces(&plaintext(100, 5), 100, &EncryptOptions::default());
    let mut d = MessageDecryptor::new(DecryptOptions::default());
    d.read_header(&msg).unwrap();
    // A keyring the core does not hold asks its caller to unwrap; natively nobody can answer.
    let error = d.unwrap_with(&ForeignKeyring::new("the application's keyring".into())).unwrap_err();
    assert_eq!(error.code(), "INVALID_STATE", "{error}");
    // The decryptor does not go on afterwards, with another keyring or with the body.
    assert_eq!(d.unwrap_with(&keyring(1)).unwrap_err().code(), "INVALID_STATE");
    let body = d.push(&msg, &mut Vec::new()).unwrap_err();
    assert!(body.to_string().contains("an earlier error ended this decryption"), "{body}");
}
