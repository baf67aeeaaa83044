//! The KMS keyring's core half for the JavaScript `KmsKeyring` (kms-keyring.js): the keyring
//! itself (`CoreKmsKeyring`: key id or discovery filter, grant tokens; its steps build every
//! request and check every answer, see [`super::steps`]), and what the JavaScript transport needs:
//! the ARN parser, the partition table, KMS error bodies and the SigV4 signer. JavaScript only
//! moves the request text over its transport (`fetch`, or the application's own) and supplies
//! the clock.
//!
//! ```text
//! new CoreKmsKeyring({ keyId?, discoveryFilter?, grantTokens? })  (discovery without keyId)
//! kmsParseArn(arn)                                        -> { partition, region, account, resourceType, resourceId }
//! kmsEndpoint(partition, region)                          -> 'https://kms.<region>.<suffix>/'
//! kmsErrorFromBody(status, text)                           -> Error        (KMS_ERROR with kmsType, or KMS_UNAVAILABLE)
//! kmsError(kmsType, message)                               -> Error        (KMS_ERROR with kmsType)
//! signSigV4(request, credentials, region, service, amzDate) -> { 'x-amz-date', 'x-amz-security-token'?, authorization }
//! ```

use std::sync::Arc;

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::keyring::kms::arn::KmsArn;
use crate::keyring::kms::protocol::{self, DiscoveryFilter};
use crate::keyring::kms::sigv4::{self, Credentials, SignableRequest};
use crate::keyring::{Keyring, KmsKeyring};

use super::args::{byte_view, string_arg, Options};
use super::errors::{describe, type_error, JsResult};
use super::header::ObjectBuilder;
use super::keyrings::KeyringHandle;

/// A KMS keyring whose requests JavaScript makes (JavaScript class `CoreKmsKeyring`, held by the
/// package's `KmsKeyring`, which owns the transport).
#[doc(hidden)]
#[wasm_bindgen(js_name = CoreKmsKeyring)]
pub struct CoreKmsKeyring {
    inner: Arc<dyn Keyring>,
}

#[wasm_bindgen(js_class = CoreKmsKeyring)]
impl CoreKmsKeyring {
    /// `new CoreKmsKeyring({ keyId?, discoveryFilter?, grantTokens? })`: bound to `keyId`, or a
    /// discovery keyring (no `keyId`) trying the EDKs whose key ARN passes `discoveryFilter`
    /// (`{ partition, accounts }`; all, if absent).
    ///
    /// # Errors
    /// `TypeError` for mistyped options; `INVALID_ARGUMENT` for an empty key id or a filter with one.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> JsResult<CoreKmsKeyring> {
        let o = Options::read(options, "KmsKeyring", &["keyId", "discoveryFilter", "grantTokens"], true)?;
        let key_id = match o.get("keyId") {
            Some(v) => Some(string_arg(v, &o.label("keyId"))?),
            None => None,
        };
        let filter = match o.get("discoveryFilter") {
            Some(f) => Some(discovery_filter(f)?),
            None => None,
        };
        let tokens = grant_tokens(o.get("grantTokens").unwrap_or(&JsValue::UNDEFINED), &o.label("grantTokens"))?;
        Ok(CoreKmsKeyring { inner: Arc::new(KmsKeyring::answered_by_caller(key_id, filter, tokens)?) })
    }

    #[doc(hidden)]
    #[wasm_bindgen(js_name = __keyringHandle)]
    pub fn handle(&self) -> KeyringHandle {
        KeyringHandle::new(Arc::clone(&self.inner))
    }
}

/// `{ partition, accounts }`.
fn discovery_filter(value: &JsValue) -> JsResult<DiscoveryFilter> {
    let o = Options::read(value, "KmsKeyring discoveryFilter", &["partition", "accounts"], true)?;
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
    Ok(DiscoveryFilter { partition: o.required_string("partition")?, accounts })
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

/// `kmsErrorFromBody(status, text)`: the error for a non-2xx KMS answer. A KMS error body
/// (`{"__type": "...#DisabledException", "message": "..."}`) gives `KMS_ERROR` with `kmsType`
/// and `kmsMessage`; anything else `KMS_UNAVAILABLE` naming the HTTP status.
#[wasm_bindgen(js_name = kmsErrorFromBody)]
pub fn kms_error_from_body(status: u16, body: &str) -> JsValue {
    protocol::error_from_body(status, body).into()
}

/// `kmsError(kmsType, message)`: a `KMS_ERROR` for an error a transport reported as a KMS
/// exception (e.g. the demo key service's `KmsError`). A `namespace#` prefix is dropped.
#[wasm_bindgen(js_name = kmsError)]
pub fn kms_error(kind: &str, message: &str) -> JsValue {
    let kind = kind.rsplit('#').next().unwrap_or(kind).to_owned();
    Error::Kms { kind, message: message.to_owned() }.into()
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
