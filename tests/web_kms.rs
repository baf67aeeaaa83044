//! wasm-bindgen tests of the bindings JavaScript keyrings build on (`src/wasm/{materials,kms,rsa}.rs`):
//! `RawRsaKeyring`, `EncryptionMaterials` and `encryptorFromMaterials`, `KeyringOutcome`, the KMS
//! protocol functions and `signSigV4`. Run like tests/web.rs, in Node and in browsers:
//!
//! ```text
//! wasm-pack test --node -- --test web_kms
//! WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web_kms
//! ```
#![cfg(target_arch = "wasm32")]

use envseal::wasm::keyrings::RawAesKeyring;
use envseal::wasm::kms::{
    kms_decrypt_candidates, kms_decrypt_request, kms_decrypt_response, kms_encrypt_request, kms_encrypt_response,
    kms_error, kms_error_from_body, kms_generate_data_key_request, kms_generate_data_key_response, kms_parse_arn,
    sign_sig_v4,
};
use envseal::wasm::materials::{encryptor_from_materials, unwrap_data_key, EncryptionMaterialsHandle, KeyringOutcome};
use envseal::wasm::rsa::RawRsaKeyring;
use envseal::wasm::{self, DecryptorHandle};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/k";
const PRIVATE_PEM: &str = include_str!("../src/keyring/testdata/rsa-2048-private.pem");
const PUBLIC_PEM: &str = include_str!("../src/keyring/testdata/rsa-2048-public.pem");

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

fn stringify(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).unwrap().as_string().unwrap()
}

fn code(error: JsValue) -> String {
    let e = error.dyn_ref::<js_sys::Error>().expect("errors are JavaScript Error objects");
    assert!(!String::from(e.message()).is_empty(), "errors have a message");
    get(&error, "code").as_string().expect("errors have a string code")
}

fn aes(name: &str, fill: u8) -> JsValue {
    let options =
        object(&[("keyNamespace", "web-kms".into()), ("keyName", name.into()), ("wrappingKey", bytes(&[fill; 32]))]);
    RawAesKeyring::new(&options).unwrap().into()
}

fn rsa(public: Option<&str>, private: Option<&str>, padding: &str) -> Result<RawRsaKeyring, JsValue> {
    let mut pairs =
        vec![("keyNamespace", JsValue::from("web-kms")), ("keyName", "rsa".into()), ("padding", padding.into())];
    if let Some(p) = public {
        pairs.push(("publicKey", p.into()));
    }
    if let Some(p) = private {
        pairs.push(("privateKey", p.into()));
    }
    RawRsaKeyring::new(&object(&pairs))
}

fn round_trip(writer: &JsValue, reader: &JsValue, suite: u32) -> Result<Vec<u8>, JsValue> {
    let encrypted = wasm::encrypt(writer, &bytes(b"rsa in wasm"), &object(&[("suite", suite.into())]))?;
    let decrypted = wasm::decrypt(reader, &get(&encrypted, "ciphertext"), &JsValue::UNDEFINED)?;
    Ok(get(&decrypted, "plaintext").unchecked_into::<Uint8Array>().to_vec())
}

#[wasm_bindgen_test]
fn raw_rsa_keyring_round_trips_and_public_only_encrypts() {
    for padding in ["oaep-sha1", "OAEP-SHA256", "oaep-sha384", "oaep-sha512"] {
        let full: JsValue = rsa(Some(PUBLIC_PEM), Some(PRIVATE_PEM), padding).unwrap().into();
        let public_only = rsa(Some(PUBLIC_PEM), None, padding).unwrap();
        assert!(!public_only.can_decrypt());
        assert_eq!(public_only.padding(), padding.to_ascii_lowercase());
        let public_only: JsValue = public_only.into();
        assert_eq!(round_trip(&public_only, &full, 0x0578).unwrap(), b"rsa in wasm");
        assert_eq!(code(round_trip(&full, &public_only, 0x0478).unwrap_err()), "NO_MATCHING_KEY");
    }
    // DER bytes, private key only.
    let der = base64_body(PRIVATE_PEM);
    let from_der: JsValue = RawRsaKeyring::new(&object(&[
        ("keyNamespace", "web-kms".into()),
        ("keyName", "rsa".into()),
        ("privateKey", bytes(&der)),
        ("padding", "oaep-sha256".into()),
    ]))
    .unwrap()
    .into();
    let pem: JsValue = rsa(None, Some(PRIVATE_PEM), "oaep-sha256").unwrap().into();
    assert_eq!(round_trip(&from_der, &pem, 0x0478).unwrap(), b"rsa in wasm");
    for bad in [
        rsa(None, None, "oaep-sha256"),
        rsa(Some("nope"), None, "oaep-sha256"),
        rsa(Some(PUBLIC_PEM), None, "oaep-md5"),
    ] {
        assert_eq!(code(bad.err().unwrap()), "INVALID_ARGUMENT");
    }
    let wrong_type = RawRsaKeyring::new(&object(&[
        ("keyNamespace", "n".into()),
        ("keyName", "k".into()),
        ("publicKey", 5.into()),
        ("padding", "oaep-sha1".into()),
    ]));
    assert!(wrong_type.err().unwrap().is_instance_of::<js_sys::TypeError>());
}

