//! `envseal vectors` against the shared ESDK interop vectors (shared/esdk-vectors), and
//! `envseal decrypt` on single vector files. A missing vectors folder fails these tests.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{json, Value};

/// Test ids of a manifest by what their master keys need: ("aes" | "rsa" | other, cmm).
fn classify(manifest: &Value) -> BTreeMap<String, (String, String)> {
    let tests = manifest["tests"].as_object().expect("tests object");
    tests
        .iter()
        .map(|(id, t)| {
            let algs: Vec<&str> = t["master-keys"]
                .as_array()
                .expect("master-keys list")
                .iter()
                .map(|mk| mk["encryption-algorithm"].as_str().unwrap_or(mk["type"].as_str().unwrap_or("?")))
                .collect();
            let kind = if algs.iter().all(|a| *a == "aes") {
                "aes"
            } else if algs.contains(&"rsa") {
                "rsa"
            } else {
                "other"
            };
            let cmm = t["cmm"].as_str().unwrap_or("Default").to_owned();
            (id.clone(), (kind.to_owned(), cmm))
        })
        .collect()
}

/// Runs `envseal vectors DIR`: (exit code, id -> (status, rest of line), summary line).
fn run_vectors(dir: &std::path::Path) -> (Option<i32>, BTreeMap<String, (String, String)>, String) {
    let out = run(&["vectors", dir.to_str().unwrap()]);
    let text = stdout(&out);
    let mut lines: Vec<&str> = text.lines().collect();
    let summary = lines.pop().unwrap_or_default().to_owned();
    let results = lines
        .iter()
        .map(|l| {
            let (status, rest) = l.split_once(' ').unwrap_or((l, ""));
            let (id, detail) = rest.split_once(": ").unwrap_or((rest, ""));
            (id.to_owned(), (status.to_owned(), detail.to_owned()))
        })
        .collect();
    (out.status.code(), results, summary)
}

