//! The flags a user of the official `aws-encryption-cli` relies on, through the real binary:
//! `--metadata-output`, directories with `-r` and `--suffix`, `--encode`/`--decode`,
//! `--decrypt-unsigned`, required context keys, `--max-length`, `--max-encrypted-data-keys`,
//! `--commitment-policy`, `-i`/`-o`.

mod common;

use common::*;

/// `envseal CMD --keys KEYS --key aes-256 ARGS...`.
fn crypt(cmd: &str, keys: &str, args: &[&str]) -> std::process::Output {
    with_keys(cmd, keys, &["aes-256"], args)
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"))).collect()
}

#[test]
fn metadata_output_describes_each_file() {
    let (s, keys) = Scratch::with_keys_json("flags-metadata");
    let input = s.write("plain", &plaintext(1000, 1));
    let meta = s.arg("meta.jsonl");
    let args = ["-c", "purpose=test", "--frame-length", "256", "--metadata-output", &meta, "-i", &input];
    assert_ok(&crypt("encrypt", &keys, &[&args[..], &["-o", &s.arg("ct")]].concat()));
    assert_ok(&crypt("decrypt", &keys, &["--metadata-output", &meta, &s.arg("ct"), &s.arg("back")]));
    assert_eq!(s.read("back"), plaintext(1000, 1));
    let lines = json_lines(&String::from_utf8(s.read("meta.jsonl")).unwrap());
    assert_eq!(lines.len(), 2, "appended, one line per run");
    let ct = s.read("ct");
    for (line, mode) in lines.iter().zip(["encrypt", "decrypt"]) {
        assert_eq!(line["mode"], mode);
        let h = &line["header"];
        assert_eq!(h["version"], 2);
        assert_eq!(h["suite"], "0x0478");
        assert_eq!(h["frame_length"], 256);
        assert_eq!(h["content_type"], "framed");
        assert_eq!(h["encryption_context"]["purpose"], "test");
        assert_eq!(h["encrypted_data_keys"][0]["provider_id"], "envseal");
        assert_eq!(h["encrypted_data_keys"][0]["key_name"], "aes-256");
        // The message id is the 32 bytes after version (1), suite (2) in a v2 header.
        use base64::Engine;
        let id = base64::engine::general_purpose::STANDARD.decode(h["message_id"].as_str().unwrap()).unwrap();
        assert_eq!(id, &ct[3..35]);
    }
    assert_eq!(lines[0]["input"], input);
    // --overwrite-metadata truncates; metadata and output cannot both be stdout.
    assert_ok(&crypt("encrypt", &keys, &["--metadata-output", &meta, "--overwrite-metadata", &input, &s.arg("ct2")]));
    assert_eq!(json_lines(&String::from_utf8(s.read("meta.jsonl")).unwrap()).len(), 1);
    let both = crypt("encrypt", &keys, &["--metadata-output", "-", &input, "-"]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    let to_stdout = crypt("encrypt", &keys, &["--metadata-output", "-", &input, &s.arg("ct3")]);
    assert_ok(&to_stdout);
    assert_eq!(json_lines(&stdout(&to_stdout))[0]["mode"], "encrypt");
}

#[test]
fn directories_with_r_and_suffix() {
    let (s, keys) = Scratch::with_keys_json("flags-dirs");
    std::fs::create_dir_all(s.path("in/sub")).unwrap();
    let files = [("in/a", 0), ("in/b", 300), ("in/sub/c", 5000)];
    for (f, n) in files {
        s.write(f, &plaintext(n, n as u64));
    }
    let meta = s.arg("meta");
    assert_ok(&crypt("encrypt", &keys, &["-r", "--metadata-output", &meta, &s.arg("in"), &s.arg("enc")]));
    for (f, _) in files {
        assert!(s.path(&format!("{}.encrypted", f.replacen("in/", "enc/", 1))).is_file(), "{f}");
    }
    assert_eq!(json_lines(&String::from_utf8(s.read("meta")).unwrap()).len(), 3);
    assert_ok(&crypt("decrypt", &keys, &["-R", "--suffix", ".out", &s.arg("enc"), &s.arg("dec")]));
    for (f, n) in files {
        let back = format!("{}.encrypted.out", f.replacen("in/", "dec/", 1));
        assert_eq!(s.read(&back), plaintext(n, n as u64), "{back}");
    }
    // A single file into an existing directory takes the default suffix.
    std::fs::create_dir_all(s.path("one")).unwrap();
    assert_ok(&crypt("encrypt", &keys, &[&s.arg("in/b"), &s.arg("one")]));
    assert!(s.path("one/b.encrypted").is_file());
    let no_r = crypt("encrypt", &keys, &[&s.arg("in"), &s.arg("x")]);
    assert_eq!(no_r.status.code(), Some(2));
    assert!(stderr(&no_r).contains("add -r"), "{}", stderr(&no_r));
}

#[test]
fn base64_encode_and_decode() {
    let (s, keys) = Scratch::with_keys_json("flags-base64");
    let input = s.write("plain", &plaintext(4000, 3));
    assert_ok(&crypt("encrypt", &keys, &["--encode", &input, &s.arg("ct.b64")]));
    let text = s.read("ct.b64");
    assert!(text.iter().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b)), "base64 text");
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD.decode(&text).unwrap();
    assert_eq!(raw[0], 2, "a v2 message inside");
    // Wrapped at 76 columns as `base64` would: still read.
    let wrapped: Vec<u8> = text.chunks(76).flat_map(|l| l.iter().copied().chain(*b"\n")).collect();
    let wrapped = s.write("wrapped.b64", &wrapped);
    assert_ok(&crypt("decrypt", &keys, &["--decode", &wrapped, &s.arg("back")]));
    assert_eq!(s.read("back"), plaintext(4000, 3));
    // --encode on decrypt encodes the plaintext.
    assert_ok(&crypt("decrypt", &keys, &["--decode", "--encode", &wrapped, &s.arg("back.b64")]));
    assert_eq!(s.read("back.b64"), base64::engine::general_purpose::STANDARD.encode(plaintext(4000, 3)).as_bytes());
    let garbage = s.write("garbage", b"AgAA*not base64");
    assert_error(&crypt("decrypt", &keys, &["--decode", &garbage, &s.arg("never")]), "IO_ERROR");
    s.assert_absent("never");
}