/// The DER inside a PEM (test key, no line wider than 64 characters).
fn base64_body(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let text = js_sys::global().unchecked_into::<Object>();
    let atob: js_sys::Function = get(&text, "atob").unchecked_into();
    let binary = atob.call1(&JsValue::NULL, &b64.into()).unwrap().as_string().unwrap();
    binary.chars().map(|c| c as u8).collect()
}

#[wasm_bindgen_test]
fn materials_take_keys_and_edks_then_build_an_encryptor() {
    let signed = EncryptionMaterialsHandle::new(&object(&[("suite", 0x0578.into())]), None).unwrap();
    assert_eq!(signed.suite_id().unwrap(), 0x0578);
    assert!(get(&signed.encryption_context().unwrap(), "aws-crypto-public-key").is_string());

    let mut m = EncryptionMaterialsHandle::new(
        &object(&[("encryptionContext", object(&[("a", "b".into())])), ("frameLength", 100.into())]),
        Some("encrypt".into()),
    )
    .unwrap();
    assert_eq!((m.suite_id().unwrap(), m.key_length().unwrap(), m.has_data_key().unwrap()), (0x0478, 32, false));
    assert_eq!(code(m.data_key().unwrap_err()), "INVALID_STATE");
    let edk =
        object(&[("providerId", "edge".into()), ("providerInfo", bytes(b"info")), ("ciphertext", bytes(&[1, 2]))]);
    assert_eq!(code(m.add_encrypted_data_key(&edk).unwrap_err()), "INVALID_STATE");
    assert_eq!(code(m.set_data_key(&bytes(&[1; 16])).unwrap_err()), "INVALID_ARGUMENT");
    m.set_data_key(&bytes(&[9; 32])).unwrap();
    assert_eq!(code(m.set_data_key(&bytes(&[9; 32])).unwrap_err()), "INVALID_ARGUMENT");
    assert_eq!(m.data_key().unwrap().to_vec(), vec![9; 32]);
    m.add_encrypted_data_key(&edk).unwrap();
    let child = aes("child", 3);
    m.wrap_with(&child).unwrap(); // a WebAssembly keyring wraps the key set at the edge
    assert_eq!(m.encrypted_data_keys().unwrap().length(), 2);

    let mut enc = encryptor_from_materials(&mut m).unwrap();
    assert_eq!(code(m.suite_id().unwrap_err()), "INVALID_STATE", "the materials are used up");
    let mut message = enc.push(&bytes(&[5; 1000])).unwrap().to_vec();
    message.extend(enc.finish().unwrap().to_vec());
    let header = enc.header().unwrap();
    assert_eq!(get(&header, "frameLength").as_f64(), Some(100.0));
    let read = wasm::decrypt(&child, &bytes(&message), &JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&read, "plaintext").unchecked_into::<Uint8Array>().to_vec(), vec![5; 1000]);

    // Without a data key or an EDK, no encryptor.
    let mut empty = EncryptionMaterialsHandle::new(&JsValue::UNDEFINED, None).unwrap();
    assert_eq!(code(encryptor_from_materials(&mut empty).err().unwrap()), "INVALID_ARGUMENT");
    // Options are checked at once, as encrypt checks them.
    assert_eq!(
        code(EncryptionMaterialsHandle::new(&object(&[("suite", 0x0014.into())]), None).err().unwrap()),
        "COMMITMENT_POLICY"
    );
    let gdk = EncryptionMaterialsHandle::new(&object(&[("suite", 0x0578.into())]), Some("generateDataKey".into()));
    assert_eq!(code(gdk.err().unwrap()), "INVALID_ARGUMENT");
}

