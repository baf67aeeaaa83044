//! The `awses-decrypt` test manifest of the AWS crypto-tools test-vector framework (versions 1-5).
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
//! Version 5 (the Material Providers Library's vectors, `decrypt-manifest.json`) describes each
//! test as a scenario with the keyring to decrypt with:
//! ```text
//!  "tests": {ID: {"decryption-scenario": {"type": "positive-esdk" | "negative-esdk",
//!      "ciphertext": "file://...", "result": "file://plaintext" (positive),
//!      "error-description": ".." (negative; or "result": {"error": {..}}),
//!      "decryption-method": "streaming-unsigned-only" (optional: signed suites must be refused),
//!      "reproduced-encryption-context": {k: v},
//!      "decryptKeyDescription":
//!          {"type": "raw", ..a v1-v4 raw master key..}
//!        | {"type": "multi-keyring", "generator": DESC, "childKeyrings": [DESC, ..]}
//!        | {"type": "required-encryption-context-cmm", "underlying": DESC,
//!           "requiredEncryptionContextKeys": [k, ..]}
//!        | {"type": "raw-ecdh" | "aws-kms-hierarchy" | "aws-kms" | .., ..}}}}
//! ```
//! Both shapes become one [`TestCase`]: a multi-keyring is its generator and children as
//! master keys; a keyring kind envseal lacks stays a master key of that `type` (run as a skip).
//!
//! A malformed test is kept (as an `Err` with the reason) so the runner reports it as a failure
//! and goes on with the others.
//!
//! spec: aws-crypto-tools-test-vector-framework features/0004-awses-decrypt.md, 0005-awses-master-key.md

use std::path::{Path, PathBuf};

use envseal::EncryptionContext;
use serde_json::{Map, Value};

use crate::error::{CliError, CliResult};

const VERSIONS: core::ops::RangeInclusive<u64> = 1..=5;

/// Nesting allowed in a v5 key description (a multi-keyring of required-context CMMs of ...).
const MAX_DESCRIPTION_DEPTH: usize = 8;

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
    /// v5 required-encryption-context CMM: keys the reproduced context must hold.
    pub required_keys: Vec<String>,
    /// v5 `"decryption-method": "streaming-unsigned-only"`: a signed message must be refused.
    pub unsigned_only: bool,
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
                "manifest version {} is not supported (expected 1 to 5)",
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
            tests.iter().map(|(id, t)| (id.clone(), TestCase::parse(t, version))).collect();
        tests.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Manifest { version, client, keys_uri, tests })
    }
}

impl TestCase {
    fn parse(test: &Value, version: u64) -> Result<Self, String> {
        let Value::Object(t) = test else { return Err("the test is not an object".into()) };
        if version >= 5 {
            return Self::parse_scenario(t);
        }
        let ciphertext_uri = string(t, "ciphertext")?.ok_or("no \"ciphertext\"")?;
        let master_keys = match t.get("master-keys") {
            Some(Value::Array(list)) if !list.is_empty() => {
                list.iter().map(MasterKeySpec::parse).collect::<Result<Vec<_>, _>>()?
            }
            _ => return Err("\"master-keys\" must be a non-empty list".into()),
        };
        let cmm = string(t, "cmm")?;
        let encryption_context = context(t, "encryption-context")?;
        let expect = match (t.get("result"), string(t, "plaintext")?) {
            (Some(result), _) => result_object(result)?,
            (None, Some(p)) => Expect::Plaintext(p),
            (None, None) => return Err("no \"result\" (nor a v1 \"plaintext\")".into()),
        };
        Ok(TestCase {
            ciphertext_uri,
            master_keys,
            cmm,
            encryption_context,
            required_keys: Vec::new(),
            unsigned_only: false,
            expect,
        })
    }

