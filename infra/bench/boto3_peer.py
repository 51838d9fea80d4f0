#!/usr/bin/env python3
"""The Python 3 + boto3 peer of the start-up benchmark (`erp-bench`, see infra/bench.sh).

It does at init what a Python Lambda function with the same AWS clients would: import
boto3 and create the three clients the Rust functions carry (DynamoDB, Secrets Manager,
SES v2) from one session. Then it serves invocations from the Runtime API named by
AWS_LAMBDA_RUNTIME_API, as the Rust binaries do: the start-up benchmark stops it at its
first `GET /2018-06-01/runtime/invocation/next`.

Each invocation does what `GET /api/v1/auth/me` does in the `auth` function: read the
signing keys (Secrets Manager GetSecretValue, ERP_SECRET_ID), verify the bearer token
(HS256, kid, exp, iss, aud), read the user and the company settings (two consistent
DynamoDB GetItems on ERP_TABLE_NAME) and answer 200 with the user's id, email and name.
The endpoint comes from AWS_ENDPOINT_URL (boto3 reads it), the emulator in the benchmark.

usage: boto3_peer.py             serve invocations (the Lambda mode)
       boto3_peer.py warm N USER_ID
                                 time N GetItem and N GetSecretValue calls from warm
                                 clients and print their median milliseconds as JSON
"""
import boto3

SESSION = boto3.session.Session()
DYNAMODB = SESSION.client("dynamodb")
SECRETS = SESSION.client("secretsmanager")
SES = SESSION.client("sesv2")

# Everything below is in the standard library, already loaded by botocore.
import base64  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

RUNTIME = "/2018-06-01/runtime"


def signing_keys() -> dict:
    """kid -> key bytes, current and previous."""
    secret = json.loads(SECRETS.get_secret_value(SecretId=os.environ["ERP_SECRET_ID"])["SecretString"])
    keys = {secret["kid"]: secret["signing_key"].encode()}
    if secret.get("previous_kid") and secret.get("previous_signing_key"):
        keys[secret["previous_kid"]] = secret["previous_signing_key"].encode()
    return keys


def b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify(token: str, keys: dict) -> dict | None:
    """The token's claims if it is a valid HS256 token of ours, else None."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url(header_b64))
        claims = json.loads(b64url(claims_b64))
        signature = b64url(signature_b64)
    except ValueError:
        return None
    key = keys.get(header.get("kid"))
    if header.get("alg") != "HS256" or key is None:
        return None
    expected = hmac.new(key, f"{header_b64}.{claims_b64}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        return None
    if claims.get("iss") != os.environ.get("ERP_JWT_ISSUER", "erp"):
        return None
    if claims.get("aud") != os.environ.get("ERP_JWT_AUDIENCE", "erp-api"):
        return None
    if not isinstance(claims.get("exp"), int) or claims["exp"] + 5 < time.time() or "sub" not in claims:
        return None
    return claims


def get_item(pk: str, sk: str) -> dict | None:
    out = DYNAMODB.get_item(
        TableName=os.environ["ERP_TABLE_NAME"],
        Key={"pk": {"S": pk}, "sk": {"S": sk}},
        ConsistentRead=True,
    )
    return out.get("Item")


def respond(status: int, body: dict) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def me(event: dict) -> dict:
    """`GET /api/v1/auth/me`: the caller's account."""
    auth = event.get("headers", {}).get("authorization", "")
    if not auth.startswith("Bearer "):
        return respond(401, {"title": "no token"})
    claims = verify(auth[len("Bearer "):], signing_keys())
    if claims is None:
        return respond(401, {"title": "invalid token"})
    user = get_item(f"USER#{claims['sub']}", "USER")
    if user is None or user.get("status", {}).get("S") != "active":
        return respond(401, {"title": "no active account"})
    settings = get_item("SETTINGS#company", "SETTINGS") or {}
    return respond(
        200,
        {
            "id": user["id"]["S"],
            "email": user["email"]["S"],
            "name": user["name"]["S"],
            "role": user.get("role", {}).get("S", claims.get("role")),
            "company": {"legal_name": settings.get("legal_name", {}).get("S")},
        },
    )


def serve() -> None:
    runtime = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
    while True:
        runtime.request("GET", f"{RUNTIME}/invocation/next")
        reply = runtime.getresponse()
        event = json.loads(reply.read())
        request_id = reply.getheader("Lambda-Runtime-Aws-Request-Id")
        try:
            result = me(event)
            path = f"{RUNTIME}/invocation/{request_id}/response"
        except Exception as e:  # reported like the Python runtime does
            result = {"errorMessage": str(e), "errorType": type(e).__name__}
            path = f"{RUNTIME}/invocation/{request_id}/error"
        runtime.request("POST", path, body=json.dumps(result), headers={"content-type": "application/json"})
        runtime.getresponse().read()


def warm(n: int, user_id: str) -> None:
    def median_ms(call) -> float:
        call()  # the connection is open and everything imported
        times = []
        for _ in range(n):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        return sorted(times)[n // 2]

    print(
        json.dumps(
            {
                "get_item_ms": median_ms(lambda: get_item(f"USER#{user_id}", "USER")),
                "get_secret_value_ms": median_ms(signing_keys),
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "warm":
        warm(int(sys.argv[2]), sys.argv[3])
    else:
        serve()
