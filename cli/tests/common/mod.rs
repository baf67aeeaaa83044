//! The one place for the CLI integration tests' fixtures: run the built binary (with the keys of
//! a keys.json), scratch directories, that keys.json, deterministic plaintexts, the shared ESDK
//! vectors.

#![allow(dead_code)] // each test crate uses a different subset

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

/// The `envseal` binary Cargo built for these tests.
pub fn envseal() -> Command {
    Command::new(env!("CARGO_BIN_EXE_envseal"))
}

/// Runs `envseal ARGS`.
pub fn run(args: &[&str]) -> Output {
    envseal().args(args).output().expect("run envseal")
}

/// Runs `envseal ARGS` with `stdin` piped in.
pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child =
        envseal().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // Write from another thread: the child may fill its stdout pipe before reading all of stdin.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Runs `envseal MODE --keys KEYS [--key NAME ...] ARGS...`.
pub fn with_keys(mode: &str, keys: &str, names: &[&str], args: &[&str]) -> Output {
    let mut argv = vec![mode, "--keys", keys];
    for name in names {
        argv.extend_from_slice(&["--key", name]);
    }
    argv.extend_from_slice(args);
    run(&argv)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts success, showing stderr otherwise.
#[track_caller]
pub fn assert_ok(out: &Output) {
    assert!(out.status.success(), "envseal failed ({:?}): {}", out.status.code(), stderr(out));
}

/// Asserts exit status 1 with `envseal: error [CODE]: ...` on stderr.
#[track_caller]
pub fn assert_error(out: &Output, code: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "expected exit 1 with [{code}], stderr: {err}");
    assert!(err.starts_with(&format!("envseal: error [{code}]: ")), "expected [{code}], stderr: {err}");
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "envseal-cli-{name}-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        );
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// A fresh directory with [`keys_json`] written to `keys.json`; returns it and that file's path.
    pub fn with_keys_json(name: &str) -> (Self, String) {
        let s = Scratch::new(name);
        let keys = s.write("keys.json", keys_json().as_bytes());
        (s, keys)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// `path(name)` as a `&str`-able String (for argv).
    pub fn arg(&self, name: &str) -> String {
        self.path(name).to_str().expect("UTF-8 temp path").to_owned()
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> String {
        std::fs::write(self.path(name), bytes).unwrap();
        self.arg(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Names of the files in the directory, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Asserts `name` and its partial file are absent.
    #[track_caller]
    pub fn assert_absent(&self, name: &str) {
        let partial = format!("{name}.envseal-partial");
        let files = self.files();
        assert!(!files.contains(&name.to_owned()) && !files.contains(&partial), "{name} left behind: {files:?}");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The CLI's test RSA key pair (2048-bit, PKCS#8 / SPKI PEM; `cli/tests/data/README.md`).
pub const RSA_PRIVATE_PEM: &str = include_str!("../data/rsa-2048-private.pem");
pub const RSA_PUBLIC_PEM: &str = include_str!("../data/rsa-2048-public.pem");
/// An unrelated 2048-bit private key.
pub const RSA_OTHER_PRIVATE_PEM: &str = include_str!("../data/rsa-2048-other-private.pem");

/// The base64 body of a PEM block: its DER in base64.
pub fn pem_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// A keys.json (v3) with AES, RSA and AWS KMS keys:
/// `aes-256` (key-id `aes-256`), `aes-128` (key-id `second`), `other` (different bytes),
/// `same-name-other-bytes` (key-id `aes-256`, other bytes);
/// `rsa` (private, PEM) and `rsa-public` (its public half, PEM, "decrypt": false), both key-id `rsa`;
/// `rsa-der` / `rsa-public-der` (the same pair as base64 DER, key-id `rsa`), `rsa-public-open` (the
/// public half without "decrypt": false), `rsa-other` (an unrelated private key, key-id `rsa`); `kms`.
pub fn keys_json() -> String {
    let aes = |bits: u32, key_id: &str, material: &str| {
        json!({"type": "symmetric", "algorithm": "aes", "encoding": "base64", "bits": bits, "key-id": key_id,
               "encrypt": true, "decrypt": true, "material": material})
    };
    let rsa = |kind: &str, encoding: &str, material: String, decrypt: bool| {
        json!({"type": kind, "algorithm": "rsa", "encoding": encoding, "bits": 2048, "key-id": "rsa",
               "encrypt": true, "decrypt": decrypt, "material": material})
    };
    json!({
        "manifest": {"type": "keys", "version": 3},
        "keys": {
            "aes-256": aes(256, "aes-256", "AAECAwQFBgcICRAREhMUFRYXGBkgISIjJCUmJygpMDE="),
            "aes-128": aes(128, "second", "AAECAwQFBgcICRAREhMUFQ=="),
            "other": aes(256, "other", "//////////////////////////////////////////8="),
            "same-name-other-bytes": aes(256, "aes-256", "//////////////////////////////////////////8="),
            "rsa": rsa("private", "pem", RSA_PRIVATE_PEM.to_owned(), true),
            "rsa-public": rsa("public", "pem", RSA_PUBLIC_PEM.to_owned(), false),
            "rsa-public-open": rsa("public", "pem", RSA_PUBLIC_PEM.to_owned(), true),
            "rsa-der": rsa("private", "base64", pem_body(RSA_PRIVATE_PEM), true),
            "rsa-public-der": rsa("public", "base64", pem_body(RSA_PUBLIC_PEM), false),
            "rsa-other": rsa("private", "pem", RSA_OTHER_PRIVATE_PEM.to_owned(), true),
            "kms": {"type": "aws-kms", "key-id": "arn:aws:kms:us-west-2:111122223333:key/example",
                    "encrypt": true, "decrypt": true}
        }
    })
    .to_string()
}

/// Deterministic pseudo-random bytes (xorshift64*), different per `seed`.
pub fn plaintext(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// The shared ESDK vectors: `$ENVSEAL_VECTORS_DIR`, or `<workspace>/../shared/esdk-vectors`.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("ENVSEAL_VECTORS_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..").join("shared").join("esdk-vectors"),
    }
}

/// The folder of one vector set; panics (the test FAILS) when it is missing.
#[track_caller]
pub fn vector_set(name: &str) -> PathBuf {
    let dir = vectors_dir().join(name);
    assert!(
        dir.join("manifest.json").is_file() || dir.join("decrypt-manifest.json").is_file(),
        "shared ESDK test vectors not found: {} has no manifest.json (nor decrypt-manifest.json). Set ENVSEAL_VECTORS_DIR to the \
         esdk-vectors folder, or keep shared/esdk-vectors next to the workspace",
        dir.display()
    );
    dir
}
