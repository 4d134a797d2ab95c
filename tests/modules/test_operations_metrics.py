"""No alarm watches a metric nobody writes: each generated alarm against what its source emits.

The operations module is planned (against a moto server, for the account data only)
for a gateway whose catalog and tenants are the router harness's. Each alarm's metrics
are then checked, one test per generated alarm resource, against:

- the router: the EMF records the router itself printed for requests to every model
  of that catalog, from two tenants (namespace, metric, dimension names and values);
- AWS services: the metrics and dimension sets AWS documents for them (the table
  below, with its sources), whose values must be the gateway's own names;
- the module's log metric filters: a filter of the same plan writes the metric, on
  the gateway's log group, and its pattern selects a line the source really writes.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from modules_src.ai_gateway.stage import ACCESS_LOG_FIELDS
from shared.backend_errors import BackendError
from router.chat import ChatResult
from router.embeddings import EmbeddingResult
from router.pipeline.budgets import DynamoBudgets
from tests.support.hcl import literal
from tests.support.router_harness import MODELS, build_router, create_table, emf_records
from tooling.emulator import Emulator, free_port
from tooling.paths import MODULES_DIR
from tooling.terraform import run, terraform_environ

pytestmark = [pytest.mark.emulator, pytest.mark.terraform]

# What AWS documents each service to emit: namespace -> metric -> dimension sets. Sources:
# API Gateway https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
# Lambda https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
# DynamoDB https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
# WAF https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html
# Bedrock https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring.html#runtime-cloudwatch-metrics
STAGE = {("ApiName",), ("ApiName", "Stage"), ("ApiName", "Method", "Resource", "Stage")}
FUNCTION = {(), ("FunctionName",), ("FunctionName", "Resource")}
PER_OPERATION = {("Operation", "TableName")}
WEB_ACL = {("Region", "Rule", "WebACL"), ("Region", "Rule", "RuleGroup", "WebACL")}
MODEL_ID = {(), ("ModelId",)}
DOCUMENTED: dict[str, dict[str, set[tuple[str, ...]]]] = {
    "AWS/ApiGateway": {m: STAGE for m in ("4XXError", "5XXError", "Count", "IntegrationLatency", "Latency")},
    "AWS/Lambda": {m: FUNCTION for m in ("ConcurrentExecutions", "Duration", "Errors", "Invocations", "Throttles")},
    "AWS/DynamoDB": {
        "ReadThrottleEvents": {("TableName",), ("GlobalSecondaryIndexName", "TableName")},
        "WriteThrottleEvents": {("TableName",), ("GlobalSecondaryIndexName", "TableName")},
        "SystemErrors": PER_OPERATION,
        "ThrottledRequests": PER_OPERATION,
    },
    "AWS/WAFV2": {m: WEB_ACL for m in ("AllowedRequests", "BlockedRequests", "CountedRequests")},
    "AWS/Bedrock": {m: MODEL_ID for m in ("InvocationThrottles", "InvocationServerErrors", "Invocations")},
}
DYNAMODB_OPERATIONS = {"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                       "BatchWriteItem", "TransactGetItems", "TransactWriteItems"}  # fmt: skip

NAME = "aigw-test"
BUDGET_TABLE = "aigw-test-budgets"
GATEWAY = {
    "rest_api_name": NAME,
    "stage_name": "test",
    "metrics_namespace": "AiGateway",
    "functions": {"router": {"name": f"{NAME}-router", "timeout_seconds": 27},
                  "authorizer": {"name": f"{NAME}-authorizer", "timeout_seconds": 5}},
    "tables": {"tenants": f"{NAME}-tenants", "budgets": BUDGET_TABLE, "config": f"{NAME}-config"},
    "models": {alias: {"provider": m["provider"], "model_id": m["model_id"]} for alias, m in MODELS.items()},
    "tenants": {"acme": {"daily_token_budget": 100000, "monthly_token_budget": None},
                "globex": {"daily_token_budget": None, "monthly_token_budget": None}},
    "access_log_group_name": f"/aws/apigateway/{NAME}/test",
    "router_log_group_name": f"/aws/lambda/{NAME}-router",
}  # fmt: skip
INPUTS = {"name": NAME, "gateway": GATEWAY, "web_acl_name": NAME, "tenant_daily_spend_usd": {"acme": 10},
          "monthly_cost_budget_usd": 100}  # fmt: skip
ROOT = """provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    sts = "%s"
  }
}