    /// A v5 test: `{"decryption-scenario": {...}}`.
    fn parse_scenario(t: &Map<String, Value>) -> Result<Self, String> {
        let Some(Value::Object(s)) = t.get("decryption-scenario") else {
            return Err("no \"decryption-scenario\" object".into());
        };
        let ciphertext_uri = string(s, "ciphertext")?.ok_or("no \"ciphertext\"")?;
        let expect = match (string(s, "type")?.as_deref(), s.get("result")) {
            (Some("positive-esdk"), Some(Value::String(uri))) => Expect::Plaintext(uri.clone()),
            (Some("positive-esdk"), Some(result)) => result_object(result)?,
            (Some("positive-esdk"), None) => return Err("a positive scenario without \"result\"".into()),
            (Some("negative-esdk"), Some(result @ Value::Object(_))) => result_object(result)?,
            (Some("negative-esdk"), _) => {
                Expect::Error(string(s, "error-description")?.unwrap_or_else(|| "(no description)".into()))
            }
            (other, _) => {
                return Err(format!("scenario type {other:?}, expected \"positive-esdk\" or \"negative-esdk\""))
            }
        };
        let unsigned_only = match string(s, "decryption-method")?.as_deref() {
            None => false,
            Some("streaming-unsigned-only") => true,
            Some(other) => {
                return Err(format!("\"decryption-method\" {other:?}, expected \"streaming-unsigned-only\""))
            }
        };
        let description = s.get("decryptKeyDescription").ok_or("no \"decryptKeyDescription\"")?;
        let mut master_keys = Vec::new();
        let mut required_keys = Vec::new();
        describe_keyring(description, 0, &mut master_keys, &mut required_keys)?;
        Ok(TestCase {
            ciphertext_uri,
            master_keys,
            cmm: (!required_keys.is_empty()).then(|| "RequiredEncryptionContext".to_owned()),
            encryption_context: context(s, "reproduced-encryption-context")?,
            required_keys,
            unsigned_only,
            expect,
        })
    }
}

/// Flattens a v5 key description into master keys (and the keys a required-context CMM wants).
fn describe_keyring(
    d: &Value,
    depth: usize,
    keys: &mut Vec<MasterKeySpec>,
    required: &mut Vec<String>,
) -> Result<(), String> {
    if depth > MAX_DESCRIPTION_DEPTH {
        return Err(format!("key descriptions nested deeper than {MAX_DESCRIPTION_DEPTH}"));
    }
    let Value::Object(m) = d else { return Err("a key description is not an object".into()) };
    match string(m, "type")?.as_deref() {
        Some("multi-keyring") => {
            if let Some(generator) = m.get("generator") {
                describe_keyring(generator, depth + 1, keys, required)?;
            }
            match m.get("childKeyrings") {
                None => {}
                Some(Value::Array(children)) => {
                    for child in children {
                        describe_keyring(child, depth + 1, keys, required)?;
                    }
                }
                Some(other) => return Err(format!("\"childKeyrings\" must be a list, got {other}")),
            }
            if keys.is_empty() {
                return Err("a multi-keyring with neither generator nor children".into());
            }
            Ok(())
        }
        Some("required-encryption-context-cmm") => {
            match m.get("requiredEncryptionContextKeys") {
                Some(Value::Array(list)) if !list.is_empty() => {
                    for k in list {
                        let k = k.as_str().ok_or_else(|| format!("a required context key is not a string: {k}"))?;
                        required.push(k.to_owned());
                    }
                }
                _ => return Err("\"requiredEncryptionContextKeys\" must be a non-empty list".into()),
            }
            describe_keyring(
                m.get("underlying").ok_or("a required-context CMM without \"underlying\"")?,
                depth + 1,
                keys,
                required,
            )
        }
        Some(_) => {
            keys.push(MasterKeySpec::parse(d)?);
            Ok(())
        }
        None => Err("a key description has no \"type\"".into()),
    }
}

/// A v1-v4 `result` object (`{"output": {"plaintext": URI}}` or `{"error": {...}}`).
fn result_object(result: &Value) -> Result<Expect, String> {
    if let Some(p) = result.pointer("/output/plaintext").and_then(Value::as_str) {
        Ok(Expect::Plaintext(p.to_owned()))
    } else if let Some(e) = result.get("error") {
        let why = e.get("error-description").and_then(Value::as_str).unwrap_or("(no description)");
        Ok(Expect::Error(why.to_owned()))
    } else {
        Err("\"result\" has neither output.plaintext nor error".into())
    }
}

