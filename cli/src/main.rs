//! `envseal`: encrypt and decrypt files in the AWS Encryption SDK message format, and run
//! test-vector manifests. See `envseal --help` ([`help::HELP`]).
//!
//! Modules: [`args`] parses the command line; [`keys`] reads keys.json and builds keyrings;
//! [`files`] opens inputs and writes outputs through a partial file; [`streaming`] drives the
//! library's state machines in constant memory; [`manifest`] and [`vectors`] run test vectors.

#![forbid(unsafe_code)]

mod args;
mod error;
mod files;
mod help;
mod keys;
mod manifest;
mod streaming;
mod vectors;

use std::process::ExitCode;

use envseal::{DecryptOptions, EncryptOptions};

use crate::args::{Command, DecryptArgs, EncryptArgs};
use crate::error::{CliError, CliResult};
use crate::files::{Input, Output};
use crate::keys::{keyring_for, KeysFile, Purpose};

fn main() -> ExitCode {
    let argv: Result<Vec<String>, _> = std::env::args_os().skip(1).map(|a| a.into_string()).collect();
    let result = match argv {
        Ok(argv) => args::parse(&argv).and_then(run),
        Err(bad) => Err(CliError::usage(format!("argument {bad:?} is not valid UTF-8"))),
    };
    match result {
        Ok(code) => code,
        Err(CliError::Usage(msg)) => {
            eprintln!("envseal: {msg}\nRun `envseal --help` for usage.");
            ExitCode::from(error::EXIT_USAGE)
        }
        Err(e) => {
            eprintln!("envseal: error [{}]: {e}", e.code());
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(command: Command) -> CliResult<ExitCode> {
    match command {
        Command::Help => print!("{}", help::HELP),
        Command::Version => println!("envseal {}", env!("CARGO_PKG_VERSION")),
        Command::Encrypt(a) => encrypt(&a)?,
        Command::Decrypt(a) => decrypt(a)?,
        Command::Vectors(a) => {
            if !vectors::run(&a)? {
                return Ok(ExitCode::from(error::EXIT_FAILURE));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn encrypt(a: &EncryptArgs) -> CliResult<()> {
    let keys = KeysFile::load(&a.keys.keys_file)?;
    let keyring = keyring_for(&keys, &a.keys.names, &a.keys.namespace, a.keys.rsa_padding, Purpose::Encrypt)?;
    let options = EncryptOptions {
        suite: a.suite,
        frame_length: a.frame_length,
        encryption_context: a.context.clone(),
        ..EncryptOptions::default()
    };
    options.validate()?; // fail before creating any output
    let mut input = Input::open(&a.input)?;
    let mut output = Output::create(&a.output)?;
    streaming::encrypt(&*keyring, &options, &mut input, &mut output, streaming::FILE_CHUNK)?;
    output.commit()
}

fn decrypt(a: DecryptArgs) -> CliResult<()> {
    let keys = KeysFile::load(&a.keys.keys_file)?;
    let keyring = keyring_for(&keys, &a.keys.names, &a.keys.namespace, a.keys.rsa_padding, Purpose::Decrypt)?;
    let options = DecryptOptions {
        commitment_policy: a.policy,
        max_encrypted_data_keys: a.max_edks,
        encryption_context: a.context,
        ..DecryptOptions::default()
    };
    let mut input = Input::open(&a.input)?;
    let mut output = Output::create(&a.output)?;
    // On error `output` drops here and its partial file is deleted.
    streaming::decrypt(&*keyring, options, &mut input, &mut output, streaming::FILE_CHUNK)?;
    output.commit()
}
