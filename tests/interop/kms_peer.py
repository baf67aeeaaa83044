"""The official AWS Encryption SDK for Python with its KMS master key provider, pointed at a local
KMS-compatible server (moto) through AWS_ENDPOINT_URL. Used by tests/kms_moto.rs.

  kms_peer.py encrypt KEY_ARN IN OUT [k=v ...]   # writes a message for KEY_ARN (suite 0x0478 and 0x0578 alike)
  kms_peer.py decrypt IN OUT                     # decrypts with any KMS key the message names
"""
import os
import sys

import aws_encryption_sdk
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.identifiers import Algorithm


def main(argv):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if "AWS_ENDPOINT_URL" not in os.environ:
        sys.exit("kms_peer: AWS_ENDPOINT_URL must name the local KMS server")
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    mode = argv[1]
    if mode == "encrypt":
        key_arn, src, dst = argv[2:5]
        context = dict(pair.split("=", 1) for pair in argv[5:])
        provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[key_arn])
        suite = Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384
        with open(src, "rb") as f:
            ciphertext, _ = client.encrypt(source=f.read(), key_provider=provider, encryption_context=context, algorithm=suite)
        with open(dst, "wb") as f:
            f.write(ciphertext)
    elif mode == "decrypt":
        src, dst = argv[2:4]
        provider = aws_encryption_sdk.DiscoveryAwsKmsMasterKeyProvider()
        with open(src, "rb") as f:
            plaintext, header = client.decrypt(source=f.read(), key_provider=provider)
        with open(dst, "wb") as f:
            f.write(plaintext)
        print(" ".join(f"{k}={v}" for k, v in sorted(header.encryption_context.items()) if not k.startswith("aws-crypto-")))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
