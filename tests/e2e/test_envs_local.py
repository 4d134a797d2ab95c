"""envs/local end to end against a moto server: apply, clean re-plan, serve, the large catalog, destroy.

One module-scoped apply is shared by every test here, each checking one thing, so the
first failure is the one reported (an apply that fails fails every test with its own
error; a later check failing leaves the others to pass). What is applied is envs/local
with the large catalog added to its own (500 models, 200 routed aliases with fallbacks,
100 tenant pins): the local tenants still see only their models. Last, a new version of
the configuration document rolls over on the emulator, and the fixture's teardown
destroys everything. (The emulator cannot update an API Gateway integration in place,
so the catalog is applied once, not changed after: moto has no UpdateIntegration.)

After the apply, the router's configuration is read back from the emulator through
the router's own signed GetItem, and the local stage serves the applied API to the
official OpenAI SDK with each tenant's key. A stub OpenAI-compatible provider on
127.0.0.1 stands behind the `local-echo` model, so a chat completion goes all the way
through: authorizer, router, the provider key from the emulator's Secrets Manager, and
the token counters in the budget table.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import importlib
import json
import shutil
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openai import AuthenticationError, BadRequestError, NotFoundError, OpenAI
from pydantic import BaseModel

from bench.catalogs import large_catalog
from contract import tenancy
from router.api.parse import parse_chat
from router.backends.registry import Backends
from router.tokens import chat_input_bound
from tests.conftest import FakeLambdaContext, load_event, warn_of_replays
from tests.support.http import running, send_json
from tests.support.router_harness import ScriptedBackend, proxy_event
from tooling.background import BackgroundServer
from tooling.emulator import Emulator, emulator_client, free_port
from tooling.local_env import model_server_for, serve_models, serve_stage
from tooling.package_lambda import FUNCTIONS
from tooling.paths import BUILD_DIR, DIST_DIR, ENVS_DIR, MODULES_DIR
from tooling.prompt_registry import PROMPTS_DIR
from tooling.prompt_registry import document as prompt_document
from tooling.scan import report, scan_plan
from tooling.terraform import TerraformError, run, terraform_environ

pytestmark = [pytest.mark.emulator, pytest.mark.terraform]

INIT_TIMEOUT = 300
APPLY_TIMEOUT = 900
PROVIDER_CALLS: list[dict[str, Any]] = []
# The last message of each call the provider got (what the guardrails let a model see).
PROVIDER_PROMPTS: list[Any] = []
PROVIDER_BODIES: list[dict[str, Any]] = []
# envs/local/terraform.tfvars: the large catalog keeps them, so the local tenants stay valid.
LOCAL_MODELS = {
    "claude-3-haiku": {"provider": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
                       "owned_by": "anthropic"},
    "llama3-8b": {"provider": "sagemaker", "model_id": "llama3-8b-instruct", "owned_by": "meta"},
}  # fmt: skip
ALARM_MODELS = [*LOCAL_MODELS, "local-echo"]
# As envs/local/terraform.tfvars routes its own models (the large catalog's tfvars replace its routing whole).
LOCAL_ROUTING = {
    "chat": {"sticky": "user", "fallbacks": [],
             "targets": [{"model": "claude-3-haiku", "weight": 90, "arm": "A"}, {"model": "llama3-8b", "weight": 10,
                                                                                 "arm": "B"}],
             "rules": [{"name": "code", "when": {"code": True}, "target": "claude-3-haiku"}]},
    "fast": {"strategy": "lowest_latency", "targets": [{"model": "claude-3-haiku"}, {"model": "llama3-8b"}],
             "drain_error_rate": 0.5},
}  # fmt: skip


def echo_text(content: Any) -> str:
    """What the echo provider repeats: the text of a message, and how many images it held."""
    if isinstance(content, str):
        return content
    text = " ".join(part["text"] for part in content if part.get("type") == "text")
    images = sum(1 for part in content if part.get("type") == "image_url")
    return f"{text} [{images} image{'s' * (images != 1)}]" if images else text


def echo_answer(body: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]], str]:
    """The echo provider's answer to a chat body: its content, tool calls and finish reason."""
    last = body["messages"][-1]
    if last["role"] == "tool":
        return f"echo: the tool said {last['content']}", [], "stop"
    text = echo_text(last["content"])
    if body.get("tools"):
        name = body["tools"][0]["function"]["name"]
        call = {
            "id": "call_echo_1",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps({"text": text})},
        }
        return None, [call], "tool_calls"
    if (body.get("response_format") or {}).get("type") == "json_schema":
        return json.dumps({"echo": text}), [], "stop"
    return f"echo: {text}", [], "stop"


class EchoProvider(BaseHTTPRequestHandler):
    """An OpenAI-compatible provider that repeats the last message and reports 7 + 3 tokens: as one answer, or
    streamed (a piece per word, tool-call arguments in two pieces, then the usage chunk); with tools it calls
    the first one with the text, a tool's result it repeats, and with a JSON schema it answers {"echo": text}."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        PROVIDER_CALLS.append({"authorization": self.headers.get("authorization"), "model": body.get("model")})
        PROVIDER_PROMPTS.append(body["messages"][-1]["content"])
        PROVIDER_BODIES.append(body)
        content, calls, finish = echo_answer(body)
        if body.get("stream"):
            self._stream(content, calls, finish)
            return
        message = {"role": "assistant", "content": content, **({"tool_calls": calls} if calls else {})}
        answer = {"choices": [{"message": message, "finish_reason": finish}],
                  "usage": {"prompt_tokens": 7, "completion_tokens": 3}}  # fmt: skip
        send_json(self, 200, answer)

    def _stream(self, content: str | None, calls: list[dict[str, Any]], finish: str) -> None:
        deltas: list[dict[str, Any]] = [{"role": "assistant"}]
        words = (content or "").split(" ")
        deltas += [{"content": w + (" " if i < len(words) - 1 else "")} for i, w in enumerate(words) if content]
        for index, call in enumerate(calls):
            arguments = call["function"]["arguments"]
            half = len(arguments) // 2
            deltas.append(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["function"]["name"], "arguments": ""},
                        }
                    ]
                }
            )
            deltas += [{"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                       for piece in (arguments[:half], arguments[half:])]  # fmt: skip
        events = [{"choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
        events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        events.append({"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3}})
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for data in [*(f"data: {json.dumps(e)}\n\n" for e in events), "data: [DONE]\n\n"]:
            piece = data.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: object) -> None:
        return


@dataclass
class LocalEnv:
    """The applied envs/local: where it lives, how to call terraform there, what it output."""

    tree: Path
    env_dir: Path
    env: dict[str, str]
    emulator: Emulator
    # The catalog applied: envs/local's own models and routing, and the large catalog.
    catalog: dict[str, Any]

    def terraform(self, *args: str, ok_codes: tuple[int, ...] = (0,)) -> str:
        return run([*args, "-input=false", "-no-color"], self.env_dir, timeout=APPLY_TIMEOUT, env=self.env,
                   ok_codes=ok_codes).stdout  # fmt: skip

    def outputs(self) -> dict[str, Any]:
        document = json.loads(run(["output", "-json"], self.env_dir, timeout=60, env=self.env).stdout)
        return {name: item["value"] for name, item in document.items()}

    def client(self, service: str) -> Any:
        return emulator_client(self.emulator.endpoint, service)

    @property
    def var_files(self) -> list[str]:
        """envs/local's own tfvars, then the large catalog, then any later change (last wins)."""
        files = [self.env_dir / "large.tfvars.json", self.env_dir / "rollover.tfvars.json"]
        return [f"-var-file={path}" for path in files if path.exists()]


