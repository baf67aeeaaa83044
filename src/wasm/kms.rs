//! The KMS protocol for the JavaScript `KmsKeyring` (kms-keyring.js): the request builders and
//! response checkers of [`crate::keyring::kms::protocol`], the ARN parser and the SigV4 signer,
//! exposed as plain functions. The JavaScript side only moves JSON over its transport (`fetch`,
//! or the application's own) and supplies the clock; every check is the Rust keyring's.
//!
//! ```text
//! kmsParseArn(arn)                                        -> { partition, region, account, resourceType, resourceId }
//! kmsEndpoint(partition, region)                          -> 'https://kms.<region>.<suffix>/'
//! kmsGenerateDataKeyRequest(keyId, materials, grantTokens) -> request      (NumberOfBytes = the suite's key length)
//! kmsGenerateDataKeyResponse(materials, response)          -> EDK          (data key set, EDK added)
//! kmsEncryptRequest(keyId, materials, grantTokens)         -> request      (Plaintext = the materials' data key)
//! kmsEncryptResponse(materials, response)                  -> EDK          (EDK added)
//! kmsDecryptCandidates(keyId | null, filter | null, edks)  -> [{ keyId, index }]
//! kmsDecryptRequest(keyId, edk, encryptionContext, grantTokens) -> request
//! kmsDecryptResponse(response, keyId, suiteId)             -> Uint8Array   (the data key: wipe it after use)
//! kmsErrorFromBody(status, text)                           -> Error        (KMS_ERROR with kmsType, or KMS_UNAVAILABLE)
//! kmsError(kmsType, message)                               -> Error        (KMS_ERROR with kmsType)
//! signSigV4(request, credentials, region, service, amzDate) -> { 'x-amz-date', 'x-amz-security-token'?, authorization }
//! ```
//!
//! Requests and responses are plain JavaScript objects in KMS JSON (blobs base64); they cross
//! the boundary as JSON text.

use js_sys::{Array, Object, Reflect};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::keyring::kms::arn::KmsArn;
use crate::keyring::kms::protocol::{self, DiscoveryFilter};
use crate::keyring::kms::sigv4::{self, Credentials, SignableRequest};
use crate::suite::AlgorithmSuite;

use super::args::{byte_view, edk_from_js, edks_from_js, encryption_context, string_arg, Options};
use super::errors::{describe, type_error, JsResult};
use super::header::{edks_to_js, ObjectBuilder};
use super::materials::EncryptionMaterialsHandle;

/// A core error as a JavaScript `Error`; for [`Error::Kms`] also `kmsType` (the KMS exception
/// name, e.g. `DisabledException`) and `kmsMessage` (KMS's own message).
pub fn kms_error_to_js(error: Error) -> JsValue {
    let kms = match &error {
        Error::Kms { kind, message } => Some((kind.clone(), message.clone())),
        _ => None,
    };
    let value: JsValue = error.into();
    if let Some((kind, message)) = kms {
        // Setting data properties on a fresh Error object cannot fail.
        let _ = Reflect::set(&value, &JsValue::from_str("kmsType"), &JsValue::from_str(&kind));
        let _ = Reflect::set(&value, &JsValue::from_str("kmsMessage"), &JsValue::from_str(&message));
    }
    value
}

fn value_to_js(value: &Value) -> JsResult<JsValue> {
    js_sys::JSON::parse(&value.to_string())
}

/// A KMS response (any JavaScript value) as JSON; what cannot be JSON is a bad response.
fn response_from_js(value: &JsValue, op: &str) -> Result<Value, Error> {
    let bad = |why: &str| Error::KmsBadResponse(format!("{op} response {why}"));
    if !value.is_object() || Array::is_array(value) {
        return Err(bad(&format!("must be a JSON object, got {}", describe(value))));
    }
    let text = js_sys::JSON::stringify(value).map_err(|_| bad("cannot be read as JSON"))?;
    let text = text.as_string().ok_or_else(|| bad("cannot be read as JSON"))?;
    serde_json::from_str(&text).map_err(|_| bad("cannot be read as JSON"))
}

