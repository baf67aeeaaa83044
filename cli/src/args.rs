//! Command-line parsing with clap: the options, their help, and the value parsers that name every
//! mistake (`--frame-length must be 1 to 2147483647 bytes, got 0`). Option names follow the
//! official `aws-encryption-cli` where the two do the same thing (docs/cli.md has the mapping).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use envseal::format::header::MAX_FRAME_LEN;
use envseal::{AlgorithmSuite, CommitmentPolicy, EncryptionContext, FrameIvs, RsaPadding};

use crate::help;

/// The raw keyring provider id used when `--key-namespace` is not given.
pub const DEFAULT_NAMESPACE: &str = "envseal";

/// `envseal COMMAND ...`
#[derive(Debug, Parser)]
#[command(name = "envseal", version, about = help::ABOUT, after_long_help = help::EXIT_STATUS)]
#[command(propagate_version = true, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What the command line asks for.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Encrypt files (or stdin) into AWS Encryption SDK messages.
    #[command(after_long_help = help::ENCRYPT)]
    Encrypt(EncryptArgs),
    /// Decrypt AWS Encryption SDK messages; nothing is kept unless every tag and the signature verified.
    #[command(after_long_help = help::DECRYPT)]
    Decrypt(DecryptArgs),
    /// Give messages new encrypted data keys (other master keys) without decrypting their bodies.
    #[command(after_long_help = help::REWRAP)]
    Rewrap(RewrapArgs),
    /// Run a test-vector manifest (awses-decrypt v1-v5) and report PASS/FAIL/SKIP per test.
    #[command(after_long_help = help::VECTORS)]
    Vectors(VectorsArgs),
}

/// A file path, or `-` for stdin/stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Std,
    Path(PathBuf),
}

impl Endpoint {
    pub fn from_arg(arg: &str) -> Self {
        if arg == "-" {
            Endpoint::Std
        } else {
            Endpoint::Path(PathBuf::from(arg))
        }
    }
}

/// The keys named on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct KeyArgs {
    /// A keys manifest (test-vector framework keys.json, versions 1-4): AES and RSA keys.
    #[arg(long = "keys", value_name = "FILE")]
    pub keys_file: PathBuf,
    /// A key of FILE (repeatable): every key wraps the data key on encrypt; any one decrypts.
    #[arg(long = "key", value_name = "NAME", required = true, value_parser = non_empty)]
    pub names: Vec<String>,
    /// The raw keyrings' key namespace (EDK provider id).
    #[arg(long = "key-namespace", value_name = "NS", default_value = DEFAULT_NAMESPACE)]
    pub namespace: String,
    /// How RSA keys wrap the data key: oaep-sha1|oaep-sha256|oaep-sha384|oaep-sha512|pkcs1 (decrypt only).
    #[arg(long = "rsa-padding", value_name = "P", default_value = "oaep-sha256", value_parser = parse_rsa_padding)]
    pub rsa_padding: RsaPadding,
}

