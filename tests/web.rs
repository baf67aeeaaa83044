//! wasm-bindgen tests of the bindings (`src/wasm/`), run in Node and in headless Chromium:
//!
//! ```text
//! wasm-pack test --node -- --test web
//! WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web
//! ```
//! The file carries no `wasm_bindgen_test_configure!`, so it defaults to Node;
//! `WASM_BINDGEN_USE_BROWSER=1` moves the same binary into the browser.
//!
//! These call the bindings as Rust functions, with JavaScript values built here, and check what
//! JavaScript would see: the objects returned, and errors as `Error`s with a `code`.
#![cfg(target_arch = "wasm32")]

use envseal::crypto::secret::DataKey;
use envseal::wasm::{self, DecryptorHandle, EncryptorHandle, MultiKeyring, RawAesKeyring};
use envseal::{AlgorithmSuite, EncryptedDataKey, EncryptionContext, EncryptionMaterials, MessageEncryptor};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

// ---- helpers: JavaScript values ---------------------------------------------------------

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn context(pairs: &[(&str, &str)]) -> JsValue {
    object(&pairs.iter().map(|(k, v)| (*k, JsValue::from_str(v))).collect::<Vec<_>>())
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn to_vec(value: &JsValue) -> Vec<u8> {
    value.dyn_ref::<Uint8Array>().expect("a Uint8Array").to_vec()
}

fn raw_aes(name: &str, key: &[u8]) -> JsValue {
    let options =
        object(&[("keyNamespace", "web-tests".into()), ("keyName", name.into()), ("wrappingKey", bytes(key))]);
    RawAesKeyring::new(&options).unwrap().into()
}

/// The `code` of a thrown value, after checking it is a JavaScript `Error` with a message.
fn code(error: JsValue) -> String {
    let e = error.dyn_ref::<js_sys::Error>().expect("errors are JavaScript Error objects");
    assert!(!String::from(e.message()).is_empty(), "errors have a message");
    get(&error, "code").as_string().expect("errors have a string code")
}

fn type_error_code(error: JsValue) -> String {
    assert!(error.is_instance_of::<js_sys::TypeError>(), "expected a TypeError: {error:?}");
    code(error)
}

fn encrypt(keyring: &JsValue, plaintext: &[u8], options: JsValue) -> (Vec<u8>, JsValue) {
    let result: JsValue = wasm::encrypt(keyring, &bytes(plaintext), &options).unwrap().into();
    (to_vec(&get(&result, "ciphertext")), get(&result, "header"))
}

fn decrypt(keyring: &JsValue, message: &[u8], options: JsValue) -> Result<(Vec<u8>, JsValue), JsValue> {
    let result: JsValue = wasm::decrypt(keyring, &bytes(message), &options)?.into();
    Ok((to_vec(&get(&result, "plaintext")), get(&result, "header")))
}

fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

// ---- one-shot API -----------------------------------------------------------------------

#[wasm_bindgen_test]
fn round_trip_both_suites_and_sizes() {
    let keyring = raw_aes("k", &[1; 32]);
    for suite in [0x0478, 0x0578] {
        for len in [0, 1, 99, 100, 101, 1000] {
            let options = object(&[
                ("suite", suite.into()),
                ("frameLength", 100.into()),
                ("encryptionContext", context(&[("user", "alice"), ("ключ", "значение 🔐")])),
            ]);
            let data = plaintext(len);
            let (message, header) = encrypt(&keyring, &data, options);
            let (back, read) = decrypt(&keyring, &message, context(&[])).unwrap();
            assert_eq!(back, data, "suite {suite:#06x}, {len} bytes");
            assert_eq!(get(&header, "suiteId").as_f64(), Some(f64::from(suite)));
            assert_eq!(get(&read, "suiteId").as_f64(), Some(f64::from(suite)));
        }
    }
}

#[wasm_bindgen_test]
fn header_is_a_plain_object() {
    let keyring = raw_aes("header-key", &[2; 16]);
    let options = object(&[("encryptionContext", context(&[("a", "1"), ("b", "2")])), ("frameLength", 4096.into())]);
    let (message, header) = encrypt(&keyring, b"hello", options);
    assert_eq!(get(&header, "version").as_f64(), Some(2.0));
    assert_eq!(get(&header, "suiteId").as_f64(), Some(f64::from(0x0478)));
    assert_eq!(to_vec(&get(&header, "messageId")).len(), 32);
    assert_eq!(get(&header, "contentType").as_string().as_deref(), Some("framed"));
    assert_eq!(get(&header, "frameLength").as_f64(), Some(4096.0));
    let ec = get(&header, "encryptionContext");
    assert_eq!(get(&ec, "a").as_string().as_deref(), Some("1"));
    assert_eq!(get(&ec, "b").as_string().as_deref(), Some("2"));
    let edks: Array = get(&header, "encryptedDataKeys").dyn_into().unwrap();
    assert_eq!(edks.length(), 1);
    let edk = edks.get(0);
    assert_eq!(get(&edk, "providerId").as_string().as_deref(), Some("web-tests"));
    let info = to_vec(&get(&edk, "providerInfo"));
    assert!(info.starts_with(b"header-key"));
    assert_eq!(info.len(), "header-key".len() + 4 + 4 + 12);
    assert_eq!(to_vec(&get(&edk, "ciphertext")).len(), 32 + 16);
    // decrypt returns the same header
    let (_, read) = decrypt(&keyring, &message, JsValue::UNDEFINED).unwrap();
    assert_eq!(to_vec(&get(&read, "messageId")), to_vec(&get(&header, "messageId")));
}

#[wasm_bindgen_test]
fn context_key_proto_stays_an_ordinary_key() {
    let keyring = raw_aes("k", &[3; 32]);
    let ec = js_sys::JSON::parse(r#"{"__proto__": "x", "constructor": "y"}"#).unwrap();
    let (message, _) = encrypt(&keyring, b"p", object(&[("encryptionContext", ec)]));
    let (_, header) = decrypt(&keyring, &message, JsValue::NULL).unwrap();
    let ec = get(&header, "encryptionContext");
    let keys = Object::keys(ec.unchecked_ref::<Object>());
    assert_eq!(keys.length(), 2);
    assert_eq!(Object::get_prototype_of(&ec), Object::get_prototype_of(&Object::new().into()));
}

#[wasm_bindgen_test]
fn decrypt_errors_carry_their_codes() {
    let keyring = raw_aes("k", &[4; 32]);
    let (message, _) = encrypt(&keyring, &plaintext(300), object(&[("frameLength", 100.into())]));

    let same_name_other_key = raw_aes("k", &[5; 32]);
    assert_eq!(code(decrypt(&same_name_other_key, &message, JsValue::UNDEFINED).unwrap_err()), "NO_MATCHING_KEY");
    let other_name = raw_aes("other", &[4; 32]);
    assert_eq!(code(decrypt(&other_name, &message, JsValue::UNDEFINED).unwrap_err()), "NO_MATCHING_KEY");

    let mut flipped = message.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(code(decrypt(&keyring, &flipped, JsValue::UNDEFINED).unwrap_err()), "DECRYPT_FAILED");

    assert_eq!(code(decrypt(&keyring, &message[..message.len() - 1], JsValue::UNDEFINED).unwrap_err()), "TRUNCATED");
    assert_eq!(code(decrypt(&keyring, &message[..10], JsValue::UNDEFINED).unwrap_err()), "TRUNCATED");

    let mut trailing = message.clone();
    trailing.push(0);
    assert_eq!(code(decrypt(&keyring, &trailing, JsValue::UNDEFINED).unwrap_err()), "TRAILING_DATA");

    let mut version = message.clone();
    version[0] = 9;
    assert_eq!(code(decrypt(&keyring, &version, JsValue::UNDEFINED).unwrap_err()), "UNSUPPORTED_VERSION");
}

#[wasm_bindgen_test]
fn context_and_limits_are_enforced() {
    let keyring = raw_aes("k", &[6; 32]);
    let (message, _) = encrypt(&keyring, b"x", object(&[("encryptionContext", context(&[("tenant", "a")]))]));
    let wrong = object(&[("encryptionContext", context(&[("tenant", "b")]))]);
    assert_eq!(code(decrypt(&keyring, &message, wrong).unwrap_err()), "ENCRYPTION_CONTEXT_MISMATCH");
    let right = object(&[("encryptionContext", context(&[("tenant", "a")]))]);
    assert!(decrypt(&keyring, &message, right).is_ok());

    let a = raw_aes("a", &[7; 32]);
    let b = raw_aes("b", &[8; 32]);
    let multi: JsValue =
        MultiKeyring::new(&object(&[("generator", a.clone()), ("children", Array::of1(&b).into())])).unwrap().into();
    let (two_edks, _) = encrypt(&multi, b"x", JsValue::UNDEFINED);
    let max1 = object(&[("maxEncryptedDataKeys", 1.into())]);
    assert_eq!(code(decrypt(&a, &two_edks, max1).unwrap_err()), "TOO_MANY_EDKS");
    assert!(decrypt(&a, &two_edks, object(&[("maxEncryptedDataKeys", 2.into())])).is_ok());

    let (big_frames, _) = encrypt(&keyring, &plaintext(10), object(&[("frameLength", 4096.into())]));
    let small_max = object(&[("maxFrameLength", 1024.into())]);
    assert_eq!(code(decrypt(&keyring, &big_frames, small_max).unwrap_err()), "LIMIT_EXCEEDED");
}

#[wasm_bindgen_test]
fn multi_keyring_members_each_decrypt_and_stay_usable() {
    let a = raw_aes("a", &[9; 32]);
    let b = raw_aes("b", &[10; 24]);
    let c = raw_aes("c", &[11; 16]);
    let children: JsValue = Array::of2(&b, &c).into();
    let multi: JsValue =
        MultiKeyring::new(&object(&[("generator", a.clone()), ("children", children)])).unwrap().into();
    let (message, header) = encrypt(&multi, b"shared", JsValue::UNDEFINED);
    assert_eq!(get(&header, "encryptedDataKeys").unchecked_into::<Array>().length(), 3);
    for member in [&a, &b, &c, &multi] {
        assert_eq!(decrypt(member, &message, JsValue::UNDEFINED).unwrap().0, b"shared");
    }
    // members remain keyrings of their own
    let (alone, _) = encrypt(&b, b"solo", JsValue::UNDEFINED);
    assert_eq!(decrypt(&multi, &alone, JsValue::UNDEFINED).unwrap().0, b"solo");
    // a multi-keyring can be a member too
    let nested: JsValue = MultiKeyring::new(&object(&[("children", Array::of1(&multi).into())])).unwrap().into();
    assert_eq!(decrypt(&nested, &message, JsValue::UNDEFINED).unwrap().0, b"shared");
    // without a generator it cannot encrypt
    let err = wasm::encrypt(&nested, &bytes(b"x"), &JsValue::UNDEFINED).unwrap_err();
    assert_eq!(code(err), "INVALID_ARGUMENT");
}

#[wasm_bindgen_test]
fn bad_arguments_are_type_errors() {
    let keyring = raw_aes("k", &[12; 32]);
    let some = bytes(b"x");
    let enc = |k: &JsValue, p: &JsValue, o: JsValue| wasm::encrypt(k, p, &o).unwrap_err();
    assert_eq!(type_error_code(enc(&keyring, &"text".into(), JsValue::UNDEFINED)), "INVALID_ARGUMENT");
    assert_eq!(type_error_code(enc(&keyring, &JsValue::NULL, JsValue::UNDEFINED)), "INVALID_ARGUMENT");
    assert_eq!(type_error_code(enc(&keyring, &Array::new().into(), JsValue::UNDEFINED)), "INVALID_ARGUMENT");
    assert_eq!(type_error_code(enc(&Object::new().into(), &some, JsValue::UNDEFINED)), "INVALID_ARGUMENT");
    assert_eq!(type_error_code(enc(&JsValue::UNDEFINED, &some, JsValue::UNDEFINED)), "INVALID_ARGUMENT");
    assert_eq!(type_error_code(enc(&keyring, &some, "options".into())), "INVALID_ARGUMENT");
    assert_eq!(type_error_code(enc(&keyring, &some, object(&[("frameLenght", 5.into())]))), "INVALID_ARGUMENT");
    assert_eq!(type_error_code(enc(&keyring, &some, object(&[("suite", "0x0478".into())]))), "INVALID_ARGUMENT");
    let ec_number = object(&[("encryptionContext", object(&[("n", 1.into())]))]);
    assert_eq!(type_error_code(enc(&keyring, &some, ec_number)), "INVALID_ARGUMENT");
    let ec_map = object(&[("encryptionContext", js_sys::Map::new().into())]);
    assert_eq!(type_error_code(enc(&keyring, &some, ec_map)), "INVALID_ARGUMENT");

    // numbers out of range: RangeError, same code
    let zero = enc(&keyring, &some, object(&[("frameLength", 0.into())]));
    assert!(zero.is_instance_of::<js_sys::RangeError>());
    assert_eq!(code(zero), "INVALID_ARGUMENT");
    // values the core refuses keep the core's codes
    assert_eq!(code(enc(&keyring, &some, object(&[("suite", 0x0479.into())]))), "UNSUPPORTED_SUITE");
    assert_eq!(code(enc(&keyring, &some, object(&[("suite", 0x0178.into())]))), "COMMITMENT_POLICY");
    let reserved = object(&[("encryptionContext", context(&[("aws-crypto-x", "y")]))]);
    assert_eq!(code(enc(&keyring, &some, reserved)), "INVALID_ARGUMENT");
    let policy = object(&[("commitmentPolicy", "NOPE".into())]);
    assert_eq!(code(wasm::decrypt(&keyring, &some, &policy).unwrap_err()), "INVALID_ARGUMENT");

    // keyring constructors
    assert_eq!(type_error_code(RawAesKeyring::new(&JsValue::UNDEFINED).err().unwrap()), "INVALID_ARGUMENT");
    let string_key = object(&[("keyNamespace", "n".into()), ("keyName", "k".into()), ("wrappingKey", "k".into())]);
    assert_eq!(type_error_code(RawAesKeyring::new(&string_key).err().unwrap()), "INVALID_ARGUMENT");
    let short_key = object(&[("keyNamespace", "n".into()), ("keyName", "k".into()), ("wrappingKey", bytes(&[0; 20]))]);
    assert_eq!(code(RawAesKeyring::new(&short_key).err().unwrap()), "INVALID_ARGUMENT");
    let children_not_array = object(&[("children", keyring.clone())]);
    assert_eq!(type_error_code(MultiKeyring::new(&children_not_array).err().unwrap()), "INVALID_ARGUMENT");
    let child_not_keyring = object(&[("children", Array::of1(&"k".into()).into())]);
    assert_eq!(type_error_code(MultiKeyring::new(&child_not_keyring).err().unwrap()), "INVALID_ARGUMENT");
    assert_eq!(code(MultiKeyring::new(&Object::new().into()).err().unwrap()), "INVALID_ARGUMENT");
}

#[wasm_bindgen_test]
fn garbage_never_panics() {
    let keyring = raw_aes("k", &[13; 32]);
    let (message, _) = encrypt(&keyring, &plaintext(50), object(&[("frameLength", 16.into())]));
    // every prefix and every single-byte flip fails with a code, and the module stays usable
    for cut in 0..message.len() {
        assert!(!code(decrypt(&keyring, &message[..cut], JsValue::UNDEFINED).unwrap_err()).is_empty());
    }
    for i in 0..message.len() {
        let mut m = message.clone();
        m[i] ^= 0x80;
        assert!(!code(decrypt(&keyring, &m, JsValue::UNDEFINED).unwrap_err()).is_empty());
    }
    let junk: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    assert!(decrypt(&keyring, &junk, JsValue::UNDEFINED).is_err());
    assert_eq!(decrypt(&keyring, &message, JsValue::UNDEFINED).unwrap().0, plaintext(50));
}

#[wasm_bindgen_test]
fn generate_data_key_wraps_one_key_per_member() {
    let a = raw_aes("a", &[14; 32]);
    let b = raw_aes("b", &[15; 32]);
    let multi: JsValue =
        MultiKeyring::new(&object(&[("generator", a), ("children", Array::of1(&b).into())])).unwrap().into();
    let options = object(&[("encryptionContext", context(&[("purpose", "test")]))]);
    let result: JsValue = wasm::generate_data_key(&multi, &options).unwrap().into();
    assert_eq!(to_vec(&get(&result, "plaintextKey")).len(), 32);
    assert_eq!(get(&result, "encryptedDataKeys").unchecked_into::<Array>().length(), 2);
    let ec = get(&result, "encryptionContext");
    assert_eq!(get(&ec, "purpose").as_string().as_deref(), Some("test"));

    // A signing suite's per-message key could never be used with a bare data key.
    let signed = wasm::generate_data_key(&b, &object(&[("suite", 0x0578.into())])).unwrap_err();
    assert_eq!(js_sys::Reflect::get(&signed, &"code".into()).unwrap().as_string().as_deref(), Some("INVALID_ARGUMENT"));
    let err = wasm::generate_data_key(&b, &object(&[("frameLength", 1.into())])).unwrap_err();
    assert_eq!(type_error_code(err), "INVALID_ARGUMENT");
}

// ---- streaming handles ------------------------------------------------------------------

#[wasm_bindgen_test]
fn encryptor_pushes_in_pieces() {
    let keyring = raw_aes("k", &[16; 32]);
    for suite in [0x0478, 0x0578] {
        let options = object(&[("frameLength", 64.into()), ("suite", suite.into())]);
        let mut enc = EncryptorHandle::new(&keyring, &options, None).unwrap();
        assert_eq!(get(&enc.header().unwrap().into(), "frameLength").as_f64(), Some(64.0));
        let data = plaintext(1000);
        let mut message = Vec::new();
        for piece in data.chunks(37) {
            message.extend(enc.push(&bytes(piece)).unwrap().to_vec());
        }
        message.extend(enc.finish().unwrap().to_vec());
        assert_eq!(enc.plaintext_length(), 1000.0);
        assert_eq!(code(enc.finish().unwrap_err()), "INVALID_STATE");
        assert_eq!(code(enc.push(&bytes(b"more")).unwrap_err()), "INVALID_STATE");
        assert_eq!(decrypt(&keyring, &message, JsValue::UNDEFINED).unwrap().0, data);
    }
}

#[wasm_bindgen_test]
fn decryptor_unwraps_with_a_keyring() {
    let keyring = raw_aes("k", &[17; 32]);
    let data = plaintext(500);
    let (message, _) = encrypt(&keyring, &data, object(&[("frameLength", 64.into())]));
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    assert_eq!(dec.state(), "header");
    assert!(dec.header().unwrap().is_undefined());
    let mut out = Vec::new();
    let mut rest = &message[..];
    while dec.state() == "header" {
        let (piece, tail) = rest.split_at(7.min(rest.len()));
        out.extend(dec.push(&bytes(piece)).unwrap().to_vec());
        rest = tail;
    }
    assert_eq!(dec.state(), "need-data-key");
    assert_eq!(get(&dec.header().unwrap(), "frameLength").as_f64(), Some(64.0));
    assert!(dec.keyring_context().unwrap().is_object());
    dec.unwrap_with(&keyring).unwrap();
    assert_eq!(dec.state(), "body");
    for piece in rest.chunks(50) {
        out.extend(dec.push(&bytes(piece)).unwrap().to_vec());
    }
    assert_eq!(dec.state(), "complete");
    out.extend(dec.finish(None).unwrap().to_vec());
    assert_eq!(dec.state(), "finished");
    assert_eq!(out, data);
    assert!(dec.header().unwrap().is_object());
}

#[wasm_bindgen_test]
fn decryptor_takes_a_data_key_from_the_edge() {
    // A message whose data key we know: what an async (KMS) keyring would unwrap in JavaScript.
    let data_key = [42u8; 32];
    let mut materials = EncryptionMaterials::new(AlgorithmSuite::DEFAULT, EncryptionContext::new()).unwrap();
    materials.set_data_key(DataKey::new(data_key.to_vec())).unwrap();
    materials.encrypted_data_keys.push(EncryptedDataKey {
        provider_id: "edge".into(),
        provider_info: b"kms-key".to_vec(),
        ciphertext: vec![1, 2, 3],
    });
    let mut enc = MessageEncryptor::new(materials, 128).unwrap();
    let mut message = Vec::new();
    enc.push(&plaintext(300), &mut message).unwrap();
    enc.finish(&mut message).unwrap();

    // a key cannot be given before the header is read; the attempt does not fail the decryptor
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    assert_eq!(code(dec.provide_data_key(&bytes(&data_key)).unwrap_err()), "INVALID_STATE");
    assert_eq!(dec.state(), "header");

    let mut out = dec.push(&bytes(&message)).unwrap().to_vec();
    assert_eq!(dec.state(), "need-data-key");
    let header = dec.header().unwrap();
    let edk = get(&header, "encryptedDataKeys").unchecked_into::<Array>().get(0);
    assert_eq!(get(&edk, "providerId").as_string().as_deref(), Some("edge"));
    dec.provide_data_key(&bytes(&data_key)).unwrap();
    out.extend(dec.push(&bytes(&[])).unwrap().to_vec());
    out.extend(dec.finish(None).unwrap().to_vec());
    assert_eq!(out, plaintext(300));

    // a wrong key fails the commitment check and ends the decryption
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    dec.push(&bytes(&message)).unwrap();
    assert_eq!(code(dec.provide_data_key(&bytes(&[0; 32])).unwrap_err()), "COMMITMENT_MISMATCH");
    assert_eq!(dec.state(), "failed");
    assert_eq!(code(dec.push(&bytes(b"x")).unwrap_err()), "INVALID_STATE");
}

#[wasm_bindgen_test]
fn decryptor_reports_truncation_and_no_key() {
    let keyring = raw_aes("k", &[18; 32]);
    let (message, _) = encrypt(&keyring, &plaintext(100), object(&[("frameLength", 32.into())]));
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    dec.push(&bytes(&message[..message.len() - 5])).unwrap();
    dec.unwrap_with(&keyring).unwrap();
    dec.push(&bytes(&[])).unwrap();
    assert_eq!(code(dec.finish(None).unwrap_err()), "TRUNCATED");

    let stranger = raw_aes("stranger", &[18; 32]);
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    dec.push(&bytes(&message)).unwrap();
    assert_eq!(code(dec.unwrap_with(&stranger).unwrap_err()), "NO_MATCHING_KEY");
    assert_eq!(dec.state(), "failed");
}

// ---- frame-level API (the 'webcrypto' engine's bindings) ---------------------------------
// The external AES-GCM engine is played by the RustCrypto `aes-gcm` crate, called directly with
// the content key the handle exports: what JavaScript does with WebCrypto.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

fn deterministic(suite: u32, frame_length: u32) -> EncryptorHandle {
    let options = object(&[
        ("dataKey", bytes(&[7; 32])),
        ("messageId", bytes(&[9; 32])),
        ("suite", suite.into()),
        ("frameLength", frame_length.into()),
        ("encryptionContext", context(&[("engine", "external")])),
    ]);
    EncryptorHandle::deterministic_for_testing(&options).unwrap()
}

fn cipher(key: Uint8Array) -> Aes256Gcm {
    let mut raw = key.to_vec();
    let cipher = Aes256Gcm::new_from_slice(&raw).unwrap();
    raw.fill(0);
    cipher
}

fn nonce(iv: &[u8]) -> Nonce<aes_gcm::aead::consts::U12> {
    Nonce::from(<[u8; 12]>::try_from(iv).expect("a 12-byte IV"))
}

fn field(value: &JsValue, key: &str) -> Vec<u8> {
    to_vec(&get(value, key))
}

/// Encrypts `data` with the frame-level API, the plaintext arriving in `chunk`-byte chunks and
/// the core saying when a frame is due (`nextFrame`); returns the message.
fn encrypt_by_frames(enc: &mut EncryptorHandle, data: &[u8], chunk: usize) -> Vec<u8> {
    let mut message = to_vec(&enc.take_header().unwrap().unwrap().into());
    assert!(enc.take_header().unwrap().is_none(), "the header is handed out once");
    let aes = cipher(enc.content_key().unwrap());
    let mut gathered: Vec<u8> = Vec::new();
    let mut chunks = data.chunks(chunk);
    let mut ended = false;
    loop {
        let step: JsValue = enc.next_frame(gathered.len() as u32, ended).unwrap().into();
        if get(&step, "done").is_truthy() {
            break;
        }
        if let Some(need) = get(&step, "need").as_f64() {
            assert!(need as usize > gathered.len() && !ended);
            match chunks.next() {
                Some(c) => gathered.extend_from_slice(c),
                None => ended = true,
            }
            continue;
        }
        let len = get(&step, "len").as_f64().unwrap() as usize;
        let frame: Vec<u8> = gathered.drain(..len).collect();
        let sealed =
            aes.encrypt(&nonce(&field(&step, "iv")), Payload { msg: &frame, aad: &field(&step, "aad") }).unwrap();
        let prefix = field(&step, "prefix");
        if enc.is_signing() {
            enc.absorb(&bytes(&prefix)).unwrap();
            enc.absorb(&bytes(&sealed)).unwrap();
        }
        message.extend_from_slice(&prefix);
        message.extend_from_slice(&sealed);
    }
    message.extend(enc.footer().unwrap().to_vec());
    message
}

#[wasm_bindgen_test]
fn frame_level_encryption_is_byte_identical_to_push() {
    let f = 100;
    for len in [0, 1, 99, 100, 101, 250, 300] {
        let data = plaintext(len);
        let mut pushed = deterministic(0x0478, f as u32);
        let mut by_push = pushed.push(&bytes(&data)).unwrap().to_vec();
        by_push.extend(pushed.finish().unwrap().to_vec());
        for chunk in [7, 100, 1000] {
            let by_frames = encrypt_by_frames(&mut deterministic(0x0478, f as u32), &data, chunk);
            assert_eq!(by_frames, by_push, "{len} bytes in chunks of {chunk}");
        }
    }
    // Signed: the signing key is random per encryptor, so compare by decrypting.
    let keyring = raw_aes("k", &[19; 32]);
    let mut enc =
        EncryptorHandle::new(&keyring, &object(&[("suite", 0x0578.into()), ("frameLength", 64.into())]), None).unwrap();
    assert!(enc.is_signing());
    let message = encrypt_by_frames(&mut enc, &plaintext(500), 64);
    assert_eq!(decrypt(&keyring, &message, JsValue::UNDEFINED).unwrap().0, plaintext(500));
}

#[wasm_bindgen_test]
fn encryptor_modes_cannot_be_mixed() {
    let mut enc = deterministic(0x0478, 16);
    enc.push(&bytes(b"abc")).unwrap();
    assert_eq!(code(enc.take_header().unwrap_err()), "INVALID_STATE");
    assert_eq!(code(enc.next_frame(16, false).unwrap_err()), "INVALID_STATE");
    let mut enc = deterministic(0x0478, 16);
    enc.take_header().unwrap();
    assert_eq!(code(enc.push(&bytes(b"abc")).unwrap_err()), "INVALID_STATE");
    assert_eq!(code(enc.footer().unwrap_err()), "INVALID_STATE", "no footer before the final frame");
    // the test hook checks its options like any other binding
    let no_key = object(&[("messageId", bytes(&[0; 32]))]);
    assert_eq!(type_error_code(EncryptorHandle::deterministic_for_testing(&no_key).err().unwrap()), "INVALID_ARGUMENT");
}

/// Decrypts `message` with the frame-level API after `intoBody`, the body held whole, the header
/// fed in `piece`-byte pieces.
fn decrypt_by_frames(keyring: &JsValue, message: &[u8], piece: usize) -> Result<Vec<u8>, JsValue> {
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, Some("decryptStream".into()))?;
    let mut rest = message;
    while dec.state() == "header" && !rest.is_empty() {
        let used = dec.read_header(&bytes(&rest[..piece.min(rest.len())]))? as usize;
        rest = &rest[used..];
    }
    dec.unwrap_with(keyring)?;
    let signed = dec.signed().unwrap();
    assert!(to_vec(&dec.into_body()?.into()).is_empty(), "readHeader left nothing in the core");
    let aes = cipher(dec.content_key()?);
    let (mut out, mut held) = (Vec::new(), Vec::new());
    let mut at = 0;
    let mut show = 24;
    loop {
        let held_now = (rest.len() - at) as u32;
        let step: JsValue = dec.next(&bytes(&rest[at..(at + show).min(rest.len())]), held_now)?.into();
        if let Some(need) = get(&step, "need").as_f64() {
            assert!(need as usize > show.min(rest.len() - at), "a need is more than was shown");
            if need as usize > rest.len() - at {
                break; // the message is truncated
            }
            show = need as usize;
        } else if let Some(used) = get(&step, "footer").as_f64() {
            at += used as usize;
        } else if get(&step, "done").as_bool() == Some(true) {
            break;
        } else {
            let (prefix_len, sealed_len) = (
                get(&step, "prefixLen").as_f64().unwrap() as usize,
                get(&step, "sealedLen").as_f64().unwrap() as usize,
            );
            let sealed = &rest[at + prefix_len..at + prefix_len + sealed_len];
            let plain = aes
                .decrypt(&nonce(&field(&step, "iv")), Payload { msg: sealed, aad: &field(&step, "aad") })
                .map_err(|_| JsValue::from_str("DECRYPT_FAILED"))?;
            if signed {
                dec.absorb(&bytes(&rest[at..at + prefix_len + sealed_len]))?;
            }
            at += prefix_len + sealed_len;
            if get(&step, "isFinal").as_bool().unwrap() {
                held = plain;
            } else {
                out.extend(plain);
            }
        }
    }
    assert!(dec.finish(Some((rest.len() - at) as u32))?.to_vec().is_empty(), "after intoBody, finish releases nothing");
    out.extend(held);
    Ok(out)
}

#[wasm_bindgen_test]
fn frame_level_decryption_reads_both_suites() {
    let keyring = raw_aes("k", &[20; 32]);
    for suite in [0x0478, 0x0578] {
        let data = plaintext(1000);
        let (message, _) = encrypt(&keyring, &data, object(&[("suite", suite.into()), ("frameLength", 128.into())]));
        for piece in [1, 7, 100, 5000] {
            assert_eq!(
                decrypt_by_frames(&keyring, &message, piece).unwrap(),
                data,
                "suite {suite:#06x}, piece {piece}"
            );
        }
        // a flipped byte in the signature fails the footer
        if suite == 0x0578 {
            let mut bad = message.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert_eq!(code(decrypt_by_frames(&keyring, &bad, 5000).unwrap_err()), "SIGNATURE_INVALID");
        }
    }
}

#[wasm_bindgen_test]
fn frame_level_decryption_checks_order_and_state() {
    let keyring = raw_aes("k", &[21; 32]);
    let (message, _) = encrypt(&keyring, &plaintext(300), object(&[("frameLength", 64.into())]));
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    assert_eq!(code(dec.into_body().unwrap_err()), "INVALID_STATE", "no header yet");
    assert_eq!(dec.state(), "header", "a refused call does not fail the decryptor");
    assert!(dec.signed().is_none());
    assert_eq!(code(dec.next(&bytes(&[0; 24]), 24).unwrap_err()), "INVALID_STATE");
    let header_len = dec.read_header(&bytes(&message)).unwrap() as usize;
    assert!(header_len < message.len());
    assert_eq!(dec.state(), "need-data-key");
    assert_eq!(dec.read_header(&bytes(&message[header_len..])).unwrap(), 0, "nothing past the header is taken");
    assert_eq!(dec.signed(), Some(false));
    dec.unwrap_with(&keyring).unwrap();
    assert!(to_vec(&dec.into_body().unwrap().into()).is_empty());
    let body = &message[header_len..];
    assert_eq!(code(dec.push(&bytes(b"x")).unwrap_err()), "INVALID_STATE", "push after intoBody");
    // too few bytes: { need }, nothing changes; a whole prefix but not the whole frame: its length
    let need: JsValue = dec.next(&bytes(&body[..3]), 3).unwrap().into();
    assert_eq!(get(&need, "need").as_f64(), Some(4.0));
    let need: JsValue = dec.next(&bytes(&body[..24]), 50).unwrap().into();
    assert_eq!(get(&need, "need").as_f64(), Some((16 + 64 + 16) as f64));
    // the input ends inside frame 1: TRUNCATED, from the core
    let mut early = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    early.read_header(&bytes(&message)).unwrap();
    early.unwrap_with(&keyring).unwrap();
    early.into_body().unwrap();
    let truncated = early.finish(Some(50)).unwrap_err();
    assert_eq!(code(truncated.clone()), "TRUNCATED");
    let message_text = get(&truncated, "message").as_string().unwrap();
    assert!(message_text.contains("inside frame 1"), "{message_text}");
    // frame 2 first: out of order, and the decryptor is done
    let second = &body[16 + 64 + 16..];
    assert_eq!(code(dec.next(&bytes(&second[..24]), second.len() as u32).unwrap_err()), "MALFORMED_BODY");
    assert_eq!(dec.state(), "failed");
    assert_eq!(code(dec.next(&bytes(&body[..24]), body.len() as u32).unwrap_err()), "INVALID_STATE");
    // finishing before the end is TRUNCATED; bytes after the end are TRAILING_DATA
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    dec.push(&bytes(&message)).unwrap();
    dec.unwrap_with(&keyring).unwrap();
    dec.into_body().unwrap();
    assert_eq!(code(dec.finish(None).unwrap_err()), "TRUNCATED");
    let mut dec = DecryptorHandle::new(&JsValue::UNDEFINED, None).unwrap();
    dec.read_header(&bytes(&message)).unwrap();
    dec.unwrap_with(&keyring).unwrap();
    dec.into_body().unwrap();
    let mut long = body.to_vec();
    long.extend_from_slice(b"xyz");
    let mut at = 0;
    let trailing = loop {
        match dec.next(&bytes(&long[at..(at + 24).min(long.len())]), (long.len() - at) as u32) {
            Ok(step) => {
                let step: JsValue = step.into();
                at += (get(&step, "prefixLen").as_f64().unwrap() + get(&step, "sealedLen").as_f64().unwrap()) as usize;
            }
            Err(e) => break e,
        }
    };
    assert_eq!(at, body.len(), "every frame was read before the trailing bytes were refused");
    assert_eq!(code(trailing), "TRAILING_DATA");
}

#[wasm_bindgen_test]
fn running_hash_gives_the_fips_digests_and_refuses_misuse() {
    // FIPS 180-4 examples ("abc"): SHA-384 and SHA-256.
    let sha384 = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7";
    let sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let hex = |b: Vec<u8>| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    for (name, want) in [("SHA-384", sha384), ("SHA-256", sha256)] {
        let mut h = wasm::hash::RunningHash::new(name).unwrap();
        h.update(&bytes(b"a")).unwrap();
        h.update(&bytes(b"")).unwrap();
        h.update(&Uint8Array::from(&b"bc"[..]).buffer().into()).unwrap(); // an ArrayBuffer too
        assert_eq!(hex(h.digest().unwrap().to_vec()), want, "{name}");
        assert_eq!(code(h.digest().unwrap_err()), "INVALID_STATE");
        assert_eq!(code(h.update(&bytes(b"x")).unwrap_err()), "INVALID_STATE");
    }
    assert_eq!(code(wasm::hash::RunningHash::new("SHA-512").map(|_| ()).unwrap_err()), "INVALID_ARGUMENT");
    let mut h = wasm::hash::RunningHash::new("SHA-384").unwrap();
    assert_eq!(type_error_code(h.update(&JsValue::from_str("abc")).unwrap_err()), "INVALID_ARGUMENT");
}
