#!/usr/bin/env python3
"""envseal_writes.py ENVSEAL_BIN OUTDIR -- the envseal CLI encrypts a matrix; writes an awses-decrypt manifest.

Writes OUTDIR/keys.json and OUTDIR/plaintexts/ first, runs `ENVSEAL_BIN encrypt ...` once per case
into OUTDIR/ciphertexts/, then OUTDIR/manifest.json for `python_reads.py OUTDIR`.
After each encrypt the header is parsed with the official SDK's parser to check that the CLI honoured
--suite, --frame-length, --key, --key-namespace and --context (the decrypt side cannot see those;
it does check --rsa-padding: the SDK decrypts with the padding the manifest names).
A case whose encrypt fails or whose header is wrong prints `FAIL id: reason`, is left out of the
manifest, and makes the script exit 1 (after writing the manifest of the good cases).

Matrix (82 cases): suites 0x0478/0x0578 x frame lengths 128/4096/65536/1 MiB x plaintext sizes
0, 1, 4095, 4096, 4097, 100000, 1 MiB+3, 3 MiB, with the context (none, unicode, 200 pairs) and the
wrapping key (aes-128/192/256) rotating; plus a non-ASCII namespace and key name, two keys, and
the CLI's defaults (no --suite/--frame-length/--key-namespace). Raw RSA (13): each OAEP padding on
both suites with a public-only key entry (PEM or base64 DER), the default --rsa-padding, the private
entry encrypting, AES + RSA in one message (the SDK reads with one of them), a non-ASCII RSA key name;
the SDK always decrypts with the private key.
Run with the venv's python (it imports aws_encryption_sdk for the header check).
"""
import io
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from aws_encryption_sdk.internal.formatting.deserialize import deserialize_header

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

MIB = 1 << 20
SUITES = [0x0478, 0x0578]
FRAMES = [128, 4096, 65536, MIB]
SIZES = [0, 1, 4095, 4096, 4097, 100000, MIB + 3, 3 * MIB]
CONTEXT_ORDER = ["empty", "unicode", "many"]  # contexts that survive argv (no NUL bytes)
KEY_ORDER = ["aes-256", "aes-128", "aes-192"]
DEFAULT_NAMESPACE = "envseal"  # the CLI's default --key-namespace
OAEP = ["oaep-sha1", "oaep-sha256", "oaep-sha384", "oaep-sha512"]


