//! The KMS keyring against a real KMS-compatible server (moto), natively. Needs a moto server:
//! `make test-kms` starts one and runs this with `ENVSEAL_MOTO_URL=http://127.0.0.1:PORT`.
//! (Built only with `--features moto-tests`, so `cargo test` alone does not need the server.)
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use envseal::keyring::kms::protocol::error_from_body;
use envseal::keyring::kms::sigv4::{sign, Credentials, SignableRequest};
use envseal::keyring::kms::{DiscoveryFilter, KmsClient};
use envseal::{
    decrypt, encrypt, AlgorithmSuite, DecryptOptions, EncryptOptions, Error, Keyring, KmsKeyring, MultiKeyring,
};
use serde_json::{json, Value};
use zeroize::Zeroizing;

/// A minimal HTTP/1.1 KMS client over TCP (moto listens on plain HTTP on loopback).
struct HttpKms {
    host: String,
}

impl HttpKms {
    fn from_env() -> Self {
        let url =
            std::env::var("ENVSEAL_MOTO_URL").expect("ENVSEAL_MOTO_URL must name the moto server (make test-kms)");
        HttpKms { host: url.trim_start_matches("http://").trim_end_matches('/').to_owned() }
    }

    fn post(&self, target: &str, body: &[u8]) -> Result<(u16, String), Error> {
        let unavailable = |e: std::io::Error| Error::KmsUnavailable(format!("{}: {e}", self.host));
        let creds = Credentials {
            access_key_id: "testing".into(),
            secret_access_key: Zeroizing::new("testing".into()),
            session_token: None,
        };
        let headers = [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target)];
        let req = SignableRequest { method: "POST", host: &self.host, path: "/", headers: &headers, body };
        let signed = sign(&req, &creds, "us-east-1", "kms", "20261128T120000Z")?;
        let mut stream = TcpStream::connect(&self.host).map_err(unavailable)?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(unavailable)?;
        let mut head = format!(
            "POST / HTTP/1.1\r\nhost: {}\r\nconnection: close\r\ncontent-length: {}\r\n",
            self.host,
            body.len()
        );
        for (k, v) in headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).chain(signed) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body)).map_err(unavailable)?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(unavailable)?;
        let text = String::from_utf8_lossy(&response).into_owned();
        let (head, body) =
            text.split_once("\r\n\r\n").ok_or_else(|| Error::KmsBadResponse("no HTTP header end".into()))?;
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        Ok((status, body.to_owned()))
    }
}

impl KmsClient for HttpKms {
    fn call(&self, operation: &str, request: &Value) -> Result<Value, Error> {
        let (status, body) = self.post(&format!("TrentService.{operation}"), request.to_string().as_bytes())?;
        if status != 200 {
            return Err(error_from_body(status, &body));
        }
        serde_json::from_str(&body).map_err(|e| Error::KmsBadResponse(format!("not JSON: {e}")))
    }
}

fn client() -> Arc<HttpKms> {
    Arc::new(HttpKms::from_env())
}

fn create_key(kms: &HttpKms) -> String {
    let r = kms.call("CreateKey", &json!({"Description": "envseal test"})).unwrap();
    r["KeyMetadata"]["Arn"].as_str().unwrap().to_owned()
}

