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

use js_sys::{Array, Object, Reflect};
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

/// A KMS keyring whose requests JavaScript makes (JavaScript class `CoreKmsKeyring`, held by the
/// package's `KmsKeyring`, which owns the transport). Reads and checks every `KmsKeyring` option,
/// the transport's too, and keeps what the transport needs (`endpoint`, `region`, `timeoutMs`).
#[doc(hidden)]
#[wasm_bindgen(js_name = CoreKmsKeyring)]
pub struct CoreKmsKeyring {
    inner: Arc<dyn Keyring>,
    key_id: Option<String>,
    /// The application's transport function, or the credentials (or a function giving them):
    /// JavaScript values the JavaScript transport uses, checked here.
    transport: Option<JsValue>,
    credentials: Option<JsValue>,
    endpoint: Option<String>,
    region: Option<String>,
    timeout_ms: u32,
}

/// The options of `new KmsKeyring(options)`.
const KMS_OPTIONS: &[&str] = &[
    "keyId",
    "endpoint",
    "region",
    "credentials",
    "grantTokens",
    "transport",
    "discovery",
    "discoveryFilter",
    "timeoutMs",
    "allowInsecureHttp",
];

/// How long the default transport waits for one KMS answer, unless `timeoutMs` says otherwise.
const DEFAULT_TIMEOUT_MS: u32 = 10_000;

#[wasm_bindgen(js_class = CoreKmsKeyring)]
impl CoreKmsKeyring {
    /// `new CoreKmsKeyring(options, resolveEndpoint)`: the options of `new KmsKeyring(options)`
    /// (see index.d.ts), each read once, and a function that resolves the endpoint as JavaScript
    /// does (`new URL(endpoint, location).href`; `undefined` if it is not a URL). Bound to `keyId`,
    /// or a discovery keyring.
    ///
    /// # Errors
    /// `TypeError` for a missing, unknown or mistyped option; `RangeError` for `timeoutMs` out of
    /// range; `INVALID_ARGUMENT` for values that cannot work together or at all.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue, resolve_endpoint: &js_sys::Function) -> JsResult<CoreKmsKeyring> {
        let api = "KmsKeyring";
        let o = Options::read(options, api, KMS_OPTIONS, true)?;
        let discovery = o.flag("discovery")?;
        let (key_id, filter) = if discovery {
            if o.get("keyId").is_some() {
                return Err(invalid(format!(
                    "{api}: a discovery keyring decrypts with any key its filter allows, so it takes no keyId"
                )));
            }
            (None, o.get("discoveryFilter").map(discovery_filter).transpose()?)
        } else {
            let Some(value) = o.get("keyId") else {
                return Err(type_error(&format!(
                    "{} is required (a key ARN, key id or alias), unless discovery is true",
                    o.label("keyId")
                )));
            };
            let key_id = string_arg(value, &o.label("keyId"))?;
            if key_id.is_empty() {
                return Err(invalid(format!("{} must not be empty", o.label("keyId"))));
            }
            if o.get("discoveryFilter").is_some() {
                return Err(invalid(format!(
                    "{} applies only to discovery keyrings (discovery: true)",
                    o.label("discoveryFilter")
                )));
            }
            (Some(key_id), None)
        };
        let tokens = grant_tokens(o.get("grantTokens").unwrap_or(&JsValue::UNDEFINED), &o.label("grantTokens"))?;
        let arn = key_id.as_deref().and_then(|id| KmsArn::parse(id).ok());
        let mut core = CoreKmsKeyring {
            inner: Arc::new(KmsKeyring::answered_by_caller(key_id.clone(), filter, tokens)?),
            key_id: key_id.clone(),
            transport: None,
            credentials: None,
            endpoint: None,
            region: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        };

        if let Some(transport) = o.get("transport") {
            if !transport.is_function() {
                return Err(type_error(&format!(
                    "{} must be a function (operation, request) => Promise<response>, got {}",
                    o.label("transport"),
                    describe(transport)
                )));
            }
            let ignored: Vec<&str> = ["endpoint", "region", "credentials", "timeoutMs", "allowInsecureHttp"]
                .into_iter()
                .filter(|k| o.get(k).is_some())
                .collect();
            if !ignored.is_empty() {
                return Err(invalid(format!(
                    "{api}: a custom transport replaces {}: give one or the other",
                    ignored.join(", ")
                )));
            }
            core.transport = Some(transport.clone());
            return Ok(core);
        }