# The emulator's transport race: moto applies a create, the kept-alive connection drops before its
# answer, the provider's SDK sends the create again and moto says the resource exists. The emulator now
# answers such a re-send with the first attempt's answer (tooling/resent_requests.py); this stays as the
# fallback for a re-send it cannot recognise, so the first apply is repeated once on a fresh emulator
# when (and only when) the symptom strikes, with a warning.
TRANSPORT_RACE = ("ResourceInUseException", "already exists", "use of closed network connection")


def apply_to_a_fresh_emulator(applied: LocalEnv) -> None:
    try:
        applied.terraform("apply", "-auto-approve", *applied.var_files)
    except TerraformError as err:
        if not any(symptom in str(err) for symptom in TRANSPORT_RACE):
            raise
        warnings.warn(f"first apply met the emulator's transport race, applying again: {err}", stacklevel=2)
        applied.emulator.stop()
        for state in applied.env_dir.glob("terraform.tfstate*"):
            state.unlink()
        applied.emulator.start()
        applied.terraform("apply", "-auto-approve", *applied.var_files)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnv]:
    tree = tmp_path_factory.mktemp("envs-local")
    ignore = shutil.ignore_patterns(".terraform", "terraform.tfstate*", "*.tfplan", "backend.hcl")
    shutil.copytree(MODULES_DIR, tree / "modules", ignore=ignore)
    shutil.copytree(ENVS_DIR, tree / "envs", ignore=ignore)
    shutil.copytree(PROMPTS_DIR, tree / "prompts")
    dist = tree / "build" / "dist"
    dist.mkdir(parents=True)
    for package in (f"{name}.zip" for name in FUNCTIONS):
        if not (DIST_DIR / package).exists():
            pytest.fail(f"build/dist/{package} is missing; run the suite through `make test`")
        shutil.copy(DIST_DIR / package, dist / package)
    archive = BUILD_DIR / "models" / "iris" / "model.tar.gz"
    if not archive.exists():
        pytest.fail("build/models/iris/model.tar.gz is missing; run the suite through `make test`")
    (tree / "build" / "models" / "iris").mkdir(parents=True)
    shutil.copy(archive, tree / "build" / "models" / "iris" / "model.tar.gz")
    emulator = Emulator(free_port(), tree / "emulator" / "moto.pid", tree / "emulator" / "moto.log")
    emulator.start()
    PROVIDER_CALLS.clear()
    with running(ThreadingHTTPServer(("127.0.0.1", 0), EchoProvider)) as provider_url:
        env = terraform_environ(
            extra={"TF_VAR_emulator_endpoint": emulator.endpoint, "TF_VAR_local_provider_url": provider_url}
        )
        models, routing = large_catalog()
        routing["aliases"].update(LOCAL_ROUTING)
        catalog = {"models": {**LOCAL_MODELS, **models}, "routing": routing}
        applied = LocalEnv(tree, tree / "envs" / "local", env, emulator, catalog)
        # Per-model alarms for envs/local's own models: four per model would make the large catalog
        # 2,000 alarms, minutes of apply and destroy on the emulator, and prove nothing more.
        (applied.env_dir / "large.tfvars.json").write_text(json.dumps({**catalog, "alarm_models": ALARM_MODELS}))
        try:
            run(["init", "-input=false", "-no-color"], applied.env_dir, timeout=INIT_TIMEOUT, env=env)
            apply_to_a_fresh_emulator(applied)
            yield applied
        finally:
            try:
                if (applied.env_dir / "terraform.tfstate").exists():
                    applied.terraform("destroy", "-auto-approve", *applied.var_files)
                    state = json.loads((applied.env_dir / "terraform.tfstate").read_text())
                    assert state["resources"] == [], "destroy must leave nothing behind"
            finally:
                warn_of_replays(emulator)
                emulator.stop()
                shutil.rmtree(tree, ignore_errors=True)


@pytest.fixture(scope="module")
def stage(local: LocalEnv) -> Iterator[BackgroundServer]:
    outputs, models_dir, model_port = local.outputs(), local.tree / "model-servers", free_port()
    try:
        endpoints = serve_models(outputs["local_models"], model_port, models_dir)
        server = serve_stage(
            local.emulator,
            outputs,
            free_port(),
            state_dir=local.tree / "stage",
            packages_dir=local.tree / "build" / "dist",
            sagemaker_endpoints=endpoints,
        )
        try:
            yield server
        finally:
            assert server.stop()
    finally:
        for index in range(len(outputs["local_models"])):
            model_server_for(index, model_port, models_dir).stop()


@pytest.fixture(scope="module")
def keys(local: LocalEnv) -> dict[str, str]:
    document: dict[str, str] = json.loads(
        run(["output", "-json", "tenant_api_keys"], local.env_dir, timeout=60, env=local.env).stdout
    )
    return document


def sdk(stage: BackgroundServer, key: str) -> OpenAI:
    return OpenAI(base_url=f"{stage.url}/local/v1", api_key=key, max_retries=0, timeout=10)


# --- the small catalog of envs/local ----------------------------------------------------------------


def test_a_replan_right_after_apply_is_empty(local: LocalEnv) -> None:
    local.terraform("plan", "-detailed-exitcode", *local.var_files)


def test_checkov_passes_the_applied_plan_with_every_waiver_explained(local: LocalEnv) -> None:
    # After apply, so values known only then (key ARNs, the WAF association) are in the plan.
    local.terraform("plan", "-out=scan.tfplan", *local.var_files)
    shown = run(["show", "-json", "scan.tfplan"], local.env_dir, timeout=120, env=local.env).stdout
    (local.env_dir / "scan.plan.json").write_text(shown)
    report(scan_plan(local.env_dir / "scan.plan.json", "envs/local"), ("envs/local",))


def test_the_stage_is_traced_and_writes_json_access_logs(local: LocalEnv) -> None:
    outputs = local.outputs()
    assert (outputs["stage_name"], outputs["stage_invoke_url"].endswith("/local")) == ("local", True)
    stage = local.client("apigateway").get_stage(restApiId=outputs["rest_api_id"], stageName="local")
    assert stage["tracingEnabled"] is True
    assert json.loads(stage["accessLogSettings"]["format"])["tenantId"] == "$context.authorizer.tenant_id"


def test_function_logs_are_encrypted_and_expire(local: LocalEnv) -> None:
    groups = local.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/aigw-local-")["logGroups"]
    assert sorted(g["logGroupName"] for g in groups) == [f"/aws/lambda/aigw-local-{f}" for f in sorted(FUNCTIONS)]
    assert all(g["retentionInDays"] == 7 and g["kmsKeyId"].startswith("arn:aws:kms:") for g in groups)


def test_the_stage_sits_behind_the_web_acl_with_the_llm_profile_and_redacted_logs(local: LocalEnv) -> None:
    outputs = local.outputs()
    waf = local.client("wafv2")
    stage_arn = f"arn:aws:apigateway:us-east-1::/restapis/{outputs['rest_api_id']}/stages/local"
    acl = waf.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]
    assert acl["ARN"] == outputs["web_acl_arn"]
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert {"RateLimitPerIp", "AWSManagedRulesCommonRuleSet", "BlockPromptRulesOffModelRoutes"} <= set(rules)
    overrides = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert {o["Name"] for o in overrides} >= {"SizeRestrictions_BODY", "GenericLFI_BODY"}
    logging = waf.get_logging_configuration(ResourceArn=outputs["web_acl_arn"])["LoggingConfiguration"]
    assert logging["LogDestinationConfigs"][0].split(":log-group:")[1].startswith("aws-waf-logs-aigw-local")
    assert sorted(f["SingleHeader"]["Name"] for f in logging["RedactedFields"]) == ["authorization", "x-api-key"]


def all_alarms(local: LocalEnv) -> list[dict[str, Any]]:
    pages = local.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix="aigw-local-")
    return [alarm for page in pages for alarm in page["MetricAlarms"]]


def alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    stats = [alarm] if alarm.get("MetricName") else [q["MetricStat"]["Metric"] for q in alarm.get("Metrics", [])
                                                    if "MetricStat" in q]  # fmt: skip
    return [(m["Namespace"], m["MetricName"], {d["Name"]: d["Value"] for d in m.get("Dimensions", [])}) for m in stats]


def test_every_alarm_watches_a_resource_the_apply_created_and_notifies_the_encrypted_topic(local: LocalEnv) -> None:
    outputs = local.outputs()
    topic = local.client("sns").get_topic_attributes(TopicArn=outputs["alarm_topic_arn"])["Attributes"]
    assert topic["KmsMasterKeyId"].startswith("arn:aws:kms:")
    names = {
        "FunctionName": {f["FunctionName"] for f in local.client("lambda").list_functions()["Functions"]},
        "TableName": set(local.client("dynamodb").list_tables()["TableNames"]),
        "ApiName": {api["name"] for api in local.client("apigateway").get_rest_apis()["items"]},
        "Stage": {"local"},
        "WebACL": {acl["Name"] for acl in local.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]},
        "Region": {"us-east-1"},
        "Rule": {"ALL"},
        "ModelId": {m["model_id"] for m in local.catalog["models"].values() if m["provider"] == "bedrock"},
    }  # fmt: skip
    filters = local.client("logs").describe_metric_filters()["metricFilters"]
    written = {(t["metricNamespace"], t["metricName"]) for f in filters for t in f["metricTransformations"]}
    groups = {g["logGroupName"] for g in local.client("logs").describe_log_groups()["logGroups"]}
    assert {f["logGroupName"] for f in filters} <= groups, "each filter reads a log group of the gateway"
    alarms = all_alarms(local)
    state = json.loads((local.env_dir / "terraform.tfstate").read_text())["resources"]
    applied = [i for r in state if r["type"] == "aws_cloudwatch_metric_alarm" for i in r["instances"]]
    assert len(alarms) == len(applied) > 30, "every alarm the apply made is there, and only those"
    for alarm in alarms:
        assert alarm["AlarmActions"] == [outputs["alarm_topic_arn"]], alarm["AlarmName"]
        for namespace, metric, dims in alarm_metrics(alarm):
            if namespace.startswith("AWS/"):
                strange = {k: v for k, v in dims.items() if k in names and v not in names[k]}
                assert strange == {}, f"{alarm['AlarmName']} watches {namespace} {metric} of nothing applied"
            elif namespace != "AiGateway":
                assert (namespace, metric) in written, f"{alarm['AlarmName']}: no log metric filter writes it"
    dashboard = local.client("cloudwatch").get_dashboard(DashboardName=outputs["dashboard_name"])
    widgets = json.loads(dashboard["DashboardBody"])["widgets"]
    titles = {w["properties"].get("title") for w in widgets}
    assert {"Stage 5XX rate", "Requests blocked by the web ACL", "Tokens in per tenant"} <= titles


