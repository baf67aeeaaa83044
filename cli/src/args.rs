//! Command-line parsing: no framework, every mistake named (`--frame-length expects an integer,
//! got "x"`). Options take their value as the next argument or after `=`; `--` ends options;
//! a lone `-` is a positional meaning stdin/stdout.

use std::path::PathBuf;

use envseal::format::header::MAX_FRAME_LEN;
use envseal::{AlgorithmSuite, CommitmentPolicy, EncryptionContext, RsaPadding, DEFAULT_FRAME_LEN};

use crate::error::{CliError, CliResult};

/// The raw keyring provider id used when `--key-namespace` is not given (see [`crate::help::HELP`]).
pub const DEFAULT_NAMESPACE: &str = "envseal";

/// The raw RSA keyring padding used when `--rsa-padding` is not given.
pub const DEFAULT_RSA_PADDING: RsaPadding = RsaPadding::OaepSha256;

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    Help,
    Version,
    Encrypt(EncryptArgs),
    Decrypt(DecryptArgs),
    Vectors(VectorsArgs),
}

/// A file path, or `-` for stdin/stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Std,
    Path(PathBuf),
}

impl Endpoint {
    fn from_arg(arg: &str) -> Self {
        if arg == "-" {
            Endpoint::Std
        } else {
            Endpoint::Path(PathBuf::from(arg))
        }
    }
}

/// The keys named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyArgs {
    pub keys_file: PathBuf,
    pub names: Vec<String>,
    pub namespace: String,
    /// The padding of every RSA key among `names`.
    pub rsa_padding: RsaPadding,
}

#[derive(Debug, PartialEq)]
pub struct EncryptArgs {
    pub keys: KeyArgs,
    pub context: EncryptionContext,
    pub frame_length: u32,
    pub suite: AlgorithmSuite,
    pub input: Endpoint,
    pub output: Endpoint,
}

#[derive(Debug, PartialEq)]
pub struct DecryptArgs {
    pub keys: KeyArgs,
    pub context: EncryptionContext,
    pub policy: CommitmentPolicy,
    pub max_edks: Option<u16>,
    pub input: Endpoint,
    pub output: Endpoint,
}

#[derive(Debug, PartialEq, Eq)]
pub struct VectorsArgs {
    pub dir: PathBuf,
    pub verbose: bool,
}

/// Parses the arguments after the program name.
///
/// # Errors
/// [`CliError::Usage`] naming the first problem.
pub fn parse(args: &[String]) -> CliResult<Command> {
    let Some((first, rest)) = args.split_first() else {
        return Err(CliError::usage("no command given (encrypt, decrypt, vectors or help)"));
    };
    match first.as_str() {
        "help" | "--help" | "-h" => Ok(Command::Help),
        "--version" | "-V" | "version" => Ok(Command::Version),
        "encrypt" => parse_crypt(Mode::Encrypt, rest),
        "decrypt" => parse_crypt(Mode::Decrypt, rest),
        "vectors" => parse_vectors(rest),
        other if other.starts_with('-') => Err(CliError::usage(format!(
            "{other:?} before the command: write the command first (envseal encrypt|decrypt|vectors ...)"
        ))),
        other => {
            Err(CliError::usage(format!("unknown command {other:?} (expected encrypt, decrypt, vectors or help)")))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Encrypt,
    Decrypt,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Encrypt => "encrypt",
            Mode::Decrypt => "decrypt",
        }
    }
}

/// One command-line token.
enum Token<'a> {
    /// `--name` or `--name=value` (`inline` holds the value after `=`).
    Opt {
        name: &'a str,
        inline: Option<&'a str>,
    },
    Positional(&'a str),
}

/// Splits arguments into options and positionals.
struct Tokens<'a> {
    args: &'a [String],
    pos: usize,
    options_ended: bool,
}

impl<'a> Tokens<'a> {
    fn new(args: &'a [String]) -> Self {
        Tokens { args, pos: 0, options_ended: false }
    }

    fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            let arg = self.args.get(self.pos)?.as_str();
            self.pos += 1;
            if self.options_ended || arg == "-" || !arg.starts_with('-') {
                return Some(Token::Positional(arg));
            }
            if arg == "--" {
                self.options_ended = true;
                continue;
            }
            return Some(match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => Token::Opt { name, inline: Some(value) },
                _ => Token::Opt { name: arg, inline: None },
            });
        }
    }

    /// The value of option `name`: after `=`, or the next argument.
    fn value(&mut self, name: &str, inline: Option<&'a str>) -> CliResult<&'a str> {
        if let Some(v) = inline {
            return Ok(v);
        }
        let v = self.args.get(self.pos).ok_or_else(|| CliError::usage(format!("{name} expects a value")))?;
        self.pos += 1;
        Ok(v)
    }
}

fn no_value(name: &str, inline: Option<&str>) -> CliResult<()> {
    match inline {
        Some(v) => Err(CliError::usage(format!("{name} takes no value, got {v:?}"))),
        None => Ok(()),
    }
}

fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> CliResult<()> {
    if slot.is_some() {
        return Err(CliError::usage(format!("{name} given twice")));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_crypt(mode: Mode, args: &[String]) -> CliResult<Command> {
    let cmd = mode.name();
    let mut keys_file = None;
    let mut names = Vec::new();
    let mut namespace = None;
    let mut rsa_padding = None;
    let mut context = EncryptionContext::new();
    let mut frame_length = None;
    let mut suite = None;
    let mut policy = None;
    let mut max_edks = None;
    let mut positionals = Vec::new();
    let mut tokens = Tokens::new(args);
    while let Some(token) = tokens.next_token() {
        let (name, inline) = match token {
            Token::Positional(p) => {
                positionals.push(p);
                continue;
            }
            Token::Opt { name, inline } => (name, inline),
        };
        match (name, mode) {
            ("--help" | "-h", _) => return Ok(Command::Help),
            ("--keys", _) => set_once(&mut keys_file, name, PathBuf::from(tokens.value(name, inline)?))?,
            ("--key", _) => names.push(non_empty(name, tokens.value(name, inline)?)?.to_owned()),
            ("--key-namespace", _) => set_once(&mut namespace, name, tokens.value(name, inline)?.to_owned())?,
            ("--rsa-padding", _) => {
                set_once(&mut rsa_padding, name, parse_rsa_padding(mode, tokens.value(name, inline)?)?)?;
            }
            ("--context", _) => add_context_pair(&mut context, tokens.value(name, inline)?)?,
            ("--frame-length", Mode::Encrypt) => {
                set_once(&mut frame_length, name, parse_frame_length(tokens.value(name, inline)?)?)?;
            }
            ("--suite", Mode::Encrypt) => set_once(&mut suite, name, parse_suite(tokens.value(name, inline)?)?)?,
            ("--commitment-policy", Mode::Decrypt) => {
                set_once(&mut policy, name, parse_policy(tokens.value(name, inline)?)?)?;
            }
            ("--max-edks", Mode::Decrypt) => {
                set_once(&mut max_edks, name, parse_max_edks(tokens.value(name, inline)?)?)?
            }
            ("--frame-length" | "--suite", Mode::Decrypt) => {
                return Err(CliError::usage(format!(
                    "{name} is an encrypt option (decrypt reads it from the message)"
                )));
            }
            ("--commitment-policy" | "--max-edks", Mode::Encrypt) => {
                return Err(CliError::usage(format!("{name} is a decrypt option")));
            }
            _ => return Err(CliError::usage(format!("unknown option {name} for {cmd}"))),
        }
    }
    let keys_file = keys_file.ok_or_else(|| CliError::usage(format!("{cmd} needs --keys FILE")))?;
    if names.is_empty() {
        return Err(CliError::usage(format!("{cmd} needs at least one --key NAME")));
    }
    let (input, output) = match positionals[..] {
        [i, o] => (Endpoint::from_arg(i), Endpoint::from_arg(o)),
        [] => return Err(CliError::usage(format!("{cmd} needs IN and OUT (a path, or - for stdin/stdout)"))),
        [_] => return Err(CliError::usage(format!("{cmd} needs OUT after IN (a path, or - for stdout)"))),
        _ => {
            return Err(CliError::usage(format!(
                "{cmd} takes IN and OUT, got {} arguments: {:?}",
                positionals.len(),
                positionals
            )))
        }
    };
    let keys = KeyArgs {
        keys_file,
        names,
        namespace: namespace.unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
        rsa_padding: rsa_padding.unwrap_or(DEFAULT_RSA_PADDING),
    };
    Ok(match mode {
        Mode::Encrypt => Command::Encrypt(EncryptArgs {
            keys,
            context,
            frame_length: frame_length.unwrap_or(DEFAULT_FRAME_LEN),
            suite: suite.unwrap_or(AlgorithmSuite::DEFAULT),
            input,
            output,
        }),
        Mode::Decrypt => {
            Command::Decrypt(DecryptArgs { keys, context, policy: policy.unwrap_or_default(), max_edks, input, output })
        }
    })
}

fn parse_vectors(args: &[String]) -> CliResult<Command> {
    let mut verbose = false;
    let mut positionals = Vec::new();
    let mut tokens = Tokens::new(args);
    while let Some(token) = tokens.next_token() {
        match token {
            Token::Positional(p) => positionals.push(p),
            Token::Opt { name: "--help" | "-h", .. } => return Ok(Command::Help),
            Token::Opt { name: name @ ("--verbose" | "-v"), inline } => {
                no_value(name, inline)?;
                verbose = true;
            }
            Token::Opt { name, .. } => return Err(CliError::usage(format!("unknown option {name} for vectors"))),
        }
    }
    match positionals[..] {
        [dir] => Ok(Command::Vectors(VectorsArgs { dir: PathBuf::from(dir), verbose })),
        [] => Err(CliError::usage("vectors needs DIR (the folder holding manifest.json)")),
        _ => Err(CliError::usage(format!("vectors takes one DIR, got {} arguments", positionals.len()))),
    }
}

fn non_empty<'a>(name: &str, value: &'a str) -> CliResult<&'a str> {
    if value.is_empty() {
        return Err(CliError::usage(format!("{name} expects a non-empty value")));
    }
    Ok(value)
}

