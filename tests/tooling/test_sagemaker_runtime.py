"""The local SageMaker runtime and the direct SageMaker route as the local stage runs them.

The runtime must answer as SageMaker Runtime does for the calls the gateway makes, so
boto3 (the router) and the transform's own client read its answers as they read AWS's.
The direct route runs the module's own mapping templates and error mappings.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.support.http import running
from tests.support.local_stage import deployed_integration
from tests.support.transform_harness import ScriptedContainer
from tooling import sagemaker_runtime
from tooling.local_stage import direct


@pytest.fixture
def container() -> ScriptedContainer:
    return ScriptedContainer()


@pytest.fixture
def runtime_url(container: ScriptedContainer) -> Iterator[str]:
    with running(container.server()) as url:
        endpoints = sagemaker_runtime.parse_endpoints(
            {
                "scorer": {
                    "a": {"url": url, "weight": 3},
                    "b": {"url": url, "weight": 1},
                    "off": {"url": url, "weight": 0},
                }
            }
        )
        runtime = sagemaker_runtime.Runtime(endpoints, random.Random(7))
        with running(sagemaker_runtime.make_server(0, runtime)) as runtime_url:
            yield runtime_url


def client(url: str) -> Any:
    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # placeholders for the local runtime, not secrets
        config=Config(retries={"max_attempts": 1}),
    )


def test_boto3_reads_the_answer_and_the_variant_that_served(runtime_url: str, container: ScriptedContainer) -> None:
    answer = client(runtime_url).invoke_endpoint(
        EndpointName="scorer", Body=b"1,2", ContentType="text/csv", TargetVariant="b"
    )
    assert answer["InvokedProductionVariant"] == "b"
    assert json.loads(answer["Body"].read()) == {"predictions": [[0.95, 0.04, 0.01]]}
    assert container.received == [("text/csv", "1,2")]


def test_traffic_splits_by_weight_and_a_weight_of_zero_gets_none(runtime_url: str) -> None:
    sagemaker = client(runtime_url)
    served = Counter(
        sagemaker.invoke_endpoint(EndpointName="scorer", Body=b"1", ContentType="text/csv")["InvokedProductionVariant"]
        for _ in range(200)
    )
    assert served["off"] == 0 and 0.6 < served["a"] / 200 < 0.9


def test_a_container_error_is_a_model_error_with_its_status(runtime_url: str, container: ScriptedContainer) -> None:
    container.answers.append((400, "bad row", 0.0))
    with pytest.raises(Exception) as failed:
        client(runtime_url).invoke_endpoint(EndpointName="scorer", Body=b"1", ContentType="text/csv")
    response = failed.value.response  # type: ignore[attr-defined]
    assert response["Error"]["Code"] == "ModelError"
    assert response["OriginalStatusCode"] == 400
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 424


@pytest.mark.parametrize(("endpoint", "variant"), [("missing", None), ("scorer", "c")])
def test_an_unknown_endpoint_or_variant_is_a_validation_error(
    runtime_url: str, endpoint: str, variant: str | None
) -> None:
    extra = {"TargetVariant": variant} if variant else {}
    with pytest.raises(Exception) as failed:
        client(runtime_url).invoke_endpoint(EndpointName=endpoint, Body=b"1", ContentType="text/csv", **extra)
    assert failed.value.response["Error"]["Code"] == "ValidationError"  # type: ignore[attr-defined]


def test_containers_are_served_on_loopback_only() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        sagemaker_runtime.parse_endpoints({"x": {"a": {"url": "http://10.0.0.1:8080"}}})


def predict_event(body: str, alias: str = "fraud", allowed: str = "fraud") -> dict[str, Any]:
    return {
        "headers": {"content-type": "text/csv"},
        "pathParameters": {"model": alias},
        "body": body,
        "requestContext": {"requestId": "req-direct", "authorizer": {"tenant_id": "acme", "allowed_models": allowed}},
    }


def test_the_direct_route_sends_the_body_to_the_aliased_endpoint(
    runtime_url: str, container: ScriptedContainer
) -> None:
    handler = direct.direct_handler(
        deployed_integration("sagemaker", {"fraud": "scorer"}), direct.sagemaker_service(runtime_url)
    )
    answer = handler(predict_event("5.1,3.5,1.4,0.2"), None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"predictions": [[0.95, 0.04, 0.01]]}
    assert container.received == [("text/csv", "5.1,3.5,1.4,0.2")]


def test_the_direct_route_maps_errors_to_the_envelope_without_the_services_words(
    runtime_url: str, container: ScriptedContainer
) -> None:
    handler = direct.direct_handler(
        deployed_integration("sagemaker", {"fraud": "scorer"}), direct.sagemaker_service(runtime_url)
    )
    refused = handler(predict_event("1", allowed="other"), None)
    assert refused["statusCode"] == 400 and "scorer" not in refused["body"]
    assert json.loads(refused["body"])["error"]["request_id"] == "req-direct"
    container.answers.append((500, "Traceback: secret internals", 0.0))
    failed = handler(predict_event("1"), None)
    assert failed["statusCode"] == 502 and "secret" not in failed["body"]
    assert json.loads(failed["body"])["error"]["code"] == "model_error"
