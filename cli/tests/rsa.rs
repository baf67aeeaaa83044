//! Raw RSA keys through `envseal encrypt` / `decrypt`: a public-only key entry encrypts, the
//! private entry decrypts, for every OAEP padding and both key encodings (PEM, base64 DER); the
//! wrong padding, key or key half fails without output; AES and RSA keys mix in one message.

mod common;

use common::*;
use envseal::format::header::{parse, HeaderLimits};

const OAEP: [&str; 4] = ["oaep-sha1", "oaep-sha256", "oaep-sha384", "oaep-sha512"];

/// `envseal MODE --keys KEYS [--key K ...] [EXTRA ...] IN OUT`.
fn crypt(mode: &str, keys: &str, names: &[&str], extra: &[&str], input: &str, output: &str) -> std::process::Output {
    with_keys(mode, keys, names, &[extra, &[input, output]].concat())
}

/// (provider id, provider info, ciphertext length) of each EDK in the message's header.
fn edks(msg: &[u8]) -> Vec<(String, String, usize)> {
    let header = parse(msg, HeaderLimits::default()).expect("the header parses").header;
    header
        .encrypted_data_keys
        .iter()
        .map(|e| (e.provider_id.clone(), String::from_utf8_lossy(&e.provider_info).into_owned(), e.ciphertext.len()))
        .collect()
}

#[test]
fn public_key_encrypts_and_private_key_decrypts_with_every_oaep_padding() {
    let (s, keys) = Scratch::with_keys_json("rsa-oaep");
    for (i, padding) in OAEP.iter().enumerate() {
        // Alternate the encodings: PEM public + DER private, then DER public + PEM private.
        let (public, private) = if i % 2 == 0 { ("rsa-public", "rsa-der") } else { ("rsa-public-der", "rsa") };
        let suite = if i < 2 { "0x0478" } else { "0x0578" };
        let plain = plaintext(3000 + i, i as u64 + 20);
        let input = s.write(&format!("{padding}.txt"), &plain);
        let ct = s.arg(&format!("{padding}.enc"));
        let extra = ["--rsa-padding", padding, "--suite", suite, "--frame-length", "1024", "--context", "k=v"];
        assert_ok(&crypt("encrypt", &keys, &[public], &extra, &input, &ct));
        let msg = s.read(&format!("{padding}.enc"));
        // One EDK: provider id = namespace, provider info = the key name alone, 2048-bit RSA output.
        assert_eq!(edks(&msg), [("envseal".to_owned(), "rsa".to_owned(), 256)], "{padding}");
        let out = format!("{padding}.out");
        assert_ok(&crypt("decrypt", &keys, &[private], &["--rsa-padding", padding], &ct, &s.arg(&out)));
        assert_eq!(s.read(&out), plain, "{padding}");
        // The private entry also encrypts (with its public half).
        let ct2 = s.arg(&format!("{padding}.enc2"));
        assert_ok(&crypt("encrypt", &keys, &[private], &["--rsa-padding", padding], &input, &ct2));
        let out2 = format!("{padding}.out2");
        assert_ok(&crypt("decrypt", &keys, &["rsa"], &["--rsa-padding", padding], &ct2, &s.arg(&out2)));
        assert_eq!(s.read(&out2), plain, "{padding} (private entry encrypts)");
    }
}

#[test]
fn default_padding_is_oaep_sha256() {
    let (s, keys) = Scratch::with_keys_json("rsa-default");
    let input = s.write("plain", b"default padding");
    let ct = s.arg("msg");
    assert_ok(&crypt("encrypt", &keys, &["rsa-public"], &[], &input, &ct));
    assert_ok(&crypt("decrypt", &keys, &["rsa"], &["--rsa-padding", "oaep-sha256"], &ct, &s.arg("a")));
    assert_ok(&crypt("decrypt", &keys, &["rsa"], &[], &ct, &s.arg("b")));
    assert_eq!((s.read("a"), s.read("b")), (b"default padding".to_vec(), b"default padding".to_vec()));
}

