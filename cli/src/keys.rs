//! keys.json: the keys manifest of the AWS crypto-tools test-vector framework, and the keyrings
//! built from it.
//!
//! ```text
//! {"manifest": {"type": "keys", "version": 1..3},
//!  "keys": {NAME: {"type": "symmetric", "algorithm": "aes", "encoding": "base64", "bits": 256,
//!                  "key-id": "...", "material": "base64" | ["line", ...], "line-separator": "",
//!                  "encrypt": true, "decrypt": true},
//!           NAME: {"type": "private" | "public", "algorithm": "rsa", "encoding": "pem" | "base64",
//!                  "bits": 2048, "key-id": "...", "material": "-----BEGIN ..." | "DER, base64"}, ...}}
//! ```
//! v1 stores `material` as a list of lines joined with `line-separator` (default ""); later
//! versions as one string. Either form is read for any version. RSA keys: `private` is a PKCS#8
//! or PKCS#1 private key (it both encrypts and decrypts), `public` an SPKI or PKCS#1 public key
//! (encrypt only); PEM text, or DER in base64 with `"encoding": "base64"`. Entries are checked only
//! when used, so a file may hold keys of kinds envseal does not support (AWS KMS).
//!
//! spec: aws-crypto-tools-test-vector-framework features/0002-keys.md

use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use envseal::{DataKey, Keyring, MultiKeyring, RawAesKeyring, RawRsaKeyring, RsaPadding};
use serde_json::{Map, Value};

use crate::error::{CliError, CliResult};

/// Keys manifest versions this reader understands (v4 has the same shape for raw keys).
const VERSIONS: core::ops::RangeInclusive<u64> = 1..=4;

/// A parsed keys manifest; entries are interpreted on demand by [`KeysFile::entry`].
#[derive(Debug)]
pub struct KeysFile {
    /// Where the file came from, for error messages.
    origin: String,
    keys: Map<String, Value>,
}

/// What a key is, as far as envseal is concerned.
pub enum KeyMaterial {
    /// A symmetric AES key: the raw AES keyring's wrapping key.
    Aes(DataKey),
    /// An RSA private key (PEM text or DER bytes; wiped on drop): the raw RSA keyring's key pair.
    RsaPrivate(DataKey),
    /// An RSA public key (PEM text or DER bytes): a raw RSA keyring that can only encrypt.
    RsaPublic(Vec<u8>),
    /// A reference to an AWS KMS key.
    AwsKms,
}

/// One key of the manifest.
pub struct KeyEntry {
    pub name: String,
    /// The key name written into encrypted data keys (`key-id`, or the entry's name).
    pub key_id: String,
    pub material: KeyMaterial,
    pub encrypt: bool,
    pub decrypt: bool,
}

/// What a key is about to be used for (checked against its `encrypt`/`decrypt` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Encrypt,
    Decrypt,
}

impl KeysFile {
    /// Reads and parses `path`.
    ///
    /// # Errors
    /// [`CliError::Io`] if unreadable; [`CliError::BadFile`] if not a keys manifest.
    pub fn load(path: &Path) -> CliResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| CliError::io("reading keys file", path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a keys manifest; `origin` names it in errors.
    ///
    /// # Errors
    /// [`CliError::BadFile`] if the JSON is invalid or not a keys manifest of a known version.
    pub fn parse(text: &str, origin: &str) -> CliResult<Self> {
        let bad = |m: String| CliError::bad_file(format!("{origin}: {m}"));
        let root: Value = serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let manifest = root.get("manifest").ok_or_else(|| bad("no \"manifest\" object: not a keys manifest".into()))?;
        match manifest.get("type").and_then(Value::as_str) {
            Some("keys") => {}
            other => return Err(bad(format!("manifest type is {other:?}, expected \"keys\""))),
        }
        let version = manifest.get("version").and_then(Value::as_u64);
        if !version.is_some_and(|v| VERSIONS.contains(&v)) {
            return Err(bad(format!("keys manifest version {version:?} is not supported (expected 1 to 4)")));
        }
        let keys = match root.get("keys") {
            Some(Value::Object(m)) => m.clone(),
            _ => return Err(bad("no \"keys\" object".into())),
        };
        Ok(KeysFile { origin: origin.to_owned(), keys })
    }

    /// The names of every key, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.keys.keys().map(String::as_str).collect()
    }

