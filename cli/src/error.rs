//! The CLI's errors: the library's, plus usage mistakes, I/O and key-file problems.
//!
//! Every error prints as `envseal: error [CODE]: message` (usage errors as
//! `envseal: message` and a hint), and picks the exit status: 2 for usage, 1 otherwise.

use core::fmt;
use std::io;
use std::path::Path;

/// Exit status for a usage mistake (unknown option, missing argument, bad number).
pub const EXIT_USAGE: u8 = 2;
/// Exit status for every other failure.
pub const EXIT_FAILURE: u8 = 1;

/// Everything the CLI reports.
#[derive(Debug)]
pub enum CliError {
    /// The command line cannot work: exit 2.
    Usage(String),
    /// The library refused: its stable code is printed.
    Envseal(envseal::Error),
    /// Reading or writing a file failed.
    Io { what: String, source: io::Error },
    /// keys.json (or a test manifest) is not what the test-vector framework describes.
    BadFile(String),
    /// OUT exists and `--overwrite` was not given: nothing was written to it.
    OutputExists(std::path::PathBuf),
    /// The command line (or a test) asked to refuse this message: its code and why.
    Refused { code: &'static str, message: String },
    /// The key exists but cannot serve here: an AWS KMS key (no KMS keyring in the CLI), or an RSA
    /// public key asked to decrypt.
    UnsupportedKey(String),
}

impl CliError {
    /// `SIGNED_MESSAGE_REFUSED` for a message whose suite signs, when `asked` (`--decrypt-unsigned`,
    /// a test's `streaming-unsigned-only`) allows unsigned messages only.
    pub fn refuse_signed(header: &envseal::MessageHeader, asked: &str) -> CliResult<()> {
        if !header.suite.is_signing() {
            return Ok(());
        }
        Err(CliError::Refused {
            code: "SIGNED_MESSAGE_REFUSED",
            message: format!(
                "{asked}: the message is signed (suite 0x{:04x}); it was not decrypted",
                header.suite.id()
            ),
        })
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        CliError::Usage(msg.into())
    }

    pub fn bad_file(msg: impl Into<String>) -> Self {
        CliError::BadFile(msg.into())
    }

    /// An I/O error on `path`, described by `verb` ("reading", "creating", ...).
    pub fn io(verb: &str, path: &Path, source: io::Error) -> Self {
        CliError::Io { what: format!("{verb} {}", path.display()), source }
    }

    /// The stable code printed in brackets.
    pub fn code(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "USAGE",
            CliError::Envseal(e) => e.code(),
            CliError::Io { .. } => "IO_ERROR",
            CliError::BadFile(_) => "BAD_FILE",
            CliError::UnsupportedKey(_) => "UNSUPPORTED_KEY",
            CliError::Refused { code, .. } => code,
            CliError::OutputExists(_) => "OUTPUT_EXISTS",
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            _ => EXIT_FAILURE,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::BadFile(m) | CliError::UnsupportedKey(m) => f.write_str(m),
            CliError::Refused { message, .. } => f.write_str(message),
            CliError::OutputExists(p) => {
                write!(f, "{} exists: not replaced (pass --overwrite to replace it)", p.display())
            }
            CliError::Envseal(e) => write!(f, "{e}"),
            CliError::Io { what, source } => write!(f, "{what}: {source}"),
        }
    }
}

impl From<envseal::Error> for CliError {
    fn from(e: envseal::Error) -> Self {
        CliError::Envseal(e)
    }
}

pub type CliResult<T> = Result<T, CliError>;
