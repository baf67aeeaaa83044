//! `envseal vectors DIR`: decrypts every test of DIR/manifest.json (v1-v4) or
//! DIR/decrypt-manifest.json (v5) and checks the result.
//!
//! Each test decrypts with the keyring its `master-keys` describe (several combined in a
//! multi-keyring), the streaming decryptor fed in [`VECTOR_CHUNK`] pieces, the policy
//! `REQUIRE_ENCRYPT_ALLOW_DECRYPT` (vectors include legacy v1 messages) and the test's
//! `encryption-context` as the context the message must carry (with `"cmm":
//! "RequiredEncryptionContext"`, pairs absent from the header are required pairs). An `output` test
//! passes when the plaintext is equal; an `error` test passes when decryption fails (any library
//! error). Raw AES and raw RSA master keys are supported (RSA with the spec's `padding-algorithm` /
//! `padding-hash`; a `public` key gives a keyring that cannot decrypt, which is harmless when
//! another master key of the test can). Tests needing a keyring envseal lacks (AWS KMS) are skipped.
//!
//! v5 tests: a multi-keyring decrypts with its generator and children; a required-encryption-
//! context CMM fails unless the reproduced context holds each required key, which then must match
//! pairs the writer authenticated without storing; `streaming-unsigned-only` refuses signed
//! suites before any key is unwrapped (as `envseal decrypt --decrypt-unsigned`).

use std::io::Write;
use std::path::Path;

use envseal::{CommitmentPolicy, DecryptOptions, Error, Keyring, MessageHeader, RsaPadding};

use crate::args::VectorsArgs;
use crate::error::{CliError, CliResult};
use crate::files::Input;
use crate::keys::{combine, KeyMaterial, KeysFile};
use crate::manifest::{resolve, Expect, Manifest, MasterKeySpec, TestCase};
use crate::streaming;

/// Ciphertext is fed to the decryptor in pieces of this size (several per multi-frame message).
pub const VECTOR_CHUNK: usize = 64 * 1024;

/// The outcome of one test.
#[derive(Debug)]
pub enum Outcome {
    /// Passed; for an expected error, the error seen.
    Pass(Option<String>),
    Fail(String),
    Skip(String),
}

/// Runs the manifest in `args.dir`; prints one line per test and the totals to stdout (and what
/// the manifest is to stderr).
/// Returns whether no test failed.
///
/// # Errors
/// The manifest or its keys file cannot be read or parsed; stdout cannot be written.
pub fn run(args: &VectorsArgs) -> CliResult<bool> {
    let dir = args.dir.as_path();
    let manifest_path = ["manifest.json", "decrypt-manifest.json"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| dir.join("manifest.json"));
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| CliError::io("reading", &manifest_path, e))?;
    let manifest = Manifest::parse(&text, &manifest_path.display().to_string())?;
    let keys_path = resolve(dir, &manifest.keys_uri).map_err(|m| CliError::bad_file(format!("\"keys\": {m}")))?;
    let keys = KeysFile::load(&keys_path)?;
    eprintln!(
        "envseal vectors: {}: awses-decrypt v{} by {}, {} tests",
        dir.display(),
        manifest.version,
        manifest.client.as_deref().unwrap_or("an unnamed client"),
        manifest.tests.len()
    );

    let mut stdout = std::io::stdout().lock();
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    for (id, test) in &manifest.tests {
        let outcome = match test {
            Ok(t) => run_test(dir, &keys, t),
            Err(reason) => Outcome::Fail(format!("malformed test: {reason}")),
        };
        let line = match &outcome {
            Outcome::Pass(note) => {
                passed += 1;
                match note {
                    Some(n) if args.verbose => format!("PASS {id} (rejected as expected: {n})"),
                    _ => format!("PASS {id}"),
                }
            }
            Outcome::Fail(reason) => {
                failed += 1;
                format!("FAIL {id}: {reason}")
            }
            Outcome::Skip(reason) => {
                skipped += 1;
                format!("SKIP {id}: {reason}")
            }
        };
        writeln!(stdout, "{line}").map_err(|e| CliError::io("writing", Path::new("stdout"), e))?;
    }
    writeln!(stdout, "{passed} passed, {failed} failed, {skipped} skipped")
        .map_err(|e| CliError::io("writing", Path::new("stdout"), e))?;
    Ok(failed == 0)
}