    /// Interprets the key called `name`.
    ///
    /// # Errors
    /// [`CliError::BadFile`] if it is missing or malformed.
    pub fn entry(&self, name: &str) -> CliResult<KeyEntry> {
        let Some(Value::Object(spec)) = self.keys.get(name) else {
            let what = if self.keys.contains_key(name) { "is not an object" } else { "is not there" };
            return Err(CliError::bad_file(format!(
                "{}: key {name:?} {what} (keys: {})",
                self.origin,
                self.names().join(", ")
            )));
        };
        let bad = |m: String| CliError::bad_file(format!("{}: key {name:?}: {m}", self.origin));
        let text = |field: &str| -> CliResult<Option<&str>> {
            match spec.get(field) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(other) => Err(bad(format!("\"{field}\" must be a string, got {other}"))),
            }
        };
        let flag = |field: &str| -> CliResult<bool> {
            match spec.get(field) {
                None => Ok(true),
                Some(Value::Bool(b)) => Ok(*b),
                Some(other) => Err(bad(format!("\"{field}\" must be true or false, got {other}"))),
            }
        };
        let key_id = text("key-id")?.unwrap_or(name).to_owned();
        let (encrypt, decrypt) = (flag("encrypt")?, flag("decrypt")?);
        let kind = text("type")?.ok_or_else(|| bad("no \"type\"".into()))?;
        let algorithm = text("algorithm")?;
        let material = match (kind, algorithm) {
            ("aws-kms", _) => KeyMaterial::AwsKms,
            ("private" | "public", Some("rsa")) => {
                // DataKey: wiped on drop (the private key's text and bytes are secrets).
                let encoded = DataKey::new(joined_material(spec).map_err(bad)?.into_bytes());
                let bytes = match text("encoding")? {
                    Some("pem") => encoded,
                    Some("base64") => DataKey::new(
                        base64::engine::general_purpose::STANDARD
                            .decode(encoded.as_bytes().trim_ascii())
                            .map_err(|e| bad(format!("\"material\" is not valid base64: {e}")))?,
                    ),
                    other => {
                        return Err(bad(format!("RSA key encoding is {other:?}, expected \"pem\" or \"base64\" (DER)")))
                    }
                };
                let private = kind == "private";
                // Parse now, so a broken key is reported as this entry's problem.
                let key = Some(bytes.as_bytes());
                let (public_key, private_key) = if private { (None, key) } else { (key, None) };
                RawRsaKeyring::new("envseal", &key_id, public_key, private_key, RsaPadding::OaepSha256).map_err(
                    |e| match e {
                        envseal::Error::InvalidArgument(m) => bad(m),
                        other => bad(other.to_string()),
                    },
                )?;
                if private {
                    KeyMaterial::RsaPrivate(bytes)
                } else {
                    KeyMaterial::RsaPublic(bytes.as_bytes().to_vec())
                }
            }
            ("symmetric", Some("aes")) => {
                match text("encoding")? {
                    Some("base64") => {}
                    other => return Err(bad(format!("AES key encoding is {other:?}, expected \"base64\""))),
                }
                let encoded = joined_material(spec).map_err(bad)?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .map_err(|e| bad(format!("\"material\" is not valid base64: {e}")))?;
                let key = DataKey::new(bytes);
                if let Some(bits) = spec.get("bits") {
                    if bits.as_u64() != Some(key.len() as u64 * 8) {
                        return Err(bad(format!("\"bits\" is {bits} but the material holds {} bits", key.len() * 8)));
                    }
                }
                KeyMaterial::Aes(key)
            }
            (kind, algorithm) => {
                return Err(bad(format!(
                    "type {kind:?} with algorithm {algorithm:?} is not a key kind envseal knows \
                     (symmetric/aes, private|public/rsa, aws-kms)"
                )))
            }
        };
        Ok(KeyEntry { name: name.to_owned(), key_id, material, encrypt, decrypt })
    }
}

/// `material` as one string: a string, or (v1) a list of lines joined with `line-separator`.
fn joined_material(spec: &Map<String, Value>) -> Result<String, String> {
    match spec.get("material") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(lines)) => {
            let sep = match spec.get("line-separator") {
                None => "",
                Some(Value::String(s)) => s.as_str(),
                Some(other) => return Err(format!("\"line-separator\" must be a string, got {other}")),
            };
            let lines: Option<Vec<&str>> = lines.iter().map(Value::as_str).collect();
            Ok(lines.ok_or("\"material\" lines must be strings")?.join(sep))
        }
        Some(other) => Err(format!("\"material\" must be a string or a list of strings, got {other}")),
        None => Err("no \"material\"".into()),
    }
}

impl KeyEntry {
    /// Whether this key can only encrypt (an RSA public key).
    pub fn encrypt_only(&self) -> bool {
        matches!(self.material, KeyMaterial::RsaPublic(_))
    }