/// Where the bytes come from and go to, and how they are named and described.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct IoArgs {
    /// Input: a file, a directory (with -r), or - for stdin.
    #[arg(value_name = "IN", required_unless_present = "input")]
    pub input_pos: Option<String>,
    /// Output: a file, a directory, or - for stdout.
    #[arg(value_name = "OUT", required_unless_present = "output")]
    pub output_pos: Option<String>,
    /// Input, as the official CLI spells it (instead of IN).
    #[arg(short = 'i', long = "input", value_name = "IN", conflicts_with = "input_pos")]
    pub input: Option<String>,
    /// Output, as the official CLI spells it (instead of OUT).
    #[arg(short = 'o', long = "output", value_name = "OUT", conflicts_with = "output_pos")]
    pub output: Option<String>,
    /// IN is a directory: process every file below it into the directory OUT.
    #[arg(short = 'r', long = "recursive", visible_short_alias = 'R')]
    pub recursive: bool,
    /// Added to each output file name when OUT is a directory (default .encrypted / .decrypted).
    #[arg(long = "suffix", value_name = "S")]
    pub suffix: Option<String>,
    /// Write one JSON line per file (header, suite, context, EDK providers) to FILE (appended) or - (stdout).
    #[arg(long = "metadata-output", value_name = "FILE|-")]
    pub metadata_output: Option<String>,
    /// Truncate the --metadata-output file instead of appending to it.
    #[arg(long = "overwrite-metadata", requires = "metadata_output")]
    pub overwrite_metadata: bool,
    /// Write no metadata (the default; accepted for the official CLI's -S).
    #[arg(short = 'S', long = "suppress-metadata", conflicts_with = "metadata_output")]
    pub suppress_metadata: bool,
    /// Replace output files that exist (default: refuse, leaving them untouched).
    #[arg(long = "overwrite", conflicts_with = "no_overwrite")]
    pub overwrite: bool,
    /// Never replace an existing output file (the default; accepted for the official CLI's flag).
    #[arg(long = "no-overwrite")]
    pub no_overwrite: bool,
    /// Base64-encode the output.
    #[arg(long = "encode")]
    pub encode: bool,
    /// Base64-decode the input (ASCII whitespace is skipped).
    #[arg(long = "decode")]
    pub decode: bool,
    /// Refuse messages (or, on encrypt, key lists) with more than N encrypted data keys, 1 to 65535.
    #[arg(long = "max-encrypted-data-keys", visible_alias = "max-edks", value_name = "N", value_parser = parse_max_edks)]
    pub max_edks: Option<u16>,
    /// REQUIRE_ENCRYPT_REQUIRE_DECRYPT (default), REQUIRE_ENCRYPT_ALLOW_DECRYPT or FORBID_ENCRYPT_ALLOW_DECRYPT.
    #[arg(long = "commitment-policy", value_name = "P", value_parser = parse_policy, default_value = "REQUIRE_ENCRYPT_REQUIRE_DECRYPT")]
    pub policy: CommitmentPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct EncryptArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub io: IoArgs,
    /// An encryption-context pair KEY=VALUE (repeatable): stored in the header, authenticated.
    #[arg(short = 'c', long = "context", visible_alias = "encryption-context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Plaintext bytes per frame, 1 to 2147483647.
    #[arg(long = "frame-length", value_name = "N", default_value_t = envseal::DEFAULT_FRAME_LEN, value_parser = parse_frame_length)]
    pub frame_length: u32,
    /// Algorithm suite: 0x0478 (default; committing) or 0x0578 (committing, ECDSA P-384 signature),
    /// as a hex id or the official CLI's name (AES_256_GCM_HKDF_SHA512_COMMIT_KEY[_ECDSA_P384]).
    #[arg(long = "suite", visible_alias = "algorithm", value_name = "ID", default_value = "0x0478", value_parser = parse_suite)]
    pub suite: AlgorithmSuite,
    /// Before encrypting each file, print the exact length of its message in bytes (one line, to
    /// stdout); the message then has exactly that length or the command fails.
    #[arg(long = "print-length", conflicts_with = "encode")]
    pub print_length: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct DecryptArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub io: IoArgs,
    /// KEY=VALUE: a pair the message must carry; KEY alone: a key the header must hold (repeatable).
    #[arg(short = 'c', long = "context", visible_alias = "encryption-context", value_name = "KEY[=VALUE]")]
    pub context: Vec<String>,
    /// Refuse messages with a signature (suites such as 0x0578) before decrypting anything.
    #[arg(long = "decrypt-unsigned")]
    pub unsigned_only: bool,
    /// Refuse messages whose frame (or non-framed body) is longer than N bytes.
    #[arg(long = "max-length", value_name = "N", value_parser = parse_frame_length)]
    pub max_length: Option<u32>,
    /// sequential (default): each frame's IV must be its sequence number; unique: any IVs that
    /// differ within the message (older writers), remembering each (about 40 bytes per frame, at most 4,194,304 frames).
    #[arg(long = "frame-ivs", value_name = "MODE", default_value = "sequential", value_parser = parse_frame_ivs)]
    pub frame_ivs: FrameIvs,
    /// Decrypt only plaintext bytes START to END (END excluded) of a file, reading just the header,
    /// the frames that hold them and the final frame; each is authenticated first.
    #[arg(long = "range", value_name = "START-END", value_parser = parse_range, conflicts_with = "decode")]
    pub range: Option<std::ops::Range<u64>>,
    /// With --range: read ranges of signed messages too, which only their frame tags authenticate
    /// (a range cannot check the signature over the whole message).
    #[arg(long = "range-allow-signed", requires = "range")]
    pub range_allow_signed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct RewrapArgs {
    /// The keys that open the messages now (--key), as for decrypt.
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub io: IoArgs,
    /// A key of the keys file that wraps the data key from now on (repeatable): the new messages
    /// hold only these keys' encrypted data keys.
    #[arg(long = "new-key", value_name = "NAME", required = true, value_parser = non_empty)]
    pub new_names: Vec<String>,
    /// The new keys' namespace (EDK provider id). Default: --key-namespace.
    #[arg(long = "new-key-namespace", value_name = "NS")]
    pub new_namespace: Option<String>,
    /// How new RSA keys wrap the data key. Default: --rsa-padding.
    #[arg(long = "new-rsa-padding", value_name = "P", value_parser = parse_rsa_padding)]
    pub new_rsa_padding: Option<RsaPadding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct VectorsArgs {
    /// A folder holding manifest.json (v1-v4) or decrypt-manifest.json (v5).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Also show why expected-error tests were rejected.
    #[arg(short, long)]
    pub verbose: bool,
}

/// A decrypt's `--context` arguments: pairs the message must carry, and keys it must hold.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RequiredContext {
    pub pairs: EncryptionContext,
    pub keys: Vec<String>,
}