/// `grantTokens`: `undefined`/`null` or an array of strings.
fn grant_tokens(value: &JsValue, label: &str) -> JsResult<Vec<String>> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !Array::is_array(value) {
        return Err(type_error(&format!("{label} must be an array of strings, got {}", describe(value))));
    }
    let list: &Array = value.unchecked_ref();
    list.iter().enumerate().map(|(i, t)| string_arg(&t, &format!("{label}[{i}]"))).collect()
}

/// `kmsParseArn(arn)` → `{ partition, region, account, resourceType, resourceId }`.
///
/// # Errors
/// `INVALID_ARGUMENT` naming what is wrong.
#[wasm_bindgen(js_name = kmsParseArn)]
pub fn kms_parse_arn(arn: &str) -> JsResult<Object> {
    let a = KmsArn::parse(arn)?;
    Ok(ObjectBuilder::new()
        .set("partition", a.partition)
        .set("region", a.region)
        .set("account", a.account)
        .set("resourceType", a.resource_type)
        .set("resourceId", a.resource_id)
        .build())
}

/// `kmsEndpoint(partition, region)` → `https://kms.<region>.<DNS suffix of partition>/`.
///
/// # Errors
/// `INVALID_ARGUMENT` for an unknown partition or a string that is not a region name.
#[wasm_bindgen(js_name = kmsEndpoint)]
pub fn kms_endpoint(partition: &str, region: &str) -> JsResult<String> {
    Ok(crate::keyring::kms::arn::kms_endpoint(partition, region)?)
}

/// `kmsGenerateDataKeyRequest(keyId, materials, grantTokens?)`: a `GenerateDataKey` request for
/// the materials' suite and encryption context.
///
/// # Errors
/// `TypeError` for bad arguments; `INVALID_STATE` if the materials were used up.
#[wasm_bindgen(js_name = kmsGenerateDataKeyRequest)]
pub fn kms_generate_data_key_request(
    key_id: &str,
    materials: &EncryptionMaterialsHandle,
    tokens: &JsValue,
) -> JsResult<JsValue> {
    let tokens = grant_tokens(tokens, "kmsGenerateDataKeyRequest: grantTokens")?;
    let m = materials.get()?;
    value_to_js(&protocol::generate_data_key_request(key_id, m.suite.key_len(), &m.encryption_context, &tokens))
}

/// `kmsGenerateDataKeyResponse(materials, response)`: checks the response, sets its plaintext as
/// the materials' data key and adds its EDK (`aws-kms`, the key ARN); returns that EDK.
///
/// # Errors
/// `KMS_BAD_RESPONSE` for a missing field, bad base64, a key of the wrong length or a KeyId that
/// is not a key ARN; `INVALID_ARGUMENT` if the materials already have a data key.
#[wasm_bindgen(js_name = kmsGenerateDataKeyResponse)]
pub fn kms_generate_data_key_response(
    materials: &mut EncryptionMaterialsHandle,
    response: &JsValue,
) -> JsResult<Array> {
    let m = materials.get_mut()?;
    let response = response_from_js(response, "GenerateDataKey")?;
    let (key, edk) = protocol::generate_data_key_response(&response, m.suite.key_len())?;
    m.set_data_key(key)?;
    let js = edks_to_js(std::slice::from_ref(&edk));
    m.encrypted_data_keys.push(edk);
    Ok(js)
}

/// `kmsEncryptRequest(keyId, materials, grantTokens?)`: an `Encrypt` request wrapping the
/// materials' data key (set by an earlier keyring).
///
/// # Errors
/// `INVALID_STATE` if the materials have no data key.
#[wasm_bindgen(js_name = kmsEncryptRequest)]
pub fn kms_encrypt_request(key_id: &str, materials: &EncryptionMaterialsHandle, tokens: &JsValue) -> JsResult<JsValue> {
    let tokens = grant_tokens(tokens, "kmsEncryptRequest: grantTokens")?;
    let m = materials.get()?;
    let key = m.data_key.as_ref().ok_or(Error::InvalidState("the materials have no data key to encrypt"))?;
    // The request carries the key in base64: wipe the Rust copy of the text.
    let text = Zeroizing::new(protocol::encrypt_request(key_id, key, &m.encryption_context, &tokens).to_string());
    js_sys::JSON::parse(&text)
}