    /// The raw keyring for this key in `namespace`, named `key_id` (default: the entry's key-id):
    /// a raw AES keyring, or a raw RSA keyring with `padding` (an RSA public key gives one that
    /// can only encrypt).
    ///
    /// # Errors
    /// [`CliError::UnsupportedKey`] for AWS KMS keys; the library's error for a bad namespace or key.
    pub fn raw_keyring(
        &self,
        namespace: &str,
        key_id: Option<&str>,
        padding: RsaPadding,
    ) -> CliResult<Box<dyn Keyring>> {
        let key_id = key_id.unwrap_or(&self.key_id);
        Ok(match &self.material {
            KeyMaterial::Aes(key) => Box::new(RawAesKeyring::new(namespace, key_id, key)?),
            KeyMaterial::RsaPrivate(der_or_pem) => {
                Box::new(RawRsaKeyring::new(namespace, key_id, None, Some(der_or_pem.as_bytes()), padding)?)
            }
            KeyMaterial::RsaPublic(der_or_pem) => {
                Box::new(RawRsaKeyring::new(namespace, key_id, Some(der_or_pem), None, padding)?)
            }
            KeyMaterial::AwsKms => {
                return Err(CliError::UnsupportedKey(format!(
                    "key {:?} is an AWS KMS key: AWS KMS keyrings are not supported by the envseal CLI",
                    self.name
                )))
            }
        })
    }
}

/// The keyring for `--key` names: one raw AES or RSA keyring each (RSA ones with `padding`),
/// several combined in a multi-keyring whose generator is the first.
///
/// # Errors
/// A missing or unsupported key, one whose `encrypt`/`decrypt` flag forbids `purpose`, or an RSA
/// public key asked to decrypt.
pub fn keyring_for(
    keys: &KeysFile,
    names: &[String],
    namespace: &str,
    padding: RsaPadding,
    purpose: Purpose,
) -> CliResult<Box<dyn Keyring>> {
    let mut keyrings = Vec::with_capacity(names.len());
    for name in names {
        let entry = keys.entry(name)?;
        let allowed = match purpose {
            Purpose::Encrypt => entry.encrypt,
            Purpose::Decrypt => entry.decrypt,
        };
        if !allowed {
            let field = if purpose == Purpose::Encrypt { "encrypt" } else { "decrypt" };
            return Err(CliError::bad_file(format!("{}: key {name:?} is marked \"{field}\": false", keys.origin)));
        }
        if purpose == Purpose::Decrypt && entry.encrypt_only() {
            return Err(CliError::UnsupportedKey(format!(
                "key {name:?} is an RSA public key: it can only encrypt; decrypting needs the private key's entry"
            )));
        }
        keyrings.push(entry.raw_keyring(namespace, None, padding)?);
    }
    combine(keyrings)
}