/// Encrypt's `--context KEY=VALUE` pairs.
///
/// # Errors
/// A message naming the argument that is not `KEY=VALUE` or repeats a key.
pub fn encrypt_context(args: &[String]) -> Result<EncryptionContext, String> {
    let required = context_args(args, false)?;
    Ok(required.pairs)
}

/// Decrypt's `--context` arguments: `KEY=VALUE` pairs and lone `KEY`s.
///
/// # Errors
/// As [`encrypt_context`].
pub fn decrypt_context(args: &[String]) -> Result<RequiredContext, String> {
    context_args(args, true)
}

/// `KEY=VALUE` split at the first `=` (values may contain `=`); a lone `KEY` where `keys_alone`.
fn context_args(args: &[String], keys_alone: bool) -> Result<RequiredContext, String> {
    let mut out = RequiredContext::default();
    for arg in args {
        let (key, value) = match arg.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None if keys_alone => (arg.as_str(), None),
            None => return Err(format!("--context expects KEY=VALUE, got {arg:?}")),
        };
        if key.is_empty() {
            return Err(format!("--context expects a non-empty KEY, got {arg:?}"));
        }
        let repeated = out.pairs.contains_key(key) || out.keys.iter().any(|k| k == key);
        if repeated {
            return Err(format!("--context key {key:?} given twice"));
        }
        match value {
            Some(v) => drop(out.pairs.insert(key.to_owned(), v.to_owned())),
            None => out.keys.push(key.to_owned()),
        }
    }
    Ok(out)
}

fn non_empty(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("expects a non-empty value".into());
    }
    Ok(s.to_owned())
}

fn parse_frame_length(s: &str) -> Result<u32, String> {
    let n: u64 = s.parse().map_err(|_| format!("expects an integer, got {s:?}"))?;
    match u32::try_from(n) {
        Ok(n) if (1..=MAX_FRAME_LEN).contains(&n) => Ok(n),
        _ => Err(format!("must be 1 to {MAX_FRAME_LEN} bytes, got {n}")),
    }
}

/// The official CLI's `--algorithm` names (the Python SDK's suite names) and their ids.
const SUITE_NAMES: [(&str, u16); 11] = [
    ("AES_128_GCM_IV12_TAG16", 0x0014),
    ("AES_192_GCM_IV12_TAG16", 0x0046),
    ("AES_256_GCM_IV12_TAG16", 0x0078),
    ("AES_128_GCM_IV12_TAG16_HKDF_SHA256", 0x0114),
    ("AES_192_GCM_IV12_TAG16_HKDF_SHA256", 0x0146),
    ("AES_256_GCM_IV12_TAG16_HKDF_SHA256", 0x0178),
    ("AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256", 0x0214),
    ("AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384", 0x0346),
    ("AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384", 0x0378),
    ("AES_256_GCM_HKDF_SHA512_COMMIT_KEY", 0x0478),
    ("AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", 0x0578),
];

