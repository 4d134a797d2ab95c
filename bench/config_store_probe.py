"""Run in a fresh interpreter by bench/config_store.py: read the configuration document once, as a cold start would.

argv: method (dynamodb-stdlib, dynamodb-boto3, s3-stdlib, s3-boto3, ssm-boto3) and the
location (table/version, bucket/key or parameter name). Prints one JSON object on stderr
with the seconds from the first import to the parsed document.
"""

from __future__ import annotations

import time

started = time.perf_counter()

import gzip  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def dynamodb_stdlib(where: str) -> object:
    from shared.config_document import read_document

    table, version = where.split("/")
    return read_document({**os.environ, "GATEWAY_CONFIG_TABLE": table, "GATEWAY_CONFIG_VERSION": version})


def dynamodb_boto3(where: str) -> object:
    import boto3

    table, version = where.split("/")
    item = boto3.client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": f"config#{version}"}}, ConsistentRead=True
    )
    return json.loads(gzip.decompress(item["Item"]["document"]["B"]))


def s3_stdlib(where: str) -> object:
    import http.client
    from datetime import UTC, datetime
    from urllib.parse import urlsplit

    from shared.sigv4 import Credentials, sign

    endpoint = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
    url = f"{endpoint}/{where}"
    credentials = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    headers = sign(method="GET", url=url, headers={}, body=b"", service="s3", region=os.environ["AWS_DEFAULT_REGION"],
                   credentials=credentials, now=datetime.now(UTC))  # fmt: skip
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=5)
    connection.request("GET", parts.path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"s3 answered {response.status}: {body[:200]!r}")
    return json.loads(gzip.decompress(body))


def s3_boto3(where: str) -> object:
    import boto3

    bucket, _, key = where.partition("/")
    return json.loads(gzip.decompress(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()))


def ssm_boto3(where: str) -> object:
    import base64

    import boto3

    value = boto3.client("ssm").get_parameter(Name=where, WithDecryption=True)["Parameter"]["Value"]
    return json.loads(gzip.decompress(base64.b64decode(value)))


METHODS = {
    "dynamodb-stdlib": dynamodb_stdlib,
    "dynamodb-boto3": dynamodb_boto3,
    "s3-stdlib": s3_stdlib,
    "s3-boto3": s3_boto3,
    "ssm-boto3": ssm_boto3,
}

document = METHODS[sys.argv[1]](sys.argv[2])
if not isinstance(document, dict) or "models" not in document:
    raise SystemExit("the probe read something other than the document")
print(json.dumps({"seconds": time.perf_counter() - started}), file=sys.stderr)
