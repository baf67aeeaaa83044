//! Ranged decryption (`decrypt_range` over `Read + Seek`): random ranges of messages of many
//! frames give the plaintext's slice while reading only the header, the frames that hold the
//! range and the final frame; tampered, truncated, extended and reordered messages fail with a
//! coded error where the range (or the final frame) touches them; signed messages are refused
//! unless allowed.

mod common;

use std::io::{Cursor, Read, Seek, SeekFrom};

use common::{keyring, plaintext};
use envseal::{decrypt_range, encrypt, AlgorithmSuite, DecryptOptions, EncryptOptions, Error};

const F: u64 = 100;

/// A `Read + Seek` over bytes that records every read as (offset, length).
struct Counting {
    inner: Cursor<Vec<u8>>,
    reads: Vec<(u64, u64)>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let at = self.inner.position();
        let n = self.inner.read(buf)?;
        self.reads.push((at, n as u64));
        Ok(n)
    }
}

impl Seek for Counting {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

fn message(suite: AlgorithmSuite, size: usize) -> (Vec<u8>, Vec<u8>, u64) {
    let pt = plaintext(size, 9);
    let options = EncryptOptions { suite, frame_length: F as u32, ..Default::default() };
    let (msg, header) = encrypt(&keyring(1), &pt, &options).unwrap();
    let header_len = header.wire_len().unwrap() as u64;
    (msg, pt, header_len)
}

/// What a ranged read gave, and the reads (offset, length) it made.
type Ranged = (Result<Vec<u8>, Error>, Vec<(u64, u64)>);

fn range(msg: &[u8], start: u64, end: u64, allow_signed: bool) -> Ranged {
    let mut source = Counting { inner: Cursor::new(msg.to_vec()), reads: Vec::new() };
    let r =
        decrypt_range(&keyring(1), &mut source, start..end, &DecryptOptions::default(), allow_signed).map(|(p, _)| p);
    (r, source.reads)
}

/// A deterministic generator of numbers below `n`.
fn below(state: &mut u64, n: u64) -> u64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (*state >> 33) % n.max(1)
}

#[test]
fn random_ranges_give_the_slice_and_read_only_the_frames_they_need() {
    let size = 50 * F as usize + 37; // 50 regular frames and a final frame of 37 bytes
    let (msg, pt, h) = message(AlgorithmSuite::DEFAULT, size);
    let stride = F + 32;
    let final_at = h + 50 * stride;
    let mut state = 7;
    for _ in 0..200 {
        let start = below(&mut state, size as u64 + 1);
        let end = start + below(&mut state, size as u64 - start + 1);
        let (got, reads) = range(&msg, start, end, false);
        assert_eq!(got.unwrap(), &pt[start as usize..end as usize], "{start}-{end}");
        // What may be read: the header (in reads of at most 4 KiB from offset 0, so up to 4 KiB
        // past it), each frame that holds a byte of the range, and the final frame.
        let needed: Vec<u64> = if start < end { (start / F..=(end - 1) / F).collect() } else { vec![] };
        for &(offset, len) in &reads {
            if offset < h {
                assert!(offset + len <= h.max(4096) + 4096, "{start}-{end}: header read {offset}+{len}");
                continue;
            }
            let i = (offset - h) / stride;
            let is_final = offset == final_at;
            assert!(
                is_final || ((offset - h) % stride == 0 && needed.contains(&i)),
                "{start}-{end}: read {offset}+{len}"
            );
            assert_eq!(len, if is_final { 37 + 40 } else { stride }, "{start}-{end}: whole frames only");
        }
        let body_read: u64 = reads.iter().filter(|(o, _)| *o >= h).map(|(_, l)| l).sum();
        assert!(body_read <= (needed.len() as u64) * stride + 77, "{start}-{end}: {body_read} body bytes read");
    }
}