fn read_manifest(dir: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn net_4_0_1_raw_every_aes_and_rsa_case_passes() {
    let dir = vector_set("net-4.0.1-raw");
    let manifest = read_manifest(&dir);
    let cases = classify(&manifest);
    let count = |kind: &str, cmm: &str| cases.values().filter(|(k, c)| k == kind && c == cmm).count();
    for kind in ["aes", "rsa"] {
        for cmm in ["Default", "RequiredEncryptionContext"] {
            assert!(count(kind, cmm) > 0, "the manifest should hold raw {kind} cases with the {cmm} CMM");
        }
    }
    // Some RSA cases list a private key and a public key (which cannot decrypt) in one test.
    let two_key = manifest["tests"]
        .as_object()
        .unwrap()
        .values()
        .filter(|t| {
            let mks = t["master-keys"].as_array().unwrap();
            mks.len() == 2 && mks.iter().all(|mk| mk["encryption-algorithm"] == "rsa")
        })
        .count();
    assert!(two_key > 0, "the manifest should hold private + public RSA cases");
    let runnable: Vec<&String> =
        cases.iter().filter(|(_, (k, _))| k == "aes" || k == "rsa").map(|(id, _)| id).collect();
    let (code, results, summary) = run_vectors(&dir);
    assert_eq!(results.len(), cases.len(), "one line per test");
    let mut failures = Vec::new();
    for id in &runnable {
        match results.get(*id) {
            Some((status, _)) if status == "PASS" => {}
            other => failures.push(format!("{id}: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "raw AES/RSA cases that did not pass:\n{}", failures.join("\n"));
    let others = cases.len() - runnable.len();
    assert_eq!(summary, format!("{} passed, 0 failed, {others} skipped", runnable.len()));
    assert_eq!(code, Some(0));
}

#[test]
fn net_4_0_0_known_bad_every_case_is_rejected() {
    let dir = vector_set("net-4.0.0-known-bad");
    let manifest = read_manifest(&dir);
    let n = manifest["tests"].as_object().unwrap().len();
    let expected_errors =
        manifest["tests"].as_object().unwrap().values().filter(|t| t["result"].get("error").is_some());
    assert_eq!(expected_errors.count(), n, "every known-bad case expects an error");
    let (code, results, summary) = run_vectors(&dir);
    assert_eq!(results.len(), n);
    for (id, (status, detail)) in &results {
        assert_eq!(status, "PASS", "{id}: {detail}");
    }
    assert_eq!(summary, format!("{n} passed, 0 failed, 0 skipped"));
    assert_eq!(code, Some(0));
}

/// The first test of `dir`'s manifest matching `pred`: (id, ciphertext path, plaintext path).
fn pick(dir: &std::path::Path, pred: impl Fn(&str) -> bool) -> (String, String, String) {
    let manifest = read_manifest(dir);
    let cases = classify(&manifest);
    let (id, _) = cases.iter().find(|(id, (k, _))| k == "aes" && pred(id)).expect("a matching raw AES case");
    let t = &manifest["tests"][id];
    let path =
        |uri: &Value| dir.join(uri.as_str().unwrap().strip_prefix("file://").unwrap()).to_str().unwrap().to_owned();
    (id.clone(), path(&t["ciphertext"]), path(&t["result"]["output"]["plaintext"]))
}

#[test]
fn decrypt_command_reads_legacy_and_required_context_vectors() {
    let dir = vector_set("net-4.0.1-raw");
    let keys = dir.join("keys.json").to_str().unwrap().to_owned();
    let ns = "aws-raw-vectors-persistant";
    let s = Scratch::new("vector-decrypt");
    let decrypt = |extra: &[&str], ct: &str, out: &str| {
        with_keys("decrypt", &keys, &["aes-256"], &[&["--key-namespace", ns], extra, &[ct, out]].concat())
    };

    // A v1 (non-committing) message: refused by default, read with REQUIRE_ENCRYPT_ALLOW_DECRYPT.
    let (id, ct, pt) = pick(&dir, |id| id.starts_with("0178-ec_len_2-cmm_Default"));
    let out = s.arg("legacy.out");
    let refused = decrypt(&[], &ct, &out);
    assert_error(&refused, "COMMITMENT_POLICY");
    s.assert_absent("legacy.out");
    let ok = decrypt(&["--commitment-policy", "REQUIRE_ENCRYPT_ALLOW_DECRYPT"], &ct, &out);
    assert_ok(&ok);
    assert_eq!(s.read("legacy.out"), std::fs::read(&pt).unwrap(), "{id}");

    // Required encryption context: the pairs are authenticated but not stored in the header.
    let (id, ct, pt) = pick(&dir, |id| id.starts_with("0478-ec_len_2-cmm_RequiredEncryptionContext"));
    let out = s.arg("required.out");
    for missing in [&[][..], &["--context", "key1=val1"]] {
        let r = decrypt(missing, &ct, &out);
        assert_eq!(r.status.code(), Some(1), "{id} without every required pair: {}", stderr(&r));
        s.assert_absent("required.out");
    }
    let wrong = decrypt(&["--context", "key1=val1", "--context", "key2=nope"], &ct, &out);
    assert_eq!(wrong.status.code(), Some(1), "{}", stderr(&wrong));
    s.assert_absent("required.out");
    let ok = decrypt(&["--context", "key1=val1", "--context", "key2=val2"], &ct, &out);
    assert_ok(&ok);
    assert_eq!(s.read("required.out"), std::fs::read(&pt).unwrap(), "{id}");
}

/// Writes `manifest` to `s`'s manifest.json, runs `envseal vectors` on the folder, checks that
/// it exits 1 (some test failed), and returns its report.
fn run_failing_manifest(s: &Scratch, manifest: &str) -> String {
    s.write("manifest.json", manifest.as_bytes());
    let out = run(&["vectors", &s.arg("")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    text
}

#[test]
fn vectors_command_reports_failures_and_missing_manifests() {
    let (s, keys) = Scratch::with_keys_json("vector-runner");
    std::fs::create_dir_all(s.path("ct")).unwrap();
    s.write("plain", b"the plaintext");
    s.write("other-plain", b"something else");
    assert_ok(&with_keys("encrypt", &keys, &["aes-256"], &["--key-namespace", "p", &s.arg("plain"), &s.arg("ct/msg")]));
    let raw = |key: &str| json!({"type": "raw", "key": key, "provider-id": "p", "encryption-algorithm": "aes"});
    let output = |path: &str| json!({"output": {"plaintext": format!("file://{path}")}});
    let error = |why: &str| json!({"error": {"error-description": why}});
    let test = |ct: &str, keys: Value, result: Value| {
        let ciphertext = format!("file://ct/{ct}");
        json!({"ciphertext": ciphertext, "master-keys": keys, "result": result})
    };
    let manifest = json!({
        "manifest": {"type": "awses-decrypt", "version": 2},
        "keys": "file://keys.json",
        "tests": {
            "good": test("msg", json!([raw("aes-256")]), output("plain")),
            "wrong-plaintext": test("msg", json!([raw("aes-256")]), output("other-plain")),
            "should-fail": test("msg", json!([raw("aes-256")]), error("x")),
            "wrong-key": test("msg", json!([raw("other")]), output("plain")),
            "either-key": test("msg", json!([raw("other"), raw("aes-256")]), output("plain")),
            "kms": test("msg", json!([{"type": "aws-kms", "key": "kms"}]), output("plain")),
            "missing-file": test("nope", json!([raw("aes-256")]), error("a missing file is not an expected error")),
        }
    })
    .to_string();
    let text = run_failing_manifest(&s, &manifest);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "PASS either-key");
    assert_eq!(lines[1], "PASS good");
    assert_eq!(lines[2], "SKIP kms: needs an AWS KMS keyring");
    assert!(lines[3].starts_with("FAIL missing-file: ciphertext: "), "{}", lines[3]);
    assert!(lines[4].starts_with("FAIL should-fail: decrypted"), "{}", lines[4]);
    assert!(lines[5].starts_with("FAIL wrong-key: [NO_MATCHING_KEY]"), "{}", lines[5]);
    assert!(lines[6].starts_with("FAIL wrong-plaintext: plaintext differs"), "{}", lines[6]);
    assert_eq!(lines[7], "2 passed, 4 failed, 1 skipped");

    let missing = run(&["vectors", &s.arg("no-such-dir")]);
    assert_error(&missing, "IO_ERROR");
}

#[test]
fn vectors_command_maps_rsa_padding_specs() {
    let (s, keys) = Scratch::with_keys_json("vector-rsa");
    std::fs::create_dir_all(s.path("ct")).unwrap();
    s.write("plain", b"rsa plaintext");
    let encrypt = |padding: &str, out: &str| {
        let args = ["--key-namespace", "p", "--rsa-padding", padding, &s.arg("plain"), &s.arg(out)];
        assert_ok(&with_keys("encrypt", &keys, &["rsa-public"], &args));
    };
    encrypt("oaep-sha384", "ct/sha384");
    encrypt("oaep-sha1", "ct/sha1");
    // One raw RSA master key: (keys.json name, padding-algorithm, padding-hash).
    let rsa = |key: &str, padding: &str, hash: Option<&str>| {
        let mut mk = json!({"type": "raw", "key": key, "provider-id": "p", "encryption-algorithm": "rsa",
                            "padding-algorithm": padding});
        if let Some(h) = hash {
            mk["padding-hash"] = json!(h);
        }
        mk
    };
    let oaep = |key: &str, hash: &str| rsa(key, "oaep-mgf1", Some(hash));
    let output = json!({"output": {"plaintext": "file://plain"}});
    let error = json!({"error": {"error-description": "wrong padding"}});
    let test = |ct: &str, keys: Vec<Value>, expect_error: bool| {
        let result = if expect_error { error.clone() } else { output.clone() };
        json!({"ciphertext": format!("file://ct/{ct}"), "master-keys": keys, "result": result})
    };
    let aes_spec_rsa_key = json!({"type": "raw", "key": "rsa", "provider-id": "p", "encryption-algorithm": "aes"});
    let manifest = json!({
        "manifest": {"type": "awses-decrypt", "version": 2},
        "keys": "file://keys.json",
        "tests": {
            "a-sha384": test("sha384", vec![oaep("rsa", "sha384")], false),
            "b-sha1-der": test("sha1", vec![oaep("rsa-der", "sha1")], false),
            "c-public-then-private": test("sha384", vec![oaep("rsa-public", "sha384"), oaep("rsa", "sha384")], false),
            "d-wrong-hash-expected": test("sha384", vec![oaep("rsa", "sha256")], true),
            "e-pkcs1-expected": test("sha1", vec![rsa("rsa", "pkcs1", None)], true),
            "f-wrong-hash": test("sha384", vec![oaep("rsa", "sha512")], false),
            "g-public-only": test("sha384", vec![oaep("rsa-public", "sha384")], false),
            "h-no-hash": test("sha384", vec![rsa("rsa", "oaep-mgf1", None)], false),
            "i-bad-algorithm": test("sha384", vec![rsa("rsa", "oaep", Some("sha384"))], false),
            "j-aes-spec-rsa-key": test("sha384", vec![aes_spec_rsa_key], false),
        }
    })
    .to_string();
    let text = run_failing_manifest(&s, &manifest);
    let lines: Vec<&str> = text.lines().collect();
    for (i, id) in ["a-sha384", "b-sha1-der", "c-public-then-private", "d-wrong-hash-expected", "e-pkcs1-expected"]
        .iter()
        .enumerate()
    {
        assert_eq!(lines[i], format!("PASS {id}"), "{text}");
    }
    for (line, want) in [
        (lines[5], "FAIL f-wrong-hash: [NO_MATCHING_KEY]"),
        (lines[6], "FAIL g-public-only: [NO_MATCHING_KEY]"),
        (lines[7], r#"FAIL h-no-hash: master key "rsa": "padding-hash" is None"#),
        (lines[8], r#"FAIL i-bad-algorithm: master key "rsa": "padding-algorithm" is Some("oaep")"#),
        (
            lines[9],
            r#"FAIL j-aes-spec-rsa-key: master key "rsa": "encryption-algorithm" is "aes" but the key is an RSA key"#,
        ),
    ] {
        assert!(line.starts_with(want), "{line}\nwanted: {want}");
    }
    assert!(lines[6].contains("holds only a public key"), "{}", lines[6]);
    assert_eq!(lines[10], "5 passed, 5 failed, 0 skipped");
}

/// The v5 sample by keyring kind, read straight from its manifest: id -> decryptKeyDescription type.
fn v5_kinds(dir: &std::path::Path) -> BTreeMap<String, String> {
    let m: Value = serde_json::from_slice(&std::fs::read(dir.join("decrypt-manifest.json")).unwrap()).unwrap();
    assert_eq!(m["manifest"]["version"], 5);
    m["tests"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, t)| {
            (id.clone(), t["decryption-scenario"]["decryptKeyDescription"]["type"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn java_v5_sample_raw_multi_and_required_context_cases_pass() {
    let dir = vector_set("java-v5-sample");
    let kinds = v5_kinds(&dir);
    let count = |k: &str| kinds.values().filter(|v| *v == k).count();
    assert_eq!((count("raw"), count("multi-keyring"), count("required-encryption-context-cmm")), (6, 3, 4));
    let (code, results, summary) = run_vectors(&dir);
    assert_eq!(summary, "13 passed, 0 failed, 13 skipped");
    assert_eq!(code, Some(0));
    for (id, kind) in &kinds {
        let (status, detail) = &results[id];
        let runnable = matches!(kind.as_str(), "raw" | "multi-keyring" | "required-encryption-context-cmm");
        assert_eq!(status, if runnable { "PASS" } else { "SKIP" }, "{id} ({kind}): {detail}");
    }
}

#[test]
fn v5_required_context_keys_and_streaming_unsigned_only_are_enforced() {
    let sample = vector_set("java-v5-sample");
    let m: Value = serde_json::from_slice(&std::fs::read(sample.join("decrypt-manifest.json")).unwrap()).unwrap();
    let s = Scratch::new("v5-scenarios");
    for sub in ["ciphertexts", "plaintexts"] {
        std::fs::create_dir_all(s.path(sub)).unwrap();
    }
    std::fs::copy(sample.join("keys.json"), s.path("keys.json")).unwrap();
    std::fs::copy(sample.join("plaintexts/small"), s.path("plaintexts/small")).unwrap();
    let mut tests = serde_json::Map::new();
    // Each: (new id, sample id, edit of its scenario).
    type Edit<'a> = &'a dyn Fn(&mut Value);
    let cases: [(&str, &str, Edit); 5] = [
        // 0578 (signed), raw AES: refused under streaming-unsigned-only.
        ("signed-refused", "6ef11baf", &|sc| {
            sc["type"] = json!("negative-esdk");
            sc["decryption-method"] = json!("streaming-unsigned-only");
        }),
        // The same message with the method unset decrypts.
        ("signed-allowed", "6ef11baf", &|_| {}),
        // 0146 (unsigned) under streaming-unsigned-only: still decrypts.
        ("unsigned-allowed", "87310ca6", &|sc| {
            sc["decryption-method"] = json!("streaming-unsigned-only");
        }),
        // Required key "a" not reproduced: the CMM fails.
        ("required-missing", "87310ca6", &|sc| {
            sc["type"] = json!("negative-esdk");
            sc["reproduced-encryption-context"] = json!({});
        }),
        // Required key reproduced with another value: the header tag fails.
        ("required-wrong", "87310ca6", &|sc| {
            sc["type"] = json!("negative-esdk");
            sc["reproduced-encryption-context"] = json!({"a": "not a"});
        }),
    ];
    for (id, prefix, edit) in cases {
        let (sample_id, test) = m["tests"].as_object().unwrap().iter().find(|(k, _)| k.starts_with(prefix)).unwrap();
        std::fs::copy(sample.join("ciphertexts").join(sample_id), s.path(&format!("ciphertexts/{id}"))).unwrap();
        let mut test = test.clone();
        let sc = &mut test["decryption-scenario"];
        sc["ciphertext"] = json!(format!("file://ciphertexts/{id}"));
        edit(sc);
        if sc["type"] == "negative-esdk" {
            sc.as_object_mut().unwrap().remove("result");
            sc["error-description"] = json!(id);
        }
        tests.insert(id.to_owned(), test);
    }
    let manifest =
        json!({"manifest": {"type": "awses-decrypt", "version": 5}, "keys": "file://keys.json", "tests": tests});
    s.write("decrypt-manifest.json", manifest.to_string().as_bytes());
    let out = run(&["vectors", "-v", s.0.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(text.contains("PASS signed-refused (rejected as expected: [SIGNED_MESSAGE_REFUSED]"), "{text}");
    assert!(text.contains("PASS signed-allowed\n"), "{text}");
    assert!(text.contains("PASS unsigned-allowed\n"), "{text}");
    assert!(text.contains("PASS required-missing (rejected as expected: [ENCRYPTION_CONTEXT_MISMATCH] "), "{text}");
    assert!(text.contains("required encryption context key \"a\""), "{text}");
    assert!(text.contains("PASS required-wrong (rejected as expected: "), "{text}");
    assert!(text.ends_with("5 passed, 0 failed, 0 skipped\n"), "{text}");
}
