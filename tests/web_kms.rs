//! wasm-bindgen tests of the bindings keyring runs build on (`src/wasm/{materials,steps,kms,rsa}.rs`):
//! `RawRsaKeyring`, `EncryptionMaterials` and `encryptorFromMaterials`, `KeyringRun` with
//! `CoreKmsKeyring` and `ForeignKeyring`, KMS errors and `signSigV4`. Run like tests/web.rs, in Node and in browsers:
//!
//! ```text
//! wasm-pack test --node -- --test web_kms
//! WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web_kms
//! ```
#![cfg(target_arch = "wasm32")]

use envseal::wasm::keyrings::RawAesKeyring;
use envseal::wasm::kms::{kms_error, kms_error_from_body, kms_parse_arn, sign_sig_v4, CoreKmsKeyring};
use envseal::wasm::materials::{encryptor_from_materials, EncryptionMaterialsHandle};
use envseal::wasm::rsa::RawRsaKeyring;
use envseal::wasm::steps::{ForeignKeyring, KeyringRun};
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

/// The endpoint resolver a CoreKmsKeyring takes (these keyrings have no endpoint).
fn no_endpoint() -> js_sys::Function {
    js_sys::Function::new_no_args("return undefined")
}

/// Runs one step of `run` and returns the call it asks for (or `{ done }`).
fn step(result: Result<JsValue, JsValue>) -> JsValue {
    result.expect("the step succeeds")
}

fn answer_text(text: &str) -> JsValue {
    object(&[("text", text.into())])
}

fn answer_error(message: &str) -> JsValue {
    object(&[("error", js_sys::Error::new(message).into())])
}