def matrix():
    """Yield dicts: id, suite (None = CLI default), frame (None = default), size, ctx, keys, namespace,
    padding (--rsa-padding; None = CLI default), reader (keys.json names the SDK decrypts with)."""
    for si, suite in enumerate(SUITES):
        for fi, frame in enumerate(FRAMES):
            for zi, size in enumerate(SIZES):
                ctx = CONTEXT_ORDER[(si + fi + zi) % len(CONTEXT_ORDER)]
                key = KEY_ORDER[(si + 2 * fi + zi) % len(KEY_ORDER)]
                yield dict(id="%s-f%d-s%d-%s-%s" % (common.suite_hex(suite), frame, size, ctx, key),
                           suite=suite, frame=frame, size=size, ctx=ctx, keys=[key],
                           namespace=common.PROVIDER_ID, padding=None, reader=[key])
    for suite in SUITES:
        hex_id = common.suite_hex(suite)
        # Non-ASCII namespace (provider id) and key name (key-id).
        yield dict(id="unicode-key-%s" % hex_id, suite=suite, frame=4096, size=4097, ctx="unicode",
                   keys=["aes-256-unicode"], namespace=common.UNICODE_PROVIDER_ID, padding=None,
                   reader=["aes-256-unicode"])
        # Two EDKs; the decryptor only has the second key, so it must skip the first EDK.
        yield dict(id="two-keys-%s" % hex_id, suite=suite, frame=4096, size=100000, ctx="many",
                   keys=["aes-256", "aes-128"], namespace=common.PROVIDER_ID, padding=None, reader=["aes-128"])
    # Defaults: no --suite, --frame-length or --key-namespace.
    yield dict(id="cli-defaults", suite=None, frame=None, size=4097, ctx="unicode", keys=["aes-256"],
               namespace=None, padding=None, reader=["aes-256"])
    # Raw RSA: the public-only entry encrypts (PEM or base64 DER), the SDK decrypts with the private key.
    for pi, padding in enumerate(OAEP):
        for si, suite in enumerate(SUITES):
            public = "rsa-2048-public-der" if (pi + si) % 2 else "rsa-2048-public"
            yield dict(id="rsa-%s-%s" % (padding, common.suite_hex(suite)), suite=suite, frame=[4096, 128][si],
                       size=[4097, 1000, 0, 100000][(pi + si) % 4], ctx=CONTEXT_ORDER[(pi + si) % 3], keys=[public],
                       namespace=common.PROVIDER_ID, padding=padding, reader=["rsa-2048-private"])
    yield dict(id="rsa-default-padding", suite=None, frame=None, size=4097, ctx="empty", keys=["rsa-2048-public"],
               namespace=None, padding=None, reader=["rsa-2048-private"])
    yield dict(id="rsa-private-entry-0578", suite=0x0578, frame=4096, size=4097, ctx="unicode",
               keys=["rsa-2048-private"], namespace=common.PROVIDER_ID, padding="oaep-sha384",
               reader=["rsa-2048-private"])
    # AES + RSA EDKs; the SDK holds only one of the two keys.
    yield dict(id="aes-and-rsa-0478", suite=0x0478, frame=4096, size=100000, ctx="many",
               keys=["aes-256", "rsa-2048-public"], namespace=common.PROVIDER_ID, padding="oaep-sha512",
               reader=["rsa-2048-private"])
    yield dict(id="rsa-and-aes-0578", suite=0x0578, frame=4096, size=100000, ctx="unicode",
               keys=["rsa-2048-public", "aes-128"], namespace=common.PROVIDER_ID, padding="oaep-sha1",
               reader=["aes-128"])
    yield dict(id="rsa-unicode-key-0478", suite=0x0478, frame=4096, size=4097, ctx="unicode",
               keys=["rsa-2048-unicode-public"], namespace=common.UNICODE_PROVIDER_ID, padding="oaep-sha256",
               reader=["rsa-2048-unicode-private"])


def encrypt_args(case, keys_path, plaintext_path, ciphertext_path):
    args = ["encrypt", "--keys", keys_path]
    for key in case["keys"]:
        args += ["--key", key]
    if case["namespace"] is not None:
        args += ["--key-namespace", case["namespace"]]
    if case["padding"] is not None:
        args += ["--rsa-padding", case["padding"]]
    for k, v in common.CONTEXTS[case["ctx"]].items():
        args += ["--context", "%s=%s" % (k, v)]
    if case["frame"] is not None:
        args += ["--frame-length", str(case["frame"])]
    if case["suite"] is not None:
        args += ["--suite", "0x%s" % common.suite_hex(case["suite"])]
    return args + [plaintext_path, ciphertext_path]


def check_header(case, ciphertext):
    """Parse the header with the official SDK; return a reason string if it does not match the request."""
    header, _raw = deserialize_header(io.BytesIO(ciphertext))
    suite = header.algorithm.algorithm_id
    if case["suite"] is not None and suite != case["suite"]:
        return "suite 0x%04x in header, asked for 0x%04x" % (suite, case["suite"])
    if suite not in SUITES:
        return "suite 0x%04x is not committing" % suite
    if case["frame"] is not None and header.frame_length != case["frame"]:
        return "frame length %d in header, asked for %d" % (header.frame_length, case["frame"])
    if (suite == 0x0578) != ("aws-crypto-public-key" in header.encryption_context):
        return "aws-crypto-public-key must be in the header context iff the suite signs"
    context = {k: v for k, v in header.encryption_context.items() if k != "aws-crypto-public-key"}
    if context != common.CONTEXTS[case["ctx"]]:
        return "encryption context in header differs from the --context pairs"
    namespace = case["namespace"] if case["namespace"] is not None else DEFAULT_NAMESPACE
    want = sorted((namespace, common.key_id(k), "rsa" if common.is_rsa(k) else "aes") for k in case["keys"])
    got = sorted(edk_name(edk) for edk in header.encrypted_data_keys)
    if got != want:
        return "EDKs %r, expected %r" % (got, want)
    return None