/// A suite id in hex, with or without `0x` (`0x0478`, `0478`, `478`), or its official CLI name
/// (`AES_256_GCM_HKDF_SHA512_COMMIT_KEY`).
pub fn parse_suite(s: &str) -> Result<AlgorithmSuite, String> {
    if let Some((_, id)) = SUITE_NAMES.iter().find(|(name, _)| name.eq_ignore_ascii_case(s)) {
        return AlgorithmSuite::from_id(*id).map_err(|e| e.to_string());
    }
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    let valid = !digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(id) = u16::from_str_radix(digits, 16).ok().filter(|_| valid) else {
        return Err(format!("expects a hex suite id such as 0x0478, got {s:?}"));
    };
    AlgorithmSuite::from_id(id).map_err(|_| {
        let known: Vec<String> = AlgorithmSuite::ALL.iter().map(|s| format!("0x{:04x}", s.id())).collect();
        format!("unknown algorithm suite 0x{id:04x} (known: {})", known.join(", "))
    })
}

/// A commitment policy by its spec name; case and `-`/`_` do not matter.
fn parse_policy(s: &str) -> Result<CommitmentPolicy, String> {
    CommitmentPolicy::from_name(&s.to_ascii_uppercase().replace('-', "_")).map_err(|_| {
        format!(
            "expects REQUIRE_ENCRYPT_REQUIRE_DECRYPT, REQUIRE_ENCRYPT_ALLOW_DECRYPT or FORBID_ENCRYPT_ALLOW_DECRYPT, \
             got {s:?}"
        )
    })
}

fn parse_rsa_padding(s: &str) -> Result<RsaPadding, String> {
    RsaPadding::from_name(s)
        .map_err(|_| format!("expects oaep-sha1, oaep-sha256, oaep-sha384, oaep-sha512 or pkcs1, got {s:?}"))
}

fn parse_frame_ivs(s: &str) -> Result<FrameIvs, String> {
    FrameIvs::from_name(s).map_err(|_| format!("expected sequential or unique, got {s:?}"))
}

fn parse_range(s: &str) -> Result<std::ops::Range<u64>, String> {
    let bad =
        || format!("expects START-END, byte offsets of the plaintext with START <= END (END excluded), got {s:?}");
    let (start, end) = s.split_once('-').ok_or_else(bad)?;
    let (start, end): (u64, u64) = (start.parse().map_err(|_| bad())?, end.parse().map_err(|_| bad())?);
    if start > end {
        return Err(bad());
    }
    Ok(start..end)
}