/// Runs one test.
pub fn run_test(dir: &Path, keys: &KeysFile, test: &TestCase) -> Outcome {
    match test.cmm.as_deref() {
        None | Some("Default" | "RequiredEncryptionContext") => {}
        Some(other) => return Outcome::Skip(format!("needs the {other:?} CMM")),
    }
    let keyring = match test_keyring(keys, &test.master_keys) {
        Ok(k) => k,
        Err(outcome) => return outcome,
    };
    let mut input =
        match resolve(dir, &test.ciphertext_uri).map_err(CliError::bad_file).and_then(|p| Input::open_file(&p)) {
            Ok(i) => i,
            Err(e) => return Outcome::Fail(format!("ciphertext: {e}")),
        };
    let options = DecryptOptions {
        commitment_policy: CommitmentPolicy::RequireEncryptAllowDecrypt,
        encryption_context: test.encryption_context.clone(),
        ..DecryptOptions::default()
    };
    let mut plaintext = Vec::new();
    let check = |header: &MessageHeader| -> CliResult<()> {
        if let Some(missing) = test.required_keys.iter().find(|k| !test.encryption_context.contains_key(*k)) {
            return Err(Error::EncryptionContextMismatch(format!(
                "the required encryption context key {missing:?} is not in the reproduced context"
            ))
            .into());
        }
        if test.unsigned_only {
            CliError::refuse_signed(header, "streaming-unsigned-only")?;
        }
        Ok(())
    };
    let result = streaming::decrypt(&*keyring, options, &mut input, &mut plaintext, VECTOR_CHUNK, &check);
    match (&test.expect, result) {
        (Expect::Plaintext(uri), Ok(_)) => {
            let expected =
                match resolve(dir, uri).and_then(|p| std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))) {
                    Ok(b) => b,
                    Err(e) => return Outcome::Fail(format!("expected plaintext: {e}")),
                };
            compare(&plaintext, &expected)
        }
        (Expect::Plaintext(_), Err(e)) => Outcome::Fail(format!("[{}] {e}", e.code())),
        (Expect::Error(why), Ok(_)) => {
            Outcome::Fail(format!("decrypted ({} bytes), but the manifest expects an error: {why}", plaintext.len()))
        }
        (Expect::Error(_), Err(e @ (CliError::Envseal(_) | CliError::Refused { .. }))) => {
            Outcome::Pass(Some(format!("[{}] {e}", e.code())))
        }
        // Not the message's fault (e.g. a read error): the test did not run.
        (Expect::Error(_), Err(e)) => Outcome::Fail(format!("[{}] {e}", e.code())),
    }
}

fn compare(got: &[u8], expected: &[u8]) -> Outcome {
    if got == expected {
        return Outcome::Pass(None);
    }
    let first_diff = got.iter().zip(expected).position(|(a, b)| a != b).unwrap_or(got.len().min(expected.len()));
    Outcome::Fail(format!(
        "plaintext differs: got {} bytes, expected {}, first difference at byte {first_diff}",
        got.len(),
        expected.len()
    ))
}

/// The keyring a test's master keys describe, or the outcome that replaces running it.
fn test_keyring(keys: &KeysFile, specs: &[MasterKeySpec]) -> Result<Box<dyn Keyring>, Outcome> {
    // Skip before anything else, so a skipped test never reports a failure.
    for spec in specs {
        match (spec.kind.as_str(), spec.encryption_algorithm.as_deref()) {
            ("raw", Some("aes" | "rsa")) => {}
            ("raw", Some(other)) => return Err(Outcome::Skip(format!("needs a raw {other:?} keyring"))),
            ("raw", None) => return Err(Outcome::Fail("raw master key without \"encryption-algorithm\"".into())),
            (kind, _) if kind.starts_with("aws-kms") => return Err(Outcome::Skip("needs an AWS KMS keyring".into())),
            (kind, _) => return Err(Outcome::Skip(format!("needs a keyring for master keys of type {kind:?}"))),
        }
    }
    let mut keyrings: Vec<Box<dyn Keyring>> = Vec::with_capacity(specs.len());
    for spec in specs {
        let (Some(name), Some(provider_id)) = (&spec.key, &spec.provider_id) else {
            return Err(Outcome::Fail("raw master key without \"key\" or \"provider-id\"".into()));
        };
        let fail = |m: String| Outcome::Fail(format!("master key {name:?}: {m}"));
        let rsa = spec.encryption_algorithm.as_deref() == Some("rsa");
        let padding = if rsa { rsa_padding(spec).map_err(fail)? } else { RsaPadding::OaepSha256 };
        let entry = keys.entry(name).map_err(|e| fail(format!("[{}] {e}", e.code())))?;
        let entry_is_rsa = matches!(entry.material, KeyMaterial::RsaPrivate(_) | KeyMaterial::RsaPublic(_));
        if rsa != entry_is_rsa && !matches!(entry.material, KeyMaterial::AwsKms) {
            let (want, got) = if rsa { ("rsa", "an AES") } else { ("aes", "an RSA") };
            return Err(fail(format!("\"encryption-algorithm\" is {want:?} but the key is {got} key")));
        }
        match entry.raw_keyring(provider_id, spec.key_id.as_deref(), padding) {
            Ok(k) => keyrings.push(k),
            Err(e) => return Err(fail(format!("[{}] {e}", e.code()))),
        }
    }
    combine(keyrings).map_err(|e| Outcome::Fail(e.to_string()))
}

/// A raw RSA master key's padding: `pkcs1`, or `oaep-mgf1` with its `padding-hash`.
fn rsa_padding(spec: &MasterKeySpec) -> Result<RsaPadding, String> {
    match (spec.padding_algorithm.as_deref(), spec.padding_hash.as_deref()) {
        (Some("pkcs1"), _) => Ok(RsaPadding::Pkcs1),
        (Some("oaep-mgf1"), Some(hash @ ("sha1" | "sha256" | "sha384" | "sha512"))) => {
            RsaPadding::from_name(&format!("oaep-{hash}")).map_err(|e| e.to_string())
        }
        (Some("oaep-mgf1"), hash) => {
            Err(format!("\"padding-hash\" is {hash:?}, expected \"sha1\", \"sha256\", \"sha384\" or \"sha512\""))
        }
        (other, _) => Err(format!("\"padding-algorithm\" is {other:?}, expected \"pkcs1\" or \"oaep-mgf1\"")),
    }
}