#[test]
fn wrong_padding_or_key_fails_with_no_matching_key_and_no_output() {
    let (s, keys) = Scratch::with_keys_json("rsa-wrong");
    let input = s.write("plain", &plaintext(500, 5));
    for (i, padding) in OAEP.iter().enumerate() {
        let ct = s.arg(&format!("{padding}.enc"));
        assert_ok(&crypt("encrypt", &keys, &["rsa-public"], &["--rsa-padding", padding], &input, &ct));
        let wrong = OAEP[(i + 1) % OAEP.len()];
        for bad in [wrong, "pkcs1"] {
            let out = crypt("decrypt", &keys, &["rsa"], &["--rsa-padding", bad], &ct, &s.arg("out"));
            assert_error(&out, "NO_MATCHING_KEY");
            assert!(stderr(&out).contains("did not unwrap"), "{padding} read as {bad}: {}", stderr(&out));
            s.assert_absent("out");
        }
        // Same key name, another key pair.
        let other = crypt("decrypt", &keys, &["rsa-other"], &["--rsa-padding", padding], &ct, &s.arg("out"));
        assert_error(&other, "NO_MATCHING_KEY");
        s.assert_absent("out");
        // Right key and padding, other namespace: no EDK is even tried.
        let ns =
            crypt("decrypt", &keys, &["rsa"], &["--rsa-padding", padding, "--key-namespace", "x"], &ct, &s.arg("out"));
        assert_error(&ns, "NO_MATCHING_KEY");
        s.assert_absent("out");
    }
}

#[test]
fn public_keys_cannot_decrypt_and_pkcs1_cannot_encrypt() {
    let (s, keys) = Scratch::with_keys_json("rsa-public");
    let input = s.write("plain", b"x");
    let ct = s.arg("msg");
    assert_ok(&crypt("encrypt", &keys, &["rsa-public-open"], &[], &input, &ct));
    let public = crypt("decrypt", &keys, &["rsa-public-open"], &[], &ct, &s.arg("out"));
    assert_error(&public, "UNSUPPORTED_KEY");
    assert!(stderr(&public).contains("RSA public key: it can only encrypt"), "{}", stderr(&public));
    // An entry marked "decrypt": false is refused for that reason first.
    assert_error(&crypt("decrypt", &keys, &["rsa-public"], &[], &ct, &s.arg("out")), "BAD_FILE");
    s.assert_absent("out");
    let pkcs1 = crypt("encrypt", &keys, &["rsa-public"], &["--rsa-padding", "pkcs1"], &input, &s.arg("out"));
    assert_eq!(pkcs1.status.code(), Some(2), "{}", stderr(&pkcs1));
    assert!(stderr(&pkcs1).contains("decrypting legacy messages only"), "{}", stderr(&pkcs1));
    let bad = crypt("decrypt", &keys, &["rsa"], &["--rsa-padding", "oaep-md5"], &ct, &s.arg("out"));
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    s.assert_absent("out");
}

#[test]
fn aes_and_rsa_keys_in_one_message_each_decrypt_alone() {
    let (s, keys) = Scratch::with_keys_json("rsa-multi");
    let plain = plaintext(10_000, 11);
    let input = s.write("plain", &plain);
    // AES generates the data key and RSA wraps it too; then RSA generates and AES wraps.
    for (order, names) in [("aes-first", ["aes-256", "rsa-public"]), ("rsa-first", ["rsa-public", "aes-128"])] {
        let ct = s.arg(order);
        let extra = ["--rsa-padding", "oaep-sha384", "--key-namespace", "team"];
        assert_ok(&crypt("encrypt", &keys, &names, &extra, &input, &ct));
        let found: Vec<(String, usize)> =
            edks(&s.read(order)).into_iter().map(|(p, _, len)| (p, len)).filter(|(_, len)| *len == 256).collect();
        assert_eq!(found, [("team".to_owned(), 256)], "{order}: one RSA EDK");
        let aes = names.iter().find(|n| n.starts_with("aes")).unwrap();
        for (alone, padding) in [(*aes, "oaep-sha384"), ("rsa", "oaep-sha384"), ("rsa-der", "oaep-sha384")] {
            let out = format!("{order}-{alone}");
            let extra = ["--rsa-padding", padding, "--key-namespace", "team"];
            assert_ok(&crypt("decrypt", &keys, &[alone], &extra, &ct, &s.arg(&out)));
            assert_eq!(s.read(&out), plain, "{order} read with {alone}");
        }
        // A key that matches the RSA EDK's name but not its key pair, then one that works.
        let out = format!("{order}-fallback");
        let extra = ["--rsa-padding", "oaep-sha384", "--key-namespace", "team"];
        assert_ok(&crypt("decrypt", &keys, &["rsa-other", aes], &extra, &ct, &s.arg(&out)));
        assert_eq!(s.read(&out), plain, "{order}: rsa-other then {aes}");
        // RSA with the wrong padding alone fails; with the AES key next to it, AES decrypts.
        let wrong = ["--rsa-padding", "oaep-sha1", "--key-namespace", "team"];
        assert_error(&crypt("decrypt", &keys, &["rsa"], &wrong, &ct, &s.arg("none")), "NO_MATCHING_KEY");
        s.assert_absent("none");
        assert_ok(&crypt("decrypt", &keys, &["rsa", aes], &wrong, &ct, &s.arg(&format!("{order}-aes"))));
    }
}