module "operations" {
  source = "./operations"
%s
}
"""


def alarm_resources() -> list[str]:
    resources = json.loads((MODULES_DIR / "operations" / "main.tf.json").read_text())["resource"]
    return sorted(resources["aws_cloudwatch_metric_alarm"])


# -- what the router emits -------------------------------------------------------------------------------


Emitted = set[tuple[str, str, frozenset[tuple[str, str]]]]


@pytest.fixture(scope="module")
def router_output() -> Iterator[str]:
    """Everything the router printed serving each model of the catalog for two tenants, plus one counter fault."""
    monkeypatch = pytest.MonkeyPatch()
    capture = _Capture()
    try:
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        with mock_aws(), capture:
            dynamodb = boto3.client("dynamodb")
            create_table(dynamodb, BUDGET_TABLE)
            router = build_router(monkeypatch, env={"GATEWAY_BUDGET_TABLE": BUDGET_TABLE}, dynamodb=dynamodb)
            for alias, model in MODELS.items():
                model_id = str(model["model_id"])
                embedding = model.get("kind") == "embedding"
                answer = EmbeddingResult(((0.1, 0.2),), 3) if embedding else ChatResult("ok", "stop", 5, 7)
                router.backend.scripts[model_id] = [answer, answer, BackendError("unavailable", "down")] * 2
                path, body = (("/v1/embeddings", {"model": alias, "input": "x"}) if embedding else
                              ("/v1/chat/completions", {"model": alias, "messages": [{"role": "user", "content": "x"}],
                                                        "metadata": {"prompt": "support"}}))  # fmt: skip
                for tenant in ("acme", "globex"):
                    router.call(path, body, tenant=tenant, daily="100000" if tenant == "acme" else "")
            # A settle that fails on every try: the router logs the counter to reconcile.
            router.service.budgets = DynamoBudgets(BUDGET_TABLE, _FailingSettle(dynamodb), sleep=lambda _s: None)
            router.backend.scripts[str(MODELS["haiku"]["model_id"])] = [ChatResult("ok", "stop", 1, 1)]
            router.call("/v1/chat/completions", {"model": "haiku", "messages": [{"role": "user", "content": "x"}]},
                        daily="100000")  # fmt: skip
        yield capture.text()
    finally:
        monkeypatch.undo()


class _Capture(logging.Handler):
    """The router's stdout (EMF records) and its JSON log lines, as CloudWatch Logs would get them."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.dumps({"message": record.getMessage(), **getattr(record, "__dict__", {})},
                                     default=str))  # fmt: skip

    def __enter__(self) -> _Capture:
        import contextlib
        import io

        self._buffer = io.StringIO()
        self._redirect = contextlib.redirect_stdout(self._buffer)
        self._redirect.__enter__()
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)
        self._redirect.__exit__(None, None, None)

    def text(self) -> str:
        return self._buffer.getvalue() + "\n".join(self.lines)


