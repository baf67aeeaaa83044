//! The `awses-decrypt` test manifest of the AWS crypto-tools test-vector framework (versions 1-4).
//!
//! ```text
//! {"manifest": {"type": "awses-decrypt", "version": 1..4}, "client": {...}, "keys": "file://keys.json",
//!  "tests": {ID: {"ciphertext": "file://...",
//!                 "master-keys": [{"type": "raw", "key": NAME, "provider-id": ..,
//!                                  "encryption-algorithm": "aes" | "rsa",
//!                                  "padding-algorithm": "pkcs1" | "oaep-mgf1",          (rsa)
//!                                  "padding-hash": "sha1" | "sha256" | "sha384" | "sha512"}  (oaep-mgf1)
//!                                 | {"type": "aws-kms", ..}],
//!                 "result": {"output": {"plaintext": "file://..."}} | {"error": {"error-description": ..}},
//!                 "plaintext": "file://..."          (v1, instead of "result")
//!                 "cmm": "Default" | "RequiredEncryptionContext",    (v4)
//!                 "encryption-context": {k: v}}}}                    (v4; the context to decrypt with)
//! ```
//! A malformed test is kept (as an `Err` with the reason) so the runner reports it as a failure
//! and goes on with the others.
//!
//! spec: aws-crypto-tools-test-vector-framework features/0004-awses-decrypt.md, 0005-awses-master-key.md

use std::path::{Path, PathBuf};

use envseal::EncryptionContext;
use serde_json::{Map, Value};

use crate::error::{CliError, CliResult};

const VERSIONS: core::ops::RangeInclusive<u64> = 1..=4;

/// A decrypt manifest: its tests sorted by id.
pub struct Manifest {
    pub version: u64,
    /// `name version` of the client that wrote the vectors, when given.
    pub client: Option<String>,
    pub keys_uri: String,
    pub tests: Vec<(String, Result<TestCase, String>)>,
}

/// One test.
#[derive(Debug, PartialEq)]
pub struct TestCase {
    pub ciphertext_uri: String,
    pub master_keys: Vec<MasterKeySpec>,
    /// `None` = the default CMM.
    pub cmm: Option<String>,
    pub encryption_context: EncryptionContext,
    pub expect: Expect,
}

/// What decrypting the ciphertext must give.
#[derive(Debug, PartialEq, Eq)]
pub enum Expect {
    /// This plaintext (a URI).
    Plaintext(String),
    /// Any error; the manifest's description of why.
    Error(String),
}

/// One entry of a test's `master-keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterKeySpec {
    /// `raw`, `aws-kms`, ...
    pub kind: String,
    /// The keys-manifest name.
    pub key: Option<String>,
    /// Overrides the key's `key-id` as the key name.
    pub key_id: Option<String>,
    pub provider_id: Option<String>,
    /// `aes` or `rsa` for raw keys.
    pub encryption_algorithm: Option<String>,
    /// Raw RSA keys: `pkcs1` or `oaep-mgf1`.
    pub padding_algorithm: Option<String>,
    /// Raw RSA keys with `oaep-mgf1`: `sha1`, `sha256`, `sha384` or `sha512` (OAEP and MGF1 hash).
    pub padding_hash: Option<String>,
}

