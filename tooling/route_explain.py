"""Which model a request would be routed to, and why, for a tenant of an applied environment; no model is called.

`make route-explain ENV=local TENANT=acme BODY=request.json` (GATEWAY=<unit> for a root with several gateways,
HEADERS="x-team=b" for the headers a client would send). It reads what the deployed router reads: the router's
environment (its Lambda configuration), the configuration document it names, and the tenant's item, then runs
the router's own parsing and routing (`router.routing.explain`) and prints one JSON object: the plan (models in
the order they would be tried), the decision, each rule's part, and the request's features.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tooling.paths import ENVIRONMENTS
from tooling.report import ReportError, env_client, outputs_of
from tooling.terraform import TerraformError


class ExplainError(Exception):
    """The request, the tenant or the environment cannot be explained (one line for the user)."""


def router_function(outputs: dict[str, Any], gateway: str | None) -> str:
    """The router's function name: the root's only gateway, or the one named `gateway`."""
    if isinstance(outputs.get("router_function_name"), str):
        return str(outputs["router_function_name"])
    names = outputs.get("router_function_names")
    if isinstance(names, dict) and names:
        if gateway in names:
            return str(names[gateway])
        raise ExplainError(f"name the gateway: GATEWAY=<one of {', '.join(sorted(names))}>")
    raise ExplainError("the environment outputs no router_function_name; re-apply it with this version")


def explain_request(
    environment: dict[str, str],
    fetch: Any,
    tenants: Any,
    *,
    tenant_id: str,
    body: dict[str, Any],
    headers: dict[str, str],
    dynamodb: Any = None,
) -> dict[str, Any]:
    """The router's decision for `body` sent by `tenant_id` with `headers` (lower-case names); with `dynamodb`,
    on the gateway's shared live window when the router shares one."""
    from router.api.parse import parse_chat
    from router.pipeline.serving import chat_job
    from router.prompts.resolve import resolve
    from router.routing import Ask, explain
    from router.settings import Settings, SettingsError
    from shared.errors import GatewayError
    from shared.proxy_event import ProxyRequest, TenantContext
    from shared.tenant_store import tenant_item

    try:
        settings = Settings.load(environment, fetch)
    except SettingsError as err:
        raise ExplainError(f"the router's configuration is invalid: {err}") from None
    tenant = tenants.tenant_at(tenant_item(tenant_id))
    if tenant is None:
        raise ExplainError(f"tenant '{tenant_id}' is not in the tenant table")
    try:
        parsed = parse_chat(body)
        if parsed.reference is not None:
            parsed = resolve(settings.prompts, parsed, "route-explain")
    except GatewayError as err:
        raise ExplainError(f"the router would refuse this body ({err.status}): {err.message}") from None
    if not tenant.enabled:
        raise ExplainError(f"tenant '{tenant_id}' is disabled: the authorizer refuses its requests (403)")
    job = chat_job(parsed)
    allowed = settings.allowed_of_kind(frozenset(tenant.allowed_models), "chat")
    context = TenantContext(tenant.tenant_id, tenant.tier, frozenset(tenant.allowed_models))
    proxy = ProxyRequest(method="POST", route="POST /v1/chat/completions", request_id="route-explain",
                         headers=headers)  # fmt: skip
    if job.features is None:  # a chat job always describes its request
        raise ExplainError("the router describes no features of this request")
    features = job.features(proxy, context)
    route = settings.routing.aliases.get(parsed.alias)
    live = route is not None and (route.strategy == "lowest_latency" or route.drain_error_rate is not None)
    stats = shared_stats(settings, dynamodb) if live else None
    ask = Ask(tenant.tenant_id, allowed, parsed.request.user, "route-explain", job.estimate, stats=stats)
    plan, verdicts = explain(settings.routing, alias=parsed.alias, ask=ask, features=features)
    return {
        "tenant": tenant.tenant_id,
        "tier": tenant.tier,
        "alias": parsed.alias,
        "decision": plan.decision if plan else None,
        "models": list(plan.models) if plan else [],
        "arm": plan.arm if plan else None,
        "rules": [asdict(v) for v in verdicts],
        "features": {
            **{k: v for k, v in asdict(features).items() if k != "scorer"},
            "complexity": features.complexity,
        },
        "refusal": None if plan else f"model '{parsed.alias}' is not available to this tenant (404)",
        "live": _live_note(route, stats) if live and route is not None else None,
    }


