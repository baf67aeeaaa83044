//! Streaming decryption of arbitrary bytes under arbitrary chunking: never panics, and what it
//! releases is always a prefix of what one-shot decryption returns for the same bytes.
#![no_main]

#[path = "../src/fuzz_key.rs"]
mod fuzz_key;

use envseal::{decrypt, DecryptOptions, DecryptState, MessageDecryptor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&seed, data)) = input.split_first() else { return };
    let keyring = fuzz_key::keyring();
    let options = DecryptOptions {
        commitment_policy: envseal::CommitmentPolicy::RequireEncryptAllowDecrypt,
        ..DecryptOptions::default()
    };
    let one_shot = decrypt(&keyring, data, &options);
    let mut d = MessageDecryptor::new(options);
    let mut out = Vec::new();
    let mut rest = data;
    let mut size = usize::from(seed % 64) + 1;
    let mut streamed = Ok(());
    while !rest.is_empty() {
        let n = size.min(rest.len());
        size = (size * 7 + 3) % 257 + 1;
        match d.push(&rest[..n], &mut out) {
            Ok(DecryptState::NeedDataKey) => {
                if let Err(e) = d.unwrap_with(&keyring) {
                    streamed = Err(e);
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => {
                streamed = Err(e);
                break;
            }
        }
        rest = &rest[n..];
    }
    if streamed.is_ok() {
        streamed = d.finish(&mut out).map(|_| ());
    }
    match (&one_shot, &streamed) {
        (Ok((pt, _)), Ok(())) => assert_eq!(pt, &out),
        (Ok(_), Err(e)) | (Err(e), Ok(())) => panic!("one-shot and streaming disagree: {e}"),
        (Err(_), Err(_)) => {
            if let Ok((pt, _)) = &one_shot {
                assert!(pt.starts_with(&out));
            }
        }
    }
});
