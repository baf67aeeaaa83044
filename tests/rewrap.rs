//! Rewrap: new encrypted data keys for a stored message, its body copied byte for byte. The new
//! key opens it and the old one no longer does; the message id, suite, frame length and context
//! stay; signed messages get a new signature (and public key) after the old one verified; a bad
//! old signature, a wrong key, truncation and trailing bytes are refused; a modified frame is
//! copied as it is and still fails at decryption.

mod common;

use common::{context, keyring, plaintext};
use envseal::crypto::signature::PUBLIC_KEY_CONTEXT_KEY;
use envseal::{
    decrypt, encrypt, rewrap, AlgorithmSuite, DecryptOptions, EncryptOptions, MessageDecryptor, MultiKeyring, Rewrapper,
};

const SUITES: [AlgorithmSuite; 2] =
    [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384];
const F: usize = 64;

fn message(suite: AlgorithmSuite, size: usize) -> (Vec<u8>, Vec<u8>) {
    let pt = plaintext(size, size as u8);
    let options = EncryptOptions {
        suite,
        frame_length: F as u32,
        encryption_context: context(&[("tenant", "acme")]),
        ..Default::default()
    };
    (encrypt(&keyring(1), &pt, &options).unwrap().0, pt)
}

fn header_len(msg: &[u8]) -> usize {
    envseal::format::header::parse(msg, Default::default()).unwrap().wire_len()
}

#[test]
fn the_new_key_opens_it_the_old_one_does_not_and_the_body_is_the_same_bytes() {
    let d = DecryptOptions::default();
    for suite in SUITES {
        for size in [0, 1, F - 1, F, F + 1, 5 * F + 3] {
            let (old, pt) = message(suite, size);
            let (new, header) = rewrap(&keyring(1), &keyring(2), &old, &d).unwrap();
            assert_eq!(decrypt(&keyring(2), &new, &d).unwrap().0, pt, "{suite:?} {size}");
            assert_eq!(decrypt(&keyring(1), &new, &d).unwrap_err().code(), "NO_MATCHING_KEY");
            let (old_h, new_h) = (header_len(&old), header_len(&new));
            let footer = if suite.signature().is_some() { 105 } else { 0 };
            assert_eq!(old[old_h..old.len() - footer], new[new_h..new.len() - footer], "the frames are copied");
            let old_header = decrypt(&keyring(1), &old, &d).unwrap().1;
            assert_eq!(header.message_id, old_header.message_id);
            assert_eq!((header.suite, header.frame_length), (old_header.suite, old_header.frame_length));
            assert_eq!(header.encryption_context["tenant"], "acme");
            assert_eq!(header.encrypted_data_keys.len(), 1);
            assert_ne!(header.encrypted_data_keys[0].ciphertext, old_header.encrypted_data_keys[0].ciphertext);
            if suite.signature().is_some() {
                assert_ne!(
                    header.encryption_context[PUBLIC_KEY_CONTEXT_KEY],
                    old_header.encryption_context[PUBLIC_KEY_CONTEXT_KEY],
                    "a new signing key"
                );
            }
        }
    }
}

#[test]
fn streamed_in_any_pieces_and_to_several_keys() {
    let d = DecryptOptions::default();
    let both = MultiKeyring::new(Some(std::sync::Arc::new(keyring(3))), vec![std::sync::Arc::new(keyring(4))]).unwrap();
    for suite in SUITES {
        let (old, pt) = message(suite, 20 * F + 7);
        for piece in [1, 7, F + 1, 1000] {
            let mut dec = MessageDecryptor::new(d.clone());
            let used = dec.read_header(&old).unwrap();
            let mut rw = Rewrapper::new(dec, &keyring(1), &both).unwrap();
            let mut out = Vec::new();
            for chunk in old[used..].chunks(piece) {
                rw.push(chunk, &mut out).unwrap();
            }
            rw.finish(&mut out).unwrap();
            for k in [3, 4] {
                assert_eq!(decrypt(&keyring(k), &out, &d).unwrap().0, pt, "{suite:?} pieces of {piece}, key {k}");
            }
        }
    }
}

