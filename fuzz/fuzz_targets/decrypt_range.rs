//! Ranged decryption of arbitrary bytes: never panics, and a range that decrypts is exactly that
//! slice of what one-shot decryption returns for the same bytes (which must then succeed too).
#![no_main]

#[path = "../src/fuzz_key.rs"]
mod fuzz_key;

use std::io::Cursor;

use envseal::{decrypt, decrypt_range, DecryptOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    // Four bytes choose the range (as fractions of the message's length) and whether signed
    // messages are allowed; the rest is the message.
    let Some((choice, data)) = input.split_first_chunk::<4>() else { return };
    let keyring = fuzz_key::keyring();
    let options = DecryptOptions::default();
    let len = data.len() as u64;
    let start = len * u64::from(choice[0]) / 255;
    let end = start + (len - start) * u64::from(choice[1]) / 255;
    let allow_signed = choice[2] & 1 == 1;
    let ranged = decrypt_range(&keyring, &mut Cursor::new(data), start..end, &options, allow_signed);
    if let Ok((slice, _)) = ranged {
        let (whole, _) = decrypt(&keyring, data, &options).expect("a message a range of which decrypts decrypts whole");
        let (s, e) = (start as usize, end as usize);
        assert_eq!(whole.get(s..e), Some(&slice[..]), "the range is the slice of the whole");
    }
});