        let insecure = o.flag("allowInsecureHttp")?;
        if let Some(value) = o.get("endpoint") {
            let href = resolve_endpoint.call1(&JsValue::NULL, value)?.as_string();
            core.endpoint = Some(endpoint(value, href, &o.label("endpoint"), insecure)?);
        }
        if let Some(value) = o.get("region") {
            let region = value.as_string().filter(|r| !r.is_empty()).ok_or_else(|| {
                type_error(&format!(
                    "{} must be a region name such as 'us-east-1', got {}",
                    o.label("region"),
                    describe(value)
                ))
            })?;
            // The region names the signing scope and, without an endpoint, the host: a region name only.
            if core.endpoint.is_none() {
                crate::keyring::kms::arn::kms_endpoint(arn.as_ref().map_or("aws", |a| a.partition), &region)?;
            }
            core.region = Some(region);
        }
        // A function is called for each request (its answer is checked then, by kmsCredentials);
        // an object is checked now and kept as a copy of its three fields.
        core.credentials = match o.get("credentials") {
            Some(value) if !value.is_function() => {
                Some(credentials_to_js(&credentials_from_js(value, &o.label("credentials"))?).into())
            }
            other => other.cloned(),
        };
        // Milliseconds, up to what setTimeout takes (2^31 - 1).
        if let Some(ms) = o.integer("timeoutMs", 1, i32::MAX.unsigned_abs())? {
            core.timeout_ms = ms;
        }
        // Where requests go must be known now for a keyring bound to one key: an endpoint, or a
        // region (given, or read from the key ARN). A discovery keyring can use each EDK's region.
        if !discovery && core.endpoint.is_none() && core.region.is_none() && arn.is_none() {
            return Err(invalid(format!(
                "{api}: keyId {:?} is not a key ARN, so give region (for https://kms.<region>.amazonaws.com/) or endpoint",
                key_id.unwrap_or_default()
            )));
        }
        if core.credentials.is_some() && core.region.is_none() && !discovery && arn.is_none() {
            return Err(invalid(format!(
                "{api}: signing with credentials needs region (the key id is not an ARN to read it from)"
            )));
        }
        Ok(core)
    }

    /// The key id, or `undefined` for a discovery keyring.
    #[wasm_bindgen(getter = keyId)]
    pub fn key_id(&self) -> Option<String> {
        self.key_id.clone()
    }

    /// The application's transport function, if one was given.
    #[wasm_bindgen(getter)]
    pub fn transport(&self) -> JsValue {
        self.transport.clone().unwrap_or(JsValue::UNDEFINED)
    }

    /// The credentials (a checked copy of the three fields), or the function giving them, if given.
    #[wasm_bindgen(getter)]
    pub fn credentials(&self) -> JsValue {
        self.credentials.clone().unwrap_or(JsValue::UNDEFINED)
    }

    /// The endpoint (an http(s) URL), if one was given.
    #[wasm_bindgen(getter)]
    pub fn endpoint(&self) -> Option<String> {
        self.endpoint.clone()
    }

    /// The region, if one was given.
    #[wasm_bindgen(getter)]
    pub fn region(&self) -> Option<String> {
        self.region.clone()
    }

    /// How long the default transport waits for an answer.
    #[wasm_bindgen(getter = timeoutMs)]
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }
}

keyring_class!(CoreKmsKeyring);

fn invalid(message: String) -> JsValue {
    Error::InvalidArgument(message).into()
}