fn parse_max_edks(s: &str) -> Result<u16, String> {
    let n: u64 = s.parse().map_err(|_| format!("expects an integer, got {s:?}"))?;
    match u16::try_from(n) {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("must be 1 to 65535, got {n}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use clap::CommandFactory;

    fn parse(s: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("envseal").chain(s.iter().copied()))
    }

    fn parse_ok(s: &[&str]) -> Command {
        parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}")).command
    }

    fn usage_err(s: &[&str]) -> String {
        match parse(s) {
            Err(e) => e.to_string(),
            Ok(c) => panic!("{s:?}: expected a usage error, got {c:?}"),
        }
    }

    #[test]
    fn the_parser_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn encrypt_defaults() {
        let Command::Encrypt(a) = parse_ok(&["encrypt", "--keys", "k.json", "--key", "aes", "in", "out"]) else {
            panic!()
        };
        assert_eq!(
            a.keys,
            KeyArgs {
                keys_file: "k.json".into(),
                names: vec!["aes".into()],
                namespace: "envseal".into(),
                rsa_padding: RsaPadding::OaepSha256
            }
        );
        assert_eq!(a.suite, AlgorithmSuite::DEFAULT);
        assert_eq!(a.frame_length, envseal::DEFAULT_FRAME_LEN);
        assert!(a.context.is_empty());
        assert_eq!((a.io.input_pos.as_deref(), a.io.output_pos.as_deref()), (Some("in"), Some("out")));
        assert_eq!(a.io.policy, CommitmentPolicy::RequireEncryptRequireDecrypt);
        assert!(!a.io.recursive && !a.io.encode && !a.io.decode && a.io.metadata_output.is_none());
    }

    #[test]
    fn encrypt_every_option() {
        let cmd = parse_ok(&[
            "encrypt",
            "--keys=k.json",
            "--key",
            "a",
            "--key=b",
            "--key-namespace",
            "ns",
            "-c",
            "user=alice",
            "--encryption-context=eq=a=b",
            "--frame-length",
            "4096",
            "--algorithm",
            "0578",
            "--rsa-padding",
            "oaep-sha512",
            "--metadata-output",
            "meta.jsonl",
            "--encode",
            "-R",
            "--suffix",
            ".enc",
            "--max-encrypted-data-keys",
            "2",
            "-i",
            "-",
            "-o",
            "-",
        ]);
        let Command::Encrypt(a) = cmd else { panic!() };
        assert_eq!(a.keys.names, ["a", "b"]);
        assert_eq!(a.keys.rsa_padding, RsaPadding::OaepSha512);
        assert_eq!(a.keys.namespace, "ns");
        let context = encrypt_context(&a.context).unwrap();
        assert_eq!(context.get("user").map(String::as_str), Some("alice"));
        assert_eq!(context.get("eq").map(String::as_str), Some("a=b"));
        assert_eq!(a.frame_length, 4096);
        assert_eq!(a.suite.id(), 0x0578);
        assert_eq!((a.io.input.as_deref(), a.io.output.as_deref()), (Some("-"), Some("-")));
        assert!(a.io.recursive && a.io.encode);
        assert_eq!(a.io.suffix.as_deref(), Some(".enc"));
        assert_eq!(a.io.metadata_output.as_deref(), Some("meta.jsonl"));
        assert_eq!(a.io.max_edks, Some(2));
    }

    #[test]
    fn suite_spellings() {
        for s in ["0x0478", "0X0478", "0478", "478"] {
            assert_eq!(parse_suite(s).unwrap().id(), 0x0478, "{s}");
        }
        assert_eq!(parse_suite("0x0578").unwrap().id(), 0x0578);
        assert_eq!(parse_suite("14").unwrap().id(), 0x0014);
        assert_eq!(parse_suite("AES_256_GCM_HKDF_SHA512_COMMIT_KEY").unwrap().id(), 0x0478);
        assert_eq!(parse_suite("aes_256_gcm_hkdf_sha512_commit_key_ecdsa_p384").unwrap().id(), 0x0578);
        assert_eq!(parse_suite("AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256").unwrap().id(), 0x0214);
        for bad in ["", "0x", "x478", "0x00478", "+478", "0x0479"] {
            assert!(parse_suite(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decrypt_options() {
        let cmd = parse_ok(&[
            "decrypt",
            "--keys",
            "k",
            "--key",
            "a",
            "--commitment-policy",
            "require-encrypt-allow-decrypt",
            "--max-edks",
            "3",
            "--rsa-padding=PKCS1",
            "--context",
            "k=",
            "-c",
            "tenant",
            "--decrypt-unsigned",
            "--max-length",
            "65536",
            "--decode",
            "--",
            "-in",
            "out",
        ]);
        let Command::Decrypt(a) = cmd else { panic!() };
        assert_eq!(a.io.policy, CommitmentPolicy::RequireEncryptAllowDecrypt);
        assert_eq!(a.io.max_edks, Some(3));
        assert_eq!(a.keys.rsa_padding, RsaPadding::Pkcs1);
        let required = decrypt_context(&a.context).unwrap();
        assert_eq!(required.pairs.get("k").map(String::as_str), Some(""));
        assert_eq!(required.keys, ["tenant"]);
        assert!(a.unsigned_only && a.io.decode);
        assert_eq!(a.max_length, Some(65536));
        assert_eq!(a.io.input_pos.as_deref(), Some("-in"));
        let Command::Decrypt(d) = parse_ok(&["decrypt", "--keys", "k", "--key", "a", "i", "o"]) else { panic!() };
        assert_eq!(
            (d.io.policy, d.io.max_edks, d.unsigned_only),
            (CommitmentPolicy::RequireEncryptRequireDecrypt, None, false)
        );
    }

    #[test]
    fn context_arguments() {
        assert_eq!(encrypt_context(&["novalue".into()]).unwrap_err(), r#"--context expects KEY=VALUE, got "novalue""#);
        assert!(encrypt_context(&["=v".into()]).unwrap_err().contains("non-empty KEY"));
        assert!(encrypt_context(&["a=1".into(), "a=2".into()]).unwrap_err().contains("given twice"));
        assert!(decrypt_context(&["a".into(), "a=2".into()]).unwrap_err().contains("given twice"));
        assert!(decrypt_context(&["=".into()]).unwrap_err().contains("non-empty KEY"));
    }

    #[test]
    fn usage_errors_name_the_problem() {
        let base = ["encrypt", "--keys", "k", "--key", "a"];
        let with = |extra: &[&str]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            usage_err(&v)
        };
        assert!(with(&["--frame-length", "x", "i", "o"]).contains(r#"expects an integer, got "x""#));
        assert!(with(&["--frame-length", "0", "i", "o"]).contains("1 to 2147483647"));
        assert!(with(&["--frame-length", "2147483648", "i", "o"]).contains("got 2147483648"));
        assert!(with(&["--suite", "0x9999", "i", "o"]).contains("unknown algorithm suite 0x9999"));
        assert!(with(&["--commitment-policy", "x", "i", "o"]).contains("FORBID_ENCRYPT_ALLOW_DECRYPT"));
        assert!(with(&["--bogus", "i", "o"]).contains("--bogus"));
        assert!(with(&["--rsa-padding", "oaep", "i", "o"]).contains(r#"oaep-sha512 or pkcs1, got "oaep""#));
        assert!(with(&["--decrypt-unsigned", "i", "o"]).contains("--decrypt-unsigned"), "a decrypt option");
        assert!(with(&["i"]).contains("<OUT>"));
        assert!(with(&["i", "o", "p"]).contains("'p'"));
        assert!(with(&["-i", "x", "i", "o"]).contains("cannot be used with"));
        assert!(with(&["--metadata-output", "-", "-S", "i", "o"]).contains("cannot be used with"));
        assert!(usage_err(&["encrypt", "--key", "a", "i", "o"]).contains("--keys <FILE>"));
        assert!(usage_err(&["encrypt", "--keys", "k", "i", "o"]).contains("--key <NAME>"));
        assert!(usage_err(&["decrypt", "--keys", "k", "--key", "a", "--suite", "478", "i", "o"]).contains("--suite"));
        assert!(
            usage_err(&["decrypt", "--keys", "k", "--key", "a", "--max-edks", "0", "i", "o"]).contains("1 to 65535")
        );
        assert!(usage_err(&["decrypt", "--keys", "k", "--key", "a", "--keys", "j", "i", "o"]).contains("--keys"));
        assert!(usage_err(&["frobnicate"]).contains("frobnicate"));
        assert!(usage_err(&["vectors"]).contains("<DIR>"));
        assert_eq!(parse(&[]).unwrap_err().kind(), ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand);
    }

    #[test]
    fn help_version_and_vectors() {
        for h in [&["help"][..], &["--help"], &["-h"], &["encrypt", "--help"], &["vectors", "-h"], &["help", "decrypt"]]
        {
            assert_eq!(parse(h).unwrap_err().kind(), ErrorKind::DisplayHelp, "{h:?}");
        }
        assert_eq!(parse(&["--version"]).unwrap_err().kind(), ErrorKind::DisplayVersion);
        let Command::Vectors(v) = parse_ok(&["vectors", "dir", "-v"]) else { panic!() };
        assert_eq!(v, VectorsArgs { dir: "dir".into(), verbose: true });
    }
}