impl Manifest {
    /// Parses a manifest; `origin` names it in errors.
    ///
    /// # Errors
    /// [`CliError::BadFile`] if it is not an `awses-decrypt` manifest of a known version.
    pub fn parse(text: &str, origin: &str) -> CliResult<Self> {
        let bad = |m: String| CliError::bad_file(format!("{origin}: {m}"));
        let root: Value = serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let manifest = root.get("manifest").ok_or_else(|| bad("no \"manifest\" object".into()))?;
        match manifest.get("type").and_then(Value::as_str) {
            Some("awses-decrypt") => {}
            other => return Err(bad(format!("manifest type is {other:?}, expected \"awses-decrypt\""))),
        }
        let version = manifest.get("version").and_then(Value::as_u64).filter(|v| VERSIONS.contains(v));
        let version = version.ok_or_else(|| {
            bad(format!(
                "manifest version {} is not supported (expected 1 to 4)",
                manifest.get("version").unwrap_or(&Value::Null)
            ))
        })?;
        let client = root.get("client").map(|c| {
            let field = |f: &str| c.get(f).and_then(Value::as_str).unwrap_or("?").to_owned();
            format!("{} {}", field("name"), field("version"))
        });
        let keys_uri =
            root.get("keys").and_then(Value::as_str).ok_or_else(|| bad("no \"keys\" URI".into()))?.to_owned();
        let Some(Value::Object(tests)) = root.get("tests") else {
            return Err(bad("no \"tests\" object".into()));
        };
        let mut tests: Vec<(String, Result<TestCase, String>)> =
            tests.iter().map(|(id, t)| (id.clone(), TestCase::parse(t))).collect();
        tests.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Manifest { version, client, keys_uri, tests })
    }
}

impl TestCase {
    fn parse(test: &Value) -> Result<Self, String> {
        let Value::Object(t) = test else { return Err("the test is not an object".into()) };
        let ciphertext_uri = string(t, "ciphertext")?.ok_or("no \"ciphertext\"")?;
        let master_keys = match t.get("master-keys") {
            Some(Value::Array(list)) if !list.is_empty() => {
                list.iter().map(MasterKeySpec::parse).collect::<Result<Vec<_>, _>>()?
            }
            _ => return Err("\"master-keys\" must be a non-empty list".into()),
        };
        let cmm = string(t, "cmm")?;
        let encryption_context = match t.get("encryption-context") {
            None => EncryptionContext::new(),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    other => Err(format!("encryption-context value for {k:?} is not a string: {other}")),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(format!("\"encryption-context\" must be an object, got {other}")),
        };
        let expect = match (t.get("result"), string(t, "plaintext")?) {
            (Some(result), _) => {
                if let Some(p) = result.pointer("/output/plaintext").and_then(Value::as_str) {
                    Expect::Plaintext(p.to_owned())
                } else if let Some(e) = result.get("error") {
                    let why = e.get("error-description").and_then(Value::as_str).unwrap_or("(no description)");
                    Expect::Error(why.to_owned())
                } else {
                    return Err("\"result\" has neither output.plaintext nor error".into());
                }
            }
            (None, Some(p)) => Expect::Plaintext(p),
            (None, None) => return Err("no \"result\" (nor a v1 \"plaintext\")".into()),
        };
        Ok(TestCase { ciphertext_uri, master_keys, cmm, encryption_context, expect })
    }
}

impl MasterKeySpec {
    fn parse(mk: &Value) -> Result<Self, String> {
        let Value::Object(m) = mk else { return Err("a master key is not an object".into()) };
        Ok(MasterKeySpec {
            kind: string(m, "type")?.ok_or("a master key has no \"type\"")?,
            key: string(m, "key")?,
            key_id: string(m, "key-id")?,
            provider_id: string(m, "provider-id")?,
            encryption_algorithm: string(m, "encryption-algorithm")?,
            padding_algorithm: string(m, "padding-algorithm")?,
            padding_hash: string(m, "padding-hash")?,
        })
    }
}

fn string(m: &Map<String, Value>, field: &str) -> Result<Option<String>, String> {
    match m.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("\"{field}\" must be a string, got {other}")),
    }
}

