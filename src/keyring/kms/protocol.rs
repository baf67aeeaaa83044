//! The KMS JSON requests and responses the KMS keyring uses (GenerateDataKey, Encrypt, Decrypt),
//! built and checked here so that the Rust keyring and the JavaScript one (whose transport is
//! `fetch`, hence async) share one implementation. Blobs are base64 in JSON.
//!
//! spec: framework/aws-kms/aws-kms-keyring.md

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::arn::KmsArn;
use crate::crypto::secret::DataKey;
use crate::error::{Error, Result};
use crate::format::{EncryptedDataKey, EncryptionContext};

/// Provider id of every KMS-wrapped EDK.
pub const KMS_PROVIDER_ID: &str = "aws-kms";

fn with_common(mut body: Map<String, Value>, ec: &EncryptionContext, grant_tokens: &[String]) -> Value {
    if !ec.is_empty() {
        body.insert("EncryptionContext".into(), json!(ec));
    }
    if !grant_tokens.is_empty() {
        body.insert("GrantTokens".into(), json!(grant_tokens));
    }
    Value::Object(body)
}

/// `GenerateDataKey` for a data key of `key_len` bytes.
pub fn generate_data_key_request(
    key_id: &str,
    key_len: usize,
    ec: &EncryptionContext,
    grant_tokens: &[String],
) -> Value {
    let mut body = Map::new();
    body.insert("KeyId".into(), json!(key_id));
    body.insert("NumberOfBytes".into(), json!(key_len));
    with_common(body, ec, grant_tokens)
}

/// `Encrypt` of an existing data key.
pub fn encrypt_request(key_id: &str, data_key: &DataKey, ec: &EncryptionContext, grant_tokens: &[String]) -> Value {
    let mut body = Map::new();
    body.insert("KeyId".into(), json!(key_id));
    body.insert("Plaintext".into(), json!(B64.encode(data_key.as_bytes())));
    with_common(body, ec, grant_tokens)
}

/// `Decrypt` of one EDK, naming the key that must decrypt it.
pub fn decrypt_request(key_id: &str, edk: &EncryptedDataKey, ec: &EncryptionContext, grant_tokens: &[String]) -> Value {
    let mut body = Map::new();
    body.insert("KeyId".into(), json!(key_id));
    body.insert("CiphertextBlob".into(), json!(B64.encode(&edk.ciphertext)));
    with_common(body, ec, grant_tokens)
}

fn field<'a>(response: &'a Value, name: &str, op: &str) -> Result<&'a str> {
    response
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::KmsBadResponse(format!("{op} response has no string field {name:?}")))
}

fn blob(response: &Value, name: &str, op: &str) -> Result<Vec<u8>> {
    B64.decode(field(response, name, op)?)
        .map_err(|_| Error::KmsBadResponse(format!("{op} response field {name:?} is not base64")))
}

/// The key ARN a response names; it must be a key ARN (not an alias), as it goes into the EDK.
fn response_key_arn(response: &Value, op: &str) -> Result<String> {
    let key_id = field(response, "KeyId", op)?;
    match KmsArn::parse(key_id) {
        Ok(arn) if arn.resource_type == "key" => Ok(key_id.to_owned()),
        _ => Err(Error::KmsBadResponse(format!("{op} response KeyId {key_id:?} is not a KMS key ARN"))),
    }
}

/// Reads a `GenerateDataKey` response: the plaintext data key and its EDK.
///
/// # Errors
/// [`Error::KmsBadResponse`] for missing fields, bad base64, a KeyId that is not a key ARN, or a
/// plaintext of the wrong length.
pub fn generate_data_key_response(response: &Value, key_len: usize) -> Result<(DataKey, EncryptedDataKey)> {
    let op = "GenerateDataKey";
    let plaintext = DataKey::new(blob(response, "Plaintext", op)?);
    if plaintext.len() != key_len {
        return Err(Error::KmsBadResponse(format!("{op} returned a {}-byte key, expected {key_len}", plaintext.len())));
    }
    let edk = EncryptedDataKey {
        provider_id: KMS_PROVIDER_ID.into(),
        provider_info: response_key_arn(response, op)?.into_bytes(),
        ciphertext: blob(response, "CiphertextBlob", op)?,
    };
    Ok((plaintext, edk))
}

/// Reads an `Encrypt` response into an EDK.
///
/// # Errors
/// As [`generate_data_key_response`].
pub fn encrypt_response(response: &Value) -> Result<EncryptedDataKey> {
    let op = "Encrypt";
    Ok(EncryptedDataKey {
        provider_id: KMS_PROVIDER_ID.into(),
        provider_info: response_key_arn(response, op)?.into_bytes(),
        ciphertext: blob(response, "CiphertextBlob", op)?,
    })
}

/// Reads a `Decrypt` response: the data key, checking that the key that decrypted it is the one
/// asked for and that it has the suite's length.
///
/// # Errors
/// [`Error::KmsBadResponse`] for a mismatch or a malformed response.
pub fn decrypt_response(response: &Value, expected_key_id: &str, key_len: usize) -> Result<DataKey> {
    let op = "Decrypt";
    let key_id = field(response, "KeyId", op)?;
    if key_id != expected_key_id {
        return Err(Error::KmsBadResponse(format!(
            "{op} was answered by key {key_id:?}, not the requested {expected_key_id:?}"
        )));
    }
    let plaintext = DataKey::new(blob(response, "Plaintext", op)?);
    if plaintext.len() != key_len {
        return Err(Error::KmsBadResponse(format!("{op} returned a {}-byte key, expected {key_len}", plaintext.len())));
    }
    Ok(plaintext)
}