/// `kmsEncryptResponse(materials, response)`: checks the response and adds its EDK; returns it.
///
/// # Errors
/// `KMS_BAD_RESPONSE` as for `kmsGenerateDataKeyResponse`.
#[wasm_bindgen(js_name = kmsEncryptResponse)]
pub fn kms_encrypt_response(materials: &mut EncryptionMaterialsHandle, response: &JsValue) -> JsResult<Array> {
    let m = materials.get_mut()?;
    if m.data_key.is_none() {
        return Err(Error::InvalidState("the materials have no data key").into());
    }
    let edk = protocol::encrypt_response(&response_from_js(response, "Encrypt")?)?;
    let js = edks_to_js(std::slice::from_ref(&edk));
    m.encrypted_data_keys.push(edk);
    Ok(js)
}

/// `kmsDecryptCandidates(keyId | null, filter | null, edks)` → `[{ keyId, index }]`: the EDKs a
/// KMS keyring should try, in order, with the key to name in `Decrypt`. With a `keyId`: EDKs whose
/// provider info is exactly that id; without (discovery): every `aws-kms` EDK whose key ARN passes
/// `filter` (`{ partition, accounts }`; all, if `null`).
///
/// # Errors
/// `TypeError` for malformed EDKs or filter.
#[wasm_bindgen(js_name = kmsDecryptCandidates)]
pub fn kms_decrypt_candidates(key_id: Option<String>, filter: &JsValue, edks: &JsValue) -> JsResult<Array> {
    let label = "kmsDecryptCandidates";
    let list = edks_from_js(edks, &format!("{label}: edks"))?;
    let filter = if filter.is_undefined() || filter.is_null() {
        None
    } else {
        let o = Options::read(filter, "KmsKeyring discoveryFilter", &["partition", "accounts"], true)?;
        let accounts = o.required("accounts")?;
        if !Array::is_array(accounts) {
            return Err(type_error(&format!(
                "{} must be an array of account ids, got {}",
                o.label("accounts"),
                describe(accounts)
            )));
        }
        let accounts: &Array = accounts.unchecked_ref();
        let accounts = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| string_arg(&a, &format!("{}[{i}]", o.label("accounts"))))
            .collect::<JsResult<Vec<_>>>()?;
        Some(DiscoveryFilter { partition: o.required_string("partition")?, accounts })
    };
    let candidates = protocol::decrypt_candidates(key_id.as_deref(), filter.as_ref(), &list);
    let out = Array::new();
    for (id, edk) in candidates {
        // Candidates are references into `list`: find their positions.
        let index = list.iter().position(|e| core::ptr::eq(e, edk)).unwrap_or(usize::MAX);
        out.push(&ObjectBuilder::new().set("keyId", id).set("index", index as f64).build());
    }
    Ok(out)
}

/// `kmsDecryptRequest(keyId, edk, encryptionContext, grantTokens?)`: a `Decrypt` request for one
/// EDK, naming the key that must decrypt it.
///
/// # Errors
/// `TypeError` for bad arguments.
#[wasm_bindgen(js_name = kmsDecryptRequest)]
pub fn kms_decrypt_request(key_id: &str, edk: &JsValue, context: &JsValue, tokens: &JsValue) -> JsResult<JsValue> {
    let label = "kmsDecryptRequest";
    let edk = edk_from_js(edk, &format!("{label}: edk"))?;
    let context = encryption_context(context, &format!("{label}: encryptionContext"))?;
    let tokens = grant_tokens(tokens, &format!("{label}: grantTokens"))?;
    value_to_js(&protocol::decrypt_request(key_id, &edk, &context, &tokens))
}

/// `kmsDecryptResponse(response, keyId, suiteId)` → the data key (a copy: wipe it once used).
/// Checks that `keyId` answered and that the key has the suite's length.
///
/// # Errors
/// `KMS_BAD_RESPONSE`; `UNSUPPORTED_SUITE` for an unknown suite id.
#[wasm_bindgen(js_name = kmsDecryptResponse)]
pub fn kms_decrypt_response(response: &JsValue, key_id: &str, suite_id: u16) -> JsResult<js_sys::Uint8Array> {
    let suite = AlgorithmSuite::from_id(suite_id)?;
    let key = protocol::decrypt_response(&response_from_js(response, "Decrypt")?, key_id, suite.key_len())?;
    Ok(js_sys::Uint8Array::from(key.as_bytes()))
}

