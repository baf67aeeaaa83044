//! `envseal --help`: the whole manual, in one place.

/// Printed by `envseal help`, `--help`, `-h`.
pub const HELP: &str = "\
envseal: encrypt and decrypt files in the AWS Encryption SDK message format

Usage:
  envseal encrypt --keys FILE --key NAME [--key NAME ...] [options] IN OUT
  envseal decrypt --keys FILE --key NAME [--key NAME ...] [options] IN OUT
  envseal vectors [--verbose] DIR
  envseal help | --help | --version

IN and OUT are file paths, or - for stdin / stdout.

Keys:
  --keys FILE           a keys manifest of the AWS crypto-tools test-vector framework
                        (versions 1-3): symmetric AES keys (base64) for the raw AES keyring, and
                        RSA keys (\"private\" or \"public\", PEM, or DER in base64) for the raw RSA
                        keyring; a public key can only encrypt. AWS KMS keys are not supported
  --key NAME            a key of FILE; its \"key-id\" is the key name written in the message.
                        Several --key: every key wraps the data key (the first generates it);
                        on decrypt, any one of them that matches is enough
  --key-namespace NS    the raw keyring's key namespace (EDK provider id); default \"envseal\"
  --rsa-padding P       how RSA keys wrap the data key: oaep-sha256 (default), oaep-sha1,
                        oaep-sha384, oaep-sha512 (OAEP with MGF1 of the same hash), or pkcs1
                        (PKCS#1 v1.5, decrypt only: legacy messages). Decrypt must use the padding
                        the message was encrypted with

Encrypt options:
  --context KEY=VALUE   an encryption-context pair (repeatable); stored in the header, authenticated
  --frame-length N      plaintext bytes per frame, 1 to 2147483647; default 65536
  --suite ID            algorithm suite, hex: 0x0478 (default; committing) or 0x0578 (committing,
                        ECDSA P-384 signature); 0478 and 478 also work

Decrypt options:
  --context KEY=VALUE   a pair the message must carry (repeatable): a pair stored in the header
                        must have this value; a pair not stored there is a required pair the writer
                        authenticated without storing it
  --commitment-policy P REQUIRE_ENCRYPT_REQUIRE_DECRYPT (default: committing messages only) or
                        REQUIRE_ENCRYPT_ALLOW_DECRYPT (also legacy v1 messages)
  --max-edks N          refuse messages with more than N encrypted data keys (1 to 65535)

Output:
  OUT is written as OUT.envseal-partial next to it and renamed to OUT only once the whole
  message was processed (and, for decrypt, every frame and the signature verified); on any
  error the partial file is deleted and OUT is left untouched. With OUT = -, decrypt writes each
  frame to stdout as soon as its tag verifies: a failure (exit 1) may follow plaintext already
  written, which the reader must then discard.

Test vectors:
  envseal vectors DIR   runs every test of DIR/manifest.json (awses-decrypt manifest, versions
                        1-4) with the keys file it names; prints PASS/FAIL/SKIP per test and
                        \"N passed, M failed, K skipped\"; exit 1 if any test failed.
                        --verbose also shows why expected-error tests were rejected.

Exit status: 0 success, 1 failure (printed as `envseal: error [CODE]: message`), 2 usage error.
";