#[test]
fn sizes_around_the_frame_length() {
    for size in [0, 1, F - 1, F, F + 1, 2 * F, 3 * F + 5] {
        let (msg, pt, _) = message(AlgorithmSuite::DEFAULT, size as usize);
        for (start, end) in [(0, size), (0, 0), (size / 2, size), (size, size)] {
            assert_eq!(
                range(&msg, start, end, false).0.unwrap(),
                &pt[start as usize..end as usize],
                "{size}: {start}-{end}"
            );
        }
        let err = range(&msg, 0, size + 1, false).0.unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT", "{err}");
    }
}

#[test]
fn a_tampered_frame_fails_only_the_ranges_that_read_it() {
    let (msg, pt, h) = message(AlgorithmSuite::DEFAULT, 10 * F as usize);
    let mut bad = msg.clone();
    bad[(h + 3 * (F + 32) + 40) as usize] ^= 1; // inside frame 3's ciphertext
    assert_eq!(range(&bad, 3 * F + 1, 3 * F + 2, false).0.unwrap_err().code(), "DECRYPT_FAILED");
    assert_eq!(range(&bad, 2 * F, 5 * F, false).0.unwrap_err().code(), "DECRYPT_FAILED");
    // Frames 0-2 and 4-9 are not frame 3: their ranges still read.
    assert_eq!(range(&bad, 0, 3 * F, false).0.unwrap(), &pt[..3 * F as usize]);
    assert_eq!(range(&bad, 4 * F, 10 * F, false).0.unwrap(), &pt[4 * F as usize..]);
}

#[test]
fn truncated_extended_and_reordered_messages_fail_with_codes() {
    let (msg, _, h) = message(AlgorithmSuite::DEFAULT, 10 * F as usize + 10);
    let stride = (F + 32) as usize;
    let h = h as usize;
    // Cut off the final frame, or a byte of it, or append a byte: the size no longer lands on an
    // authentic final frame.
    for (what, bytes) in [
        ("no final frame", msg[..msg.len() - 50].to_vec()),
        ("a byte short", msg[..msg.len() - 1].to_vec()),
        ("a byte more", [&msg[..], &[0]].concat()),
        ("a whole frame short", [&msg[..h + 9 * stride], &msg[h + 10 * stride..]].concat()),
    ] {
        let err = range(&bytes, 0, 1, false).0.unwrap_err();
        assert!(["MALFORMED_BODY", "TRUNCATED", "DECRYPT_FAILED"].contains(&err.code()), "{what}: {err}");
    }
    // Frames 2 and 3 swapped: each is where another frame belongs.
    let mut swapped = msg.clone();
    swapped[h + 2 * stride..h + 3 * stride].copy_from_slice(&msg[h + 3 * stride..h + 4 * stride]);
    swapped[h + 3 * stride..h + 4 * stride].copy_from_slice(&msg[h + 2 * stride..h + 3 * stride]);
    let err = range(&swapped, 2 * F, 2 * F + 1, false).0.unwrap_err();
    assert_eq!(err.code(), "MALFORMED_BODY", "{err}");
    assert!(err.to_string().contains("frame 3 was expected"), "{err}");
    // A modified header never verifies.
    let mut header = msg.clone();
    header[10] ^= 1;
    assert!(range(&header, 0, 1, false).0.is_err());
}

#[test]
fn signed_messages_are_refused_unless_allowed() {
    let (msg, pt, _) = message(AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384, 7 * F as usize + 3);
    let (refused, reads) = range(&msg, 0, 10, false);
    assert_eq!(refused.unwrap_err().code(), "SIGNED_MESSAGE_REFUSED");
    assert!(reads.iter().all(|(o, _)| *o < 4096), "nothing but the header was read: {reads:?}");
    for (start, end) in [(0, 10), (3 * F - 1, 3 * F + 1), (0, 7 * F + 3), (7 * F, 7 * F + 3)] {
        assert_eq!(range(&msg, start, end, true).0.unwrap(), &pt[start as usize..end as usize]);
    }
    // The footer's length is read from the end: a message cut inside it has none.
    assert!(range(&msg[..msg.len() - 20], 0, 10, true).0.is_err());
}
