#!/usr/bin/env python3
"""python_reads.py DIR -- the official Python ESDK decrypts every case of an awses-decrypt manifest.

DIR/manifest.json (awses-decrypt v2-v4) names keys.json, ciphertexts and expected plaintexts with
`file://` URIs relative to DIR. Raw AES and raw RSA master keys are supported (RSA: `padding-algorithm`
pkcs1 | oaep-mgf1 with `padding-hash` -> the SDK's WrappingAlgorithm; keys.json `private`/`public` entries,
PEM or base64 DER; a public key cannot decrypt, so another master key of the test must). Per case it checks:
  * decryption succeeds with a provider built from the test's `master-keys` (several -> any may match);
  * the plaintext equals the expected one;
  * the message has no bytes after its end (the SDK's one-shot decrypt ignores them; we don't);
  * every pair of the test's `encryption-context`, if given, is in the decrypted header's context.
`result: {"error": ...}` cases pass when decryption fails. Prints `PASS id` / `FAIL id: reason` per case,
then `N passed, M failed`; exits 1 if M > 0 or N == 0.
"""
import base64
import io
import json
import logging
import os
import sys

from aws_encryption_sdk import CommitmentPolicy, EncryptionSDKClient

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

# The SDK logs a traceback ("Error on closing") when a failed stream is closed; we report failures ourselves.
logging.getLogger("aws_encryption_sdk").setLevel(logging.CRITICAL)

CLIENTS = {
    # v2 messages (0x0478/0x0578) are read under the strictest policy; v1 ones need ALLOW_DECRYPT.
    2: EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT),
    1: EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT),
}


class Unsupported(Exception):
    pass


def master_key(keys, spec):
    """RawMasterKey from one `master-keys` entry and the keys.json `keys` table."""
    if spec.get("type") != "raw" or spec.get("encryption-algorithm") not in ("aes", "rsa"):
        raise Unsupported("only raw AES and raw RSA master keys are supported: %r" % spec)
    key = keys[spec["key"]]
    material = key["material"]
    material = key.get("line-separator", "").join(material) if isinstance(material, list) else material
    key_id = key.get("key-id", spec["key"])
    if spec["encryption-algorithm"] == "rsa":
        if key.get("algorithm") != "rsa" or key.get("type") not in ("private", "public"):
            raise Unsupported("key %s: not an RSA private/public key" % spec["key"])
        private = key["type"] == "private"
        if key.get("encoding") == "pem":
            pem = material.encode("ascii")
        elif key.get("encoding") == "base64":
            pem = common.der_to_pem(base64.b64decode(material), private)
        else:
            raise Unsupported("key %s: encoding %r" % (spec["key"], key.get("encoding")))
        padding = common.rsa_padding_name(spec)
        return common.raw_rsa_master_key(key_id, pem, private, padding, spec["provider-id"])
    if key.get("encoding") != "base64":
        raise Unsupported("key %s: encoding %r" % (spec["key"], key.get("encoding")))
    material = base64.b64decode(material)
    if len(material) * 8 != key["bits"] or key["bits"] not in common.WRAPPING:
        raise Unsupported("key %s: %d bytes for %r bits" % (spec["key"], len(material), key["bits"]))
    return common.raw_master_key(key_id, material, spec["provider-id"])


def decrypt(ciphertext, provider):
    """Returns (plaintext, header). Raises on any failure, including trailing bytes."""
    client = CLIENTS[2 if ciphertext[:1] == b"\x02" else 1]
    source = io.BytesIO(ciphertext)
    with client.stream(mode="d", source=source, key_provider=provider) as decryptor:
        plaintext = decryptor.read()
        header = decryptor.header
    if source.tell() != len(ciphertext):
        raise ValueError("%d trailing bytes after the message" % (len(ciphertext) - source.tell()))
    return plaintext, header


def run_case(base_dir, keys, test):
    """Returns None on success, else a reason string."""
    if test.get("cmm", "Default") != "Default":
        raise Unsupported("cmm %r" % test["cmm"])
    provider = common.key_set([master_key(keys, spec) for spec in test["master-keys"]])
    ciphertext = common.read_uri(base_dir, test["ciphertext"])
    result = test["result"]
    try:
        plaintext, header = decrypt(ciphertext, provider)
    except Exception as error:  # noqa: BLE001 -- any SDK error is a failed decrypt
        if "error" in result:
            return None
        return "decrypt failed: %s: %s" % (type(error).__name__, error)
    if "error" in result:
        return "expected an error (%s) but decrypted %d bytes" % (
            result["error"].get("error-description", "?"), len(plaintext))
    expected = common.read_uri(base_dir, result["output"]["plaintext"])
    if plaintext != expected:
        return "plaintext mismatch: got %d bytes, expected %d" % (len(plaintext), len(expected))
    context = header.encryption_context
    for key, value in test.get("encryption-context", {}).items():
        if key not in context:
            return "encryption context key %r missing from header" % key
        if context[key] != value:
            return "encryption context %r = %r in header, manifest says %r" % (key, context[key], value)
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python_reads.py DIR")
    base_dir = sys.argv[1]
    with open(os.path.join(base_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    kind = manifest["manifest"]
    if kind.get("type") != "awses-decrypt" or kind.get("version") not in (2, 3, 4):
        sys.exit("unsupported manifest %r" % kind)
    keys = json.loads(common.read_uri(base_dir, manifest["keys"]).decode("utf-8"))["keys"]
    passed = failed = 0
    for case_id, test in manifest["tests"].items():
        try:
            reason = run_case(base_dir, keys, test)
        except Exception as error:  # noqa: BLE001 -- a broken case must not stop the run
            reason = "%s: %s" % (type(error).__name__, error)
        if reason is None:
            passed += 1
            print("PASS %s" % case_id)
        else:
            failed += 1
            print("FAIL %s: %s" % (case_id, reason))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
