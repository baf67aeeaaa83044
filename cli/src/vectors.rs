//! `envseal vectors DIR`: decrypts every test of DIR/manifest.json and checks the result.
//!
//! Each test decrypts with the keyring its `master-keys` describe (several combined in a
//! multi-keyring), the streaming decryptor fed in [`VECTOR_CHUNK`] pieces, the policy
//! `REQUIRE_ENCRYPT_ALLOW_DECRYPT` (vectors include legacy v1 messages) and the test's
//! `encryption-context` as the context the message must carry (with `"cmm":
//! "RequiredEncryptionContext"`, pairs absent from the header are required pairs). An `output` test
//! passes when the plaintext is equal; an `error` test passes when decryption fails (any library
//! error). Tests needing a keyring envseal lacks (raw RSA, AWS KMS) are skipped.

use std::io::Write;
use std::path::Path;

use envseal::{CommitmentPolicy, DecryptOptions, Keyring};

use crate::args::VectorsArgs;
use crate::error::{CliError, CliResult};
use crate::files::Input;
use crate::keys::{combine, KeysFile};
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
    let manifest_path = dir.join("manifest.json");
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
    let result = streaming::decrypt(&*keyring, options, &mut input, &mut plaintext, VECTOR_CHUNK);
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
        (Expect::Error(_), Err(e @ CliError::Envseal(_))) => Outcome::Pass(Some(format!("[{}] {e}", e.code()))),
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
            ("raw", Some("aes")) => {}
            ("raw", Some("rsa")) => {
                return Err(Outcome::Skip("needs the raw RSA keyring (not implemented yet)".into()))
            }
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
        let keyring = keys.entry(name).and_then(|entry| entry.raw_aes_keyring(provider_id, spec.key_id.as_deref()));
        match keyring {
            Ok(k) => keyrings.push(Box::new(k)),
            Err(e) => return Err(Outcome::Fail(format!("master key {name:?}: [{}] {e}", e.code()))),
        }
    }
    combine(keyrings).map_err(|e| Outcome::Fail(e.to_string()))
}
