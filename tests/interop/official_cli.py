"""Interop with the official aws-encryption-cli (PyPI aws-encryption-sdk-cli, on aws-encryption-sdk 3.x).

Usage: .venv-cli/bin/python tests/interop/official_cli.py ENVSEAL_CLI WORKDIR

Both directions, as a user of either CLI would run them:
- envseal writes, the official CLI reads: `envseal encrypt -r` per case group, then one
  `aws-encryption-cli --decrypt -r` over everything (streaming, and `--buffer` for one-shot); its
  metadata (`--metadata-output`) must show the suite, frame length and context envseal wrote;
- the official CLI writes (streaming, and `--buffer`), envseal reads: `envseal decrypt -r` with
  `--metadata-output`, checked the same way.
Sizes 0, 1, F-1, F, F+1, 2F, 3F+7 (frame multiples included: the official CLI refused envseal's
full final frames before envseal wrote them as the official SDKs do), suites 0x0478 and 0x0578,
frame lengths 128, 4096 and 65536, contexts empty, ASCII and with non-BMP characters, raw AES-256,
AES-128 and RSA (OAEP-SHA256, OAEP-SHA1) keys through the plugin in tests/interop/cli_plugin.
Every decrypted file is compared with the plaintext this script made. Prints a line per failure
and ends with "N passed, M failed"; exit 1 if any failed.
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RSA_PEM = os.path.join(HERE, "..", "..", "cli", "tests", "data", "rsa-2048-private.pem")
OFFICIAL = os.path.join(os.path.dirname(sys.executable), "aws-encryption-cli")

SUITES = {0x0478: "AES_256_GCM_HKDF_SHA512_COMMIT_KEY", 0x0578: "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384"}
FRAMES = [128, 4096, 65536]
CONTEXTS = [{}, {"purpose": "interop", "tenant": "acme"}, {"\uff21": "a", "\U0001f600": "b", "k\U0001f512": "v\u00e9"}]
# name -> (envseal --key / plugin key-id, envseal --rsa-padding or None)
KEYS = {"aes-256": None, "aes-128": None, "rsa-oaep-sha256": "oaep-sha256", "rsa-oaep-sha1": "oaep-sha1"}


def keys_manifest():
    with open(RSA_PEM, encoding="ascii") as f:
        pem = f.read()

    def aes(n):
        return {"type": "symmetric", "algorithm": "aes", "encoding": "base64", "bits": n * 8, "key-id": f"aes-{n * 8}",
                "material": base64.b64encode(bytes(range(n))).decode()}

    def rsa(name, digest):
        return {"type": "private", "algorithm": "rsa", "encoding": "pem", "bits": 2048, "key-id": name,
                "padding-hash": digest, "material": pem}

    return {"manifest": {"type": "keys", "version": 3},
            "keys": {"aes-256": aes(32), "aes-128": aes(16), "rsa-oaep-sha256": rsa("rsa-oaep-sha256", "sha256"),
                     "rsa-oaep-sha1": rsa("rsa-oaep-sha1", "sha1")}}


def plaintext(size, seed):
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def cases():
    """(group name, suite, frame, context, key) and the sizes of each group."""
    groups = []
    for suite in SUITES:
        for i, frame in enumerate(FRAMES):
            for j, context in enumerate(CONTEXTS):
                groups.append((f"aes-256-{suite:04x}-f{frame}-c{j}", suite, frame, context, "aes-256"))
        groups.append((f"aes-128-{suite:04x}-f4096-c2", suite, 4096, CONTEXTS[2], "aes-128"))
        for key in ("rsa-oaep-sha256", "rsa-oaep-sha1"):
            groups.append((f"{key}-{suite:04x}-f4096-c1", suite, 4096, CONTEXTS[1], key))
    return groups


def sizes(frame):
    return [0, 1, frame - 1, frame, frame + 1, 2 * frame, 3 * frame + 7]


def run(args, env):
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{os.path.basename(args[0])} exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return result


def context_args(flag, context):
    """envseal's form: one flag per pair."""
    out = []
    for k, v in context.items():
        out += [flag, f"{k}={v}"]
    return out


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}")


def read_metadata(path):
    """The official CLI's and envseal's metadata lines, by "group/file name" of the output."""
    by_output = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            folder, name = os.path.split(record["output"])
            by_output[f"{os.path.basename(folder)}/{name}"] = record
    return by_output


PUBLIC_KEY = "aws-crypto-public-key"


def facts(suite, frame_length, context):
    """(suite id, frame length, context, signed): a signing suite stores its verification key in
    the context (aws-crypto-public-key), which the comparison leaves out but requires."""
    context = dict(context)
    signed = context.pop(PUBLIC_KEY, None) is not None
    return suite, frame_length, context, signed


def expected_facts(suite, frame, context):
    return suite, frame, context, suite == 0x0578


