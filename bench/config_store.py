"""Measure the configuration document's cold-start read from each candidate store, against the emulator.

Each figure is the median of fresh interpreters that import what the read needs and
read, decompress and parse the document once (what a router cold start pays). The
stores are set up in a moto server this script starts: a DynamoDB item (KMS-encrypted
table), an S3 object (SSE-KMS), an SSM SecureString parameter (advanced tier, 8 KB:
only the small document fits), and AppConfig (the emulator has no data plane).

Usage: python -m bench.config_store [--runs 9]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.catalogs import SMALL_MODELS, SMALL_ROUTING, large_catalog
from tooling.config_document import create_table, document_text, encoded, put_document
from tooling.emulator import Emulator, emulator_client, free_port
from tooling.paths import LAMBDA_SRC_DIR

PROBE = Path(__file__).with_name("config_store_probe.py")
SSM_LIMIT = 8192


def set_up(emulator: Emulator, documents: dict[str, str]) -> dict[str, dict[str, str]]:
    """Write each document to every store; return method -> document name -> location."""
    kms = emulator_client(emulator.endpoint, "kms")
    key = kms.create_key(Description="bench config")["KeyMetadata"]["Arn"]
    dynamodb = emulator_client(emulator.endpoint, "dynamodb")
    create_table(dynamodb, "bench-config", key)
    s3 = emulator_client(emulator.endpoint, "s3")
    s3.create_bucket(Bucket="bench-config")
    ssm = emulator_client(emulator.endpoint, "ssm")
    where: dict[str, dict[str, str]] = {m: {} for m in ("dynamodb", "s3", "ssm")}
    for name, text in documents.items():
        version = put_document(dynamodb, "bench-config", text)
        _, blob = encoded(text)
        where["dynamodb"][name] = f"bench-config/{version}"
        s3.put_object(Bucket="bench-config", Key=f"config/{version}.json.gz", Body=blob,
                      ServerSideEncryption="aws:kms", SSEKMSKeyId=key)  # fmt: skip
        where["s3"][name] = f"bench-config/config/{version}.json.gz"
        as_text = base64.b64encode(blob).decode()
        if len(as_text) <= SSM_LIMIT:
            ssm.put_parameter(Name=f"/bench/{name}", Value=as_text, Type="SecureString", KeyId=key, Tier="Advanced")
            where["ssm"][name] = f"/bench/{name}"
    return where


def appconfig_data_plane(emulator: Emulator) -> str:
    """Whether the emulator serves AppConfig's data plane (StartConfigurationSession)."""
    try:
        emulator_client(emulator.endpoint, "appconfigdata").start_configuration_session(
            ApplicationIdentifier="a", EnvironmentIdentifier="e", ConfigurationProfileIdentifier="p"
        )
    except Exception as err:
        return f"not emulated ({type(err).__name__})"
    return "emulated"


def probe(method: str, location: str, env: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, str(PROBE), method, location],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    seconds: float = json.loads(result.stderr.strip().splitlines()[-1])["seconds"]
    return seconds


def measure(runs: int) -> dict[str, Any]:
    models, routing = large_catalog()
    documents = {"small": document_text(SMALL_MODELS, SMALL_ROUTING), "large": document_text(models, routing)}
    figures: dict[str, Any] = {f"{name}_document_bytes": len(text.encode()) for name, text in documents.items()} | {
        f"{name}_document_gzip_bytes": len(encoded(text)[1]) for name, text in documents.items()
    }
    with tempfile.TemporaryDirectory(prefix="bench-config-") as work:
        emulator = Emulator(free_port(), Path(work) / "moto.pid", Path(work) / "moto.log")
        emulator.start()
        try:
            where = set_up(emulator, documents)
            figures["appconfig"] = appconfig_data_plane(emulator)
            env = dict(
                os.environ,
                PYTHONPATH=str(LAMBDA_SRC_DIR),
                AWS_ENDPOINT_URL=emulator.endpoint,
                AWS_ACCESS_KEY_ID="test",
                AWS_SECRET_ACCESS_KEY="test",  # noqa: S106 - the emulator's placeholder
                AWS_DEFAULT_REGION="us-east-1",
                AWS_REGION="us-east-1",
            )
            for method in ("dynamodb-stdlib", "dynamodb-boto3", "s3-stdlib", "s3-boto3", "ssm-boto3"):
                store = method.split("-")[0]
                for name, location in sorted(where[store].items()):
                    samples = [probe(method, location, env) for _ in range(runs)]
                    figures[f"{method}_{name}_ms_median"] = statistics.median(samples) * 1000
        finally:
            emulator.stop()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    for name, value in measure(args.runs).items():
        print(f"| {name} | {value:.1f} |" if isinstance(value, float) else f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
