"""Shared pieces of the interop harness: keys, plaintexts, contexts, manifest I/O.

Everything here is deterministic: the same inputs give byte-identical keys.json,
plaintexts and manifest.json on every run (ciphertexts differ, being randomised).
The manifest layout follows the crypto-tools test-vector framework (`awses-decrypt`
manifest v2, `keys` manifest v3), like the ESDK-NET vectors in shared/esdk-vectors.
"""
import base64
import hashlib
import json
import os

from aws_encryption_sdk.exceptions import InvalidKeyIdError
from aws_encryption_sdk.identifiers import EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.base import MasterKeyProvider, MasterKeyProviderConfig
from aws_encryption_sdk.key_providers.raw import RawMasterKey

# ---------------------------------------------------------------- keys
PROVIDER_ID = "envseal-interop"
# Non-ASCII provider id: its u16 length in the EDK is a UTF-8 byte count, not a char count.
UNICODE_PROVIDER_ID = "fournisseur-ü-🔐-提供者"

# keys.json name -> (key-id written into the EDK provider info, key bytes)
KEYS = {
    "aes-128": ("aes-128", bytes(range(16))),
    "aes-192": ("aes-192", bytes(range(24))),
    "aes-256": ("aes-256", bytes(range(32))),
    "aes-256-unicode": ("clé-🔑-ключ-鍵", bytes(range(32, 64))),
}


def keys_manifest():
    """keys.json content (keys manifest v3: `material` is one base64 string)."""
    return {
        "manifest": {"type": "keys", "version": 3},
        "keys": {
            name: {
                "encrypt": True,
                "decrypt": True,
                "type": "symmetric",
                "key-id": key_id,
                "algorithm": "aes",
                "bits": len(material) * 8,
                "encoding": "base64",
                "material": base64.b64encode(material).decode("ascii"),
            }
            for name, (key_id, material) in KEYS.items()
        },
    }


# Raw AES wrapping = plain AES-GCM with the wrapping key ("NO_PADDING" in the SDK's names).
WRAPPING = {
    128: WrappingAlgorithm.AES_128_GCM_IV12_TAG16_NO_PADDING,
    192: WrappingAlgorithm.AES_192_GCM_IV12_TAG16_NO_PADDING,
    256: WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
}


def raw_master_key(key_id, material, provider_id):
    """The SDK's raw AES master key (= raw AES keyring): EDK provider id = provider_id, key name = key_id."""
    wrapping = WrappingKey(WRAPPING[len(material) * 8], material, EncryptionKeyType.SYMMETRIC)
    return RawMasterKey(provider_id=provider_id, key_id=key_id.encode("utf-8"), wrapping_key=wrapping)


class KeySet(MasterKeyProvider):
    """Plain container of master keys: encrypt wraps the data key with each (the first generates it);
    decrypt tries each. (RawMasterKey.add_master_key_provider is no substitute: a MasterKey's
    master_keys_for_encryption and decrypt_data_key only ever use the key itself.)"""

    provider_id = "envseal-interop-keyset"  # never matches an EDK, so only the members are used
    _config_class = MasterKeyProviderConfig

    def _new_master_key(self, key_id):
        raise InvalidKeyIdError("KeySet vends no keys")


def key_set(master_keys):
    provider = KeySet()
    for master_key in master_keys:
        provider.add_master_key_provider(master_key)
    return provider


def master_key_spec(key_name, provider_id=PROVIDER_ID):
    """One entry of a test's `master-keys` list."""
    return {"type": "raw", "key": key_name, "provider-id": provider_id, "encryption-algorithm": "aes"}


# ---------------------------------------------------------------- contexts
def _many_pairs(n=200):
    # Keys sort the same as strings and as UTF-8 bytes; some values are non-ASCII.
    return {"pair-%03d" % i: ("value-%d" % i if i % 3 else "wert-%d-ä€" % i) for i in range(n)}


CONTEXTS = {
    "empty": {},
    "ascii": {"purpose": "interop", "team": "envseal"},
    # U+FF21 sorts before U+1F511 in UTF-8 byte order but AFTER it in UTF-16 code-unit order
    # (surrogate D83D < FF21): catches implementations sorting JS strings.
    "unicode": {
        "résumé": "naïve café",
        "🔑": "🐍✨ snake",
        "\uff21-fullwidth": "Ａ",
        "日本語": "テスト",
        "ctrl": "tab\tnew\nline",
    },
    "many": _many_pairs(),
    # One big value: a header AAD of ~30 KB, half of the u16 limit.
    "large": {"blob": "0123456789abcdef" * 1024, "blob-ü": "ü€🔑" * 1024},
}


def context_description(name):
    return "%s (%d pairs)" % (name, len(CONTEXTS[name]))


# ---------------------------------------------------------------- plaintexts
def plaintext(size):
    """Deterministic pseudo-random bytes of the given length (SHAKE-256 of a fixed label)."""
    return hashlib.shake_256(b"envseal-interop-plaintext-%d" % size).digest(size) if size else b""


def plaintext_name(size):
    return "size-%d" % size


# ---------------------------------------------------------------- manifest I/O
def suite_hex(suite_id):
    return "%04x" % suite_id


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False, sort_keys=False)
        f.write("\n")


def write_inputs(outdir, plaintext_sizes):
    """Write keys.json and plaintexts/size-N for each size; returns {size: path}."""
    write_json(os.path.join(outdir, "keys.json"), keys_manifest())
    os.makedirs(os.path.join(outdir, "plaintexts"), exist_ok=True)
    paths = {}
    for size in sorted(plaintext_sizes):
        paths[size] = os.path.join(outdir, "plaintexts", plaintext_name(size))
        with open(paths[size], "wb") as f:
            f.write(plaintext(size))
    return paths


def write_manifest(outdir, client, tests):
    """Write manifest.json; `tests` is {id: test dict} with ciphertexts already in ciphertexts/."""
    manifest = {
        "manifest": {"type": "awses-decrypt", "version": 2},
        "client": client,
        "keys": "file://keys.json",
        "tests": tests,
    }
    write_json(os.path.join(outdir, "manifest.json"), manifest)


def manifest_test(case_id, description, master_keys, size, context):
    """One `awses-decrypt` test entry; `encryption-context` only when non-empty."""
    test = {
        "description": description,
        "ciphertext": "file://ciphertexts/%s" % case_id,
        "master-keys": master_keys,
    }
    if context:
        test["encryption-context"] = context
    test["result"] = {"output": {"plaintext": "file://plaintexts/%s" % plaintext_name(size)}}
    return test


def read_uri(base_dir, uri):
    """Read a manifest `file://relative/path` URI (relative to the manifest's directory)."""
    if not uri.startswith("file://"):
        raise ValueError("unsupported URI %r" % uri)
    with open(os.path.join(base_dir, uri[len("file://"):]), "rb") as f:
        return f.read()
