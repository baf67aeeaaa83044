//! `envseal`: encrypt and decrypt files in the AWS Encryption SDK message format, and run
//! test-vector manifests. See `envseal --help`.
//!
//! Modules: [`args`] parses the command line (clap) and [`help`] holds its prose; [`plan`] turns
//! IN/OUT (files, directories) into jobs; [`keys`] reads keys.json and builds keyrings; [`files`]
//! opens inputs and writes outputs through a partial file (and base64); [`streaming`] drives the
//! library's state machines in constant memory; [`metadata`] writes `--metadata-output` lines;
//! [`manifest`] and [`vectors`] run test vectors.

#![forbid(unsafe_code)]

mod args;
mod error;
mod files;
mod help;
mod keys;
mod manifest;
mod metadata;
mod plan;
mod streaming;
mod vectors;

use std::process::ExitCode;

use clap::Parser;
use envseal::{DecryptOptions, EncryptOptions, Error, MessageHeader};

use crate::args::{Cli, Command, DecryptArgs, EncryptArgs, Endpoint, IoArgs, KeyArgs, RewrapArgs};
use crate::error::{CliError, CliResult};
use crate::files::{Base64Sink, Input, Output, Sink};
use crate::keys::{keyring_for, KeysFile, Purpose};
use crate::metadata::Metadata;
use crate::plan::Job;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version print to stdout and succeed; mistakes print to stderr as every
            // other error does (`envseal: ...`), exit 2.
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.render().to_string();
            eprint!("envseal: {}", text.strip_prefix("error: ").unwrap_or(&text));
            return ExitCode::from(error::EXIT_USAGE);
        }
    };
    match run(cli.command) {
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
        Command::Encrypt(a) => encrypt(&a)?,
        Command::Decrypt(a) => decrypt(&a)?,
        Command::Rewrap(a) => rewrap(&a)?,
        Command::Vectors(a) => {
            if !vectors::run(&a)? {
                return Ok(ExitCode::from(error::EXIT_FAILURE));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn encrypt(a: &EncryptArgs) -> CliResult<()> {
    let context = args::encrypt_context(&a.context).map_err(CliError::Usage)?;
    if a.keys.rsa_padding == envseal::RsaPadding::Pkcs1 {
        return Err(CliError::usage(
            "--rsa-padding pkcs1 is for decrypting legacy messages only: encrypt with an OAEP padding",
        ));
    }
    if let Some(max) = a.io.max_edks {
        let found = u16::try_from(a.keys.names.len()).unwrap_or(u16::MAX);
        if found > max {
            return Err(Error::TooManyEncryptedDataKeys { max, found }.into());
        }
    }
    let keyring = load_keyring(&a.keys, Purpose::Encrypt)?;
    let options = EncryptOptions {
        suite: a.suite,
        frame_length: a.frame_length,
        encryption_context: context,
        commitment_policy: a.io.policy,
    };
    options.validate()?; // fail before creating any output
    if a.print_length && plan::jobs(&a.io, plan::ENCRYPT_SUFFIX)?.iter().any(|j| j.output == Endpoint::Std) {
        return Err(CliError::usage("--print-length prints to stdout: write the message to a file, not -"));
    }
    for_each_job(&a.io, plan::ENCRYPT_SUFFIX, "encrypt", |input, sink| {
        let length = match (a.print_length, input.len()) {
            (false, _) => None,
            (true, Some(n)) => Some(n),
            (true, None) => {
                return Err(CliError::usage(
                    "--print-length needs to know the plaintext's length first: give a file (not stdin)",
                ))
            }
        };
        let print = |message_len: u64| println!("{message_len}");
        streaming::encrypt(
            &*keyring,
            &options,
            length.map(|n| (n, &print as &dyn Fn(u64))),
            input,
            sink,
            streaming::FILE_CHUNK,
        )
    })
}

fn decrypt(a: &DecryptArgs) -> CliResult<()> {
    let required = args::decrypt_context(&a.context).map_err(CliError::Usage)?;
    let keyring = load_keyring(&a.keys, Purpose::Decrypt)?;
    let options = DecryptOptions {
        commitment_policy: a.io.policy,
        max_encrypted_data_keys: a.io.max_edks,
        encryption_context: required.pairs,
        frame_ivs: a.frame_ivs,
        ..DecryptOptions::default()
    };
    let options = DecryptOptions { max_frame_length: a.max_length.unwrap_or(options.max_frame_length), ..options };
    // Refusals the command line asks for, before any key is unwrapped or byte decrypted.
    let check = |header: &MessageHeader| -> CliResult<()> {
        if a.unsigned_only {
            CliError::refuse_signed(header, "--decrypt-unsigned")?;
        }
        match required.keys.iter().find(|k| !header.encryption_context.contains_key(*k)) {
            Some(k) => Err(Error::EncryptionContextMismatch(format!(
                "--context {k:?}: the message's encryption context has no key {k:?}"
            ))
            .into()),
            None => Ok(()),
        }
    };
    for_each_job(&a.io, plan::DECRYPT_SUFFIX, "decrypt", |input, sink| match &a.range {
        None => streaming::decrypt(&*keyring, options.clone(), input, sink, streaming::FILE_CHUNK, &check),
        Some(range) => {
            let file = input.seekable().ok_or_else(|| {
                CliError::usage("--range reads the message at random: give a file, not standard input")
            })?;
            let (plaintext, header) =
                envseal::decrypt_range(&*keyring, file, range.clone(), &options, a.range_allow_signed)?;
            check(&header)?;
            sink.put(&plaintext)?;
            Ok(header)
        }
    })
}

fn rewrap(a: &RewrapArgs) -> CliResult<()> {
    let old = load_keyring(&a.keys, Purpose::Decrypt)?;
    let new_keys = KeyArgs {
        names: a.new_names.clone(),
        namespace: a.new_namespace.clone().unwrap_or_else(|| a.keys.namespace.clone()),
        rsa_padding: a.new_rsa_padding.unwrap_or(a.keys.rsa_padding),
        keys_file: a.keys.keys_file.clone(),
    };
    if new_keys.rsa_padding == envseal::RsaPadding::Pkcs1 {
        return Err(CliError::usage(
            "--new-rsa-padding pkcs1 is for decrypting legacy messages only: wrap with an OAEP padding",
        ));
    }
    let new = load_keyring(&new_keys, Purpose::Encrypt)?;
    let options = DecryptOptions {
        commitment_policy: a.io.policy,
        max_encrypted_data_keys: a.io.max_edks,
        ..DecryptOptions::default()
    };
    for_each_job(&a.io, plan::REWRAP_SUFFIX, "rewrap", |input, sink| {
        streaming::rewrap(&*old, &*new, options.clone(), input, sink, streaming::FILE_CHUNK)
    })
}

fn load_keyring(k: &KeyArgs, purpose: Purpose) -> CliResult<Box<dyn envseal::Keyring>> {
    let keys = KeysFile::load(&k.keys_file)?;
    keyring_for(&keys, &k.names, &k.namespace, k.rsa_padding, purpose)
}

/// Runs `process` over every job of `io`: input (base64-decoded with `--decode`) into a partial
/// output (base64-encoded with `--encode`) that is committed only on success, then the metadata
/// line. The first error stops the run.
fn for_each_job(
    io: &IoArgs,
    default_suffix: &str,
    mode: &str,
    process: impl Fn(&mut Input, &mut dyn Sink) -> CliResult<MessageHeader>,
) -> CliResult<()> {
    let jobs = plan::jobs(io, default_suffix)?;
    let to_stdout = jobs.iter().any(|j| j.output == Endpoint::Std);
    if to_stdout && io.metadata_output.as_deref() == Some("-") {
        return Err(CliError::usage("--metadata-output - and OUT - would both write to stdout: name a file for one"));
    }
    let mut metadata = Metadata::open(io.metadata_output.as_deref(), io.overwrite_metadata)?;
    for Job { input: from, output: to } in &jobs {
        let mut input = Input::open(from)?;
        if io.decode {
            input = input.base64_decoded();
        }
        let mut output = Output::create(to, io.overwrite)?;
        // On error `output` drops and its partial file is deleted.
        let header = if io.encode {
            let mut sink = Base64Sink::new(&mut output);
            let header = process(&mut input, &mut sink)?;
            sink.finish()?;
            header
        } else {
            process(&mut input, &mut output)?
        };
        output.commit()?;
        metadata.record(mode, from, to, &header)?;
    }
    Ok(())
}