/// A manifest URI (`file://relative/path`) as a path under `dir`.
///
/// # Errors
/// A reason for any other scheme.
pub fn resolve(dir: &Path, uri: &str) -> Result<PathBuf, String> {
    match uri.strip_prefix("file://") {
        Some(rel) if !rel.is_empty() => Ok(dir.join(rel)),
        _ => Err(format!("unsupported URI {uri:?} (expected file://relative/path)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V4: &str = r#"{
      "manifest": {"type": "awses-decrypt", "version": 4},
      "client": {"name": "ESDK-NET", "version": "4.0.0"},
      "keys": "file://keys.json",
      "tests": {
        "b-error": {"ciphertext": "file://c/b",
                    "master-keys": [{"type": "raw", "key": "aes-256", "provider-id": "p",
                                     "encryption-algorithm": "aes"}],
                    "cmm": "Default", "result": {"error": {"error-description": "bad header"}}},
        "a-ok": {"ciphertext": "file://c/a",
                 "master-keys": [{"type": "raw", "key": "k", "key-id": "kid", "provider-id": "p",
                                  "encryption-algorithm": "rsa", "padding-algorithm": "oaep-mgf1",
                                  "padding-hash": "sha384"},
                                 {"type": "aws-kms", "key": "kms"}],
                 "cmm": "RequiredEncryptionContext", "encryption-context": {"k1": "v1"},
                 "result": {"output": {"plaintext": "file://p/small"}}},
        "c-v1": {"ciphertext": "file://c/c", "plaintext": "file://p/x",
                 "master-keys": [{"type": "aws-kms", "key": "kms"}]},
        "d-broken": {"ciphertext": "file://c/d", "master-keys": []}
      }
    }"#;

    #[test]
    fn parses_tests_sorted_by_id() {
        let m = Manifest::parse(V4, "manifest.json").unwrap();
        assert_eq!(
            (m.version, m.client.as_deref(), m.keys_uri.as_str()),
            (4, Some("ESDK-NET 4.0.0"), "file://keys.json")
        );
        let ids: Vec<&str> = m.tests.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["a-ok", "b-error", "c-v1", "d-broken"]);
        let a = m.tests[0].1.as_ref().unwrap();
        assert_eq!(a.expect, Expect::Plaintext("file://p/small".into()));
        assert_eq!(a.cmm.as_deref(), Some("RequiredEncryptionContext"));
        assert_eq!(a.encryption_context.get("k1").map(String::as_str), Some("v1"));
        assert_eq!(a.master_keys[0].key_id.as_deref(), Some("kid"));
        assert_eq!(a.master_keys[0].encryption_algorithm.as_deref(), Some("rsa"));
        assert_eq!(a.master_keys[0].padding_algorithm.as_deref(), Some("oaep-mgf1"));
        assert_eq!(a.master_keys[0].padding_hash.as_deref(), Some("sha384"));
        assert_eq!(a.master_keys[1].kind, "aws-kms");
        let b = m.tests[1].1.as_ref().unwrap();
        assert_eq!(b.expect, Expect::Error("bad header".into()));
        assert_eq!(m.tests[2].1.as_ref().unwrap().expect, Expect::Plaintext("file://p/x".into()));
        assert!(m.tests[3].1.as_ref().unwrap_err().contains("non-empty list"));
    }

    #[test]
    fn rejects_other_manifests() {
        for (text, want) in [
            (r#"{"manifest": {"type": "keys", "version": 3}}"#, "expected \"awses-decrypt\""),
            (r#"{"manifest": {"type": "awses-decrypt", "version": 5}}"#, "version 5 is not supported"),
            (r#"{"manifest": {"type": "awses-decrypt", "version": 2}, "tests": {}}"#, "no \"keys\" URI"),
            (r#"{"manifest": {"type": "awses-decrypt", "version": 2}, "keys": "file://k"}"#, "no \"tests\""),
        ] {
            let e = Manifest::parse(text, "m").err().unwrap().to_string();
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn resolves_file_uris() {
        assert_eq!(resolve(Path::new("d"), "file://c/x").unwrap(), PathBuf::from("d/c/x"));
        assert!(resolve(Path::new("d"), "https://example.com/x").is_err());
        assert!(resolve(Path::new("d"), "file://").is_err());
    }
}
