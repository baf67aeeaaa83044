//! envseal's SigV4 signer agrees with botocore's on the same requests
//! (tests/data/sigv4-botocore.json, made by tests/interop/sigv4_botocore.py).
#![cfg(not(target_arch = "wasm32"))]

use envseal::keyring::kms::sigv4::{sign, Credentials, SignableRequest};
use zeroize::Zeroizing;

#[test]
fn matches_botocore() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sigv4-botocore.json");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for c in cases {
        let s = |k: &str| c[k].as_str().unwrap();
        let creds = Credentials {
            access_key_id: s("access_key_id").into(),
            secret_access_key: Zeroizing::new(s("secret_access_key").into()),
            session_token: c["session_token"].as_str().map(String::from),
        };
        let headers = [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", s("target"))];
        let req = SignableRequest {
            method: "POST",
            host: s("host"),
            path: "/",
            headers: &headers,
            body: s("body").as_bytes(),
        };
        let got = sign(&req, &creds, s("region"), s("service"), s("amz_date")).unwrap();
        let find = |name: &str| got.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let want = &c["expected"];
        assert_eq!(find("authorization"), want["authorization"].as_str(), "{}", s("name"));
        assert_eq!(find("x-amz-date"), want["x-amz-date"].as_str(), "{}", s("name"));
        assert_eq!(find("x-amz-security-token"), want["x-amz-security-token"].as_str(), "{}", s("name"));
    }
}

#[test]
fn rejects_bad_dates() {
    let creds =
        Credentials { access_key_id: "a".into(), secret_access_key: Zeroizing::new("s".into()), session_token: None };
    let req = SignableRequest { method: "POST", host: "h", path: "/", headers: &[], body: b"" };
    for date in ["2026-11-28", "20261128T1236Z", "20261128X123600Z", "2026112aT123600Z"] {
        assert!(sign(&req, &creds, "r", "kms", date).is_err(), "{date}");
    }
}