def test_the_report_sums_what_the_router_wrote_to_the_emulators_logs(local: LocalEnv, tmp_path: Path) -> None:
    from tooling import report

    with router_in_process(local) as module:
        _, service = module.model_service()
        stub = ScriptedBackend()
        service.backends = Backends(dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: stub))
        chat = {"model": "claude-3-haiku", "messages": [{"role": "user", "content": "hi"}]}
        with pytest.MonkeyPatch.context() as patch:
            printed: list[str] = []
            patch.setattr("builtins.print", lambda line, **_kw: printed.append(str(line)))
            for index, tenant in enumerate(["acme", "acme", "initech"]):
                event = proxy_event(
                    "/v1/chat/completions", chat, tenant=tenant, allowed="claude-3-haiku", request_id=f"report-{index}"
                )
                assert module.handler(event, FakeLambdaContext())["statusCode"] == 200
    records = [line for line in printed if '"_aws"' in line]
    assert len(records) == 3
    logs = local.client("logs")
    group = local.outputs()["router_log_group_name"]
    logs.create_log_stream(logGroupName=group, logStreamName="report-test")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="report-test",
                        logEvents=[{"timestamp": now, "message": line} for line in records])  # fmt: skip
    out = tmp_path / "report.csv"
    today = time.strftime("%Y-%m-%d", time.gmtime(now / 1000))
    argv = ["--env", "local", "--since", today, "--env-dir", str(local.env_dir), "--out", str(out)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_CLI_CONFIG_FILE", local.env["TF_CLI_CONFIG_FILE"])
        assert report.main(argv) == 0
    rows = {(r["tenant"], r["model"]): r for r in report.rows(out)}
    assert set(rows) == {("acme", "claude-3-haiku"), ("initech", "claude-3-haiku")}
    assert (rows[("acme", "claude-3-haiku")]["requests"], rows[("acme", "claude-3-haiku")]["day"]) == ("2", today)
    assert int(rows[("acme", "claude-3-haiku")]["input_tokens"]) > 0


def test_route_explain_shows_the_applied_rule_for_a_tenant_without_calling_a_model(
    local: LocalEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tooling import route_explain

    body = tmp_path / "body.json"
    body.write_text(json.dumps({"model": "chat", "messages": [{"role": "user", "content": "def f(x):\n    return x"}]}))
    argv = ["--env", "local", "--tenant", "acme", "--body", str(body), "--env-dir", str(local.env_dir)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_CLI_CONFIG_FILE", local.env["TF_CLI_CONFIG_FILE"])
        capsys.readouterr()
        assert route_explain.main(argv) == 0
        answer = json.loads(capsys.readouterr().out)
    # envs/local's chat alias sends code to Claude whatever its A/B split says.
    assert (answer["decision"], answer["models"][0]) == ("rule:code", "claude-3-haiku")
    assert answer["rules"] == [{"rule": "code", "target": "claude-3-haiku", "outcome": "chose"}]


def live_counters(local: LocalEnv, model: str) -> dict[str, int]:
    """`model`'s counters over the budget table's live-window items: attempts (`a`), errors (`e`), successes."""
    from contract.routing import LIVE_ITEM_PREFIX

    items = local.client("dynamodb").scan(TableName="aigw-local-budgets")["Items"]
    totals = {"a": 0, "e": 0, "ok": 0}
    for item in items:
        if not item["pk"]["S"].startswith(LIVE_ITEM_PREFIX):
            continue
        assert int(item["expires_at"]["N"]) > time.time(), "each period's item expires through the table's TTL"
        for name, value in item.items():
            owner, _, counter = name.rpartition("|")
            if owner == model:
                totals[counter if counter in ("a", "e") else "ok"] += int(value["N"])
    return totals


def test_the_routers_live_window_is_shared_through_the_budget_table(
    stage: BackgroundServer, local: LocalEnv, keys: dict[str, str]
) -> None:
    """envs/local shares every 5 s: the `fast` alias's attempts reach the table at the container's next exchange,
    which the next request starts (in the background), and a new container reads them from there."""
    body = json.dumps({"model": "fast", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}).encode()
    before = live_counters(local, "llama3-8b")
    # initech may use only llama3-8b of the two, for which the emulator has no endpoint: SageMaker refuses the
    # call (400), and the attempt counts as that target's error.
    first, answer = post_json(stage, "chat/completions", keys["initech"], body, "application/json")
    assert (first, answer["error"]["code"]) == (400, "upstream_rejected"), answer
    time.sleep(5.5)
    post_json(stage, "chat/completions", keys["initech"], body, "application/json")
    deadline = time.monotonic() + 15
    while (after := live_counters(local, "llama3-8b"))["a"] == before["a"] and time.monotonic() < deadline:
        time.sleep(0.25)
    assert after["a"] > before["a"], "the first request's attempts were shared"
    assert after["a"] == after["e"] + after["ok"] and after["e"] > before["e"]


def test_the_tenant_table_never_holds_a_key(local: LocalEnv, keys: dict[str, str]) -> None:
    assert sorted(keys) == ["acme", "initech"]
    items = local.client("dynamodb").scan(TableName="aigw-local-tenants")["Items"]
    kinds = sorted(item[tenancy.TABLE_HASH_KEY]["S"].split("#", 1)[0] + "#" for item in items)
    # Per tenant: its record, its key's hash, its Cognito client; and the one IAM principal mapped (acme's).
    assert kinds == sorted(
        [tenancy.TENANT_ITEM_PREFIX, tenancy.KEY_ITEM_PREFIX, tenancy.CLIENT_ITEM_PREFIX] * 2
        + [tenancy.PRINCIPAL_ITEM_PREFIX]
    )
    assert not [item for item in items if any(key in json.dumps(item) for key in keys.values())]


def configuration_item(local: LocalEnv) -> tuple[str, bytes]:
    """The one item of the configuration table: its version and the document's JSON text."""
    items = local.client("dynamodb").scan(TableName="aigw-local-config")["Items"]
    assert len(items) == 1, "exactly one configuration version is kept"
    version = items[0]["pk"]["S"].removeprefix("config#")
    return version, gzip.decompress(items[0]["document"]["B"])


def test_the_router_runs_on_the_document_its_environment_names(local: LocalEnv) -> None:
    outputs = local.outputs()
    variables = local.client("lambda").get_function_configuration(FunctionName=outputs["router_function_name"])[
        "Environment"
    ]["Variables"]
    assert "GATEWAY_MODELS" not in variables, "the catalog no longer rides in the environment"
    version, text = configuration_item(local)
    assert variables["GATEWAY_CONFIG_VERSION"] == version == outputs["config_version"]
    assert hashlib.sha256(text).hexdigest() == version, "the item is content-addressed"
    document = json.loads(text)
    assert len(document["models"]) == 504, "500 models, the two of envs/local, local-echo and iris"
    assert (len(document["routing"]["aliases"]), len(document["routing"]["tenant_pins"])) == (202, 100)
    with router_in_process(local) as module:
        assert len(module.SETTINGS.get().models) == 504


def test_each_tenant_lists_exactly_its_models_through_the_local_stage(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    assert [m.id for m in sdk(stage, keys["acme"]).models.list()] == ["chat", "claude-3-haiku", "fast", "llama3-8b",
                                                                      "local-echo"]  # fmt: skip
    assert [m.id for m in sdk(stage, keys["initech"]).models.list()] == ["chat", "fast", "llama3-8b", "local-echo"]


def test_a_chat_completion_goes_through_authorizer_router_provider_and_exact_counters(
    local: LocalEnv, stage: BackgroundServer, keys: dict[str, str]
) -> None:
    PROVIDER_CALLS.clear()
    raw = sdk(stage, keys["acme"]).chat.completions.with_raw_response.create(
        model="local-echo", messages=[{"role": "user", "content": "ping"}], max_tokens=16
    )
    completion = raw.parse()
    assert completion.choices[0].message.content == "echo: ping"
    assert completion.usage is not None and completion.usage.total_tokens == 10
    assert (raw.headers["x-aigw-model"], raw.headers["x-aigw-backend"]) == ("local-echo", "openai_compatible")
    assert PROVIDER_CALLS == [{"authorization": "Bearer local-provider-placeholder-key", "model": "echo"}]
    items = local.client("dynamodb").scan(TableName="aigw-local-budgets")["Items"]
    # One item per tenant and month holds the month's counter and the day's, written together (the table's
    # other items are the routers' shared live window).
    counters = [item for item in items if item["pk"]["S"].startswith("budget#")]
    assert len(counters) == 1
    counted = {name: int(value["N"]) for name, value in counters[0].items() if name.startswith(("day_", "month"))}
    assert sorted(counted.values()) == [10, 10], f"daily and monthly counters, exact: {counted}"
    # The stage ships what the router printed to its log group, as Lambda does: the usage record is there.
    events = local.client("logs").filter_log_events(logGroupName="/aws/lambda/aigw-local-router")["events"]
    records = [json.loads(e["message"]) for e in events if '"_aws"' in e["message"]]
    served = [(r["tenant"], r["InputTokens"], r["OutputTokens"]) for r in records if r["model"] == "local-echo"]
    assert served == [("acme", 7.0, 3.0)]


def test_the_repository_prompts_are_published_and_served_through_the_local_stage(
    local: LocalEnv, stage: BackgroundServer, keys: dict[str, str]
) -> None:
    _, text = configuration_item(local)
    published = json.loads(text)["prompts"]
    assert sorted(published) == ["classify-ticket", "summarize"]
    assert published["summarize"]["model"] == "local-echo", "the environment's model replaces the meta.yaml's"
    # Terraform read the files as the repository's own reader does (one layout, two readers).
    assert published == prompt_document({n: {"labels": sorted(published[n]["labels"]), "model": "local-echo"}
                                         for n in published})  # fmt: skip
    client = sdk(stage, keys["acme"])
    raw = client.chat.completions.with_raw_response.create(
        model="local-echo",
        messages=[],
        extra_body={"prompt": {"name": "classify-ticket", "variables": {"ticket": "Charged twice {{ 7*7 }}"}}},
    )
    answer = raw.parse().choices[0].message.content or ""
    assert answer.startswith("echo: Classify this support ticket into exactly one of these queues: billing, outage")
    assert answer.endswith("Charged twice {{ 7*7 }}"), "a variable's value stays data"
    assert (raw.headers["x-aigw-prompt"], raw.headers["x-aigw-prompt-version"]) == ("classify-ticket", "1")
    request = {"label": "experiment", "user": "u-42", "variables": {"document": "Revenue rose."}}
    status, body = post_json(stage, "prompts/summarize", keys["acme"], json.dumps(request).encode(), "application/json")
    assert status == 200 and "Revenue rose." in body["choices"][0]["message"]["content"], body
    status, body = post_json(stage, "prompts/summarize", keys["acme"], b'{"label": "canary"}', "application/json")
    assert (status, body["error"]["code"], body["error"]["param"]) == (404, "prompt_not_found", "label")


def test_the_default_guardrails_mask_personal_data_and_refuse_credentials_through_the_stage(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    client = sdk(stage, keys["acme"])
    PROVIDER_PROMPTS.clear()
    completion = client.chat.completions.create(
        model="local-echo", messages=[{"role": "user", "content": "write to jane.doe@example.com"}]
    )
    assert PROVIDER_PROMPTS == ["write to <EMAIL_1>"], "the provider never sees the address"
    assert completion.choices[0].message.content == "echo: write to jane.doe@example.com", "restored for the client"
    body = json.dumps({"model": "local-echo", "messages": [{"role": "user", "content": "key AKIAIOSFODNN7EXAMPLE"}]})
    status, answer = post_json(stage, "chat/completions", keys["acme"], body.encode(), "application/json")
    assert (status, answer["error"]["code"]) == (400, "content_blocked")
    assert "AKIAIOSFODNN7EXAMPLE" not in json.dumps(answer) and len(PROVIDER_PROMPTS) == 1


def test_refusals_come_from_the_edge_and_the_router_in_the_error_envelope(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    time.sleep(2.5)  # initech's bucket (2 per second, burst 4) is full: four calls of its below pass unthrottled
    # initech has no budget and may not use claude-3-haiku.
    with pytest.raises(NotFoundError):
        sdk(stage, keys["initech"]).chat.completions.create(
            model="claude-3-haiku", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(AuthenticationError) as refused:
        sdk(stage, "unknownKEY0123456789abcdefghijklmnopq").models.list()
    assert refused.value.body["code"] == "invalid_api_key"  # type: ignore[index]
    # One model of the tenant's list is described; one outside it is a 404 that says nothing more.
    listed = [m.id for m in sdk(stage, keys["initech"]).models.list()]
    assert sdk(stage, keys["initech"]).models.retrieve(listed[0]).id == listed[0]
    assert "claude-3-haiku" not in listed
    with pytest.raises(NotFoundError):
        sdk(stage, keys["initech"]).models.retrieve("claude-3-haiku")
    # Direct routes are refused at the edge (the authorizer's policy) for a model outside the tenant's
    # allow-list, for an alias of another provider, and for every model of a tenant with a token budget
    # (acme: nothing on those routes meters tokens). An allowed one is authorized, then the emulator
    # has no model to run.
    for tenant, path, status, code in (
        ("initech", "bedrock/claude-3-haiku/converse", 403, "access_denied"),
        ("initech", "bedrock/llama3-8b/converse", 403, "access_denied"),
        ("acme", "bedrock/claude-3-haiku/converse", 403, "access_denied"),
        ("acme", "predict/llama3-8b", 403, "access_denied"),
        ("acme", "predict/iris", 403, "access_denied"),
        ("initech", "bedrock/local-echo/converse", 403, "access_denied"),
    ):
        request = urllib.request.Request(
            f"{stage.url}/local/v1/{path}",
            data=b'{"messages": [{"role": "user", "content": "hi"}]}',
            headers={"authorization": f"Bearer {keys[tenant]}", "content-type": "application/json"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=10)
        assert answer.value.code == status, (tenant, path)
        assert json.loads(answer.value.read())["error"]["code"] == code, (tenant, path)


# --- enterprise identity: the Cognito pool's machine clients and the SigV4 routes -----------------------------


def client_credentials(local: LocalEnv, tenant: str) -> dict[str, str]:
    """The tenant's client credentials, as the tenant reads them from Secrets Manager."""
    arn = local.outputs()["cognito_client_secret_arns"][tenant]
    found: dict[str, str] = json.loads(local.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    return found


def test_each_tenants_client_credentials_are_kept_in_secrets_manager_for_its_own_client(local: LocalEnv) -> None:
    outputs = local.outputs()
    pool = outputs["cognito_user_pool_id"]
    for tenant, scopes in (("acme", ["aigw-local/inference", "aigw-local/models.read"]),
                           ("initech", ["aigw-local/models.read"])):  # fmt: skip
        secret = client_credentials(local, tenant)
        client = local.client("cognito-idp").describe_user_pool_client(UserPoolId=pool, ClientId=secret["client_id"])
        client = client["UserPoolClient"]
        assert client["ClientSecret"] == secret["client_secret"]
        assert client["AllowedOAuthFlows"] == ["client_credentials"] and client["AllowedOAuthFlowsUserPoolClient"]
        assert sorted(client["AllowedOAuthScopes"]) == scopes == sorted(secret["scope"].split())
        assert secret["token_url"] == "https://aigw-local-machines.auth.us-east-1.amazoncognito.com/oauth2/token"
        # No output holds a client secret in clear.
        assert secret["client_secret"] not in run(["output", "-json"], local.env_dir, timeout=60, env=local.env).stdout
    # Where the exchange stops offline: the emulator has no OAuth2 token endpoint to trade the credentials at.
    secret = client_credentials(local, "acme")
    basic = base64.b64encode(f"{secret['client_id']}:{secret['client_secret']}".encode()).decode()
    request = urllib.request.Request(
        f"{local.emulator.endpoint}/oauth2/token",
        data=b"grant_type=client_credentials&scope=aigw-local%2Finference",
        headers={"authorization": f"Basic {basic}", "content-type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=10)
    assert b"access_token" not in answer.value.read()


def emulator_user_token(local: LocalEnv, tenant: str) -> str:
    """An access token the emulator's Cognito issues for a user signing in through the tenant's app client."""
    pool, secret = local.outputs()["cognito_user_pool_id"], client_credentials(local, tenant)
    idp, user, password = local.client("cognito-idp"), f"svc-{tenant}", "Local-Passw0rd-1234!"
    idp.admin_create_user(UserPoolId=pool, Username=user, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username=user, Password=password, Permanent=True)
    digest = hmac.new(secret["client_secret"].encode(), (user + secret["client_id"]).encode(), hashlib.sha256)
    answer = idp.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=secret["client_id"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": user,
            "PASSWORD": password,
            "SECRET_HASH": base64.b64encode(digest.digest()).decode(),
        },
    )
    token: str = answer["AuthenticationResult"]["AccessToken"]
    return token


def client_credentials_token(local: LocalEnv, tenant: str) -> str:
    """What the pool's token endpoint answers a tenant's client-credentials exchange: an access token with the
    client's scopes, signed with the emulator's own Cognito key (the one its JWKS serves), since the emulator
    has no token endpoint to issue it."""
    from joserfc import jwk, jwt
    from moto.utilities.utils import load_resource

    secret, pool = client_credentials(local, tenant), local.outputs()["cognito_user_pool_id"]
    now = int(time.time())
    claims = {
        "sub": secret["client_id"], "client_id": secret["client_id"], "token_use": "access", "scope": secret["scope"],
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{pool}", "iat": now, "auth_time": now, "exp": now + 3600,
        "version": 2, "jti": hashlib.sha256(f"{tenant}{now}".encode()).hexdigest()[:32],
    }  # fmt: skip
    key = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, key)


def call(stage: BackgroundServer, path: str, headers: dict[str, str], body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(f"{stage.url}/local{path}", data=body, headers=headers,
                                     method="POST" if body is not None else "GET")  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


CHAT = json.dumps({"model": "local-echo", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 16}).encode()


def test_an_emulator_issued_token_is_verified_and_refused_naming_the_scopes_it_lacks(
    local: LocalEnv, stage: BackgroundServer
) -> None:
    # The emulator's user-password flow: RS256, its pool's issuer and key (fetched from its JWKS by the
    # authorizer), and only the pool's own scope, which opens no route of the gateway.
    status, body = call(stage, "/v1/models", {"authorization": f"Bearer {emulator_user_token(local, 'acme')}"})
    assert status == 403 and body["error"]["code"] == "access_denied"
    assert body["error"]["message"] == (
        "User is not authorized to access this resource: the token's scopes do not include aigw-local/inference "
        "(needed by POST routes), aigw-local/models.read (needed by GET routes)"
    )


def test_a_client_credentials_token_is_served_as_its_tenant_within_its_scopes(
    local: LocalEnv, stage: BackgroundServer
) -> None:
    reader = {"authorization": f"Bearer {client_credentials_token(local, 'initech')}",
              "content-type": "application/json"}  # fmt: skip
    status, body = call(stage, "/v1/models", reader)
    assert status == 200 and [m["id"] for m in body["data"]] == ["chat", "fast", "llama3-8b", "local-echo"]
    status, body = call(stage, "/v1/chat/completions", reader, CHAT)
    assert status == 403
    assert body["error"]["message"].endswith(
        ": the token's scopes do not include aigw-local/inference (needed by POST routes)"
    )
    before = month_tokens(local)
    completion = sdk(stage, client_credentials_token(local, "acme")).chat.completions.create(
        model="local-echo", messages=[{"role": "user", "content": "ping"}], max_tokens=16
    )
    assert completion.choices[0].message.content == "echo: ping"
    assert month_tokens(local) - before == 10, "a token's tenant is budgeted like its key"


def assumed_role(local: LocalEnv, role_arn: str) -> Any:
    from botocore.credentials import Credentials

    session = local.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="e2e-build")["Credentials"]
    return Credentials(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])


def signed_call(stage: BackgroundServer, credentials: Any, path: str, body: bytes | None = None) -> tuple[int, Any]:
    """A SigV4-signed call (botocore's signer, service execute-api), as an AWS workload makes it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    headers = {"content-type": "application/json"} if body is not None else {}
    request = AWSRequest(method="POST" if body is not None else "GET", url=f"{stage.url}/local{path}", data=body,
                         headers=headers)  # fmt: skip
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return call(stage, path, dict(request.headers.items()), body)


def test_a_signed_role_session_is_served_as_its_tenant_on_the_iam_routes(
    local: LocalEnv, stage: BackgroundServer
) -> None:
    credentials = assumed_role(local, local.outputs()["iam_caller_role_arn"])
    status, body = signed_call(stage, credentials, "/iam/v1/models")
    assert status == 200 and [m["id"] for m in body["data"]] == [
        "chat",
        "claude-3-haiku",
        "fast",
        "llama3-8b",
        "local-echo",
    ]
    before = month_tokens(local)
    status, body = signed_call(stage, credentials, "/iam/v1/chat/completions", CHAT)
    assert status == 200 and body["choices"][0]["message"]["content"] == "echo: ping"
    assert month_tokens(local) - before == 10, "a signed caller's tenant is budgeted like its key"


def test_signed_calls_that_do_not_hold_are_refused_in_the_envelope(local: LocalEnv, stage: BackgroundServer) -> None:
    iam, account = local.client("iam"), "123456789012"
    credentials = assumed_role(local, local.outputs()["iam_caller_role_arn"])
    # No signature: API Gateway's missing-token answer.
    status, body = call(stage, "/iam/v1/models", {})
    assert status == 404 and body["error"]["code"] == "route_not_found" and body["error"]["request_id"]
    # A signature over another body than the one sent.
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method="POST", url=f"{stage.url}/local/iam/v1/chat/completions", data=CHAT,
                         headers={"content-type": "application/json"})  # fmt: skip
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    status, body = call(
        stage, "/iam/v1/chat/completions", dict(request.headers.items()), CHAT.replace(b"ping", b"pong")
    )
    assert status == 401 and body["error"]["code"] == "invalid_signature"
    # A role that may invoke the API but maps to no tenant: the router refuses it.
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}}
    ]}  # fmt: skip
    invoke = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"arn:aws:execute-api:us-east-1:{account}:*"}
    ]}  # fmt: skip
    iam.create_role(RoleName="e2e-unmapped", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="e2e-unmapped", PolicyName="invoke", PolicyDocument=json.dumps(invoke))
    status, body = signed_call(
        stage, assumed_role(local, f"arn:aws:iam::{account}:role/e2e-unmapped"), "/iam/v1/models"
    )
    assert status == 403 and body["error"]["code"] == "principal_not_mapped"
    # A role whose policies do not allow execute-api:Invoke: API Gateway refuses it before the router.
    iam.create_role(RoleName="e2e-no-invoke", AssumeRolePolicyDocument=json.dumps(trust))
    status, body = signed_call(
        stage, assumed_role(local, f"arn:aws:iam::{account}:role/e2e-no-invoke"), "/iam/v1/models"
    )
    assert status == 403 and body["error"]["code"] == "access_denied"


# --- the OpenAI surface apps use, through the applied stage: streams, tools, structured output, images, Responses

LONG_PROMPT = " ".join(f"word{i}" for i in range(150))
LOOKUP_PARAMETERS = {"type": "object", "properties": {"text": {"type": "string"}}}
LOOKUP = {"type": "function", "function": {"name": "lookup", "description": "Look a text up.",
                                           "parameters": LOOKUP_PARAMETERS}}  # fmt: skip
PNG_URL = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()


class Echo(BaseModel):
    echo: str


def month_tokens(local: LocalEnv) -> int:
    """Every tenant's token counters of the month, summed (what the budget table holds)."""
    items = local.client("dynamodb").scan(TableName="aigw-local-budgets")["Items"]
    return sum(int(value["N"]) for item in items for name, value in item.items() if name.startswith("month"))


def test_a_streamed_chat_arrives_in_pieces_through_the_local_stage_and_is_counted_exactly(
    local: LocalEnv, stage: BackgroundServer, keys: dict[str, str]
) -> None:
    before = month_tokens(local)
    client = sdk(stage, keys["acme"])
    with client.chat.completions.with_streaming_response.create(
        model="local-echo", messages=[{"role": "user", "content": LONG_PROMPT}], stream=True,
        stream_options={"include_usage": True},
    ) as raw:  # fmt: skip
        assert raw.headers["content-type"].startswith("text/event-stream")
        chunks = list(raw.parse())
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert "".join(pieces) == f"echo: {LONG_PROMPT}"
    assert len(pieces) > 1, "the guardrail's window releases the answer as it streams"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 10
    assert PROVIDER_BODIES[-1]["stream"] is True and PROVIDER_BODIES[-1]["stream_options"] == {"include_usage": True}
    assert month_tokens(local) == before + 10, "the stream's own usage is charged, exactly"


def test_tool_calls_round_trip_and_stream_through_the_local_stage(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    client = sdk(stage, keys["acme"])
    ask = {"role": "user", "content": "find the forecast"}
    first = client.chat.completions.create(model="local-echo", messages=[ask], tools=[LOOKUP], tool_choice="auto")  # type: ignore[list-item, list-item]
    assert first.choices[0].finish_reason == "tool_calls"
    call = (first.choices[0].message.tool_calls or [])[0]
    assert call.function.name == "lookup" and json.loads(call.function.arguments) == {"text": "find the forecast"}  # type: ignore[union-attr]
    answered = [ask, {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
                {"role": "tool", "tool_call_id": call.id, "content": "rain"}]  # fmt: skip
    second = client.chat.completions.create(model="local-echo", messages=answered, tools=[LOOKUP])  # type: ignore[arg-type, list-item]
    assert second.choices[0].message.content == "echo: the tool said rain"
    sent = PROVIDER_BODIES[-1]
    assert sent["tools"][0]["function"]["name"] == "lookup"
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "tool"]
    assert sent["messages"][-1]["tool_call_id"] == call.id
    with client.chat.completions.stream(model="local-echo", messages=[ask], tools=[LOOKUP]) as stream:  # type: ignore[list-item, list-item]
        final = stream.get_final_completion()
    streamed = (final.choices[0].message.tool_calls or [])[0]
    assert (streamed.id, streamed.function.name, json.loads(streamed.function.arguments)) == (
        "call_echo_1", "lookup", {"text": "find the forecast"},
    )  # fmt: skip


def test_parse_with_a_pydantic_model_through_the_local_stage(stage: BackgroundServer, keys: dict[str, str]) -> None:
    parsed = sdk(stage, keys["acme"]).chat.completions.parse(
        model="local-echo", messages=[{"role": "user", "content": "structured please"}], response_format=Echo
    )
    assert parsed.choices[0].message.parsed == Echo(echo="structured please")
    assert PROVIDER_BODIES[-1]["response_format"]["type"] == "json_schema"


def test_images_pass_as_data_urls_and_remote_ones_are_refused_through_the_local_stage(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    client = sdk(stage, keys["acme"])
    content = [{"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {"url": PNG_URL}}]
    answer = client.chat.completions.create(model="local-echo", messages=[{"role": "user", "content": content}])  # type: ignore[misc, list-item]
    assert answer.choices[0].message.content == "echo: what is this [1 image]"
    parts = PROVIDER_BODIES[-1]["messages"][-1]["content"]
    assert [p["image_url"]["url"] for p in parts if p["type"] == "image_url"] == [PNG_URL]
    calls = len(PROVIDER_BODIES)
    remote = [content[0], {"type": "image_url", "image_url": {"url": "https://images.example.com/a.png"}}]
    with pytest.raises(BadRequestError) as refused:
        client.chat.completions.create(model="local-echo", messages=[{"role": "user", "content": remote}])  # type: ignore[misc, list-item]
    assert refused.value.body["param"] == "messages[0].content[1].image_url"  # type: ignore[index]
    assert len(PROVIDER_BODIES) == calls, "a refused image never reaches the provider (nor is fetched)"


def test_the_responses_api_answers_and_streams_through_the_local_stage(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    client = sdk(stage, keys["acme"])
    response = client.responses.create(model="local-echo", instructions="Be brief.", input="hello responses")
    assert response.status == "completed" and response.output_text == "echo: hello responses"
    assert response.usage is not None and response.usage.total_tokens == 10
    assert PROVIDER_BODIES[-1]["messages"][0] == {"role": "system", "content": "Be brief."}
    deltas: list[str] = []
    with client.responses.stream(model="local-echo", input=LONG_PROMPT) as stream:
        for item in stream:
            if item.type == "response.output_text.delta":
                deltas.append(item.delta)
        final = stream.get_final_response()
    assert len(deltas) > 1 and "".join(deltas) == final.output_text == f"echo: {LONG_PROMPT}"
    assert final.usage is not None and final.usage.total_tokens == 10


IRIS_FLOWERS = [
    {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
    {"sepal_length": 6.0, "sepal_width": 2.9, "petal_length": 4.5, "petal_width": 1.5},
    {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3},
]


def post_json(stage: BackgroundServer, path: str, key: str, body: bytes, content_type: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{stage.url}/local/v1/{path}",
        data=body,
        headers={"authorization": f"Bearer {key}", "content-type": content_type},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def in_process_probabilities() -> list[list[float]]:
    """What the model itself predicts for IRIS_FLOWERS, trained in this process."""
    from model_src.iris.train import FEATURES, train

    rows = [[flower[name] for name in FEATURES] for flower in IRIS_FLOWERS]
    return [[float(p) for p in row] for row in train().predict_proba(rows)]


def test_the_emulator_stores_the_endpoint_its_two_variants_and_the_encrypted_archive(local: LocalEnv) -> None:
    sagemaker = local.client("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName="aigw-local-iris")
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    assert sorted(v["VariantName"] for v in config["ProductionVariants"]) == ["blue", "green"]
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    url = model["PrimaryContainer"]["ModelDataUrl"]
    bucket, _, key = url.removeprefix("s3://").partition("/")
    head = local.client("s3").head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert (
        key == "models/" + hashlib.sha256((BUILD_DIR / "models/iris/model.tar.gz").read_bytes()).hexdigest() + ".tar.gz"
    )


def test_a_tenant_key_through_the_transform_and_the_local_model_gets_the_models_own_prediction(
    local: LocalEnv, stage: BackgroundServer, keys: dict[str, str]
) -> None:
    status, body = post_json(
        stage, "transform/iris", keys["acme"], json.dumps({"instances": IRIS_FLOWERS}).encode(), "application/json"
    )
    assert status == 200, body
    expected = in_process_probabilities()
    labels = ["setosa", "versicolor", "virginica"]
    scores = [p["scores"][label] for p in body["data"] for label in labels]
    assert scores == pytest.approx([x for row in expected for x in row], rel=1e-12)
    assert [p["label"] for p in body["data"]] == ["setosa", "versicolor", "virginica"]
    assert body["variant"] in ("blue", "green")
    # Sticky per tenant: the next request of acme lands on the same variant.
    again = post_json(stage, "transform/iris", keys["acme"], json.dumps({"instances": IRIS_FLOWERS[:1]}).encode(),
                      "application/json")[1]  # fmt: skip
    assert again["variant"] == body["variant"]
    events = local.client("logs").filter_log_events(logGroupName="/aws/lambda/aigw-local-transform")["events"]
    records = [json.loads(e["message"]) for e in events if '"_aws"' in e["message"]]
    assert ("acme", "iris", body["variant"], 3.0) in [
        (r["tenant"], r["model"], r["variant"], r["Predictions"]) for r in records
    ]


def test_the_transform_refuses_bad_features_and_variants_before_any_model_runs(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    flower = {**IRIS_FLOWERS[0], "petal_width": "wide"}
    status, body = post_json(
        stage, "transform/iris", keys["acme"], json.dumps({"instances": [flower]}).encode(), "application/json"
    )
    assert (status, body["error"]["param"]) == (400, "instances[0].petal_width")
    assert "expected a number" in body["error"]["message"]
    status, body = post_json(
        stage, "transform/iris", keys["initech"],
        json.dumps({"instances": IRIS_FLOWERS[:1], "variant": "green"}).encode(), "application/json",
    )  # fmt: skip
    assert (status, body["error"]["code"]) == (403, "variant_not_allowed")
    status, body = post_json(
        stage, "transform/iris", keys["acme"],
        json.dumps({"instances": IRIS_FLOWERS[:1], "variant": "green"}).encode(), "application/json",
    )  # fmt: skip
    assert (status, body["variant"]) == (200, "green")


def test_the_direct_predict_route_runs_its_templates_against_the_local_model(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    from model_src.iris.train import FEATURES

    csv = "\n".join(",".join(str(flower[name]) for name in FEATURES) for flower in IRIS_FLOWERS)
    status, body = post_json(stage, "predict/iris", keys["initech"], csv.encode(), "text/csv")
    assert status == 200, body
    answered = [x for row in body["predictions"] for x in row]
    assert answered == pytest.approx([x for row in in_process_probabilities() for x in row], rel=1e-12)


# --- the large catalog: model access, routing, the model list, and a new document version ---------------


@contextmanager
def router_in_process(local: LocalEnv) -> Iterator[ModuleType]:
    """The router imported with the deployed function's environment, reading its document from the emulator."""
    variables = local.client("lambda").get_function_configuration(FunctionName="aigw-local-router")["Environment"][
        "Variables"
    ]
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**variables, "AWS_ENDPOINT_URL": local.emulator.endpoint, "AWS_ACCESS_KEY_ID": "test",
                            "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
                            "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
            patch.setenv(name, value)
        import router.handler

        module = importlib.reload(router.handler)
        assert module.SETTINGS.settings is not None, "the router could not read its configuration"
        yield module


def test_model_access_is_split_into_managed_policies_iam_accepts(local: LocalEnv) -> None:
    iam = local.client("iam")
    for role in ("aigw-local-router", "aigw-local-apigateway"):
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        assert 1 < len(attached) <= 10, role
        for policy in attached:
            version = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=policy["PolicyArn"], VersionId=version)["PolicyVersion"]
            assert len(json.dumps(document["Document"], separators=(",", ":"))) <= 6144, policy["PolicyName"]


def test_every_routed_alias_of_the_large_catalog_serves_from_its_targets(local: LocalEnv) -> None:
    models, routing = local.catalog["models"], local.catalog["routing"]
    everything = ",".join(sorted(models))
    with router_in_process(local) as module:
        _, service = module.model_service()
        stub = ScriptedBackend()
        service.backends = Backends(dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: stub))

        def call(path: str, body: dict[str, Any], tenant: str) -> dict[str, Any]:
            answer: dict[str, Any] = module.handler(
                proxy_event(path, body, tenant=tenant, allowed=everything), FakeLambdaContext()
            )
            return answer

        for alias, route in sorted(routing["aliases"].items()):
            kind = models[route["targets"][0]["model"]].get("kind", "chat")
            path, body = (
                ("/v1/chat/completions", {"model": alias, "messages": [{"role": "user", "content": "hi"}]})
                if kind == "chat"
                else ("/v1/embeddings", {"model": alias, "input": "hi"})
            )
            response = call(path, body, "tenant-free")
            assert response["statusCode"] == 200, (alias, response["body"])
            served = response["headers"]["x-aigw-model"]
            assert served in [t["model"] for t in route["targets"] if t.get("weight", 1) > 0], (alias, served)
        for tenant, pins in sorted(routing["tenant_pins"].items()):
            for alias, model in pins.items():
                chat = {"model": alias, "messages": [{"role": "user", "content": "hi"}]}
                response = call("/v1/chat/completions", chat, tenant)
                assert (response["headers"]["x-aigw-model"], response["headers"]["x-aigw-arm"]) == (model, "pinned")


def test_the_large_catalog_answers_the_model_list_in_one_request(local: LocalEnv) -> None:
    models, routing = local.catalog["models"], local.catalog["routing"]
    with router_in_process(local) as module:
        event = load_event("get_models")
        event["requestContext"]["authorizer"] = {"tenant_id": "t", "tier": "x", "allowed_models": ",".join(models)}
        listed = json.loads(module.handler(event, FakeLambdaContext())["body"])["data"]
    assert len(listed) == len(set(models) - set(routing["aliases"])) + len(routing["aliases"])


# --- the local stage as API Gateway: usage plans, validation, the contract, load ------------------------


def test_the_stage_throttles_a_key_over_its_plans_burst_and_validates_bodies_as_deployed(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    time.sleep(2.5)  # initech's bucket (2 per second, burst 4) is full again after the tests before
    statuses = [post_json(stage, "embeddings", keys["initech"], b"{}", "application/json") for _ in range(6)]
    assert [status for status, _ in statuses] == [400] * 4 + [429] * 2, "the burst, then THROTTLED"
    assert statuses[-1][1]["error"]["code"] == "rate_limit_exceeded"
    # The deployed EmbeddingRequest model refused the body before the router saw it, in API Gateway's words.
    assert statuses[0][1]["error"] == {
        "message": '[object has missing required properties (["input","model"])]', "type": "invalid_request_error",
        "code": "invalid_body", "param": None, "request_id": statuses[0][1]["error"]["request_id"],
    }  # fmt: skip


def test_the_openapi_document_holds_for_a_thousand_generated_requests(
    stage: BackgroundServer, keys: dict[str, str]
) -> None:
    from tests.support.contract import run_contract

    document = json.loads((MODULES_DIR / "ai_gateway" / "openapi.json").read_text())
    operations = sum(len(methods) for methods in document["paths"].values())
    report = run_contract(
        document, f"{stage.url}/local", {"authorization": f"Bearer {keys['acme']}"},
        examples=-(-1000 // operations) + 1, requests_per_second=40, deadline_seconds=240,
    )  # fmt: skip
    print(f"contract: {report.requests} requests, statuses {dict(sorted(report.statuses.items()))}")
    assert report.requests >= 1000, report.by_operation
    assert set(report.by_operation) == {f"{m.upper()} {p}" for p, ms in document["paths"].items() for m in ms}
    assert not [s for s in report.statuses if s >= 500], report.statuses
    assert report.failures == [], "\n".join(report.failures[:5])


def router_log_events(local: LocalEnv, since_ms: int) -> list[dict[str, Any]]:
    """Every event the router's log group holds from `since_ms` on."""
    paginator = local.client("logs").get_paginator("filter_log_events")
    pages = paginator.paginate(logGroupName="/aws/lambda/aigw-local-router", startTime=since_ms)
    return [event for page in pages for event in page["events"]]


def budget_counters(local: LocalEnv) -> tuple[int, int]:
    """The sum of every tenant's day counters and of its month counters."""
    from router.pipeline.budgets import MONTH_ATTRIBUTE

    days = months = 0
    for item in local.client("dynamodb").scan(TableName="aigw-local-budgets")["Items"]:
        days += sum(int(v["N"]) for k, v in item.items() if k.startswith("day_"))
        months += int(item.get(MONTH_ATTRIBUTE, {}).get("N", 0))
    return days, months


def test_under_load_the_plan_throttles_by_its_token_bucket_and_the_budget_counts_every_token_served(
    local: LocalEnv, stage: BackgroundServer, keys: dict[str, str]
) -> None:
    from tests.support.load import bucket_admits, run_load

    rate, burst = 50, 100  # acme's tier, envs/local/terraform.tfvars
    clients, seconds = burst + 10, 8.0
    body = {"model": "local-echo", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 16}
    before = budget_counters(local)
    time.sleep(burst / rate + 0.5)  # the bucket is full
    load_began_ms = int(time.time() * 1000)
    report = run_load(
        f"{stage.url}/local/v1/chat/completions",
        {"authorization": f"Bearer {keys['acme']}", "content-type": "application/json"},
        body, clients=clients, seconds=seconds,
    )  # fmt: skip
    served, throttled = report.statuses[200], report.statuses[429]
    print(f"load: {clients} clients for {report.seconds:.1f} s: {report.requests_per_second:.0f} requests/s, "
          f"p50 {report.p50 * 1000:.0f} ms, p99 {report.percentile(0.99) * 1000:.0f} ms, "
          f"{served} served, {throttled} throttled")  # fmt: skip
    assert report.errors == [] and set(report.statuses) <= {200, 429}, report.statuses
    # The bucket's arithmetic: replayed on when each request was sent, a bucket of the plan's burst and rate
    # admits what the stage admitted, within 5%: the stage sees a request when it arrives, which lags its
    # send by up to its queueing time (p99 above 2 s with 110 clients on one process; 12 of 499, 2.4%, seen).
    # A bucket that is not per key, not refilled at the plan's rate or not capped at its burst is off by more.
    expected = bucket_admits([moment for moment, _ in report.sent], rate, burst)
    print(f"load: the token bucket admits {expected} of those requests")
    assert abs(served - expected) <= max(3, expected // 20), (served, expected)
    assert served <= burst + rate * report.seconds + 1
    # Nothing lost, nothing counted twice: the day's and the month's counters moved by exactly what was served,
    # plus the whole allowance of each attempt that failed after the provider may have done the work (under
    # this load the provider's listener can reset a connection; the router then retries and charges the bound).
    after = budget_counters(local)
    assert after[0] - before[0] == after[1] - before[1]
    assert report.tokens_served == served * 10
    excess = after[0] - before[0] - report.tokens_served
    allowance = chat_input_bound(parse_chat(body).request) + body["max_tokens"]
    failed = [e for e in router_log_events(local, load_began_ms) if "backend attempt failed" in e["message"]]
    print(f"load: {len(failed)} attempts failed and were retried; {excess} tokens charged beyond the answers")
    assert excess >= 0 and excess % allowance == 0 and excess // allowance <= len(failed), (excess, allowance)


def test_a_new_document_version_is_written_before_the_router_moves_to_it_and_the_old_one_goes(
    local: LocalEnv,
) -> None:
    from shared.config_document import ConfigUnavailable, read_document

    previous, _ = configuration_item(local)
    (local.env_dir / "rollover.tfvars.json").write_text(json.dumps({"response_cache": {"ttl_seconds": 120}}))
    log = local.terraform("apply", "-auto-approve", *local.var_files)
    created = log.index("aws_dynamodb_table_item.config: Creation complete")
    moved = log.index("aws_lambda_function.router: Modifications complete")
    deleted = log.index("aws_dynamodb_table_item.config (deposed object")
    assert created < moved < deleted, "new item, then the function, then the old item"
    version, text = configuration_item(local)
    assert version != previous and json.loads(text)["response_cache"]["ttl_seconds"] == 120
    local.terraform("plan", "-detailed-exitcode", *local.var_files)
    with router_in_process(local) as module:
        assert module.SETTINGS.get().cache.ttl_seconds == 120
    environ = {"GATEWAY_CONFIG_TABLE": "aigw-local-config", "GATEWAY_CONFIG_VERSION": previous,
               "AWS_ENDPOINT_URL": local.emulator.endpoint, "AWS_ACCESS_KEY_ID": "test",
               "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}  # fmt: skip
    with pytest.raises(ConfigUnavailable):
        read_document(environ)