class _FailingSettle:
    """A DynamoDB client whose hold succeeds and whose later writes are throttled on every try."""

    def __init__(self, client: Any) -> None:
        self.client, self.writes = client, 0

    def update_item(self, **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        self.writes += 1
        if self.writes > 1:
            code = "ProvisionedThroughputExceededException"
            raise ClientError({"Error": {"Code": code, "Message": "x"}}, "UpdateItem")
        return self.client.update_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.fixture(scope="module")
def emitted(router_output: str) -> Emitted:
    found: Emitted = set()
    for record in emf_records(router_output):
        for declaration in record["_aws"]["CloudWatchMetrics"]:
            for dimension_set in declaration["Dimensions"]:
                dims = frozenset((d, str(record[d])) for d in dimension_set)
                found |= {(declaration["Namespace"], m["Name"], dims) for m in declaration["Metrics"]}
    assert len({d for _, _, d in found}) > 10, "the router wrote records for the catalog"
    return found


# -- what the module plans ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """resource address -> planned values of every resource of the planned module."""
    folder = tmp_path_factory.mktemp("operations-plan")
    shutil.copytree(MODULES_DIR / "operations", folder / "operations")
    emulator = Emulator(free_port(), folder / "moto.pid", folder / "moto.log")
    emulator.start()
    try:
        inputs = "\n".join(f"  {k} = {literal(v)}" for k, v in INPUTS.items())
        (folder / "main.tf").write_text(ROOT % (emulator.endpoint, inputs))
        env = terraform_environ()
        run(["init", "-input=false", "-no-color"], folder, timeout=300, env=env)
        run(["plan", "-input=false", "-no-color", "-out=plan.tfplan"], folder, timeout=300, env=env)
        shown = json.loads(run(["show", "-json", "plan.tfplan"], folder, timeout=120, env=env).stdout)
    finally:
        emulator.stop()
        shutil.rmtree(folder, ignore_errors=True)
    yield {r["address"]: r["change"]["after"] for r in shown["resource_changes"] if r["change"]["after"]}


def metrics_of(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    if alarm.get("metric_name"):
        return [(alarm["namespace"], alarm["metric_name"], alarm.get("dimensions") or {})]
    return [(q["metric"][0]["namespace"], q["metric"][0]["metric_name"], q["metric"][0].get("dimensions") or {})
            for q in alarm["metric_query"] if q.get("metric")]  # fmt: skip


def filter_selects(pattern: str, line: str) -> bool:
    """A CloudWatch JSON filter pattern of the form `{ $.field = "value" }` against one log line."""
    match = re.fullmatch(r'\{ \$\.(\w+) = "([^"]*)" \}', pattern)
    assert match, f"a pattern this check does not read: {pattern}"
    try:
        document = json.loads(line)
    except ValueError:
        return False
    return isinstance(document, dict) and str(document.get(match[1])) == match[2]


def access_log_line(status: str) -> str:
    """An access log line as the stage writes it: the module's format with the context filled in."""
    values = {"$context.status": status}
    return json.dumps({k: values.get(v, "x") for k, v in ACCESS_LOG_FIELDS.items()})


@pytest.mark.parametrize("resource", alarm_resources())
def test_the_alarm_reads_a_metric_its_source_emits(
    resource: str, planned: dict[str, Any], emitted: Emitted, router_output: str
) -> None:
    prefix = f"module.operations.aws_cloudwatch_metric_alarm.{resource}"
    alarms = {a: v for a, v in planned.items() if a == prefix or a.startswith(prefix + "[")}
    assert alarms, f"{resource}: the plan has no instance of it; give the inputs that create it"
    filters = [v for a, v in planned.items() if ".aws_cloudwatch_log_metric_filter." in a]
    bedrock_ids = {str(m["model_id"]) for m in MODELS.values() if m["provider"] == "bedrock"}
    for address, alarm in alarms.items():
        for namespace, metric, dims in metrics_of(alarm):
            where = f"{address}: {namespace} {metric} {dims}"
            if namespace.startswith("AWS/"):
                assert tuple(sorted(dims)) in DOCUMENTED[namespace][metric], where
                expected = {"ApiName": {NAME}, "Stage": {"test"}, "WebACL": {NAME}, "Region": {"us-east-1"},
                            "Rule": {"ALL"}, "FunctionName": {f["name"] for f in GATEWAY["functions"].values()},
                            "TableName": set(GATEWAY["tables"].values()), "ModelId": bedrock_ids,
                            "Operation": DYNAMODB_OPERATIONS}  # fmt: skip
                assert all(value in expected[name] for name, value in dims.items()), where
            elif namespace == GATEWAY["metrics_namespace"]:
                assert (namespace, metric, frozenset(dims.items())) in emitted, f"the router never wrote {where}"
            else:
                writers = [f for f in filters if f["metric_transformation"][0]["namespace"] == namespace
                           and f["metric_transformation"][0]["name"] == metric]  # fmt: skip
                assert len(writers) == 1, f"no log metric filter writes {where}"
                (writer,) = writers
                if writer["log_group_name"] == GATEWAY["access_log_group_name"]:
                    lines = [access_log_line("429")]
                    assert not filter_selects(writer["pattern"], access_log_line("200"))
                else:
                    assert writer["log_group_name"] == GATEWAY["router_log_group_name"]
                    lines = router_output.splitlines()
                assert any(filter_selects(writer["pattern"], line) for line in lines), f"{where}: nothing matches"