#[wasm_bindgen_test]
fn unwrap_data_key_and_keyring_outcome() {
    let keyring = aes("k", 7);
    let encrypted =
        wasm::encrypt(&keyring, &bytes(b"x"), &object(&[("encryptionContext", object(&[("a", "b".into())]))])).unwrap();
    let header = get(&encrypted, "header");
    let edks = get(&header, "encryptedDataKeys");
    let materials = object(&[("suiteId", 0x0478.into()), ("encryptionContext", object(&[("a", "b".into())]))]);
    assert_eq!(unwrap_data_key(&keyring, &materials, &edks).unwrap().unwrap().length(), 32);
    assert!(unwrap_data_key(&aes("other", 7), &materials, &edks).unwrap().is_none());
    let wrong_context = object(&[("suiteId", 0x0478.into()), ("encryptionContext", object(&[]))]);
    assert_eq!(code(unwrap_data_key(&keyring, &wrong_context, &edks).unwrap_err()), "NO_MATCHING_KEY");

    // "No data key" through the core: NO_MATCHING_KEY naming the providers; with required pairs,
    // ENCRYPTION_CONTEXT_MISMATCH.
    let message = get(&encrypted, "ciphertext");
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    dec.push(&message).unwrap();
    let none: JsValue = KeyringOutcome::new("KMS keyring \"x\"".into(), None).into();
    let e = dec.unwrap_with(&none).unwrap_err();
    assert!(String::from(e.dyn_ref::<js_sys::Error>().unwrap().message()).contains("\"web-kms\"/\"k\""));
    assert_eq!(code(e), "NO_MATCHING_KEY");
    let mut dec = DecryptorHandle::new(&object(&[("encryptionContext", object(&[("c", "d".into())]))]), None).unwrap();
    dec.push(&message).unwrap();
    let failed: JsValue = KeyringOutcome::new("kms".into(), Some("KMS InvalidCiphertextException: no".into())).into();
    assert_eq!(code(dec.unwrap_with(&failed).unwrap_err()), "ENCRYPTION_CONTEXT_MISMATCH");
}