/// `KEY=VALUE`, split at the first `=` (values may contain `=`).
fn add_context_pair(context: &mut EncryptionContext, pair: &str) -> CliResult<()> {
    let Some((key, value)) = pair.split_once('=') else {
        return Err(CliError::usage(format!("--context expects KEY=VALUE, got {pair:?}")));
    };
    if key.is_empty() {
        return Err(CliError::usage(format!("--context expects a non-empty KEY in KEY=VALUE, got {pair:?}")));
    }
    if context.insert(key.to_owned(), value.to_owned()).is_some() {
        return Err(CliError::usage(format!("--context key {key:?} given twice")));
    }
    Ok(())
}

fn parse_frame_length(s: &str) -> CliResult<u32> {
    let n: u64 = s.parse().map_err(|_| CliError::usage(format!("--frame-length expects an integer, got {s:?}")))?;
    match u32::try_from(n) {
        Ok(n) if (1..=MAX_FRAME_LEN).contains(&n) => Ok(n),
        _ => Err(CliError::usage(format!("--frame-length must be 1 to {MAX_FRAME_LEN} bytes, got {n}"))),
    }
}

/// A suite id in hex, with or without `0x`: `0x0478`, `0478`, `478`.
fn parse_suite(s: &str) -> CliResult<AlgorithmSuite> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    let valid = !digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_hexdigit());
    let id = u16::from_str_radix(digits, 16).ok().filter(|_| valid);
    let Some(id) = id else {
        return Err(CliError::usage(format!("--suite expects a hex suite id such as 0x0478, got {s:?}")));
    };
    AlgorithmSuite::from_id(id).map_err(|_| {
        let known: Vec<String> = AlgorithmSuite::ALL.iter().map(|s| format!("0x{:04x}", s.id())).collect();
        CliError::usage(format!("--suite: unknown algorithm suite 0x{id:04x} (known: {})", known.join(", ")))
    })
}