def official_header_facts(header):
    """From a header in the official CLI's metadata."""
    suite = next((i for i, name in SUITES.items() if name == header["algorithm"]), header["algorithm"])
    return facts(suite, header["frame_length"], header["encryption_context"])


def envseal_header_facts(header):
    return facts(int(header["suite"], 16), header["frame_length"], header["encryption_context"])


def main(envseal, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, ENVSEAL_INTEROP_KEYS=os.path.join(work, "keys.json"))
    with open(env["ENVSEAL_INTEROP_KEYS"], "w", encoding="utf-8") as f:
        json.dump(keys_manifest(), f)
    keys_file = env["ENVSEAL_INTEROP_KEYS"]
    tally = Tally()
    groups = cases()
    expected = {}  # group -> {file name: plaintext}
    for name, suite, frame, context, key in groups:
        folder = os.path.join(work, "plain", name)
        os.makedirs(folder)
        expected[name] = {}
        for size in sizes(frame):
            data = plaintext(size, f"{name}/{size}")
            with open(os.path.join(folder, f"n{size}"), "wb") as f:
                f.write(data)
            expected[name][f"n{size}"] = data
    wrapping = ["--wrapping-keys", "provider=envseal-raw"] + [f"key={k}" for k in KEYS]

    # ---- envseal writes, the official CLI reads
    for name, suite, frame, context, key in groups:
        args = [envseal, "encrypt", "--keys", keys_file, "--key", key, "--suite", f"0x{suite:04x}",
                "--frame-length", str(frame), "-r", os.path.join(work, "plain", name), os.path.join(work, "es", name)]
        if KEYS[key]:
            args += ["--rsa-padding", KEYS[key]]
        run(args + context_args("-c", context), env)
    for mode, extra in (("streaming", []), ("buffered", ["--buffer"])):
        out = os.path.join(work, f"official-read-{mode}")
        meta = os.path.join(work, f"metadata-official-read-{mode}.jsonl")
        os.makedirs(out)  # the official CLI writes only into an existing directory
        try:
            run([OFFICIAL, "--decrypt", "-r", "-i", os.path.join(work, "es"), "-o", out, "--metadata-output", meta,
                 "--commitment-policy", "require-encrypt-require-decrypt"] + extra + wrapping, env)
        except RuntimeError as e:
            print(f"FAIL official CLI decrypt ({mode}): {e}")
            tally.failed += sum(len(v) for v in expected.values())
            continue
        records = read_metadata(meta)
        for name, suite, frame, context, key in groups:
            for file, data in expected[name].items():
                decrypted = f"{file}.encrypted.decrypted"
                path = os.path.join(out, name, decrypted)
                got = open(path, "rb").read() if os.path.exists(path) else None
                record = records.get(f"{name}/{decrypted}")
                seen = official_header_facts(record["header"]) if record else None
                tally.check(got == data and seen == expected_facts(suite, frame, context),
                            f"envseal -> official ({mode}) {name}/{file}: plaintext {'equal' if got == data else 'DIFFERS'}, header {seen}")

    # ---- the official CLI writes, envseal reads
    for mode, extra in (("streaming", []), ("buffered", ["--buffer"])):
        for name, suite, frame, context, key in groups:
            # The official CLI takes every pair after one -c.
            pairs = ["-c"] + [f"{k}={v}" for k, v in context.items()] if context else []
            os.makedirs(os.path.join(work, f"official-{mode}", name))
            run([OFFICIAL, "--encrypt", "-r", "-i", os.path.join(work, "plain", name),
                 "-o", os.path.join(work, f"official-{mode}", name), "-S", "--algorithm", SUITES[suite],
                 "--frame-length", str(frame), "--commitment-policy", "require-encrypt-require-decrypt",
                 "--wrapping-keys", "provider=envseal-raw", f"key={key}"] + extra + pairs, env)
        for name, suite, frame, context, key in groups:
            out = os.path.join(work, f"envseal-read-{mode}", name)
            meta = os.path.join(work, f"envseal-read-{mode}-{name}.jsonl")
            args = [envseal, "decrypt", "--keys", keys_file, "--key", key, "-r", "--metadata-output", meta,
                    os.path.join(work, f"official-{mode}", name), out]
            if KEYS[key]:
                args += ["--rsa-padding", KEYS[key]]
            try:
                run(args, env)
            except RuntimeError as e:
                print(f"FAIL envseal decrypt of official ({mode}) {name}: {e}")
                tally.failed += len(expected[name])
                continue
            records = read_metadata(meta)
            for file, data in expected[name].items():
                decrypted = f"{file}.encrypted.decrypted"
                path = os.path.join(out, decrypted)
                got = open(path, "rb").read() if os.path.exists(path) else None
                record = records.get(f"{name}/{decrypted}")
                seen = envseal_header_facts(record["header"]) if record else None
                tally.check(got == data and seen == expected_facts(suite, frame, context),
                            f"official ({mode}) -> envseal {name}/{file}: plaintext {'equal' if got == data else 'DIFFERS'}, header {seen}")

    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])))
