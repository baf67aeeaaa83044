"""Shared pieces of the interop harness: keys, plaintexts, contexts, manifest I/O.

Everything here is deterministic: the same inputs give byte-identical keys.json,
plaintexts and manifest.json on every run (ciphertexts differ, being randomised).
The RSA key pair is the CLI tests' committed 2048-bit test key (cli/tests/data), so no
key generation happens at run time.
The manifest layout follows the crypto-tools test-vector framework (`awses-decrypt`
manifest v2, `keys` manifest v3), like the ESDK-NET vectors in shared/esdk-vectors.
"""
import base64
import functools
import hashlib
import json
import os

from cryptography.hazmat.primitives import serialization

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


# The RSA test key pair (2048-bit; PKCS#8 private / SPKI public PEM), committed as CLI test data.
_RSA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cli", "tests", "data")


def _read(name):
    with open(os.path.join(_RSA_DIR, name), "rb") as f:
        return f.read()


RSA_PRIVATE_PEM = _read("rsa-2048-private.pem")
RSA_PUBLIC_PEM = _read("rsa-2048-public.pem")
RSA_KEY_ID = "rsa-2048"
RSA_UNICODE_KEY_ID = "clé-RSA-🔑-ключ"

# keys.json name -> (type "private" | "public", key-id written into the EDK provider info, encoding, PEM).
# A private entry and a public entry with the same key-id are two halves of one master key: the public
# one encrypts, the private one decrypts what either wrote.
RSA_KEYS = {
    "rsa-2048-private": ("private", RSA_KEY_ID, "pem", RSA_PRIVATE_PEM),
    "rsa-2048-public": ("public", RSA_KEY_ID, "pem", RSA_PUBLIC_PEM),
    # The public key as DER in base64 ("encoding": "base64").
    "rsa-2048-public-der": ("public", RSA_KEY_ID, "base64", RSA_PUBLIC_PEM),
    "rsa-2048-unicode-private": ("private", RSA_UNICODE_KEY_ID, "pem", RSA_PRIVATE_PEM),
    "rsa-2048-unicode-public": ("public", RSA_UNICODE_KEY_ID, "pem", RSA_PUBLIC_PEM),
}


def is_rsa(name):
    return name in RSA_KEYS


def key_id(name):
    """The key name an EDK of keys.json key `name` carries."""
    return RSA_KEYS[name][1] if is_rsa(name) else KEYS[name][0]


def _der(pem):
    """PEM (PKCS#8 private or SPKI public) -> DER."""
    if b"PRIVATE" in pem:
        key = serialization.load_pem_private_key(pem, password=None)
        return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    key = serialization.load_pem_public_key(pem)
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def der_to_pem(der, private):
    """DER (PKCS#8 private or SPKI public) -> PEM, for the SDK's WrappingKey (PEM only)."""
    if private:
        key = serialization.load_der_private_key(der, password=None)
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    key = serialization.load_der_public_key(der)
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _rsa_entry(kind, key_id_, encoding, pem):
    material = pem.decode("ascii") if encoding == "pem" else base64.b64encode(_der(pem)).decode("ascii")
    return {
        "encrypt": True,
        "decrypt": kind == "private",
        "type": kind,
        "key-id": key_id_,
        "algorithm": "rsa",
        "bits": 2048,
        "encoding": encoding,
        "material": material,
    }


def keys_manifest():
    """keys.json content (keys manifest v3: `material` is one string: base64 for AES, PEM or base64 DER
    for RSA)."""
    keys = {
        name: {
            "encrypt": True,
            "decrypt": True,
            "type": "symmetric",
            "key-id": key_id_,
            "algorithm": "aes",
            "bits": len(material) * 8,
            "encoding": "base64",
            "material": base64.b64encode(material).decode("ascii"),
        }
        for name, (key_id_, material) in KEYS.items()
    }
    keys.update({name: _rsa_entry(*entry) for name, entry in RSA_KEYS.items()})
    return {"manifest": {"type": "keys", "version": 3}, "keys": keys}


# RSA paddings: envseal's --rsa-padding name -> (manifest padding-algorithm, padding-hash, SDK algorithm).
# OAEP uses MGF1 with the same hash. PKCS#1 v1.5: envseal decrypts it but never encrypts with it.
RSA_PADDINGS = {
    "pkcs1": ("pkcs1", None, WrappingAlgorithm.RSA_PKCS1),
    "oaep-sha1": ("oaep-mgf1", "sha1", WrappingAlgorithm.RSA_OAEP_SHA1_MGF1),
    "oaep-sha256": ("oaep-mgf1", "sha256", WrappingAlgorithm.RSA_OAEP_SHA256_MGF1),
    "oaep-sha384": ("oaep-mgf1", "sha384", WrappingAlgorithm.RSA_OAEP_SHA384_MGF1),
    "oaep-sha512": ("oaep-mgf1", "sha512", WrappingAlgorithm.RSA_OAEP_SHA512_MGF1),
}
ENVSEAL_DEFAULT_RSA_PADDING = "oaep-sha256"  # the CLI's default --rsa-padding


def rsa_padding_name(spec):
    """The RSA_PADDINGS name of a manifest master key's padding-algorithm / padding-hash."""
    for name, (algorithm, hash_, _wrapping) in RSA_PADDINGS.items():
        if spec.get("padding-algorithm") == algorithm and (algorithm == "pkcs1" or spec.get("padding-hash") == hash_):
            return name
    raise ValueError("unknown RSA padding %r / %r" % (spec.get("padding-algorithm"), spec.get("padding-hash")))


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


def raw_rsa_master_key(key_id, pem, private, padding, provider_id):
    """The SDK's raw RSA master key (= raw RSA keyring): EDK provider info = key_id alone. A private
    key encrypts with its public half and decrypts; a public key only encrypts."""
    key_type = EncryptionKeyType.PRIVATE if private else EncryptionKeyType.PUBLIC
    wrapping = WrappingKey(RSA_PADDINGS[padding][2], pem, key_type)
    return RawMasterKey(provider_id=provider_id, key_id=key_id.encode("utf-8"), wrapping_key=wrapping)


@functools.lru_cache(maxsize=None)
def master_key(name, provider_id, padding=None):
    """The SDK master key for keys.json key `name` (RSA keys need a `padding` from RSA_PADDINGS).
    Cached: loading an RSA private key costs ~50 ms (OpenSSL checks it); master keys hold no state."""
    if is_rsa(name):
        kind, key_id_, _encoding, pem = RSA_KEYS[name]
        return raw_rsa_master_key(key_id_, pem, kind == "private", padding, provider_id)
    return raw_master_key(*KEYS[name], provider_id)


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


def master_key_spec(key_name, provider_id=PROVIDER_ID, padding=None):
    """One entry of a test's `master-keys` list; RSA keys carry their padding
    (`padding-algorithm` pkcs1 | oaep-mgf1, and `padding-hash` for OAEP)."""
    if not is_rsa(key_name):
        return {"type": "raw", "key": key_name, "provider-id": provider_id, "encryption-algorithm": "aes"}
    algorithm, hash_, _wrapping = RSA_PADDINGS[padding]
    spec = {"type": "raw", "key": key_name, "provider-id": provider_id, "encryption-algorithm": "rsa",
            "padding-algorithm": algorithm}
    if hash_ is not None:
        spec["padding-hash"] = hash_
    return spec


def describe_key(ref):
    """`name@provider` or `name@provider/padding` for a key reference (name, provider id[, padding])."""
    return "%s@%s" % ref[:2] + ("/%s" % ref[2] if len(ref) > 2 and ref[2] else "")


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