/// An encryption context field (absent: empty).
fn context(m: &Map<String, Value>, field: &str) -> Result<EncryptionContext, String> {
    match m.get(field) {
        None => Ok(EncryptionContext::new()),
        Some(Value::Object(pairs)) => pairs
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(format!("{field} value for {k:?} is not a string: {other}")),
            })
            .collect(),
        Some(other) => Err(format!("\"{field}\" must be an object, got {other}")),
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
            (r#"{"manifest": {"type": "awses-decrypt", "version": 6}}"#, "version 6 is not supported"),
            (r#"{"manifest": {"type": "awses-decrypt", "version": 2}, "tests": {}}"#, "no \"keys\" URI"),
            (r#"{"manifest": {"type": "awses-decrypt", "version": 2}, "keys": "file://k"}"#, "no \"tests\""),
        ] {
            let e = Manifest::parse(text, "m").err().unwrap().to_string();
            assert!(e.contains(want), "{e}");
        }
    }

    const V5: &str = r#"{
      "manifest": {"type": "awses-decrypt", "version": 5},
      "keys": "file://keys.json",
      "tests": {
        "multi": {"decryption-scenario": {"type": "positive-esdk", "ciphertext": "file://c/m",
            "result": "file://p/small", "reproduced-encryption-context": {},
            "decryptKeyDescription": {"type": "multi-keyring",
              "generator": {"type": "raw", "key": "aes-256", "provider-id": "p", "encryption-algorithm": "aes"},
              "childKeyrings": [{"type": "raw", "key": "aes-128", "provider-id": "q", "encryption-algorithm": "aes"}]}}},
        "req": {"decryption-scenario": {"type": "positive-esdk", "ciphertext": "file://c/r",
            "result": "file://p/small", "reproduced-encryption-context": {"a": "a", "b": "b"},
            "decryption-method": "streaming-unsigned-only",
            "decryptKeyDescription": {"type": "required-encryption-context-cmm",
              "underlying": {"type": "raw", "key": "aes-256", "provider-id": "p", "encryption-algorithm": "aes"},
              "requiredEncryptionContextKeys": ["b"]}}},
        "neg": {"decryption-scenario": {"type": "negative-esdk", "ciphertext": "file://c/n",
            "error-description": "bad tag",
            "decryptKeyDescription": {"type": "raw-ecdh", "sender": "ecc-256-private"}}},
        "deep": {"decryption-scenario": {"type": "positive-esdk", "ciphertext": "file://c/d", "result": "file://p",
            "decryptKeyDescription": {"type": "multi-keyring", "generator": {"type": "multi-keyring", "generator":
              {"type": "multi-keyring", "generator": {"type": "multi-keyring", "generator": {"type": "multi-keyring",
              "generator": {"type": "multi-keyring", "generator": {"type": "multi-keyring", "generator":
              {"type": "multi-keyring", "generator": {"type": "multi-keyring", "generator": {"type": "raw"}}}}}}}}}}}},
        "flat": {"ciphertext": "file://c/x", "master-keys": [{"type": "raw"}]}
      }
    }"#;

    #[test]
    fn parses_v5_scenarios() {
        let m = Manifest::parse(V5, "decrypt-manifest.json").unwrap();
        assert_eq!(m.version, 5);
        let test = |id: &str| m.tests.iter().find(|(i, _)| i == id).unwrap().1.as_ref();
        let multi = test("multi").unwrap();
        let names: Vec<_> = multi.master_keys.iter().map(|k| k.key.as_deref().unwrap()).collect();
        assert_eq!(names, ["aes-256", "aes-128"], "generator first");
        assert_eq!((multi.cmm.as_deref(), multi.unsigned_only), (None, false));
        assert_eq!(multi.expect, Expect::Plaintext("file://p/small".into()));
        let req = test("req").unwrap();
        assert_eq!(req.cmm.as_deref(), Some("RequiredEncryptionContext"));
        assert_eq!(req.required_keys, ["b"]);
        assert!(req.unsigned_only);
        assert_eq!(req.encryption_context.len(), 2);
        let neg = test("neg").unwrap();
        assert_eq!(neg.expect, Expect::Error("bad tag".into()));
        assert_eq!(neg.master_keys[0].kind, "raw-ecdh");
        assert!(test("deep").unwrap_err().contains("nested deeper than 8"));
        assert!(test("flat").unwrap_err().contains("no \"decryption-scenario\""));
    }

    #[test]
    fn resolves_file_uris() {
        assert_eq!(resolve(Path::new("d"), "file://c/x").unwrap(), PathBuf::from("d/c/x"));
        assert!(resolve(Path::new("d"), "https://example.com/x").is_err());
        assert!(resolve(Path::new("d"), "file://").is_err());
    }
}
