"""Signs a fixed set of KMS JSON requests with botocore's SigV4 signer and prints them as JSON.

The output is committed as tests/data/sigv4-botocore.json; tests/sigv4.rs checks envseal's signer
against it, and `make test-interop` re-runs this script to check the file still matches botocore.
Usage: python sigv4_botocore.py > tests/data/sigv4-botocore.json
"""
import datetime
import json
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CASES = [
    # (name, host, region, target, body, access key, secret, session token, date)
    ("generate-data-key", "kms.us-east-1.amazonaws.com", "us-east-1", "TrentService.GenerateDataKey",
     '{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/abc","NumberOfBytes":32}',
     "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, "20261128T123600Z"),
    ("decrypt-with-session-token", "kms.eu-west-1.amazonaws.com", "eu-west-1", "TrentService.Decrypt",
     '{"CiphertextBlob":"AQIDBA==","EncryptionContext":{"tenant":"acme"}}',
     "ASIAEXAMPLE", "secret/with+chars", "FQoGZXIvYXdzEXAMPLETOKEN==", "20260101T000000Z"),
    ("moto-local-port", "127.0.0.1:5123", "us-west-2", "TrentService.Encrypt",
     '{"KeyId":"alias/app","Plaintext":"AAAA"}',
     "testing", "testing", None, "20251231T235959Z"),
    ("empty-body", "kms.us-east-1.amazonaws.com", "us-east-1", "TrentService.ListKeys", "",
     "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, "20261128T000001Z"),
    ("unicode-context", "kms.ap-south-1.amazonaws.com", "ap-south-1", "TrentService.GenerateDataKey",
     json.dumps({"KeyId": "k", "EncryptionContext": {"clé": "✓ ü"}}, ensure_ascii=False),
     "AKIDEXAMPLE", "s3cr3t", None, "20261128T101010Z"),
]


def sign(name, host, region, target, body, akid, secret, token, date):
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target, "Host": host}
    request = AWSRequest(method="POST", url=f"https://{host}/", data=body.encode("utf-8"), headers=headers)
    when = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        SigV4Auth(Credentials(akid, secret, token), "kms", region).add_auth(request)
    return {
        "name": name, "host": host, "region": region, "service": "kms", "target": target, "body": body,
        "access_key_id": akid, "secret_access_key": secret, "session_token": token, "amz_date": date,
        "expected": {
            "x-amz-date": request.headers["X-Amz-Date"],
            "x-amz-security-token": request.headers.get("X-Amz-Security-Token"),
            "authorization": request.headers["Authorization"],
        },
    }


if __name__ == "__main__":
    print(json.dumps({"botocore_signer": "SigV4Auth", "cases": [sign(*c) for c in CASES]}, indent=2, ensure_ascii=False))
