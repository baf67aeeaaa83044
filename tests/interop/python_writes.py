#!/usr/bin/env python3
"""python_writes.py OUTDIR -- the official Python ESDK encrypts a matrix; writes an awses-decrypt manifest.

OUTDIR gets manifest.json (awses-decrypt v2), keys.json (keys v3), plaintexts/ and ciphertexts/.
`envseal vectors OUTDIR` must then decrypt every case. Raw AES and raw RSA master keys.

Matrix (256 cases):
  A. every suite x frame length {128, 4096, 65536, 1 MiB, non-framed} x sizes around the frame
     {0, 1, frame-1, frame, frame+1} (1 MiB: 0 and one of frame-1/frame/frame+1; non-framed:
     0, 1, 10000); the encryption context and the wrapping key (aes-128/192/256) rotate so that each
     suite and each frame length meets every context and every key.
  B. 3 MiB plaintexts on a few suite/frame pairs.
  C. a non-ASCII provider id + key name, and two master keys (EDKs for both, the manifest names one or both).
  D. raw RSA (2048-bit test key): each padding (PKCS#1 v1.5, which envseal only decrypts, and OAEP with
     SHA-1/256/384/512) on three suites, frame lengths and sizes; AES + RSA in one message (the reader
     holds one of them); a public + private key pair in the manifest (the public one cannot decrypt);
     a non-ASCII RSA key name; the SDK encrypting with a public-only key.
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
RSA_ORDER = ["pkcs1", "oaep-sha1", "oaep-sha256", "oaep-sha384", "oaep-sha512"]


def key_set(keys):
    """keys: list of (keys.json name, provider id[, RSA padding]); the first one generates the data key."""
    return common.key_set([common.master_key(*ref) for ref in keys])


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
    # D: raw RSA. Each padding on two v1 suites and one committing suite (together: all 11 suites).
    for pi, padding in enumerate(RSA_ORDER):
        suites = [SUITES[(2 * pi) % 9], SUITES[(2 * pi + 1) % 9], [0x0478, 0x0578][pi % 2]]
        for j, (suite, frame, size) in enumerate(zip(suites, [4096, 0, 128], [4097, 1, 300 + pi])):
            ctx = CONTEXT_ORDER[(pi + j) % len(CONTEXT_ORDER)]
            keys = [("rsa-2048-private", common.PROVIDER_ID, padding)]
            yield ("rsa-%s-%s-f%d-s%d-%s" % (padding, common.suite_hex(suite), frame, size, ctx),
                   suite, frame, size, ctx, keys, keys)
    private = lambda padding: ("rsa-2048-private", common.PROVIDER_ID, padding)  # noqa: E731
    aes = ("aes-256", common.PROVIDER_ID)
    # AES + RSA EDKs; the reader holds only the RSA key, or only the AES key.
    yield ("rsa-aes-and-rsa-0478", 0x0478, 4096, 10000, "ascii", [aes, private("oaep-sha256")],
           [private("oaep-sha256")])
    yield ("rsa-rsa-and-aes-0578", 0x0578, 4096, 10000, "unicode", [private("oaep-sha384"), aes], [aes])
    # The manifest lists the public half first (it cannot decrypt), then the private key.
    public = ("rsa-2048-public", common.PROVIDER_ID, "oaep-sha512")
    yield ("rsa-public-then-private-0178", 0x0178, 4096, 5000, "many", [private("oaep-sha512")],
           [public, private("oaep-sha512")])
    # Non-ASCII provider id and RSA key name.
    uni_rsa = ("rsa-2048-unicode-private", common.UNICODE_PROVIDER_ID, "oaep-sha1")
    yield ("rsa-unicode-key-0578", 0x0578, 4096, 5000, "unicode", [uni_rsa], [uni_rsa])
    # The SDK encrypts with the public key alone.
    yield ("rsa-sdk-public-key-0478", 0x0478, 65536, 70000, "empty",
           [("rsa-2048-public", common.PROVIDER_ID, "oaep-sha256")], [private("oaep-sha256")])


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
            " + ".join(common.describe_key(k) for k in enc_keys),
            " or ".join(common.describe_key(k) for k in dec_keys),
        )
        master_keys = [common.master_key_spec(*ref) for ref in dec_keys]
        tests[case_id] = common.manifest_test(case_id, description, master_keys, size, common.CONTEXTS[ctx])
        sizes.add(size)
    client = {"name": "aws-encryption-sdk-python", "version": aws_encryption_sdk.__version__}
    common.write_inputs(outdir, sizes)
    common.write_manifest(outdir, client, tests)
    print("python_writes: %d cases, %d plaintexts in %s (%.1fs)" % (
        len(tests), len(sizes), outdir, time.time() - start))


if __name__ == "__main__":
    main()
