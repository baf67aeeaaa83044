//! `envseal encrypt` / `decrypt` through real files and pipes: round trips around the frame
//! length for both suites, and every way decryption must fail without leaving output behind.

mod common;

use common::*;

const FRAME: usize = 64;

fn encrypt(keys: &str, extra: &[&str], input: &str, output: &str) -> std::process::Output {
    with_keys("encrypt", keys, &["aes-256"], &[extra, &[input, output]].concat())
}

fn decrypt(keys: &str, extra: &[&str], input: &str, output: &str) -> std::process::Output {
    let mut args = vec!["decrypt", "--keys", keys];
    if !extra.contains(&"--key") {
        args.extend_from_slice(&["--key", "aes-256"]);
    }
    args.extend_from_slice(extra);
    args.extend_from_slice(&[input, output]);
    run(&args)
}

#[test]
fn round_trips_around_the_frame_length_for_both_suites() {
    let (s, keys) = Scratch::with_keys_json("roundtrip");
    let frame = FRAME.to_string();
    let context = ["--context", "purpose=test", "--context", "ünï=cödé ✓", "--context", "eq=a=b"];
    for suite in ["0x0478", "0578"] {
        for size in [0, 1, FRAME - 1, FRAME, FRAME + 1, 3 * FRAME + 7] {
            let name = format!("{suite}-{size}");
            let plain = plaintext(size, size as u64 + 1);
            let input = s.write(&format!("{name}.txt"), &plain);
            let ct = s.arg(&format!("{name}.enc"));
            let mut args = vec!["--frame-length", &frame, "--suite", suite];
            args.extend_from_slice(&context);
            assert_ok(&encrypt(&keys, &args, &input, &ct));
            let msg = s.read(&format!("{name}.enc"));
            let id = u16::from_str_radix(suite.trim_start_matches("0x"), 16).unwrap();
            assert_eq!(&msg[..3], &[2, (id >> 8) as u8, id as u8], "{name}: v2 header with the suite");
            // Decrypt without and with the expected context (the header carries it).
            for (i, extra) in [&[][..], &context[..4]].into_iter().enumerate() {
                let out = format!("{name}.out{i}");
                assert_ok(&decrypt(&keys, extra, &ct, &s.arg(&out)));
                assert_eq!(s.read(&out), plain, "{name} decrypt #{i}");
            }
        }
    }
    assert!(!s.files().iter().any(|f| f.contains(".envseal-partial")), "{:?}", s.files());
}

#[test]
fn stdin_and_stdout_with_dash() {
    let (_s, keys) = Scratch::with_keys_json("pipes");
    let plain = plaintext(5 * FRAME + 3, 7);
    let frame = FRAME.to_string();
    let enc =
        run_with_stdin(&["encrypt", "--keys", &keys, "--key", "aes-256", "--frame-length", &frame, "-", "-"], &plain);
    assert_ok(&enc);
    assert_eq!(&enc.stdout[..3], &[2, 4, 0x78]);
    let dec = run_with_stdin(&["decrypt", "--keys", &keys, "--key", "aes-256", "-", "-"], &enc.stdout);
    assert_ok(&dec);
    assert_eq!(dec.stdout, plain);
}

#[test]
fn several_keys_each_decrypt_and_max_edks_applies() {
    let (s, keys) = Scratch::with_keys_json("multi");
    let plain = plaintext(1000, 3);
    let input = s.write("plain", &plain);
    let ct = s.arg("msg");
    assert_ok(&with_keys("encrypt", &keys, &["aes-256", "aes-128"], &["--key-namespace", "team", &input, &ct]));
    for key in ["aes-256", "aes-128"] {
        let out = s.arg(key);
        assert_ok(&decrypt(&keys, &["--key", key, "--key-namespace", "team"], &ct, &out));
        assert_eq!(s.read(key), plain);
    }
    // The second key alone, listed after one that does not match.
    assert_ok(&decrypt(&keys, &["--key", "other", "--key", "aes-128", "--key-namespace", "team"], &ct, &s.arg("both")));
    assert_eq!(s.read("both"), plain);
    let limited = decrypt(&keys, &["--key-namespace", "team", "--max-edks", "1"], &ct, &s.arg("limited"));
    assert_error(&limited, "TOO_MANY_EDKS");
    s.assert_absent("limited");
    // The default namespace is not "team".
    assert_error(&decrypt(&keys, &[], &ct, &s.arg("ns")), "NO_MATCHING_KEY");
    s.assert_absent("ns");
}

