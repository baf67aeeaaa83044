#!/usr/bin/env python3
"""envseal_writes.py ENVSEAL_BIN OUTDIR -- the envseal CLI encrypts a matrix; writes an awses-decrypt manifest.

Writes OUTDIR/keys.json and OUTDIR/plaintexts/ first, runs `ENVSEAL_BIN encrypt ...` once per case
into OUTDIR/ciphertexts/, then OUTDIR/manifest.json for `python_reads.py OUTDIR`.
After each encrypt the header is parsed with the official SDK's parser to check that the CLI honoured
--suite, --frame-length, --key, --key-namespace and --context (the decrypt side cannot see those).
A case whose encrypt fails or whose header is wrong prints `FAIL id: reason`, is left out of the
manifest, and makes the script exit 1 (after writing the manifest of the good cases).

Matrix (69 cases): suites 0x0478/0x0578 x frame lengths 128/4096/65536/1 MiB x plaintext sizes
0, 1, 4095, 4096, 4097, 100000, 1 MiB+3, 3 MiB, with the context (none, unicode, 200 pairs) and the
wrapping key (aes-128/192/256) rotating; plus a non-ASCII namespace and key name, two keys, and
the CLI's defaults (no --suite/--frame-length/--key-namespace).
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


def matrix():
    """Yield dicts: id, suite (None = CLI default), frame (None = default), size, ctx, keys, namespace, reader."""
    for si, suite in enumerate(SUITES):
        for fi, frame in enumerate(FRAMES):
            for zi, size in enumerate(SIZES):
                ctx = CONTEXT_ORDER[(si + fi + zi) % len(CONTEXT_ORDER)]
                key = KEY_ORDER[(si + 2 * fi + zi) % len(KEY_ORDER)]
                yield dict(id="%s-f%d-s%d-%s-%s" % (common.suite_hex(suite), frame, size, ctx, key),
                           suite=suite, frame=frame, size=size, ctx=ctx, keys=[key],
                           namespace=common.PROVIDER_ID, reader=[key])
    for suite in SUITES:
        hex_id = common.suite_hex(suite)
        # Non-ASCII namespace (provider id) and key name (key-id).
        yield dict(id="unicode-key-%s" % hex_id, suite=suite, frame=4096, size=4097, ctx="unicode",
                   keys=["aes-256-unicode"], namespace=common.UNICODE_PROVIDER_ID, reader=["aes-256-unicode"])
        # Two EDKs; the decryptor only has the second key, so it must skip the first EDK.
        yield dict(id="two-keys-%s" % hex_id, suite=suite, frame=4096, size=100000, ctx="many",
                   keys=["aes-256", "aes-128"], namespace=common.PROVIDER_ID, reader=["aes-128"])
    # Defaults: no --suite, --frame-length or --key-namespace.
    yield dict(id="cli-defaults", suite=None, frame=None, size=4097, ctx="unicode", keys=["aes-256"],
               namespace=None, reader=["aes-256"])


def encrypt_args(case, keys_path, plaintext_path, ciphertext_path):
    args = ["encrypt", "--keys", keys_path]
    for key in case["keys"]:
        args += ["--key", key]
    if case["namespace"] is not None:
        args += ["--key-namespace", case["namespace"]]
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
    want = sorted((namespace, common.KEYS[k][0]) for k in case["keys"])
    # Raw AES provider info = key name || u32 tag bits || u32 IV length || IV(12): drop the last 20 bytes.
    got = sorted((edk.key_provider.provider_id, edk.key_provider.key_info[:-20].decode("utf-8", "replace"))
                 for edk in header.encrypted_data_keys)
    if got != want:
        return "EDKs %r, expected %r" % (got, want)
    return None


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
        description = "envseal encrypt: suite %s, frame %s, context %s, plaintext %d bytes, keys %s in %s" % (
            "0x" + common.suite_hex(case["suite"]) if case["suite"] else "default",
            case["frame"] if case["frame"] else "default",
            common.context_description(case["ctx"]), case["size"], " + ".join(case["keys"]),
            case["namespace"] or "default namespace")
        namespace = case["namespace"] or DEFAULT_NAMESPACE
        master_keys = [common.master_key_spec(k, namespace) for k in case["reader"]]
        tests[case["id"]] = common.manifest_test(
            case["id"], description, master_keys, case["size"], common.CONTEXTS[case["ctx"]])
    common.write_manifest(outdir, {"name": "envseal", "version": envseal_version(envseal)}, tests)
    print("envseal_writes: %d cases written, %d failed, in %s (%.1fs)" % (
        len(tests), failed, outdir, time.time() - start))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