#[wasm_bindgen_test]
fn kms_requests_and_responses_are_the_cores() {
    let mut m =
        EncryptionMaterialsHandle::new(&object(&[("encryptionContext", object(&[("t", "a".into())]))]), None).unwrap();
    let tokens: JsValue = Array::of1(&"g".into()).into();
    let request = kms_generate_data_key_request(ARN, &m, &tokens).unwrap();
    assert_eq!(
        stringify(&request),
        format!(r#"{{"EncryptionContext":{{"t":"a"}},"GrantTokens":["g"],"KeyId":"{ARN}","NumberOfBytes":32}}"#)
    );
    let key_b64 = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
    let bad = json(&format!(r#"{{"KeyId":"alias/x","Plaintext":"{key_b64}","CiphertextBlob":"AQID"}}"#));
    assert_eq!(code(kms_generate_data_key_response(&mut m, &bad).unwrap_err()), "KMS_BAD_RESPONSE");
    assert_eq!(code(kms_generate_data_key_response(&mut m, &"text".into()).unwrap_err()), "KMS_BAD_RESPONSE");
    let ok = json(&format!(r#"{{"KeyId":"{ARN}","Plaintext":"{key_b64}","CiphertextBlob":"AQID"}}"#));
    let edk = kms_generate_data_key_response(&mut m, &ok).unwrap().get(0);
    assert_eq!(get(&edk, "providerId").as_string().as_deref(), Some("aws-kms"));
    assert_eq!(get(&edk, "providerInfo").unchecked_into::<Uint8Array>().to_vec(), ARN.as_bytes());
    assert_eq!(m.data_key().unwrap().to_vec(), vec![7; 32]);

    // A second KMS key wraps the same data key with Encrypt.
    let other = "arn:aws:kms:us-east-1:111122223333:key/other";
    let request = kms_encrypt_request(other, &m, &JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&request, "Plaintext").as_string().as_deref(), Some(key_b64));
    kms_encrypt_response(&mut m, &json(&format!(r#"{{"KeyId":"{other}","CiphertextBlob":"BAU="}}"#))).unwrap();
    let edks = m.encrypted_data_keys().unwrap();
    assert_eq!(edks.length(), 2);

    // Candidates: by key id, or by discovery filter.
    let by_id = kms_decrypt_candidates(Some(other.into()), &JsValue::NULL, &edks).unwrap();
    assert_eq!(stringify(&by_id), format!(r#"[{{"keyId":"{other}","index":1}}]"#));
    let filter = object(&[("partition", "aws".into()), ("accounts", Array::of1(&"111122223333".into()).into())]);
    assert_eq!(kms_decrypt_candidates(None, &filter, &edks).unwrap().length(), 2);
    let elsewhere = object(&[("partition", "aws".into()), ("accounts", Array::of1(&"999".into()).into())]);
    assert_eq!(kms_decrypt_candidates(None, &elsewhere, &edks).unwrap().length(), 0);

    let request = kms_decrypt_request(ARN, &edks.get(0), &object(&[("t", "a".into())]), &JsValue::UNDEFINED).unwrap();
    assert_eq!(
        stringify(&request),
        format!(r#"{{"CiphertextBlob":"AQID","EncryptionContext":{{"t":"a"}},"KeyId":"{ARN}"}}"#)
    );
    let answer = json(&format!(r#"{{"KeyId":"{ARN}","Plaintext":"{key_b64}"}}"#));
    assert_eq!(kms_decrypt_response(&answer, ARN, 0x0478).unwrap().to_vec(), vec![7; 32]);
    assert_eq!(code(kms_decrypt_response(&answer, other, 0x0478).unwrap_err()), "KMS_BAD_RESPONSE");
    assert_eq!(code(kms_decrypt_response(&answer, ARN, 0x9999).unwrap_err()), "UNSUPPORTED_SUITE");

    let arn = kms_parse_arn(ARN).unwrap();
    assert_eq!(
        stringify(&arn),
        r#"{"partition":"aws","region":"us-east-1","account":"111122223333","resourceType":"key","resourceId":"k"}"#
    );
    assert_eq!(code(kms_parse_arn("alias/x").unwrap_err()), "INVALID_ARGUMENT");
}

#[wasm_bindgen_test]
fn kms_errors_keep_the_kms_type() {
    let e = kms_error_from_body(400, r#"{"__type":"com.amazonaws.kms#DisabledException","message":"key is disabled"}"#);
    assert_eq!(get(&e, "kmsType").as_string().as_deref(), Some("DisabledException"));
    assert_eq!(get(&e, "kmsMessage").as_string().as_deref(), Some("key is disabled"));
    assert_eq!(code(e), "KMS_ERROR");
    let e = kms_error_from_body(502, "<html>");
    assert!(get(&e, "kmsType").is_undefined());
    assert_eq!(code(e), "KMS_UNAVAILABLE");
    let e = kms_error("ns#NotFoundException", "gone");
    assert_eq!(get(&e, "kmsType").as_string().as_deref(), Some("NotFoundException"));
    assert_eq!(code(e), "KMS_ERROR");
}

#[wasm_bindgen_test]
fn sigv4_matches_botocore() {
    // The first case of tests/data/sigv4-botocore.json (tests/js/kms/sigv4.test.mjs checks them all).
    let request = object(&[
        ("method", "POST".into()),
        ("host", "kms.us-east-1.amazonaws.com".into()),
        ("path", "/".into()),
        (
            "headers",
            object(&[
                ("Content-Type", "application/x-amz-json-1.1".into()),
                ("X-Amz-Target", "TrentService.GenerateDataKey".into()),
            ]),
        ),
        ("body", r#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/abc","NumberOfBytes":32}"#.into()),
    ]);
    let credentials = object(&[
        ("accessKeyId", "AKIDEXAMPLE".into()),
        ("secretAccessKey", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into()),
    ]);
    let signed = sign_sig_v4(&request, &credentials, "us-east-1", "kms", "20261128T123600Z").unwrap();
    assert_eq!(
        get(&signed, "authorization").as_string().as_deref(),
        Some(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/kms/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-target, \
             Signature=33ccf3b45233f07ebf620e2a643ef331da8487dada02a09906d27e1e06979664"
        )
    );
    assert!(get(&signed, "x-amz-security-token").is_undefined());
    assert_eq!(code(sign_sig_v4(&request, &credentials, "us-east-1", "kms", "2026").unwrap_err()), "INVALID_ARGUMENT");
}