def shared_stats(settings: Any, dynamodb: Any) -> Any:
    """The gateway's shared live window as the routers read it now (router.shared_stats), or None when the
    router does not share it (or no table client was given)."""
    from router.live_stats import LiveStats
    from router.shared_stats import shared_window

    problems: list[str] = []

    def log(message: str, extra: dict[str, Any]) -> None:
        problems.append(f"{message}: {extra['error']}")

    window = None if dynamodb is None else shared_window(settings, dynamodb, run=lambda work: work(), log=log)
    if window is None:
        return None
    window.share()  # nothing recorded here, so it only reads
    if problems:
        raise ExplainError(f"the shared live window could not be read from {settings.budget_table}: {problems[0]}")
    return LiveStats(shared=window)


def _live_note(route: Any, stats: Any) -> dict[str, Any]:
    """What the plan shown was decided on: the gateway's shared window, or nothing route-explain can see."""
    if stats is None:
        return {
            "source": "none",
            "note": "lowest_latency and drain_error_rate read each router container's own window of the last "
            "minute, which route-explain cannot see: shown as a new container decides (the first target leads, "
            "none drained)",
        }
    targets = {}
    for target in route.targets:
        attempts, errors, median = stats.counts(target.model)
        targets[target.model] = {"attempts": attempts, "errors": errors, "median_seconds": median}
    return {
        "source": "shared",
        "note": "the gateway's window of the last minute, shared through the budget table, as a container decides "
        "that has no leader yet (a container keeps its leader until another target is 20% faster)",
        "targets": targets,
    }


def item_fetcher(dynamodb: Any) -> Any:
    """The configuration document's item through boto3 (the caller's own credentials, where the router uses its
    role's through the standard library)."""
    from contract import config_document as layout

    def fetch(table: str, key: str) -> dict[str, Any] | None:
        item = dynamodb.get_item(TableName=table, Key={layout.TABLE_HASH_KEY: {"S": key}}, ConsistentRead=True)
        found: dict[str, Any] | None = item.get("Item")
        if found is None:
            return None
        # boto3 decodes binary attributes; the router's reader takes them as on the wire (base64 text).
        return {
            name: {"B": base64.b64encode(value["B"]).decode()} if isinstance(value.get("B"), bytes) else value
            for name, value in found.items()
        }

    return fetch


def tenant_store(environment: dict[str, str], dynamodb: Any) -> Any:
    """The tenant table the router's environment names, read with `dynamodb`."""
    from contract import environment as names
    from shared.tenant_store import DynamoTenantStore

    table = environment.get(names.TENANT_TABLE, "")
    if not table:
        raise ExplainError(f"the router's environment names no {names.TENANT_TABLE}; re-apply it with this version")
    return DynamoTenantStore(table, lambda: dynamodb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--body", required=True, help="a chat completion request body (JSON file, or - for stdin)")
    parser.add_argument("--gateway", default=None, help="the business unit, in a root with several gateways")
    parser.add_argument("--header", action="append", default=[], help="name=value, as the client would send it")
    parser.add_argument("--env-dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.env not in ENVIRONMENTS:
            raise ExplainError(f"ENV '{args.env or '(empty)'}' is unknown; expected one of: {', '.join(ENVIRONMENTS)}")
        text = sys.stdin.read() if args.body == "-" else Path(args.body).read_text(encoding="utf-8")
        body = json.loads(text)
        if not isinstance(body, dict):
            raise ExplainError("BODY must hold a JSON object: a chat completion request")
        headers = {}
        for pair in args.header:
            name, sep, value = pair.partition("=")
            if not sep:
                raise ExplainError(f"header '{pair}' must be name=value")
            headers[name.strip().lower()] = value.strip()
        outputs = outputs_of(args.env, args.env_dir)
        lambda_client = env_client(args.env, outputs, "lambda")
        function = router_function(outputs, args.gateway)
        environment = lambda_client.get_function_configuration(FunctionName=function)["Environment"]["Variables"]
        dynamodb = env_client(args.env, outputs, "dynamodb")
        answer = explain_request(
            environment,
            item_fetcher(dynamodb),
            tenant_store(environment, dynamodb),
            tenant_id=args.tenant,
            body=body,
            headers=headers,
            dynamodb=dynamodb,
        )
    except (ExplainError, ReportError, TerraformError, OSError, json.JSONDecodeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