/// Which KMS EDKs a discovery keyring may try: ARNs in this partition and these accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryFilter {
    pub partition: String,
    pub accounts: Vec<String>,
}

/// The EDKs a KMS keyring should try, each with the key id to name in `Decrypt`: for a keyring
/// bound to `key_id`, EDKs whose provider info is exactly that id; for discovery (`key_id` None),
/// every EDK whose provider info is a key ARN passing the filter.
pub fn decrypt_candidates<'a>(
    key_id: Option<&str>,
    filter: Option<&DiscoveryFilter>,
    edks: &'a [EncryptedDataKey],
) -> Vec<(String, &'a EncryptedDataKey)> {
    edks.iter()
        .filter(|e| e.provider_id == KMS_PROVIDER_ID)
        .filter_map(|e| {
            let info = core::str::from_utf8(&e.provider_info).ok()?;
            let arn = KmsArn::parse(info).ok().filter(|a| a.resource_type == "key")?;
            let wanted = match (key_id, filter) {
                (Some(id), _) => info == id,
                (None, Some(f)) => arn.partition == f.partition && f.accounts.iter().any(|a| a == arn.account),
                (None, None) => true,
            };
            wanted.then(|| (info.to_owned(), e))
        })
        .collect()
}

/// Turns a KMS error body (`{"__type": "ns#NotFoundException", "message": "..."}`) into an error.
pub fn error_from_body(status: u16, body: &str) -> Error {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let kind = parsed
        .as_ref()
        .and_then(|v| v.get("__type").or_else(|| v.get("code")))
        .and_then(Value::as_str)
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned());
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("message").or_else(|| v.get("Message")))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match kind {
        Some(kind) => Error::Kms { kind, message },
        None => Error::KmsUnavailable(format!("HTTP {status} without a KMS error body")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/abc";

    #[test]
    fn requests_have_kms_field_names() {
        let ec: EncryptionContext = [("a".to_string(), "b".to_string())].into_iter().collect();
        let r = generate_data_key_request(ARN, 32, &ec, &["t".into()]);
        assert_eq!(
            r,
            json!({"KeyId": ARN, "NumberOfBytes": 32, "EncryptionContext": {"a": "b"}, "GrantTokens": ["t"]})
        );
        let r = encrypt_request(ARN, &DataKey::new(vec![0xff; 2]), &EncryptionContext::new(), &[]);
        assert_eq!(r, json!({"KeyId": ARN, "Plaintext": "//8="}));
    }

    #[test]
    fn responses_are_checked() {
        let ok = json!({"KeyId": ARN, "Plaintext": B64.encode([1u8; 32]), "CiphertextBlob": "AQID"});
        let (k, edk) = generate_data_key_response(&ok, 32).unwrap();
        assert_eq!(k.as_bytes(), &[1; 32]);
        assert_eq!(
            (edk.provider_id.as_str(), edk.provider_info.as_slice(), edk.ciphertext.as_slice()),
            ("aws-kms", ARN.as_bytes(), &[1u8, 2, 3][..])
        );
        assert_eq!(generate_data_key_response(&ok, 16).unwrap_err().code(), "KMS_BAD_RESPONSE");
        let alias = json!({"KeyId": "alias/x", "Plaintext": B64.encode([1u8; 32]), "CiphertextBlob": "AQID"});
        assert_eq!(generate_data_key_response(&alias, 32).unwrap_err().code(), "KMS_BAD_RESPONSE");
        assert!(decrypt_response(&ok, ARN, 32).is_ok());
        assert_eq!(
            decrypt_response(&ok, "arn:aws:kms:us-east-1:111122223333:key/other", 32).unwrap_err().code(),
            "KMS_BAD_RESPONSE"
        );
        assert_eq!(decrypt_response(&json!({}), ARN, 32).unwrap_err().code(), "KMS_BAD_RESPONSE");
    }

    #[test]
    fn candidates_follow_key_id_or_discovery_filter() {
        let edk = |info: &str| EncryptedDataKey {
            provider_id: KMS_PROVIDER_ID.into(),
            provider_info: info.into(),
            ciphertext: vec![1],
        };
        let other = "arn:aws:kms:us-east-1:999999999999:key/zzz";
        let edks =
            vec![edk(ARN), edk(other), edk("alias/x"), EncryptedDataKey { provider_id: "raw".into(), ..edk(ARN) }];
        assert_eq!(decrypt_candidates(Some(ARN), None, &edks).len(), 1);
        let f = DiscoveryFilter { partition: "aws".into(), accounts: vec!["999999999999".into()] };
        let c = decrypt_candidates(None, Some(&f), &edks);
        assert_eq!(c.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), vec![other]);
        assert_eq!(decrypt_candidates(None, None, &edks).len(), 2);
    }

    #[test]
    fn error_bodies_keep_the_kms_type() {
        let e = error_from_body(400, r#"{"__type":"com.amazonaws.kms#DisabledException","message":"key is disabled"}"#);
        assert_eq!(e, Error::Kms { kind: "DisabledException".into(), message: "key is disabled".into() });
        assert_eq!(error_from_body(502, "<html>").code(), "KMS_UNAVAILABLE");
    }
}
