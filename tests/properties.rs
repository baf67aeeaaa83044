//! Property tests: arbitrary plaintext, context, frame length and chunking always round-trip; any
//! single-byte change, insertion, deletion or truncation of a valid message is an error (never
//! success, never a panic).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::keyring;
use envseal::{
    decrypt, encryptor, AlgorithmSuite, DecryptOptions, DecryptState, EncryptOptions, EncryptionContext,
    MessageDecryptor,
};
use proptest::prelude::*;

fn suite() -> impl Strategy<Value = AlgorithmSuite> {
    prop_oneof![
        Just(AlgorithmSuite::Aes256GcmHkdfSha512CommitKey),
        Just(AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384)
    ]
}

fn context() -> impl Strategy<Value = EncryptionContext> {
    proptest::collection::btree_map("[a-z0-9é✓-]{1,8}", "\\PC{0,12}", 0..4)
        .prop_filter("reserved prefix", |m| m.keys().all(|k| !k.starts_with("aws-crypto-")))
}

fn encrypt_chunked(pt: &[u8], options: &EncryptOptions, chunks: &[usize]) -> Vec<u8> {
    let mut enc = encryptor(&keyring(1), options).unwrap();
    let mut out = Vec::new();
    let mut rest = pt;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).min(rest.len());
        enc.push(&rest[..n], &mut out).unwrap();
        rest = &rest[n..];
    }
    enc.finish(&mut out).unwrap();
    out
}

fn decrypt_chunked(msg: &[u8], chunks: &[usize]) -> envseal::Result<Vec<u8>> {
    let mut d = MessageDecryptor::new(DecryptOptions::default());
    let mut out = Vec::new();
    let mut rest = msg;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).min(rest.len());
        if d.push(&rest[..n], &mut out)? == DecryptState::NeedDataKey {
            d.unwrap_with(&keyring(1))?;
        }
        rest = &rest[n..];
    }
    d.finish(&mut out)?;
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn round_trips(
        pt in proptest::collection::vec(any::<u8>(), 0..3000),
        ec in context(),
        frame_length in 1u32..700,
        suite in suite(),
        write in proptest::collection::vec(1usize..900, 1..5),
        read in proptest::collection::vec(1usize..900, 1..5),
    ) {
        let options = EncryptOptions { suite, frame_length, encryption_context: ec.clone(), ..Default::default() };
        let msg = encrypt_chunked(&pt, &options, &write);
        prop_assert_eq!(decrypt_chunked(&msg, &read).unwrap(), pt.clone());
        let (one_shot, header) = decrypt(&keyring(1), &msg, &DecryptOptions::default()).unwrap();
        prop_assert_eq!(one_shot, pt);
        for (k, v) in &ec {
            prop_assert_eq!(header.encryption_context.get(k), Some(v));
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Change(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Mutation::Change(i, x)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn any_mutation_is_an_error(
        len in 0usize..600,
        frame_length in 1u32..200,
        suite in suite(),
        m in mutation(),
        read in 1usize..300,
    ) {
        let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let ec: EncryptionContext = [("k".to_string(), "v".to_string())].into_iter().collect();
        let options = EncryptOptions { suite, frame_length, encryption_context: ec, ..Default::default() };
        let mut msg = encrypt_chunked(&pt, &options, &[len.max(1)]);
        let n = msg.len();
        match m {
            Mutation::Change(i, x) => msg[i % n] ^= x,
            Mutation::Insert(i, b) => msg.insert(i % (n + 1), b),
            Mutation::Delete(i) => { msg.remove(i % n); }
            Mutation::Truncate(i) => msg.truncate(i % n),
        }
        prop_assert!(decrypt(&keyring(1), &msg, &DecryptOptions::default()).is_err());
        prop_assert!(decrypt_chunked(&msg, &[read]).is_err());
    }
}