#[test]
fn wrong_key_fails_and_leaves_no_output() {
    let (s, keys) = Scratch::with_keys_json("wrong-key");
    let input = s.write("plain", &plaintext(300, 1));
    let ct = s.arg("msg");
    assert_ok(&encrypt(&keys, &[], &input, &ct));
    for key in ["other", "aes-128", "same-name-other-bytes"] {
        let out = decrypt(&keys, &["--key", key], &ct, &s.arg("out"));
        assert_error(&out, "NO_MATCHING_KEY");
        s.assert_absent("out");
    }
    // An existing OUT is left as it was: refused without --overwrite, kept on failure with it.
    s.write("existing", b"keep me");
    assert_error(&decrypt(&keys, &[], &ct, &s.arg("existing")), "OUTPUT_EXISTS");
    assert_eq!(s.read("existing"), b"keep me");
    assert_error(&decrypt(&keys, &["--key", "other", "--overwrite"], &ct, &s.arg("existing")), "NO_MATCHING_KEY");
    assert_eq!(s.read("existing"), b"keep me");
    assert_ok(&decrypt(&keys, &["--overwrite"], &ct, &s.arg("existing")));
    assert_eq!(s.read("existing"), plaintext(300, 1));
}

#[test]
fn tampered_message_fails_and_leaves_no_output() {
    let (s, keys) = Scratch::with_keys_json("tamper");
    // More than one 1 MiB read, so frames of the first read reach the partial file before the
    // tampered frame near the end is found.
    let plain = plaintext((5 << 20) / 2, 9);
    let input = s.write("plain", &plain);
    let ct = s.arg("msg");
    assert_ok(&encrypt(&keys, &["--frame-length", "4096"], &input, &ct));
    let msg = s.read("msg");
    for (name, at) in [("body", msg.len() - 200), ("last-byte", msg.len() - 1), ("early-frame", msg.len() / 3)] {
        let mut bad = msg.clone();
        bad[at] ^= 0x01;
        let file = s.write(&format!("{name}.bad"), &bad);
        let out = decrypt(&keys, &[], &file, &s.arg("out"));
        assert_error(&out, "DECRYPT_FAILED");
        s.assert_absent("out");
    }
    let mut header = msg.clone();
    header[10] ^= 0x80; // inside the message id: the derived key no longer matches the commitment
    let file = s.write("header.bad", &header);
    assert_error(&decrypt(&keys, &[], &file, &s.arg("out")), "COMMITMENT_MISMATCH");
    s.assert_absent("out");
}

#[test]
fn truncated_and_extended_messages_fail() {
    let (s, keys) = Scratch::with_keys_json("truncate");
    let input = s.write("plain", &plaintext(3 * FRAME + 7, 4));
    let ct = s.arg("msg");
    assert_ok(&encrypt(&keys, &["--frame-length", &FRAME.to_string()], &input, &ct));
    let msg = s.read("msg");
    for cut in [1, 30, msg.len() - 20, msg.len() - 1] {
        let file = s.write("short", &msg[..msg.len() - cut]);
        let out = decrypt(&keys, &[], &file, &s.arg("out"));
        assert_error(&out, "TRUNCATED");
        s.assert_absent("out");
    }
    let empty = s.write("empty", b"");
    assert_error(&decrypt(&keys, &[], &empty, &s.arg("out")), "TRUNCATED");
    let mut long = msg.clone();
    long.push(0);
    let file = s.write("long", &long);
    assert_error(&decrypt(&keys, &[], &file, &s.arg("out")), "TRAILING_DATA");
    s.assert_absent("out");
}

