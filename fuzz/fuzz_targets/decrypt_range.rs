//! Ranged decryption of arbitrary bytes: never panics; when the whole message decrypts, every
//! range of it decrypts (signed and non-framed messages aside, which ranges refuse by design) to
//! exactly that slice. (A range can succeed where the whole fails: it does not read, so does not
//! check, the frames and the signature outside it.)
#![no_main]

#[path = "../src/fuzz_key.rs"]
mod fuzz_key;

use std::io::Cursor;

use envseal::{decrypt, decrypt_range, DecryptOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    // Four bytes choose the range (as fractions of the plaintext's length, or of the message's
    // when it does not decrypt) and whether signed messages are allowed; the rest is the message.
    let Some((choice, data)) = input.split_first_chunk::<4>() else { return };
    let keyring = fuzz_key::keyring();
    let options = DecryptOptions::default();
    let whole = decrypt(&keyring, data, &options);
    let len = whole.as_ref().map_or(data.len(), |(p, _)| p.len()) as u64;
    let start = len * u64::from(choice[0]) / 255;
    let end = start + (len - start) * u64::from(choice[1]) / 255;
    let allow_signed = choice[2] & 1 == 1;
    let ranged = decrypt_range(&keyring, &mut Cursor::new(data), start..end, &options, allow_signed);
    let Ok((whole, header)) = whole else { return };
    match ranged {
        Ok((slice, _)) => {
            let (s, e) = (start as usize, end as usize);
            assert_eq!(whole.get(s..e), Some(&slice[..]), "the range is the slice of the whole");
        }
        Err(e) => {
            let refused = (header.suite.signature().is_some() && !allow_signed && e.code() == "SIGNED_MESSAGE_REFUSED")
                || (header.content_type != envseal::ContentType::Framed && e.code() == "INVALID_ARGUMENT");
            assert!(refused, "the whole message decrypts but its range {start}-{end} does not: {e}");
        }
    }
});