def edk_name(edk):
    """(provider id, key name, "rsa" | "aes") of an EDK. A 2048-bit RSA EDK is 256 bytes and its provider
    info is the key name alone; raw AES provider info = key name || u32 tag bits || u32 IV length ||
    IV(12) (drop the last 20 bytes), its ciphertext = data key + 16-byte tag (at most 48 bytes)."""
    info = edk.key_provider.key_info
    if len(edk.encrypted_data_key) == 256:
        return edk.key_provider.provider_id, info.decode("utf-8", "replace"), "rsa"
    return edk.key_provider.provider_id, info[:-20].decode("utf-8", "replace"), "aes"


def run_case(envseal, outdir, paths, case):
    """Encrypt one case with the CLI; returns None or a failure reason."""
    ciphertext_path = os.path.join(outdir, "ciphertexts", case["id"])
    args = encrypt_args(case, os.path.join(outdir, "keys.json"), paths[case["size"]], ciphertext_path)
    proc = subprocess.run([envseal] + args, capture_output=True, timeout=300)
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        return "envseal encrypt exited %d: %s" % (proc.returncode, stderr[-500:])
    try:
        with open(ciphertext_path, "rb") as f:
            return check_header(case, f.read())
    except Exception as error:  # noqa: BLE001 -- unparseable output is a failure, not a crash
        return "header does not parse: %s: %s" % (type(error).__name__, error)


def envseal_version(envseal):
    try:
        out = subprocess.run([envseal, "--version"], capture_output=True, timeout=30).stdout.decode().split()
        return out[-1] if out else "unknown"
    except OSError:
        return "unknown"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: envseal_writes.py ENVSEAL_BIN OUTDIR")
    envseal, outdir = os.path.abspath(sys.argv[1]), sys.argv[2]
    if not os.access(envseal, os.X_OK):
        sys.exit("envseal_writes: %s is not an executable" % envseal)
    start = time.time()
    cases = list(matrix())
    assert len({c["id"] for c in cases}) == len(cases)
    os.makedirs(os.path.join(outdir, "ciphertexts"), exist_ok=True)
    paths = common.write_inputs(outdir, {c["size"] for c in cases})
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        reasons = list(pool.map(lambda c: run_case(envseal, outdir, paths, c), cases))
    tests, failed = {}, 0
    for case, reason in zip(cases, reasons):
        if reason is not None:
            failed += 1
            print("FAIL %s: %s" % (case["id"], reason))
            continue
        padding = case["padding"] or common.ENVSEAL_DEFAULT_RSA_PADDING
        uses_rsa = any(common.is_rsa(k) for k in case["keys"])
        description = "envseal encrypt: suite %s, frame %s, context %s, plaintext %d bytes, keys %s in %s%s" % (
            "0x" + common.suite_hex(case["suite"]) if case["suite"] else "default",
            case["frame"] if case["frame"] else "default",
            common.context_description(case["ctx"]), case["size"], " + ".join(case["keys"]),
            case["namespace"] or "default namespace",
            ", RSA padding %s%s" % (padding, "" if case["padding"] else " (default)") if uses_rsa else "")
        namespace = case["namespace"] or DEFAULT_NAMESPACE
        master_keys = [common.master_key_spec(k, namespace, padding if common.is_rsa(k) else None)
                       for k in case["reader"]]
        tests[case["id"]] = common.manifest_test(
            case["id"], description, master_keys, case["size"], common.CONTEXTS[case["ctx"]])
    common.write_manifest(outdir, {"name": "envseal", "version": envseal_version(envseal)}, tests)
    print("envseal_writes: %d cases written, %d failed, in %s (%.1fs)" % (
        len(tests), failed, outdir, time.time() - start))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