#[test]
fn context_mismatch_fails() {
    let (s, keys) = Scratch::with_keys_json("context");
    let input = s.write("plain", b"secret");
    let ct = s.arg("msg");
    assert_ok(&encrypt(&keys, &["--context", "purpose=test"], &input, &ct));
    let out = decrypt(&keys, &["--context", "purpose=prod"], &ct, &s.arg("out"));
    assert_error(&out, "ENCRYPTION_CONTEXT_MISMATCH");
    s.assert_absent("out");
    // A pair the header lacks is treated as a required pair: the message does not authenticate it.
    let out = decrypt(&keys, &["--context", "purpose=test", "--context", "extra=1"], &ct, &s.arg("out"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    s.assert_absent("out");
}

#[test]
fn library_and_key_errors_exit_1() {
    let (s, keys) = Scratch::with_keys_json("errors");
    let input = s.write("plain", b"x");
    // Non-committing suites cannot be written.
    assert_error(&encrypt(&keys, &["--suite", "0x0178"], &input, &s.arg("v1")), "COMMITMENT_POLICY");
    s.assert_absent("v1");
    let kms = run(&["encrypt", "--keys", &keys, "--key", "kms", &input, &s.arg("kms")]);
    assert_error(&kms, "UNSUPPORTED_KEY");
    assert!(stderr(&kms).contains("AWS KMS keyrings are not supported"), "{}", stderr(&kms));
    assert_error(&run(&["encrypt", "--keys", &keys, "--key", "nope", &input, &s.arg("nope")]), "BAD_FILE");
    assert_error(&encrypt(&s.arg("missing.json"), &[], &input, &s.arg("o")), "IO_ERROR");
    assert_error(&encrypt(&keys, &[], &s.arg("missing-input"), &s.arg("o")), "IO_ERROR");
    assert_error(&encrypt(&keys, &["--key-namespace", "aws-kms"], &input, &s.arg("o")), "INVALID_ARGUMENT");
    let garbage = s.write("garbage", b"this is not an ESDK message at all");
    assert_error(&decrypt(&keys, &[], &garbage, &s.arg("o")), "UNSUPPORTED_VERSION");
    s.assert_absent("o");
    assert_eq!(s.files(), ["garbage", "keys.json", "plain"]);
}

#[test]
fn bad_usage_exits_2() {
    let (s, keys) = Scratch::with_keys_json("usage");
    let input = s.write("plain", b"x");
    let out = s.arg("out");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "Usage: envseal <COMMAND>"),
        (vec!["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (
            vec!["encrypt", "--keys", &keys, "--key", "aes-256", "--frame-length", "x", &input, &out],
            r#"'--frame-length <N>': expects an integer, got "x""#,
        ),
        (vec!["encrypt", "--keys", &keys, "--key", "aes-256", "--frame-length", "0", &input, &out], "1 to 2147483647"),
        (
            vec!["encrypt", "--keys", &keys, "--key", "aes-256", "--suite", "0x9999", &input, &out],
            "unknown algorithm suite",
        ),
        (vec!["encrypt", "--keys", &keys, "--key", "aes-256", "--context", "novalue", &input, &out], "KEY=VALUE"),
        (vec!["encrypt", "--keys", &keys, "--key", "aes-256", &input], "<OUT>"),
        (vec!["encrypt", "--keys", &keys, &input, &out], "--key"),
        (
            vec!["decrypt", "--keys", &keys, "--key", "aes-256", "--commitment-policy", "lax", &input, &out],
            "--commitment-policy",
        ),
        (
            vec!["decrypt", "--keys", &keys, "--key", "aes-256", "--max-edks=-1", &input, &out],
            "--max-encrypted-data-keys",
        ),
        (vec!["decrypt", "--keys", &keys, "--key", "aes-256", "--max-edks", "0", &input, &out], "1 to 65535"),
        (
            vec!["encrypt", "--keys", &keys, "--key", "aes-256", "--decrypt-unsigned", &input, &out],
            "--decrypt-unsigned",
        ),
        (vec!["vectors"], "<DIR>"),
    ];
    for (args, want) in cases {
        let r = run(&args);
        let err = stderr(&r);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("envseal: ") && err.contains(want), "{args:?}: {err}");
        assert!(err.contains("--help"), "{err}");
    }
    s.assert_absent("out");
}

