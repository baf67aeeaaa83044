#!/usr/bin/env python3
"""python_writes.py OUTDIR -- the official Python ESDK encrypts a matrix; writes an awses-decrypt manifest.

OUTDIR gets manifest.json (awses-decrypt v2), keys.json (keys v3), plaintexts/ and ciphertexts/.
`envseal vectors OUTDIR` must then decrypt every case. Raw AES master keys only.

Matrix (236 cases):
  A. every suite x frame length {128, 4096, 65536, 1 MiB, non-framed} x sizes around the frame
     {0, 1, frame-1, frame, frame+1} (1 MiB: 0 and one of frame-1/frame/frame+1; non-framed:
     0, 1, 10000); the encryption context and the wrapping key (aes-128/192/256) rotate so that each
     suite and each frame length meets every context and every key.
  B. 3 MiB plaintexts on a few suite/frame pairs.
  C. a non-ASCII provider id + key name, and two master keys (EDKs for both, the manifest names one or both).
"""
import os
import sys
import time

import aws_encryption_sdk
from aws_encryption_sdk import CommitmentPolicy, EncryptionSDKClient
from aws_encryption_sdk.identifiers import Algorithm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

SUITES = [0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378, 0x0478, 0x0578]
COMMITTING = {0x0478, 0x0578}
MIB = 1 << 20
FRAMES = [128, 4096, 65536, MIB, 0]  # 0 = non-framed (legacy content type 1)
CONTEXT_ORDER = ["empty", "ascii", "unicode", "many", "large"]
KEY_ORDER = ["aes-256", "aes-128", "aes-192"]


def key_set(keys):
    """keys: list of (keys.json name, provider id); the first one generates the data key."""
    return common.key_set([common.raw_master_key(*common.KEYS[name], provider_id) for name, provider_id in keys])


def matrix():
    """Yield (case_id, suite, frame, size, context name, encrypt keys, manifest keys)."""
    for si, suite in enumerate(SUITES):
        for fi, frame in enumerate(FRAMES):
            if frame == 0:
                sizes = [0, 1, 10000]
            elif frame == MIB:
                sizes = [0, frame - 1 + si % 3]
            else:
                sizes = [0, 1, frame - 1, frame, frame + 1]
            for zi, size in enumerate(sizes):
                ctx = CONTEXT_ORDER[(si + fi + zi) % len(CONTEXT_ORDER)]
                key = KEY_ORDER[(si + 2 * fi + zi) % len(KEY_ORDER)]
                keys = [(key, common.PROVIDER_ID)]
                yield ("%s-f%d-s%d-%s-%s" % (common.suite_hex(suite), frame, size, ctx, key),
                       suite, frame, size, ctx, keys, keys)
    # B: 3 MiB (a multiple of 1 MiB, so 1 MiB frames end with an empty final frame).
    for suite, frame in [(0x0014, 0), (0x0178, MIB), (0x0214, 128), (0x0378, MIB), (0x0478, 65536),
                         (0x0578, 4096)]:
        keys = [("aes-256", common.PROVIDER_ID)]
        yield ("big-%s-f%d" % (common.suite_hex(suite), frame), suite, frame, 3 * MIB, "ascii", keys, keys)
    # C: non-ASCII provider id and key name; two master keys.
    uni = ("aes-256-unicode", common.UNICODE_PROVIDER_ID)
    first = ("aes-256", common.PROVIDER_ID)
    for i, suite in enumerate([0x0078, 0x0146, 0x0378, 0x0478, 0x0578]):
        yield ("unicode-key-%s" % common.suite_hex(suite), suite, 4096, 5000, "unicode", [uni], [uni])
        # The decryptor gets only the SECOND key (must skip the first EDK), or both in reverse order.
        reader = [uni] if i % 2 == 0 else [uni, first]
        yield ("two-keys-%s" % common.suite_hex(suite), suite, 4096, 4097 + i, CONTEXT_ORDER[i],
               [first, uni], reader)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python_writes.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(os.path.join(outdir, "ciphertexts"), exist_ok=True)
    clients = {
        # Writing v1 (non-committing) suites needs FORBID_ENCRYPT; 0x0478/0x0578 use the default policy.
        False: EncryptionSDKClient(commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT),
        True: EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT),
    }
    start = time.time()
    tests, sizes, plaintexts = {}, set(), {}
    for case_id, suite, frame, size, ctx, enc_keys, dec_keys in matrix():
        assert case_id not in tests, case_id
        if size not in plaintexts:
            plaintexts[size] = common.plaintext(size)
        ciphertext, _header = clients[suite in COMMITTING].encrypt(
            source=plaintexts[size],
            key_provider=key_set(enc_keys),
            algorithm=Algorithm.get_by_id(suite),
            frame_length=frame,
            encryption_context=common.CONTEXTS[ctx],
        )
        with open(os.path.join(outdir, "ciphertexts", case_id), "wb") as f:
            f.write(ciphertext)
        description = "suite 0x%s, %s, context %s, plaintext %d bytes, keys %s; decrypt with %s" % (
            common.suite_hex(suite),
            "frame %d" % frame if frame else "non-framed",
            common.context_description(ctx),
            size,
            " + ".join("%s@%s" % k for k in enc_keys),
            " or ".join("%s@%s" % k for k in dec_keys),
        )
        master_keys = [common.master_key_spec(name, provider) for name, provider in dec_keys]
        tests[case_id] = common.manifest_test(case_id, description, master_keys, size, common.CONTEXTS[ctx])
        sizes.add(size)
    client = {"name": "aws-encryption-sdk-python", "version": aws_encryption_sdk.__version__}
    common.write_inputs(outdir, sizes)
    common.write_manifest(outdir, client, tests)
    print("python_writes: %d cases, %d plaintexts in %s (%.1fs)" % (
        len(tests), len(sizes), outdir, time.time() - start))


if __name__ == "__main__":
    main()
