#!/usr/bin/env python3
"""esdk_stream_peer.py: the official AWS Encryption SDK for Python as the peer of the browser
stream tests (tests/js/streams-interop.test.mjs). Reads and writes files, streaming (constant
memory), with one raw AES master key given on the command line.

  esdk_stream_peer.py decrypt NAMESPACE NAME KEY_HEX IN
      decrypts IN; prints {"sha256", "length", "suite", "frameLength"} of the plaintext as JSON.
      Fails (exit 1) on any SDK error or if bytes follow the message.
  esdk_stream_peer.py encrypt NAMESPACE NAME KEY_HEX OUT SIZE SUITE FRAME_LENGTH
      encrypts SIZE pseudo-random bytes (SHA-256 counter mode, seeded with SIZE) into OUT with
      SUITE ("0x0478", "0x0578") and FRAME_LENGTH (0: a non-framed body); prints
      {"sha256", "length"} of the plaintext.
"""
import hashlib
import json
import sys

from aws_encryption_sdk import CommitmentPolicy, EncryptionSDKClient
from aws_encryption_sdk.identifiers import Algorithm, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

CLIENT = EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
SUITES = {
    "0x0478": Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    "0x0578": Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
}
WRAPPING = {
    16: WrappingAlgorithm.AES_128_GCM_IV12_TAG16_NO_PADDING,
    24: WrappingAlgorithm.AES_192_GCM_IV12_TAG16_NO_PADDING,
    32: WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
}
CHUNK = 1 << 20


def master_key(namespace, name, key_hex):
    """The SDK's raw AES master key, equal to envseal's RawAesKeyring({ keyNamespace, keyName })."""
    material = bytes.fromhex(key_hex)
    wrapping = WrappingKey(WRAPPING[len(material)], material, EncryptionKeyType.SYMMETRIC)
    return RawMasterKey(provider_id=namespace, key_id=name.encode("utf-8"), wrapping_key=wrapping)


def plaintext_chunks(size):
    """SIZE deterministic pseudo-random bytes, in 1 MiB chunks."""
    counter = 0
    produced = 0
    seed = size.to_bytes(8, "big")
    while produced < size:
        block = bytearray()
        while len(block) < min(CHUNK, size - produced):
            block += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
            counter += 1
        block = bytes(block[: min(CHUNK, size - produced)])
        produced += len(block)
        yield block


class Source:
    """A file-like object over a generator of chunks (what the SDK's stream encryptor reads)."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.chunk = b""
        self.offset = 0

    def read(self, n=-1):
        parts = []
        wanted = n
        while wanted != 0:
            if self.offset == len(self.chunk):
                self.chunk = next(self.chunks, None)
                self.offset = 0
                if self.chunk is None:
                    self.chunk = b""
                    break
            take = len(self.chunk) - self.offset if wanted < 0 else min(wanted, len(self.chunk) - self.offset)
            parts.append(self.chunk[self.offset : self.offset + take])
            self.offset += take
            if wanted > 0:
                wanted -= take
        return b"".join(parts)

    def close(self):
        pass


def decrypt(namespace, name, key_hex, path):
    digest = hashlib.sha256()
    length = 0
    with open(path, "rb") as source:
        with CLIENT.stream(mode="d", source=source, key_provider=master_key(namespace, name, key_hex)) as decryptor:
            for chunk in decryptor:
                digest.update(chunk)
                length += len(chunk)
            header = decryptor.header
        end = source.tell()
        source.seek(0, 2)
        if source.tell() != end:
            raise ValueError("%d bytes follow the message" % (source.tell() - end))
    return {
        "sha256": digest.hexdigest(),
        "length": length,
        "suite": header.algorithm.algorithm_id,
        "frameLength": header.frame_length,
    }


def encrypt(namespace, name, key_hex, path, size, suite, frame_length):
    digest = hashlib.sha256()

    def hashed():
        for chunk in plaintext_chunks(size):
            digest.update(chunk)
            yield chunk

    with open(path, "wb") as out:
        with CLIENT.stream(
            mode="e",
            source=Source(hashed()),
            key_provider=master_key(namespace, name, key_hex),
            algorithm=SUITES[suite],
            frame_length=frame_length,
            encryption_context={"written-by": "aws-encryption-sdk-python"},
        ) as encryptor:
            for chunk in encryptor:
                out.write(chunk)
    return {"sha256": digest.hexdigest(), "length": size}


def main(argv):
    if len(argv) == 5 and argv[0] == "decrypt":
        result = decrypt(*argv[1:])
    elif len(argv) == 8 and argv[0] == "encrypt":
        result = encrypt(*argv[1:5], int(argv[5]), argv[6], int(argv[7]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