/// One keyring as is; several as a multi-keyring (the first generates the data key).
///
/// # Errors
/// [`CliError::Envseal`] if `keyrings` is empty.
pub fn combine(mut keyrings: Vec<Box<dyn Keyring>>) -> CliResult<Box<dyn Keyring>> {
    if keyrings.len() == 1 {
        return Ok(keyrings.remove(0));
    }
    let mut rest = keyrings.into_iter().map(Arc::<dyn Keyring>::from);
    let generator = rest.next();
    Ok(Box::new(MultiKeyring::new(generator, rest.collect())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V3: &str = r#"{
      "manifest": {"type": "keys", "version": 3},
      "keys": {
        "aes-256": {"type": "symmetric", "algorithm": "aes", "encoding": "base64", "bits": 256,
                    "key-id": "aes-256-id", "encrypt": true, "decrypt": true,
                    "material": "AAECAwQFBgcICRAREhMUFRYXGBkgISIjJCUmJygpMDE="},
        "no-id": {"type": "symmetric", "algorithm": "aes", "encoding": "base64",
                  "material": "AAECAwQFBgcICRAREhMUFQ=="},
        "enc-only": {"type": "symmetric", "algorithm": "aes", "encoding": "base64", "decrypt": false,
                     "material": "AAECAwQFBgcICRAREhMUFQ=="},
        "kms": {"type": "aws-kms", "key-id": "arn:aws:kms:us-west-2:111122223333:key/x"},
        "wrong-bits": {"type": "symmetric", "algorithm": "aes", "encoding": "base64", "bits": 128,
                       "material": "AAECAwQFBgcICRAREhMUFRYXGBkgISIjJCUmJygpMDE="},
        "pem-aes": {"type": "symmetric", "algorithm": "aes", "encoding": "pem", "material": "x"},
        "hmac": {"type": "symmetric", "algorithm": "hmac", "encoding": "base64", "material": "AA=="}
      }
    }"#;

    fn aes_bytes(e: &KeyEntry) -> Vec<u8> {
        match &e.material {
            KeyMaterial::Aes(k) => k.as_bytes().to_vec(),
            _ => panic!("not AES"),
        }
    }

    #[test]
    fn reads_v3_entries() {
        let f = KeysFile::parse(V3, "keys.json").unwrap();
        let e = f.entry("aes-256").unwrap();
        assert_eq!(e.key_id, "aes-256-id");
        assert_eq!(
            aes_bytes(&e),
            [
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x20, 0x21,
                0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x30, 0x31
            ]
        );
        assert!(e.encrypt && e.decrypt);
        let n = f.entry("no-id").unwrap();
        assert_eq!((n.key_id.as_str(), aes_bytes(&n).len()), ("no-id", 16));
        assert!(!f.entry("enc-only").unwrap().decrypt);
        assert!(matches!(f.entry("kms").unwrap().material, KeyMaterial::AwsKms));
    }

    #[test]
    fn reads_v1_material_lines() {
        let v1 = r#"{"manifest": {"type": "keys", "version": 1}, "keys": {
            "k": {"type": "symmetric", "algorithm": "aes", "encoding": "base64", "bits": 128,
                  "material": ["AAECAwQFBgcI", "CRAREhMUFQ=="]},
            "sep": {"type": "symmetric", "algorithm": "aes", "encoding": "base64", "line-separator": "\n",
                    "material": ["AAECAwQFBgcICRAREhMUFQ=="]}}}"#;
        let f = KeysFile::parse(v1, "k1").unwrap();
        assert_eq!(
            aes_bytes(&f.entry("k").unwrap()),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15]
        );
        assert_eq!(aes_bytes(&f.entry("sep").unwrap()).len(), 16);
    }

    fn err(r: CliResult<impl Sized>) -> String {
        match r {
            Err(e) => format!("[{}] {e}", e.code()),
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn rejects_what_it_cannot_use() {
        let f = KeysFile::parse(V3, "keys.json").unwrap();
        assert!(err(f.entry("missing")).contains("is not there (keys: aes-256, enc-only"));
        assert!(err(f.entry("wrong-bits")).contains("\"bits\" is 128 but the material holds 256 bits"));
        assert!(err(f.entry("pem-aes")).contains("expected \"base64\""));
        assert!(err(f.entry("hmac")).contains("not a key kind"));
        let kms = err(keyring_for(&f, &["kms".into()], "ns", OAEP, Purpose::Encrypt));
        assert!(kms.starts_with("[UNSUPPORTED_KEY]") && kms.contains("AWS KMS"), "{kms}");
        let enc_only = err(keyring_for(&f, &["enc-only".into()], "ns", OAEP, Purpose::Decrypt));
        assert!(enc_only.contains("\"decrypt\": false"), "{enc_only}");
        assert!(keyring_for(&f, &["enc-only".into()], "ns", OAEP, Purpose::Encrypt).is_ok());
        assert!(err(keyring_for(&f, &["aes-256".into()], "aws-kms", OAEP, Purpose::Encrypt))
            .starts_with("[INVALID_ARGUMENT]"));
    }

    #[test]
    fn rejects_other_manifests() {
        for (text, want) in [
            ("{", "not valid JSON"),
            (r#"{"keys": {}}"#, "no \"manifest\""),
            (r#"{"manifest": {"type": "awses-decrypt", "version": 2}, "keys": {}}"#, "expected \"keys\""),
            (r#"{"manifest": {"type": "keys", "version": 9}, "keys": {}}"#, "version Some(9)"),
            (r#"{"manifest": {"type": "keys", "version": 3}}"#, "no \"keys\""),
        ] {
            let e = err(KeysFile::parse(text, "f"));
            assert!(e.contains(want) && e.starts_with("[BAD_FILE] f: "), "{e}");
        }
    }

    #[test]
    fn several_keys_make_a_multi_keyring() {
        let f = KeysFile::parse(V3, "keys.json").unwrap();
        let k = keyring_for(&f, &["aes-256".into(), "no-id".into()], "ns", OAEP, Purpose::Encrypt).unwrap();
        assert!(k.describe().starts_with("multi-keyring"), "{}", k.describe());
        let one = keyring_for(&f, &["aes-256".into()], "ns", OAEP, Purpose::Encrypt).unwrap();
        assert_eq!(one.describe(), r#"raw AES keyring "ns"/"aes-256-id""#);
        let r = rsa_keys();
        let mixed = keyring_for(&r, &["aes".into(), "pub".into()], "ns", OAEP, Purpose::Encrypt).unwrap();
        assert!(mixed.describe().contains(r#"raw RSA keyring "ns"/"rsa-2048" (OaepSha256)"#), "{}", mixed.describe());
    }

    const OAEP: RsaPadding = RsaPadding::OaepSha256;
    const PRIVATE_PEM: &str = include_str!("../tests/data/rsa-2048-private.pem");
    const PUBLIC_PEM: &str = include_str!("../tests/data/rsa-2048-public.pem");

    /// The base64 body of a PEM block: the DER in base64.
    fn pem_body(pem: &str) -> String {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    /// RSA entries in every accepted form, and broken ones.
    fn rsa_keys() -> KeysFile {
        let rsa = |kind: &str, encoding: &str, material: Value| {
            serde_json::json!({"type": kind, "algorithm": "rsa", "encoding": encoding, "bits": 2048,
                               "key-id": "rsa-2048", "material": material})
        };
        let lines: Vec<&str> = PUBLIC_PEM.lines().collect();
        let doc = serde_json::json!({
            "manifest": {"type": "keys", "version": 3},
            "keys": {
                "priv": rsa("private", "pem", PRIVATE_PEM.into()),
                "pub": rsa("public", "pem", PUBLIC_PEM.into()),
                "priv-der": rsa("private", "base64", pem_body(PRIVATE_PEM).into()),
                "pub-der": rsa("public", "base64", pem_body(PUBLIC_PEM).into()),
                "pub-lines": {"type": "public", "algorithm": "rsa", "encoding": "pem", "line-separator": "\n",
                              "material": lines},
                "aes": {"type": "symmetric", "algorithm": "aes", "encoding": "base64",
                        "material": "AAECAwQFBgcICRAREhMUFQ=="},
                "pub-as-private": rsa("private", "pem", PUBLIC_PEM.into()),
                "garbage": rsa("public", "pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----".into()),
                "bad-base64": rsa("private", "base64", "not base64!".into()),
                "hex": rsa("private", "hex", "00".into()),
            }
        });
        KeysFile::parse(&doc.to_string(), "rsa.json").unwrap()
    }

    #[test]
    fn reads_rsa_entries_in_pem_and_der() {
        let f = rsa_keys();
        for name in ["priv", "priv-der"] {
            let e = f.entry(name).unwrap();
            assert!(matches!(e.material, KeyMaterial::RsaPrivate(_)) && !e.encrypt_only(), "{name}");
            assert_eq!(e.key_id, "rsa-2048");
            for purpose in [Purpose::Encrypt, Purpose::Decrypt] {
                let k = keyring_for(&f, &[name.into()], "ns", RsaPadding::OaepSha512, purpose).unwrap();
                assert_eq!(k.describe(), r#"raw RSA keyring "ns"/"rsa-2048" (OaepSha512)"#);
            }
        }
        for name in ["pub", "pub-der", "pub-lines"] {
            let e = f.entry(name).unwrap();
            assert!(matches!(e.material, KeyMaterial::RsaPublic(_)) && e.encrypt_only(), "{name}");
            assert!(keyring_for(&f, &[name.into()], "ns", OAEP, Purpose::Encrypt).is_ok(), "{name}");
            let dec = err(keyring_for(&f, &[name.into()], "ns", OAEP, Purpose::Decrypt));
            assert!(
                dec.starts_with("[UNSUPPORTED_KEY]") && dec.contains("RSA public key: it can only encrypt"),
                "{dec}"
            );
        }
        // PKCS#1 v1.5 is accepted for decrypting; the library refuses it only when wrapping.
        assert!(keyring_for(&f, &["priv".into()], "ns", RsaPadding::Pkcs1, Purpose::Decrypt).is_ok());
    }

    #[test]
    fn rejects_broken_rsa_entries() {
        let f = rsa_keys();
        for (name, want) in [
            ("pub-as-private", "[BAD_FILE] rsa.json: key \"pub-as-private\": the RSA private key is not"),
            ("garbage", "[BAD_FILE] rsa.json: key \"garbage\": the RSA public key is not"),
            ("bad-base64", "\"material\" is not valid base64"),
            ("hex", "RSA key encoding is Some(\"hex\"), expected \"pem\" or \"base64\""),
        ] {
            let e = err(f.entry(name));
            assert!(e.contains(want), "{name}: {e}");
        }
        let kms = err(keyring_for(&f, &["priv".into()], "aws-kms", OAEP, Purpose::Encrypt));
        assert!(kms.starts_with("[INVALID_ARGUMENT]"), "{kms}");
    }
}