#[test]
fn what_cannot_be_rewrapped_is_refused() {
    let d = DecryptOptions::default();
    for suite in SUITES {
        let (old, _) = message(suite, 3 * F);
        assert_eq!(rewrap(&keyring(9), &keyring(2), &old, &d).unwrap_err().code(), "NO_MATCHING_KEY");
        assert_eq!(rewrap(&keyring(1), &keyring(2), &old[..old.len() - 1], &d).unwrap_err().code(), "TRUNCATED");
        assert_eq!(
            rewrap(&keyring(1), &keyring(2), &[&old[..], &[0]].concat(), &d).unwrap_err().code(),
            "TRAILING_DATA"
        );
        assert!(rewrap(&keyring(1), &keyring(2), &old[..10], &d).is_err());
        let mut header = old.clone();
        header[40] ^= 1;
        assert!(rewrap(&keyring(1), &keyring(2), &header, &d).is_err(), "a modified header does not verify");
        // Pairs the header does not store: this message was not written with them.
        let required = DecryptOptions { encryption_context: context(&[("not", "stored")]), ..Default::default() };
        assert_eq!(
            rewrap(&keyring(1), &keyring(2), &old, &required).unwrap_err().code(),
            "ENCRYPTION_CONTEXT_MISMATCH"
        );
    }
    // The old signature is verified: a signed message with a modified signature is not re-signed.
    let (mut signed, _) = message(SUITES[1], 3 * F);
    let last = signed.len() - 1;
    signed[last] ^= 1;
    assert_eq!(rewrap(&keyring(1), &keyring(2), &signed, &d).unwrap_err().code(), "SIGNATURE_INVALID");
}

#[test]
fn a_modified_frame_is_copied_and_still_fails() {
    // Frames are never opened (that is the point), so an unsigned message's modified frame passes
    // through; it cannot decrypt afterwards either.
    let d = DecryptOptions::default();
    let (mut old, _) = message(SUITES[0], 4 * F);
    let at = header_len(&old) + 20; // frame 1: 16 bytes of sequence number and IV, then ciphertext
    old[at] ^= 1;
    let (new, _) = rewrap(&keyring(1), &keyring(2), &old, &d).unwrap();
    assert_eq!(decrypt(&keyring(2), &new, &d).unwrap_err().code(), "DECRYPT_FAILED");
}

#[test]
fn signed_messages_hashed_outside_the_core() {
    use sha2::{Digest, Sha384};
    let d = DecryptOptions::default();
    let (old, pt) = message(SUITES[1], 9 * F + 5);
    for (piece, corrupt) in [(7, false), (1000, false), (100, true)] {
        let mut dec = MessageDecryptor::new(d.clone());
        let used = dec.read_header(&old).unwrap();
        let mut rw = Rewrapper::new(dec, &keyring(1), &keyring(2)).unwrap();
        let (alg, old_prelude, new_prelude) = rw.hand_out_hashes().unwrap();
        assert_eq!(alg.hash_name(), "SHA-384");
        let (mut old_hash, mut new_hash) = (Sha384::new(), Sha384::new());
        old_hash.update(&old_prelude);
        new_hash.update(&new_prelude);
        let mut out = Vec::new();
        let mut result = Ok(());
        for chunk in old[used..].chunks(piece) {
            let before = out.len();
            result = rw.push(chunk, &mut out);
            if result.is_err() {
                break;
            }
            // Frames only: the new header (the first output) is in the prelude already.
            let frames = &out[before.max(new_prelude.len())..];
            old_hash.update(frames);
            new_hash.update(frames);
            if rw.needs_digests() {
                let mut old_digest = old_hash.clone().finalize().to_vec();
                if corrupt {
                    old_digest[0] ^= 1;
                }
                rw.set_digests(&old_digest, &new_hash.clone().finalize()).unwrap();
                let before = out.len();
                result = rw.push(&[], &mut out);
                assert!(result.is_err() || out.len() == before, "nothing follows the final frame but the new footer");
                if result.is_err() {
                    break;
                }
            }
        }
        if corrupt {
            let err = result.err().or_else(|| rw.finish(&mut out).err()).expect("a wrong old digest fails");
            assert_eq!(err.code(), "SIGNATURE_INVALID", "a wrong old digest fails the old signature");
            continue;
        }
        result.unwrap();
        rw.finish(&mut out).unwrap();
        assert_eq!(decrypt(&keyring(2), &out, &d).unwrap().0, pt, "pieces of {piece}");
    }
    // Without the digests the rewrap cannot finish.
    let mut dec = MessageDecryptor::new(d.clone());
    let used = dec.read_header(&old).unwrap();
    let mut rw = Rewrapper::new(dec, &keyring(1), &keyring(2)).unwrap();
    rw.hand_out_hashes().unwrap();
    let mut out = Vec::new();
    rw.push(&old[used..], &mut out).unwrap();
    assert!(rw.needs_digests());
    assert_eq!(rw.finish(&mut out).unwrap_err().code(), "INVALID_STATE");
}
