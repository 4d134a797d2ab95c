"""`python -m tooling.local_stage`: read the stage from the emulator and serve it until stopped."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from tooling import sagemaker_runtime
from tooling.emulator import emulator_client
from tooling.function_logs import install
from tooling.http_serving import serve_until_stopped
from tooling.local_stage.deployed import StandIns, read_stage
from tooling.local_stage.functions import StageError, unpack
from tooling.local_stage.server import HOST, make_server
from tooling.paths import BUILD_DIR, DIST_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emulator-endpoint", required=True)
    parser.add_argument("--rest-api-id", required=True)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--packages-dir", type=Path, default=DIST_DIR)
    parser.add_argument("--code-dir", type=Path, default=BUILD_DIR / "local-stage" / "code")
    parser.add_argument(
        "--sagemaker-endpoints", type=Path, default=None, help="JSON: endpoint -> variant -> {url, weight}"
    )
    parser.add_argument(
        "--bedrock-provider-url", default=None,
        help="an OpenAI-compatible provider on 127.0.0.1 behind the Converse stand-in (default: it echoes)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    # The functions' own AWS calls (tenant table, API keys) go to the emulator as well.
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": args.emulator_endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",  # the emulator's placeholder, not a secret
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    runtime: ThreadingHTTPServer | None = None
    try:
        runtime_url = None
        if args.sagemaker_endpoints is not None:
            endpoints = sagemaker_runtime.parse_endpoints(json.loads(args.sagemaker_endpoints.read_text()))
            runtime = sagemaker_runtime.make_server(0, sagemaker_runtime.Runtime(endpoints))
            threading.Thread(target=runtime.serve_forever, daemon=True).start()
            runtime_url = f"http://{HOST}:{runtime.server_address[1]}"
            # The functions' SageMaker calls (boto3's and the transform's own) go to it.
            os.environ["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] = runtime_url
        code_dir = unpack(sorted(args.packages_dir.glob("*.zip")), args.code_dir)
        # Before the handlers are imported: their loggers keep the stdout they find.
        shipper = install(emulator_client(args.emulator_endpoint, "logs"))
        stage = read_stage(
            args.emulator_endpoint, args.rest_api_id, args.stage, code_dir, shipper=shipper,
            stand_ins=StandIns(runtime_url, args.bedrock_provider_url),
        )  # fmt: skip
        server = make_server(args.port, stage)
    except (StageError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # botocore errors: one line, no trace
        print(f"error: could not read the stage from the emulator: {err}", file=sys.stderr)
        return 1
    print(f"local-stage: serving /{args.stage} on http://{HOST}:{args.port}", file=sys.stderr, flush=True)
    try:
        return serve_until_stopped(server)
    finally:
        if runtime is not None:
            runtime.shutdown()
            runtime.server_close()


if __name__ == "__main__":
    sys.exit(main())