#[test]
fn kms_keyring_against_moto() {
    let kms = client();
    let arn = create_key(&kms);
    let keyring = KmsKeyring::new(&arn, vec![], kms.clone()).unwrap();

    // Round trips, both suites, with a context (KMS binds it too).
    for suite in [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
        let mut options = EncryptOptions { suite, ..Default::default() };
        options.encryption_context.insert("tenant".into(), "acme".into());
        let pt = common::plaintext(100_000, 1);
        let (msg, header) = encrypt(&keyring, &pt, &options).unwrap();
        let edk = &header.encrypted_data_keys[0];
        assert_eq!((edk.provider_id.as_str(), edk.provider_info.as_slice()), ("aws-kms", arn.as_bytes()));
        assert_eq!(decrypt(&keyring, &msg, &DecryptOptions::default()).unwrap().0, pt);
    }

    // Multi-keyring: KMS generator + raw AES child; each alone decrypts.
    let aes: Arc<dyn Keyring> = Arc::new(common::keyring(7));
    let kms_kr: Arc<dyn Keyring> = Arc::new(KmsKeyring::new(&arn, vec![], kms.clone()).unwrap());
    let multi = MultiKeyring::new(Some(kms_kr.clone()), vec![aes.clone()]).unwrap();
    let (msg, header) = encrypt(&multi, b"multi", &EncryptOptions::default()).unwrap();
    assert_eq!(header.encrypted_data_keys.len(), 2);
    for k in [&kms_kr, &aes] {
        assert_eq!(decrypt(k.as_ref(), &msg, &DecryptOptions::default()).unwrap().0, b"multi");
    }
    // KMS as a child wraps the generator's key with Encrypt.
    let multi = MultiKeyring::new(Some(aes.clone()), vec![kms_kr.clone()]).unwrap();
    let (msg, _) = encrypt(&multi, b"child", &EncryptOptions::default()).unwrap();
    assert_eq!(decrypt(kms_kr.as_ref(), &msg, &DecryptOptions::default()).unwrap().0, b"child");

    // Discovery: any key in the account; a filter for another account finds nothing.
    let account = arn.split(':').nth(4).unwrap().to_owned();
    let discovery = KmsKeyring::discovery(
        Some(DiscoveryFilter { partition: "aws".into(), accounts: vec![account] }),
        vec![],
        kms.clone(),
    );
    assert_eq!(decrypt(&discovery, &msg, &DecryptOptions::default()).unwrap().0, b"child");
    let elsewhere = KmsKeyring::discovery(
        Some(DiscoveryFilter { partition: "aws".into(), accounts: vec!["000000000000".into()] }),
        vec![],
        kms.clone(),
    );
    assert_eq!(decrypt(&elsewhere, &msg, &DecryptOptions::default()).unwrap_err().code(), "NO_MATCHING_KEY");
    assert_eq!(encrypt(&discovery, b"x", &EncryptOptions::default()).unwrap_err().code(), "INVALID_ARGUMENT");

    // Wrong key: a keyring for another KMS key has no EDK in the message.
    let other = KmsKeyring::new(&create_key(&kms), vec![], kms.clone()).unwrap();
    assert_eq!(decrypt(&other, &msg, &DecryptOptions::default()).unwrap_err().code(), "NO_MATCHING_KEY");

    // Disabled key: moto 5 does not enforce key state on GenerateDataKey, Encrypt or Decrypt (real
    // KMS and the demo key service do), so the DisabledException path is checked with a canned
    // KMS error body in transport_failures_are_clear.

    // Unknown key id: NotFoundException at encryption.
    let ghost = KmsKeyring::new(
        "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000",
        vec![],
        kms.clone(),
    )
    .unwrap();
    match encrypt(&ghost, b"x", &EncryptOptions::default()).unwrap_err() {
        Error::Kms { kind, .. } => assert_eq!(kind, "NotFoundException"),
        e => panic!("expected NotFoundException, got {e}"),
    }
}

/// A one-shot local server answering every request with `response`.
fn fake_server(response: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let mut s = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(response.as_bytes());
        }
    });
    addr
}

/// A message with one KMS EDK for `arn:aws:kms:us-east-1:111122223333:key/k` (wrapped by nobody: the data key
/// comes from a raw AES keyring, then the EDK list is replaced), so decryption asks that key.
fn kms_message() -> Vec<u8> {
    use envseal::{DataKey, EncryptedDataKey, EncryptionMaterials, MessageEncryptor};
    let mut m = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, Default::default()).unwrap();
    m.set_data_key(DataKey::new(vec![3; 32])).unwrap();
    m.encrypted_data_keys.push(EncryptedDataKey {
        provider_id: "aws-kms".into(),
        provider_info: b"arn:aws:kms:us-east-1:111122223333:key/k".to_vec(),
        ciphertext: vec![1, 2, 3],
    });
    let enc = MessageEncryptor::new(m, 1024).unwrap();
    let mut out = Vec::new();
    enc.finish(&mut out).unwrap();
    out
}

