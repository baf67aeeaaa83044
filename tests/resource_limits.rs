//! Crafted headers cost bounded memory and give clear errors. A counting global allocator
//! measures the peak heap use of each decryption attempt; the figures are printed
//! (`cargo test --test resource_limits -- --nocapture`) and bounded by assertions.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use common::keyring;
use envseal::{decrypt, DecryptOptions, DecryptState, Error, MessageDecryptor};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(now, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak heap growth while `f` runs, in bytes.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Relaxed);
    PEAK.store(base, Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed).saturating_sub(base))
}

/// A v2 header body up to (not including) the EDK count, with an empty context.
fn v2_prefix(suite: u16, ec: &[u8]) -> Vec<u8> {
    let mut h = vec![2];
    h.extend_from_slice(&suite.to_be_bytes());
    h.extend_from_slice(&[0x11; 32]);
    h.extend_from_slice(&(ec.len() as u16).to_be_bytes());
    h.extend_from_slice(ec);
    h
}

fn edk(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0, 1, b'p', 0, 1, b'i', 0, 1, 0xcc]);
}

fn tail(frame_length: u32) -> Vec<u8> {
    let mut t = vec![2];
    t.extend_from_slice(&frame_length.to_be_bytes());
    t.extend_from_slice(&[0x22; 32]);
    t.extend_from_slice(&[0x33; 16]); // header auth tag
    t
}

fn stream(msg: &[u8], options: DecryptOptions) -> Result<(), Error> {
    let mut d = MessageDecryptor::new(options);
    let mut out = Vec::new();
    for chunk in msg.chunks(4096) {
        if d.push(chunk, &mut out)? == DecryptState::NeedDataKey {
            d.unwrap_with(&keyring(1))?;
        }
    }
    d.finish(&mut out).map(|_| ())
}

#[test]
fn crafted_headers_cost_bounded_memory() {
    let mut report = Vec::new();
    let mut case = |name: &str, msg: &[u8], options: DecryptOptions, code: &str, max_bytes: usize| {
        let (r1, peak1) = peak_during(|| decrypt(&keyring(1), msg, &options));
        let (r2, peak2) = peak_during(|| stream(msg, options.clone()));
        for (how, r, peak) in [("one-shot", r1.map(|_| ()), peak1), ("stream", r2, peak2)] {
            let err = r.expect_err(name);
            assert_eq!(err.code(), code, "{name} ({how}): {err}");
            assert!(peak <= max_bytes, "{name} ({how}): peak {peak} bytes > {max_bytes}");
            report.push(format!("{name:<58} {how:<8} {:<16} peak {:>9} bytes", err.code(), peak));
        }
    };

    // Frame length 2^32 - 1: refused at the header by the default max_frame_length (64 MiB).
    let mut m = v2_prefix(0x0478, &[]);
    m.extend_from_slice(&1u16.to_be_bytes());
    edk(&mut m);
    m.extend_from_slice(&tail(u32::MAX));
    case("frame length 2^32-1 (default limit)", &m, DecryptOptions::default(), "LIMIT_EXCEEDED", 64 << 10);

    // The same with the limit lifted: the header is read, then no key matches; nothing sized by the frame length.
    let lifted = DecryptOptions { max_frame_length: u32::MAX, ..Default::default() };
    case("frame length 2^32-1 (limit lifted)", &m, lifted, "NO_MATCHING_KEY", 64 << 10);

    // 65535 EDKs: refused before any is read when max_encrypted_data_keys is set...
    let mut m = v2_prefix(0x0478, &[]);
    m.extend_from_slice(&u16::MAX.to_be_bytes());
    for _ in 0..u16::MAX {
        edk(&mut m);
    }
    m.extend_from_slice(&tail(4096));
    let capped = DecryptOptions { max_encrypted_data_keys: Some(10), ..Default::default() };
    case("65535 EDKs, max_encrypted_data_keys = 10", &m, capped, "TOO_MANY_EDKS", 16 << 10);
    // ...and without a cap they cost what they weigh (~9 bytes on the wire, ~80 in memory each).
    case("65535 EDKs, no cap", &m, DecryptOptions::default(), "NO_MATCHING_KEY", 24 << 20);
    // A count of 65535 with only 3 EDKs present: truncated, memory bounded by the input.
    let mut short = v2_prefix(0x0478, &[]);
    short.extend_from_slice(&u16::MAX.to_be_bytes());
    for _ in 0..3 {
        edk(&mut short);
    }
    case("65535 EDKs claimed, 3 present", &short, DecryptOptions::default(), "TRUNCATED", 16 << 10);

    // A 64 KiB encryption context (the largest the u16 length allows).
    let mut ec = vec![0, 1, 0, 1, b'k'];
    let value_len = 65535 - ec.len() - 2;
    ec.extend_from_slice(&(value_len as u16).to_be_bytes());
    ec.extend(std::iter::repeat_n(b'v', value_len));
    let mut m = v2_prefix(0x0478, &ec);
    m.extend_from_slice(&1u16.to_be_bytes());
    edk(&mut m);
    m.extend_from_slice(&tail(4096));
    case("64 KiB encryption context", &m, DecryptOptions::default(), "NO_MATCHING_KEY", 1 << 20);
    case("64 KiB context, truncated in it", &m[..40_000], DecryptOptions::default(), "TRUNCATED", 256 << 10);

    for line in &report {
        println!("{line}");
    }
}

#[test]
fn huge_footer_length_is_refused_before_reading_it() {
    use envseal::{encrypt, AlgorithmSuite, EncryptOptions};
    let options = EncryptOptions { suite: AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384, ..Default::default() };
    let (mut msg, _) = encrypt(&keyring(1), b"signed", &options).unwrap();
    // Find the footer: its u16 length sits right before the DER signature (0x30 ...).
    let footer = (0..msg.len() - 2)
        .rev()
        .find(|&i| usize::from(u16::from_be_bytes([msg[i], msg[i + 1]])) == msg.len() - i - 2 && msg[i + 2] == 0x30)
        .unwrap();
    msg[footer] = 0xff;
    msg[footer + 1] = 0xff;
    let err = decrypt(&keyring(1), &msg, &DecryptOptions::default()).unwrap_err();
    assert_eq!(err.code(), "MALFORMED_BODY", "{err}");
    assert!(err.to_string().contains("signature length 65535"), "{err}");
}