#[test]
fn help_and_version() {
    for args in [&["--help"][..], &["help"], &["-h"], &["decrypt", "--help"]] {
        let r = run(args);
        assert_ok(&r);
        assert!(stdout(&r).contains("Usage:"), "{args:?}");
    }
    let v = run(&["--version"]);
    assert_ok(&v);
    assert_eq!(stdout(&v).trim(), format!("envseal {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn print_length_prints_the_exact_length_first() {
    let (s, keys) = Scratch::with_keys_json("print-length");
    let frame = FRAME.to_string();
    for suite in ["0x0478", "0x0578"] {
        for size in [0, FRAME, 3 * FRAME + 7] {
            let name = format!("{suite}-{size}");
            let input = s.write(&format!("{name}.txt"), &plaintext(size, 3));
            let out =
                encrypt(&keys, &["--frame-length", &frame, "--suite", suite, "--print-length"], &input, &s.arg(&name));
            assert_ok(&out);
            let printed: usize = stdout(&out).trim().parse().unwrap_or_else(|e| panic!("{:?}: {e}", stdout(&out)));
            assert_eq!(printed, s.read(&name).len(), "{name}");
        }
    }
    // The length must be known first, and stdout is for the number.
    let input = s.write("p.txt", b"abc");
    let piped =
        run_with_stdin(&["encrypt", "--keys", &keys, "--key", "aes-256", "--print-length", "-", &s.arg("x")], b"abc");
    assert_eq!(piped.status.code(), Some(2), "{}", stderr(&piped));
    assert!(stderr(&piped).contains("--print-length needs"), "{}", stderr(&piped));
    let to_stdout = encrypt(&keys, &["--print-length"], &input, "-");
    assert_eq!(to_stdout.status.code(), Some(2), "{}", stderr(&to_stdout));
    let encoded = encrypt(&keys, &["--print-length", "--encode"], &input, &s.arg("y"));
    assert_eq!(encoded.status.code(), Some(2), "{}", stderr(&encoded));
    s.assert_absent("x");
    s.assert_absent("y");
}

#[test]
fn range_decrypts_a_slice_of_a_file_and_refuses_what_it_cannot_check() {
    let (s, keys) = Scratch::with_keys_json("range");
    let frame = FRAME.to_string();
    let plain = plaintext(20 * FRAME + 9, 5);
    let input = s.write("plain", &plain);
    for suite in ["0x0478", "0x0578"] {
        let ct = s.arg(suite);
        assert_ok(&encrypt(&keys, &["--frame-length", &frame, "--suite", suite], &input, &ct));
        let signed = suite == "0x0578";
        for (start, end) in [(0, 1), (FRAME - 1, 3 * FRAME + 2), (20 * FRAME, 20 * FRAME + 9), (5, 5)] {
            let out = format!("{suite}-{start}-{end}");
            let r = format!("{start}-{end}");
            let mut args = vec!["--range", &r];
            if signed {
                // Refused unless allowed, and then nothing is written.
                assert_error(&decrypt(&keys, &args, &ct, &s.arg(&out)), "SIGNED_MESSAGE_REFUSED");
                s.assert_absent(&out);
                args.push("--range-allow-signed");
            }
            assert_ok(&decrypt(&keys, &args, &ct, &s.arg(&out)));
            assert_eq!(s.read(&out), &plain[start..end], "{out}");
        }
    }
    // Past the plaintext, backwards, from stdin: refused, no output.
    let ct = s.arg("0x0478");
    assert_error(&decrypt(&keys, &["--range", "0-99999"], &ct, &s.arg("past")), "INVALID_ARGUMENT");
    s.assert_absent("past");
    let backwards = decrypt(&keys, &["--range", "9-3"], &ct, &s.arg("back"));
    assert_eq!(backwards.status.code(), Some(2), "{}", stderr(&backwards));
    let piped = run_with_stdin(
        &["decrypt", "--keys", &keys, "--key", "aes-256", "--range", "0-1", "-", &s.arg("p")],
        &s.read("0x0478"),
    );
    assert_eq!(piped.status.code(), Some(2), "{}", stderr(&piped));
    // A tampered frame inside the range fails it.
    let mut bad = s.read("0x0478");
    let at = bad.len() - 100; // inside the last regular frame (the final frame is 49 bytes)
    bad[at] ^= 1;
    let bad = s.write("bad", &bad);
    assert_error(
        &decrypt(&keys, &["--range", &format!("{}-{}", 20 * FRAME - 10, 20 * FRAME)], &bad, &s.arg("o")),
        "DECRYPT_FAILED",
    );
    s.assert_absent("o");
}

#[test]
fn rewrap_moves_a_file_to_other_keys() {
    let (s, keys) = Scratch::with_keys_json("rewrap");
    let frame = FRAME.to_string();
    let plain = plaintext(7 * FRAME + 3, 8);
    let input = s.write("plain", &plain);
    for suite in ["0x0478", "0x0578"] {
        let ct = s.arg(&format!("{suite}.enc"));
        assert_ok(&encrypt(&keys, &["--frame-length", &frame, "--suite", suite], &input, &ct));
        // To another AES key, and to an RSA public key (the private key decrypts).
        for (new, reader) in [("aes-128", "aes-128"), ("rsa-public", "rsa")] {
            let out = format!("{suite}-{new}");
            let rewrapped = run(&["rewrap", "--keys", &keys, "--key", "aes-256", "--new-key", new, &ct, &s.arg(&out)]);
            assert_ok(&rewrapped);
            let back = format!("{out}.back");
            assert_ok(&decrypt(&keys, &["--key", reader], &s.arg(&out), &s.arg(&back)));
            assert_eq!(s.read(&back), plain, "{out}");
            assert_error(&decrypt(&keys, &[], &s.arg(&out), &s.arg("old")), "NO_MATCHING_KEY");
            s.assert_absent("old");
        }
        // A key that does not open the message: an error and no output.
        let wrong = run(&["rewrap", "--keys", &keys, "--key", "aes-128", "--new-key", "rsa-public", &ct, &s.arg("w")]);
        assert_error(&wrong, "NO_MATCHING_KEY");
        s.assert_absent("w");
    }
}
