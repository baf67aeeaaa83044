#!/usr/bin/env python3
"""rewrap_interop.py ENVSEAL_BIN OUTDIR -- `envseal rewrap`, checked by the official Python ESDK.

Messages written by envseal's CLI and by the official Python SDK (suites 0x0478 and 0x0578, sizes
around the frame length, with an encryption context) under the key aes-256 are rewrapped by
`ENVSEAL_BIN rewrap` to aes-128 and to the RSA key (OAEP-SHA256). The official SDK must then
decrypt every rewrapped message with the new key to the original plaintext, with the original
encryption context, and must fail to decrypt it with the old key. Prints one line per check and
`N passed, M failed`; exit 1 on any failure.
Run with the venv's python (it imports aws_encryption_sdk).
"""
import io
import json
import logging
import os
import subprocess
import sys

from aws_encryption_sdk import CommitmentPolicy, EncryptionSDKClient
from aws_encryption_sdk.identifiers import Algorithm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

SUITES = {0x0478: Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, 0x0578: Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384}
FRAME = 4096
SIZES = [0, 1, FRAME, FRAME + 1, 100000]
CONTEXT = {"tenant": "acme", "purpose": "rewrap-interop"}
# New key (keys.json name, --rsa-padding), and the SDK master key that must read the result.
TARGETS = [("aes-128", None), ("rsa-2048-public", "oaep-sha256")]
CLIENT = EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
# The SDK logs a traceback for each decryption that fails, and failing is what the old key must do.
logging.getLogger("aws_encryption_sdk").setLevel(logging.CRITICAL)


def sdk_key(name, padding=None):
    if name == "rsa-2048-public":
        name = "rsa-2048-private"  # the SDK decrypts with the private half
    return common.master_key(name, common.PROVIDER_ID, padding)


def sdk_decrypt(ciphertext, key):
    source = io.BytesIO(ciphertext)
    with CLIENT.stream(mode="d", source=source, key_provider=key) as decryptor:
        plaintext = decryptor.read()
        context = decryptor.header.encryption_context
    if source.tell() != len(ciphertext):
        raise ValueError("trailing bytes")
    return plaintext, context


def envseal(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True)


def main():
    binary, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    keys = os.path.join(out, "keys.json")
    with open(keys, "w", encoding="utf-8") as f:
        json.dump(common.keys_manifest(), f)
    common_args = ["--keys", keys, "--key-namespace", common.PROVIDER_ID]
    passed, failed = 0, 0

    def check(name, ok, why=""):
        nonlocal passed, failed
        print("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else ": " + why))
        passed, failed = passed + ok, failed + (not ok)

    for suite, algorithm in SUITES.items():
        for size in SIZES:
            plain = common.plaintext(size)
            plain_path = os.path.join(out, "plain-%d" % size)
            with open(plain_path, "wb") as f:
                f.write(plain)
            # The same plaintext written by envseal's CLI and by the official SDK, under aes-256.
            sources = {}
            by_envseal = os.path.join(out, "envseal-%04x-%d" % (suite, size))
            context_args = [a for k, v in CONTEXT.items() for a in ("-c", "%s=%s" % (k, v))]
            r = envseal(binary, "encrypt", *common_args, "--key", "aes-256", "--suite", "0x%04x" % suite,
                        "--frame-length", str(FRAME), *context_args, "--overwrite", plain_path, by_envseal)
            if r.returncode != 0:
                check("encrypt %s" % by_envseal, False, r.stderr)
                continue
            sources["envseal"] = by_envseal
            by_sdk = os.path.join(out, "sdk-%04x-%d" % (suite, size))
            ciphertext, _ = CLIENT.encrypt(source=plain, key_provider=sdk_key("aes-256"), algorithm=algorithm,
                                           frame_length=FRAME, encryption_context=CONTEXT)
            with open(by_sdk, "wb") as f:
                f.write(ciphertext)
            sources["sdk"] = by_sdk
            for writer, path in sources.items():
                for new, padding in TARGETS:
                    name = "%s-%04x-%d -> %s" % (writer, suite, size, new)
                    rewrapped = "%s.to-%s" % (path, new)
                    padding_args = ["--new-rsa-padding", padding] if padding else []
                    r = envseal(binary, "rewrap", *common_args, "--key", "aes-256", "--new-key", new, *padding_args,
                                "--overwrite", path, rewrapped)
                    if r.returncode != 0:
                        check(name, False, "envseal rewrap: " + r.stderr.strip())
                        continue
                    with open(rewrapped, "rb") as f:
                        message = f.read()
                    try:
                        got, context = sdk_decrypt(message, sdk_key(new, padding))
                        ok = got == plain and all(context.get(k) == v for k, v in CONTEXT.items())
                        check(name + ": the SDK decrypts with the new key", ok, "plaintext or context differs")
                    except Exception as e:  # noqa: BLE001 - any failure is a FAIL line
                        check(name + ": the SDK decrypts with the new key", False, repr(e))
                    try:
                        sdk_decrypt(message, sdk_key("aes-256"))
                        check(name + ": the old key no longer opens it", False, "the SDK decrypted it")
                    except Exception:  # noqa: BLE001 - failing is what is checked
                        check(name + ": the old key no longer opens it", True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
