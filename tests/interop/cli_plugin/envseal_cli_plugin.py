"""A master key provider plugin for the official aws-encryption-cli: raw AES and raw RSA keys.

`aws-encryption-cli --wrapping-keys provider=envseal-raw key=NAME [key=NAME ...]` wraps (or
unwraps) with the keys NAME of the keys manifest (test-vector framework, v3) named by the
environment variable ENVSEAL_INTEROP_KEYS: "symmetric" AES keys (base64) and "private" RSA keys
(PEM). The EDK's provider id is "envseal" (envseal's default key namespace) and its key name is
the entry's "key-id". An RSA entry's padding comes from its "padding-hash" (OAEP with MGF1 of
that hash), as in the test-vector master keys.
"""
import base64
import json
import os

from aws_encryption_sdk.exceptions import InvalidKeyIdError
from aws_encryption_sdk.identifiers import EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKeyProvider

PROVIDER_ID = "envseal"
AES = {16: WrappingAlgorithm.AES_128_GCM_IV12_TAG16_NO_PADDING,
       24: WrappingAlgorithm.AES_192_GCM_IV12_TAG16_NO_PADDING,
       32: WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING}
OAEP = {"sha1": WrappingAlgorithm.RSA_OAEP_SHA1_MGF1, "sha256": WrappingAlgorithm.RSA_OAEP_SHA256_MGF1,
        "sha384": WrappingAlgorithm.RSA_OAEP_SHA384_MGF1, "sha512": WrappingAlgorithm.RSA_OAEP_SHA512_MGF1}


def _entries():
    with open(os.environ["ENVSEAL_INTEROP_KEYS"], encoding="utf-8") as f:
        keys = json.load(f)["keys"]
    return {entry["key-id"]: entry for entry in keys.values()}


class EnvsealRawKeys(RawMasterKeyProvider):
    """Raw keys looked up by key id in the keys manifest."""

    provider_id = PROVIDER_ID

    def _get_raw_key(self, key_id):
        name = key_id.decode("utf-8") if isinstance(key_id, bytes) else key_id
        entry = _entries().get(name)
        if entry is None:
            raise InvalidKeyIdError("no key {!r} in ENVSEAL_INTEROP_KEYS".format(name))
        if entry["type"] == "symmetric":
            material = base64.b64decode(entry["material"])
            return WrappingKey(AES[len(material)], material, EncryptionKeyType.SYMMETRIC)
        if entry["type"] == "private":
            algorithm = OAEP[entry.get("padding-hash", "sha256")]
            return WrappingKey(algorithm, entry["material"].encode("ascii"), EncryptionKeyType.PRIVATE)
        raise InvalidKeyIdError("key {!r}: unsupported type {!r}".format(name, entry["type"]))


def provider(key_ids=None, **_config):
    """The entry point the CLI calls (it then adds each key=... with add_master_key)."""
    return EnvsealRawKeys()