#[wasm_bindgen_test]
fn a_keyring_run_asks_for_kms_calls_and_takes_their_answers() {
    let kms: JsValue = CoreKmsKeyring::new(
        &object(&[("keyId", ARN.into()), ("grantTokens", Array::of1(&"g".into()).into())]),
        &no_endpoint(),
    )
    .unwrap()
    .into();
    let multi: JsValue =
        wasm::MultiKeyring::new(&object(&[("generator", kms.clone()), ("children", Array::of1(&aes("k", 7)).into())]))
            .unwrap()
            .into();
    let mut m =
        EncryptionMaterialsHandle::new(&object(&[("encryptionContext", object(&[("t", "a".into())]))]), None).unwrap();
    let mut run = KeyringRun::new(&multi).unwrap();
    let call = step(run.wrap(&mut m, &JsValue::UNDEFINED));
    assert_eq!(stringify(&get(&call, "path")), "[0]", "the generator (member 0) asks");
    assert_eq!(get(&call, "kind").as_string().as_deref(), Some("kms"));
    assert_eq!(get(&call, "operation").as_string().as_deref(), Some("GenerateDataKey"));
    assert_eq!(get(&call, "keyId").as_string().as_deref(), Some(ARN));
    assert_eq!(
        get(&call, "body").as_string().unwrap(),
        format!(r#"{{"EncryptionContext":{{"t":"a"}},"GrantTokens":["g"],"KeyId":"{ARN}","NumberOfBytes":32}}"#)
    );
    let key_b64 = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
    let ok = format!(r#"{{"KeyId":"{ARN}","Plaintext":"{key_b64}","CiphertextBlob":"AQID"}}"#);
    let done = step(run.wrap(&mut m, &answer_text(&ok)));
    assert_eq!(get(&done, "done").as_bool(), Some(true), "the raw AES child wraps in the core, no call");
    let edks = m.encrypted_data_keys().unwrap();
    assert_eq!(edks.length(), 2);
    assert_eq!(get(&edks.get(0), "providerInfo").unchecked_into::<Uint8Array>().to_vec(), ARN.as_bytes());
    assert_eq!(m.data_key().unwrap().to_vec(), vec![7; 32]);
    assert!(run.wrap(&mut m, &answer_text(&ok)).is_err(), "an answer with no call pending is refused");

    // Answers the core refuses, and an error a transport threw, which comes back as itself.
    for (answer, expected) in [
        (
            answer_text(&format!(r#"{{"KeyId":"alias/x","Plaintext":"{key_b64}","CiphertextBlob":"AQID"}}"#)),
            "KMS_BAD_RESPONSE",
        ),
        (answer_text("text"), "KMS_BAD_RESPONSE"),
        (answer_text("[1, 2]"), "KMS_BAD_RESPONSE"),
    ] {
        let mut fresh = EncryptionMaterialsHandle::new(&JsValue::UNDEFINED, None).unwrap();
        let mut run = KeyringRun::new(&kms).unwrap();
        step(run.wrap(&mut fresh, &JsValue::UNDEFINED));
        assert_eq!(code(run.wrap(&mut fresh, &answer).unwrap_err()), expected);
    }
    let mut fresh = EncryptionMaterialsHandle::new(&JsValue::UNDEFINED, None).unwrap();
    let mut run = KeyringRun::new(&kms).unwrap();
    step(run.wrap(&mut fresh, &JsValue::UNDEFINED));
    let thrown = answer_error("proxy down");
    let e = run.wrap(&mut fresh, &thrown).unwrap_err();
    assert!(Object::is(&e, &get(&thrown, "error")), "the transport's own error object");

    // Decryption: a discovery keyring asks KMS for the EDK, the decryptor verifies the header.
    let message = encrypt_with(&m);
    let filter = object(&[("partition", "aws".into()), ("accounts", Array::of1(&"111122223333".into()).into())]);
    let discovery: JsValue =
        CoreKmsKeyring::new(&object(&[("discovery", true.into()), ("discoveryFilter", filter)]), &no_endpoint())
            .unwrap()
            .into();
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    dec.push(&message).unwrap();
    let mut run = KeyringRun::new(&discovery).unwrap();
    let call = step(run.unwrap_message(&mut dec, &JsValue::UNDEFINED));
    assert_eq!(get(&call, "operation").as_string().as_deref(), Some("Decrypt"));
    assert_eq!(
        get(&call, "body").as_string().unwrap(),
        format!(r#"{{"CiphertextBlob":"AQID","EncryptionContext":{{"t":"a"}},"KeyId":"{ARN}"}}"#)
    );
    let answer = answer_text(&format!(r#"{{"KeyId":"{ARN}","Plaintext":"{key_b64}"}}"#));
    assert_eq!(get(&step(run.unwrap_message(&mut dec, &answer)), "done").as_bool(), Some(true));
    assert_eq!(dec.state(), "body");
    assert_eq!(dec.finish(None).unwrap().to_vec(), b"x");
}

/// A one-frame message of `x` under the data key of `m` and its first (KMS) EDK.
fn encrypt_with(m: &EncryptionMaterialsHandle) -> JsValue {
    let context = object(&[("encryptionContext", object(&[("t", "a".into())]))]);
    let mut copy = EncryptionMaterialsHandle::new(&context, None).unwrap();
    copy.set_data_key(&m.data_key().unwrap().into()).unwrap();
    copy.add_encrypted_data_key(&m.encrypted_data_keys().unwrap().get(0)).unwrap();
    let mut enc = encryptor_from_materials(&mut copy).unwrap();
    let mut ciphertext = enc.push(&bytes(b"x")).unwrap().to_vec();
    ciphertext.extend(enc.finish().unwrap().to_vec());
    bytes(&ciphertext)
}

#[wasm_bindgen_test]
fn failures_come_back_together_and_foreign_keyrings_are_asked() {
    let keyring = aes("k", 7);
    let encrypted =
        wasm::encrypt(&keyring, &bytes(b"x"), &object(&[("encryptionContext", object(&[("a", "b".into())]))])).unwrap();
    let header = get(&encrypted, "header");
    let edks = get(&header, "encryptedDataKeys");
    let materials = object(&[("suiteId", 0x0478.into()), ("encryptionContext", object(&[("a", "b".into())]))]);
    let mut run = KeyringRun::new(&keyring).unwrap();
    let found = step(run.unwrap(&materials, &edks, &JsValue::UNDEFINED));
    assert_eq!(get(&found, "key").unchecked_into::<Uint8Array>().length(), 32);
    let mut run = KeyringRun::new(&aes("other", 7)).unwrap();
    assert!(get(&step(run.unwrap(&materials, &edks, &JsValue::UNDEFINED)), "key").is_null());

    // Two foreign members that both fail: NO_MATCHING_KEY, with both original errors in `errors`.
    let one: JsValue = ForeignKeyring::new("mine 1".into()).into();
    let two: JsValue = ForeignKeyring::new("mine 2".into()).into();
    let multi: JsValue =
        wasm::MultiKeyring::new(&object(&[("children", Array::of2(&one, &two).into())])).unwrap().into();
    let mut run = KeyringRun::new(&multi).unwrap();
    let call = step(run.unwrap(&materials, &edks, &JsValue::UNDEFINED));
    assert_eq!((stringify(&get(&call, "path")), get(&call, "kind").as_string()), ("[0]".into(), Some("unwrap".into())));
    let first = answer_error("first failed");
    let call = step(run.unwrap(&materials, &edks, &first));
    assert_eq!(stringify(&get(&call, "path")), "[1]");
    let second = answer_error("second failed");
    let e = run.unwrap(&materials, &edks, &second).unwrap_err();
    let message = String::from(e.dyn_ref::<js_sys::Error>().unwrap().message());
    assert_eq!(message, "no keyring could decrypt a data key: first failed; second failed");
    let errors: Array = get(&e, "errors").unchecked_into();
    assert!(Object::is(&errors.get(0), &get(&first, "error")) && Object::is(&errors.get(1), &get(&second, "error")));
    assert_eq!(code(e), "NO_MATCHING_KEY");

    // "No data key" through the core: NO_MATCHING_KEY naming the providers; with required pairs,
    // ENCRYPTION_CONTEXT_MISMATCH.
    let message = get(&encrypted, "ciphertext");
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    dec.push(&message).unwrap();
    let mut run = KeyringRun::new(&one).unwrap();
    step(run.unwrap_message(&mut dec, &JsValue::UNDEFINED));
    let e = run.unwrap_message(&mut dec, &object(&[("key", JsValue::NULL)])).unwrap_err();
    assert!(String::from(e.dyn_ref::<js_sys::Error>().unwrap().message()).contains("\"web-kms\"/\"k\""));
    assert_eq!(code(e), "NO_MATCHING_KEY");
    assert_eq!(dec.state(), "failed");
    let mut dec = DecryptorHandle::new(&object(&[("encryptionContext", object(&[("c", "d".into())]))]), None).unwrap();
    dec.push(&message).unwrap();
    let mut run = KeyringRun::new(&one).unwrap();
    step(run.unwrap_message(&mut dec, &JsValue::UNDEFINED));
    let nothing = object(&[("error", object(&[("code", "NO_MATCHING_KEY".into()), ("message", "none".into())]))]);
    assert_eq!(code(run.unwrap_message(&mut dec, &nothing).unwrap_err()), "ENCRYPTION_CONTEXT_MISMATCH");
    // A foreign keyring that found the key: the decryptor verifies the header with it.
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    dec.push(&message).unwrap();
    let key = get(&step(KeyringRun::new(&keyring).unwrap().unwrap(&materials, &edks, &JsValue::UNDEFINED)), "key");
    let mut run = KeyringRun::new(&one).unwrap();
    step(run.unwrap_message(&mut dec, &JsValue::UNDEFINED));
    step(run.unwrap_message(&mut dec, &object(&[("key", key)])));
    assert_eq!(dec.finish(None).unwrap().to_vec(), b"x");

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