/// `kmsErrorFromBody(status, text)`: the error for a non-2xx KMS answer. A KMS error body
/// (`{"__type": "...#DisabledException", "message": "..."}`) gives `KMS_ERROR` with `kmsType`
/// and `kmsMessage`; anything else `KMS_UNAVAILABLE` naming the HTTP status.
#[wasm_bindgen(js_name = kmsErrorFromBody)]
pub fn kms_error_from_body(status: u16, body: &str) -> JsValue {
    kms_error_to_js(protocol::error_from_body(status, body))
}

/// `kmsError(kmsType, message)`: a `KMS_ERROR` for an error a transport reported as a KMS
/// exception (e.g. the demo key service's `KmsError`). A `namespace#` prefix is dropped.
#[wasm_bindgen(js_name = kmsError)]
pub fn kms_error(kind: &str, message: &str) -> JsValue {
    let kind = kind.rsplit('#').next().unwrap_or(kind).to_owned();
    kms_error_to_js(Error::Kms { kind, message: message.to_owned() })
}

/// `signSigV4({ method, host, path, headers, body }, { accessKeyId, secretAccessKey,
/// sessionToken? }, region, service, amzDate)` → the headers to add: `{ 'x-amz-date',
/// 'x-amz-security-token'? , authorization }`. `headers` (an object of strings) are the other
/// headers sent and signed (content-type, x-amz-target); `host` is `host[:port]` as sent; `path` is
/// already percent-encoded; `body` is a string (UTF-8) or bytes; `amzDate` is `YYYYMMDDTHHMMSSZ`
/// (the caller's clock).
///
/// # Errors
/// `TypeError` for missing or mistyped fields; `INVALID_ARGUMENT` for a malformed date or an empty
/// region, service or access key id.
#[wasm_bindgen(js_name = signSigV4)]
pub fn sign_sig_v4(
    request: &JsValue,
    credentials: &JsValue,
    region: &str,
    service: &str,
    amz_date: &str,
) -> JsResult<Object> {
    let r = Options::read(request, "signSigV4", &["method", "host", "path", "headers", "body"], true)?;
    let method = r.required_string("method")?;
    let host = r.required_string("host")?;
    let path = r.required_string("path")?;
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(h) = r.get("headers") {
        if !h.is_object() || Array::is_array(h) {
            return Err(type_error(&format!(
                "{} must be an object of strings, got {}",
                r.label("headers"),
                describe(h)
            )));
        }
        let entries: Array = Object::entries(h.unchecked_ref());
        for entry in entries.iter() {
            let pair: Array = entry.unchecked_into();
            let name = pair.get(0).as_string().unwrap_or_default();
            let value = string_arg(&pair.get(1), &format!("{}[{name:?}]", r.label("headers")))?;
            headers.push((name, value));
        }
    }
    let body: Vec<u8> = match r.get("body") {
        None => Vec::new(),
        Some(b) => match b.as_string() {
            Some(s) => s.into_bytes(),
            None => byte_view(b, &r.label("body"))?.to_vec(),
        },
    };
    let c = Options::read(credentials, "signSigV4", &["accessKeyId", "secretAccessKey", "sessionToken"], true)?;
    let creds = Credentials {
        access_key_id: c.required_string("accessKeyId")?,
        secret_access_key: Zeroizing::new(c.required_string("secretAccessKey")?),
        session_token: match c.get("sessionToken") {
            Some(t) => Some(string_arg(t, &c.label("sessionToken"))?),
            None => None,
        },
    };
    let header_refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let req = SignableRequest { method: &method, host: &host, path: &path, headers: &header_refs, body: &body };
    let signed = sigv4::sign(&req, &creds, region, service, amz_date)?;
    let mut out = ObjectBuilder::new();
    for (name, value) in signed {
        out = out.set(&name, value);
    }
    Ok(out.build())
}