#[test]
fn decrypt_unsigned_refuses_signed_messages_before_decrypting() {
    let (s, keys) = Scratch::with_keys_json("flags-unsigned");
    let input = s.write("plain", &plaintext(100, 4));
    assert_ok(&crypt(
        "encrypt",
        &keys,
        &["--suite", "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", &input, &s.arg("signed")],
    ));
    assert_ok(&crypt("encrypt", &keys, &["--algorithm", "0x0478", &input, &s.arg("unsigned")]));
    let refused = crypt("decrypt", &keys, &["--decrypt-unsigned", &s.arg("signed"), "-"]);
    assert_error(&refused, "SIGNED_MESSAGE_REFUSED");
    assert!(refused.stdout.is_empty(), "not a byte of plaintext");
    assert_ok(&crypt("decrypt", &keys, &["--decrypt-unsigned", &s.arg("unsigned"), &s.arg("back")]));
    assert_eq!(s.read("back"), plaintext(100, 4));
}

#[test]
fn required_keys_lengths_edks_and_policy() {
    let (s, keys) = Scratch::with_keys_json("flags-limits");
    let input = s.write("plain", &plaintext(5000, 5));
    let ct = s.arg("ct");
    assert_ok(&crypt("encrypt", &keys, &["-c", "tenant=a", "--frame-length", "4096", &input, &ct]));
    // --context KEY: the key must be in the header, with any value.
    assert_ok(&crypt("decrypt", &keys, &["-c", "tenant", &ct, &s.arg("ok")]));
    let missing = crypt("decrypt", &keys, &["-c", "tenant", "-c", "project", &ct, &s.arg("no")]);
    assert_error(&missing, "ENCRYPTION_CONTEXT_MISMATCH");
    assert!(stderr(&missing).contains("\"project\""), "{}", stderr(&missing));
    // --max-length: frames above it are refused.
    assert_ok(&crypt("decrypt", &keys, &["--max-length", "4096", &ct, &s.arg("ok2")]));
    assert_error(&crypt("decrypt", &keys, &["--max-length", "4095", &ct, &s.arg("no")]), "LIMIT_EXCEEDED");
    // --max-encrypted-data-keys: on encrypt it limits the keys named, on decrypt the EDKs read.
    let both = ["aes-256", "aes-128"];
    let two = with_keys("encrypt", &keys, &both, &["--max-encrypted-data-keys", "1", &input, &s.arg("no")]);
    assert_error(&two, "TOO_MANY_EDKS");
    assert_ok(&with_keys("encrypt", &keys, &both, &[&input, &s.arg("two")]));
    assert_error(
        &crypt("decrypt", &keys, &["--max-encrypted-data-keys", "1", &s.arg("two"), &s.arg("no")]),
        "TOO_MANY_EDKS",
    );
    // envseal writes only committing messages.
    let forbid =
        crypt("encrypt", &keys, &["--commitment-policy", "forbid-encrypt-allow-decrypt", &input, &s.arg("no")]);
    assert_error(&forbid, "COMMITMENT_POLICY");
    s.assert_absent("no");
}