#[test]
fn transport_failures_are_clear() {
    let keyring = |host: String| {
        KmsKeyring::new("arn:aws:kms:us-east-1:111122223333:key/k", vec![], Arc::new(HttpKms { host })).unwrap()
    };
    // Nothing listens there.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    assert_eq!(encrypt(&keyring(closed), b"x", &EncryptOptions::default()).unwrap_err().code(), "KMS_UNAVAILABLE");
    // HTTP 500 without a KMS body; malformed JSON; a 4xx with a KMS body.
    let e500 = fake_server("HTTP/1.1 500 Internal Server Error\r\ncontent-length: 5\r\n\r\noops!");
    assert_eq!(encrypt(&keyring(e500), b"x", &EncryptOptions::default()).unwrap_err().code(), "KMS_UNAVAILABLE");
    let junk = fake_server("HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\n{junk!");
    assert_eq!(encrypt(&keyring(junk), b"x", &EncryptOptions::default()).unwrap_err().code(), "KMS_BAD_RESPONSE");
    let disabled = fake_server("HTTP/1.1 400 Bad Request\r\ncontent-length: 76\r\n\r\n{\"__type\":\"com.amazonaws.kms#DisabledException\",\"message\":\"key is disabled\"}");
    let err = decrypt(&keyring(disabled), &kms_message(), &DecryptOptions::default()).unwrap_err();
    assert_eq!(err, Error::Kms { kind: "DisabledException".into(), message: "key is disabled".into() });
    let denied = fake_server("HTTP/1.1 400 Bad Request\r\ncontent-length: 63\r\n\r\n{\"__type\":\"AccessDeniedException\",\"message\":\"not allowed here\"}");
    let err = encrypt(&keyring(denied), b"x", &EncryptOptions::default()).unwrap_err();
    assert_eq!(err, Error::Kms { kind: "AccessDeniedException".into(), message: "not allowed here".into() });
}

/// The official Python SDK with its KMS master key provider, on the same moto server.
fn python_peer(args: &[&str]) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new(format!("{root}/.venv/bin/python"))
        .arg(format!("{root}/tests/interop/kms_peer.py"))
        .args(args)
        .env("AWS_ENDPOINT_URL", std::env::var("ENVSEAL_MOTO_URL").unwrap())
        .output()
        .expect("run .venv/bin/python (scripts/setup.sh python)");
    assert!(out.status.success(), "kms_peer.py {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn interop_with_the_python_sdk_kms_provider() {
    let kms = client();
    let arn = create_key(&kms);
    let keyring = KmsKeyring::new(&arn, vec![], kms.clone()).unwrap();
    let dir = std::env::temp_dir().join(format!("envseal-kms-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let pt = common::plaintext(300_000, 9);
    std::fs::write(path("plain"), &pt).unwrap();

    // envseal writes (both suites), Python reads.
    for suite in [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
        let mut options = EncryptOptions { suite, frame_length: 4096, ..Default::default() };
        options.encryption_context.insert("purpose".into(), "interop ✓".into());
        let (msg, _) = encrypt(&keyring, &pt, &options).unwrap();
        std::fs::write(path("by-envseal"), &msg).unwrap();
        let context = python_peer(&["decrypt", &path("by-envseal"), &path("python-plain")]);
        assert_eq!(std::fs::read(path("python-plain")).unwrap(), pt, "{suite:?}");
        assert_eq!(context, "purpose=interop ✓");
    }

    // Python writes (signed suite), envseal reads.
    python_peer(&["encrypt", &arn, &path("plain"), &path("by-python"), "origin=python"]);
    let msg = std::fs::read(path("by-python")).unwrap();
    let (got, header) = decrypt(&keyring, &msg, &DecryptOptions::default()).unwrap();
    assert_eq!(got, pt);
    assert_eq!(header.suite, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384);
    assert_eq!(header.encryption_context.get("origin").map(String::as_str), Some("python"));
    assert_eq!(header.encrypted_data_keys[0].provider_info, arn.as_bytes());
    std::fs::remove_dir_all(&dir).unwrap();
}