/// The endpoint: a string or `URL`, which JavaScript resolved to `href`. Plain http only to this machine,
/// or with `allowInsecureHttp` (KMS requests carry data keys and credentials).
fn endpoint(value: &JsValue, href: Option<String>, label: &str, allow_insecure_http: bool) -> JsResult<String> {
    let is_url = value.is_object() && Reflect::get(value, &JsValue::from_str("href")).is_ok_and(|h| h.is_string());
    if !value.is_string() && !is_url {
        return Err(type_error(&format!("{label} must be a URL string or a URL, got {}", describe(value))));
    }
    let given = value.as_string().or_else(|| href.clone()).unwrap_or_default();
    let Some(href) = href else {
        return Err(invalid(format!("{label} {given:?} is not a URL")));
    };
    let (scheme, rest) = href.split_once("://").unwrap_or(("", ""));
    if scheme != "https" && scheme != "http" {
        return Err(invalid(format!("{label} must be an http(s) URL, got {href:?}")));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once('@').map_or(authority, |(_, h)| h) {
        h if h.starts_with('[') => h.split_inclusive(']').next().unwrap_or(h),
        h => h.split(':').next().unwrap_or(h),
    };
    let loopback = host == "localhost"
        || host == "[::1]"
        || host
            .strip_prefix("127.")
            .is_some_and(|r| r.split('.').count() == 3 && r.split('.').all(|p| p.parse::<u8>().is_ok()));
    if scheme == "http" && !loopback && !allow_insecure_http {
        return Err(invalid(format!(
            "{label} {href:?} is plain http to another machine: KMS requests carry data keys and credentials; \
             use https, or set allowInsecureHttp: true (a local test network only)"
        )));
    }
    Ok(href)
}

/// `kmsCredentials(value)` → `{ accessKeyId, secretAccessKey, sessionToken? }`: the credentials a
/// `KmsKeyring`'s credentials function resolved to, checked, with only those three fields (an AWS
/// SDK credentials object has more).
///
/// # Errors
/// `TypeError` naming what is expected.
#[wasm_bindgen(js_name = kmsCredentials)]
pub fn kms_credentials(value: &JsValue) -> JsResult<Object> {
    Ok(credentials_to_js(&credentials_from_js(value, "KmsKeyring: the credentials")?))
}

/// `{ accessKeyId, secretAccessKey, sessionToken? }`.
fn credentials_to_js(c: &Credentials) -> Object {
    let mut out = ObjectBuilder::new()
        .set("accessKeyId", c.access_key_id.as_str())
        .set("secretAccessKey", c.secret_access_key.as_str());
    if let Some(token) = &c.session_token {
        out = out.set("sessionToken", token.as_str());
    }
    out.build()
}

/// `{ accessKeyId, secretAccessKey, sessionToken? }` (strings; other fields ignored).
fn credentials_from_js(value: &JsValue, label: &str) -> JsResult<Credentials> {
    let bad = || {
        type_error(&format!(
            "{label} must be {{ accessKeyId, secretAccessKey, sessionToken? }} (strings) or a function returning them, got {}",
            describe(value)
        ))
    };
    if !value.is_object() {
        return Err(bad());
    }
    let field = |key: &str| Reflect::get(value, &JsValue::from_str(key));
    let access_key_id = field("accessKeyId")?.as_string().filter(|k| !k.is_empty()).ok_or_else(bad)?;
    let secret_access_key = Zeroizing::new(field("secretAccessKey")?.as_string().ok_or_else(bad)?);
    let token = field("sessionToken")?;
    let session_token = match token.as_string() {
        Some(t) => Some(t),
        None if token.is_undefined() || token.is_null() => None,
        None => return Err(bad()),
    };
    Ok(Credentials { access_key_id, secret_access_key, session_token })
}

/// `{ partition, accounts }`: a partition name and a non-empty list of account ids.
fn discovery_filter(value: &JsValue) -> JsResult<DiscoveryFilter> {
    let label = "KmsKeyring: options.discoveryFilter";
    let o = Options::read(value, label, &["partition", "accounts"], true)?;
    let partition = o.get("partition").and_then(JsValue::as_string).filter(|p| !p.is_empty());
    let Some(partition) = partition else {
        return Err(type_error(&format!(
            "{label}.partition must be a partition name such as 'aws', got {}",
            describe(o.get("partition").unwrap_or(&JsValue::UNDEFINED))
        )));
    };
    let accounts = o.get("accounts").filter(|a| Array::is_array(a)).map(|a| a.unchecked_ref::<Array>().iter());
    let accounts: Option<Vec<String>> =
        accounts.and_then(|list| list.map(|a| a.as_string().filter(|a| !a.is_empty())).collect());
    match accounts {
        Some(accounts) if !accounts.is_empty() => Ok(DiscoveryFilter { partition, accounts }),
        _ => Err(type_error(&format!(
            "{label}.accounts must be a non-empty array of account ids, got {}",
            describe(o.get("accounts").unwrap_or(&JsValue::UNDEFINED))
        ))),
    }
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
