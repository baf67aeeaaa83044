//! The prose of `envseal --help` that is not about one option (clap prints the options from
//! their doc comments in `args.rs`): what each command promises, the keys file, outputs.

/// What encrypt and decrypt promise about their outputs.
macro_rules! outputs {
    () => {
        "
Inputs and outputs:
  IN and OUT (or -i and -o) are paths, or - for stdin / stdout. With -r, IN is a directory and
  every file below it is written to the same relative path in the directory OUT, with --suffix
  added (default .encrypted for encrypt, .decrypted for decrypt). When OUT is an existing
  directory, a single IN is written to OUT/NAME + suffix.
  Each output is written to a new file OUT.envseal-partial-<random> (mode 0600) next to it and
  moved to OUT only once the whole message was processed (and, for decrypt, every frame and the
  signature verified); on any error the partial file is deleted and OUT is left untouched. An
  existing OUT is refused (OUTPUT_EXISTS) unless --overwrite is given. With OUT = -, decrypt writes each frame
  to stdout as soon as its tag verifies: a failure (exit 1) may follow plaintext already written,
  which the reader must then discard. With several files, the first error stops the run; the
  files finished before it stay.
  --metadata-output writes one JSON line per file once it is done: mode, input, output and the
  header (version, suite, message id, frame length, context, EDK provider ids and key names)."
    };
}

/// One line under the program name.
pub const ABOUT: &str = "envseal: encrypt and decrypt files in the AWS Encryption SDK message format";

/// After the commands of `envseal --help`.
pub const EXIT_STATUS: &str = "\
Exit status: 0 success, 1 failure (printed as `envseal: error [CODE]: message`), 2 usage error.
The flags that the official aws-encryption-cli also has behave as there (see docs/cli.md).";

/// After the options of `envseal encrypt --help`.
pub const ENCRYPT: &str = concat!(
    "\
Keys file:
  --keys FILE is a keys manifest of the AWS crypto-tools test-vector framework (versions 1-4):
  symmetric AES keys (base64) for the raw AES keyring, and RSA keys (\"private\" or \"public\",
  PEM, or DER in base64) for the raw RSA keyring; a public key can only encrypt. A key's
  \"key-id\" is the key name written in the message. Several --key: every key wraps the data
  key (the first generates it). AWS KMS keys are not supported.

Frames:
  A plaintext is cut into --frame-length frames; the last frame holds the rest (possibly
  nothing), as every official AWS Encryption SDK writes it.
",
    outputs!()
);

/// After the options of `envseal decrypt --help`.
pub const DECRYPT: &str = concat!(
    "\
Keys file:
  As for encrypt; any one --key that matches an encrypted data key is enough. Decrypt must use
  the RSA padding the message was encrypted with.

Encryption context:
  --context KEY=VALUE: a pair stored in the header must have this value; a pair not stored there
  is a required pair that the writer authenticated without storing it. --context KEY: the header
  must hold KEY (any value).
",
    outputs!()
);

/// After the options of `envseal rewrap --help`.
pub const REWRAP: &str = concat!(
    "\
Rewrap:
  Unwraps each message's data key with --key (checking the header, as decrypt does), wraps it
  with every --new-key, and writes the message again with a new header (same message id, suite,
  frame length and encryption context; new encrypted data keys and header tag) and the body
  copied byte for byte: nothing is decrypted or encrypted again, and the old keys no longer open
  the new message. Signed messages (0x0578) are hashed as they pass, their signature verified,
  and signed again with a new key. For master-key rotation, or sharing a file with a new
  recipient without sending the old key. See docs/rewrap.md.
",
    outputs!()
);

/// After the options of `envseal vectors --help`.
pub const VECTORS: &str = "\
Test vectors:
  envseal vectors DIR   runs every test of DIR/manifest.json (awses-decrypt manifest, versions
                        1-4) or DIR/decrypt-manifest.json (version 5: raw, multi-keyring and
                        required-encryption-context-CMM scenarios; streaming-unsigned-only) with
                        the keys file it names (keys manifest versions 1-4); prints
                        PASS/FAIL/SKIP per test and \"N passed, M failed, K skipped\"; exit 1 if
                        any test failed. Keyrings envseal's CLI lacks (AWS KMS, raw ECDH,
                        hierarchical) are skipped. --verbose also shows why expected-error
                        tests were rejected.";