/// A commitment policy by its spec name; case and `-`/`_` do not matter.
fn parse_policy(s: &str) -> CliResult<CommitmentPolicy> {
    let name = s.to_ascii_uppercase().replace('-', "_");
    CommitmentPolicy::from_name(&name).map_err(|_| {
        CliError::usage(format!(
            "--commitment-policy expects REQUIRE_ENCRYPT_REQUIRE_DECRYPT or REQUIRE_ENCRYPT_ALLOW_DECRYPT, got {s:?}"
        ))
    })
}

/// An RSA padding name; `pkcs1` only for decrypt (envseal never wraps with PKCS#1 v1.5).
fn parse_rsa_padding(mode: Mode, s: &str) -> CliResult<RsaPadding> {
    let padding = RsaPadding::from_name(s).map_err(|_| {
        CliError::usage(format!(
            "--rsa-padding expects oaep-sha1, oaep-sha256, oaep-sha384, oaep-sha512 or pkcs1, got {s:?}"
        ))
    })?;
    if mode == Mode::Encrypt && padding == RsaPadding::Pkcs1 {
        return Err(CliError::usage(
            "--rsa-padding pkcs1 is for decrypting legacy messages only: encrypt with an OAEP padding",
        ));
    }
    Ok(padding)
}

fn parse_max_edks(s: &str) -> CliResult<u16> {
    let n: u64 = s.parse().map_err(|_| CliError::usage(format!("--max-edks expects an integer, got {s:?}")))?;
    match u16::try_from(n) {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(CliError::usage(format!("--max-edks must be 1 to 65535, got {n}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    fn parse_ok(s: &[&str]) -> Command {
        parse(&args(s)).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn usage_err(s: &[&str]) -> String {
        match parse(&args(s)) {
            Err(CliError::Usage(m)) => m,
            other => panic!("{s:?}: expected a usage error, got {other:?}"),
        }
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
        assert_eq!(a.frame_length, DEFAULT_FRAME_LEN);
        assert!(a.context.is_empty());
        assert_eq!((a.input, a.output), (Endpoint::Path("in".into()), Endpoint::Path("out".into())));
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
            "--context",
            "user=alice",
            "--context=eq=a=b",
            "--frame-length",
            "4096",
            "--suite",
            "0x0578",
            "--rsa-padding",
            "oaep-sha512",
            "-",
            "-",
        ]);
        let Command::Encrypt(a) = cmd else { panic!() };
        assert_eq!(a.keys.names, ["a", "b"]);
        assert_eq!(a.keys.rsa_padding, RsaPadding::OaepSha512);
        assert_eq!(a.keys.namespace, "ns");
        assert_eq!(a.context.get("user").map(String::as_str), Some("alice"));
        assert_eq!(a.context.get("eq").map(String::as_str), Some("a=b"));
        assert_eq!(a.frame_length, 4096);
        assert_eq!(a.suite.id(), 0x0578);
        assert_eq!((a.input, a.output), (Endpoint::Std, Endpoint::Std));
    }

    #[test]
    fn suite_spellings() {
        for s in ["0x0478", "0X0478", "0478", "478"] {
            assert_eq!(parse_suite(s).unwrap().id(), 0x0478, "{s}");
        }
        assert_eq!(parse_suite("0x0578").unwrap().id(), 0x0578);
        assert_eq!(parse_suite("14").unwrap().id(), 0x0014);
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
            "--",
            "-in",
            "out",
        ]);
        let Command::Decrypt(a) = cmd else { panic!() };
        assert_eq!(a.policy, CommitmentPolicy::RequireEncryptAllowDecrypt);
        assert_eq!(a.max_edks, Some(3));
        assert_eq!(a.keys.rsa_padding, RsaPadding::Pkcs1);
        assert_eq!(a.context.get("k").map(String::as_str), Some(""));
        assert_eq!(a.input, Endpoint::Path("-in".into()));
        let Command::Decrypt(d) = parse_ok(&["decrypt", "--keys", "k", "--key", "a", "i", "o"]) else { panic!() };
        assert_eq!((d.policy, d.max_edks), (CommitmentPolicy::RequireEncryptRequireDecrypt, None));
    }

    #[test]
    fn usage_errors_name_the_problem() {
        let base = ["encrypt", "--keys", "k", "--key", "a"];
        let with = |extra: &[&str]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            usage_err(&v)
        };
        assert_eq!(with(&["--frame-length", "x", "i", "o"]), r#"--frame-length expects an integer, got "x""#);
        assert!(with(&["--frame-length", "0", "i", "o"]).contains("1 to 2147483647"));
        assert!(with(&["--frame-length", "2147483648", "i", "o"]).contains("got 2147483648"));
        assert!(with(&["--suite", "0x9999", "i", "o"]).contains("unknown algorithm suite 0x9999"));
        assert!(with(&["--context", "novalue", "i", "o"]).contains("KEY=VALUE"));
        assert!(with(&["--context", "=v", "i", "o"]).contains("non-empty KEY"));
        assert!(with(&["--context", "a=1", "--context", "a=2", "i", "o"]).contains("given twice"));
        assert!(with(&["--commitment-policy", "x", "i", "o"]).contains("decrypt option"));
        assert!(with(&["--bogus", "i", "o"]).contains("unknown option --bogus"));
        assert!(with(&["--rsa-padding", "oaep", "i", "o"]).contains(r#"oaep-sha512 or pkcs1, got "oaep""#));
        assert!(with(&["--rsa-padding", "pkcs1", "i", "o"]).contains("decrypting legacy messages only"));
        assert!(with(&["--rsa-padding", "oaep-sha1", "--rsa-padding=oaep-sha1", "i", "o"]).contains("given twice"));
        assert!(with(&["i"]).contains("needs OUT"));
        assert!(with(&[]).contains("needs IN and OUT"));
        assert!(with(&["i", "o", "p"]).contains("got 3 arguments"));
        assert!(with(&["i", "o", "--suite"]).contains("--suite expects a value"));
        assert!(usage_err(&["encrypt", "--key", "a", "i", "o"]).contains("needs --keys"));
        assert!(usage_err(&["encrypt", "--keys", "k", "i", "o"]).contains("at least one --key"));
        assert!(
            usage_err(&["decrypt", "--keys", "k", "--key", "a", "--suite", "478", "i", "o"]).contains("encrypt option")
        );
        assert!(
            usage_err(&["decrypt", "--keys", "k", "--key", "a", "--max-edks", "0", "i", "o"]).contains("1 to 65535")
        );
        assert!(usage_err(&["decrypt", "--keys", "k", "--key", "a", "--keys", "j", "i", "o"]).contains("given twice"));
        assert!(usage_err(&["frobnicate"]).contains("unknown command"));
        assert!(usage_err(&[]).contains("no command"));
        assert!(usage_err(&["vectors"]).contains("needs DIR"));
        assert!(usage_err(&["vectors", "--verbose=yes", "d"]).contains("takes no value"));
    }

    #[test]
    fn help_version_and_vectors() {
        for h in [&["help"][..], &["--help"], &["-h"], &["encrypt", "--help"], &["vectors", "-h"]] {
            assert_eq!(parse_ok(h), Command::Help);
        }
        assert_eq!(parse_ok(&["--version"]), Command::Version);
        assert_eq!(
            parse_ok(&["vectors", "dir", "-v"]),
            Command::Vectors(VectorsArgs { dir: "dir".into(), verbose: true })
        );
    }
}
