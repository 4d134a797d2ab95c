"""Inputs of the router and its catalog: models, routing, the response cache, and the function's sizing.

Every rule of the catalog, routing and cache is the contract's: the values and the
message come from `contract.*`, so `terraform plan` refuses a bad catalog with the
words the router would use at cold start.
"""

from __future__ import annotations

import json

from contract import catalog as models
from contract import media, routing
from contract import response_cache as cache
from contract.environment import MAX_DEADLINE_SECONDS
from modules_src.common.spec import Validation, VariableSpec
from modules_src.common.validations import each, json_list, json_map, message, no_offenders, whole_number_between

PROVIDERS, KINDS, FORMATS = json_list(models.PROVIDERS), json_list(models.KINDS), json_map(models.SAGEMAKER_FORMATS)
MODELS = "var.models"
ALIASES = "var.routing.aliases"
MODEL_KEYS = "keys(var.models)"


def _not_text(value: str) -> str:
    return f"(length(trimspace({value})) == 0 || length({value}) > {models.MAX_TEXT_LENGTH})"


def _price(field: str) -> Validation:
    value = f"m.{field}"
    return each(
        MODELS,
        "alias, m",
        f"{value} == null ? false : ({value} < 0 || {value} > {models.MAX_PRICE_PER_1K})",
        models.PRICE_INVALID,
        {"field": field},
        alias="alias",
    )


MODEL_RULES: tuple[Validation, ...] = (
    Validation("${length(var.models) > 0}", models.NO_MODELS + "."),
    each(
        f"keys({MODELS})",
        "alias",
        f"!can(regex({json.dumps(models.MODEL_ALIAS_PATTERN)}, alias))",
        models.ALIAS_INVALID,
        alias="alias",
    ),
    each(
        MODELS,
        "alias, m",
        f"!contains({PROVIDERS}, m.provider)",
        models.PROVIDER_UNKNOWN,
        alias="alias",
        value="m.provider",
    ),
    each(MODELS, "alias, m", f"!contains({KINDS}, m.kind)", models.KIND_UNKNOWN, alias="alias", value="m.kind"),
    each(
        MODELS,
        "alias, m",
        f'm.kind == "{models.PREDICTION_KIND}" && m.provider != "{models.SAGEMAKER_PROVIDER}"',
        models.PREDICTION_NOT_SAGEMAKER,
        alias="alias",
    ),
    each(MODELS, "alias, m", _not_text("m.model_id"), models.TEXT_INVALID, {"field": "model_id"}, alias="alias"),
    each(
        MODELS,
        "alias, m",
        f"m.owned_by == null ? false : {_not_text('m.owned_by')}",
        models.TEXT_INVALID,
        {"field": "owned_by"},
        alias="alias",
    ),
    each(MODELS, "alias, m", "m.created < 0 || floor(m.created) != m.created", models.CREATED_INVALID, alias="alias"),
    each(
        MODELS,
        "alias, m",
        f'm.provider == "{models.HTTP_PROVIDER}" && (m.base_url == null || m.secret_arn == null)',
        models.HTTP_FIELDS_MISSING,
        alias="alias",
    ),
    each(
        MODELS,
        "alias, m",
        f'm.provider != "{models.HTTP_PROVIDER}" && (m.base_url != null || m.secret_arn != null)',
        models.HTTP_FIELDS_MISPLACED,
        alias="alias",
    ),
    each(
        MODELS,
        "alias, m",
        f"m.base_url == null ? false : !can(regex({json.dumps(models.BASE_URL_PATTERN)}, m.base_url))",
        models.BASE_URL_INVALID,
        alias="alias",
    ),
    each(
        MODELS,
        "alias, m",
        f"m.secret_arn == null ? false : !can(regex({json.dumps(models.SECRET_ARN_PATTERN)}, m.secret_arn))",
        models.SECRET_ARN_INVALID,
        alias="alias",
    ),
    each(
        MODELS,
        "alias, m",
        f'm.format != null && m.provider != "{models.SAGEMAKER_PROVIDER}"',
        models.FORMAT_MISPLACED,
        alias="alias",
    ),
    each(
        MODELS,
        "alias, m",
        f'm.format == null ? false : (m.provider == "{models.SAGEMAKER_PROVIDER}" && !contains(keys({FORMATS}), '
        "m.format))",
        models.FORMAT_UNKNOWN,
        alias="alias",
        value="m.format",
    ),
    each(
        MODELS,
        "alias, m",
        f'm.format == null ? false : (m.provider == "{models.SAGEMAKER_PROVIDER}" && contains({KINDS}, m.kind) '
        f"&& lookup({FORMATS}, m.format, m.kind) != m.kind)",
        models.FORMAT_WRONG_KIND,
        alias="alias",
        value="m.format",
        served=f'lookup({FORMATS}, m.format, "")',
        kind="m.kind",
    ),
    *(_price(field) for field in models.PRICE_FIELDS),
    each(
        MODELS,
        "alias, m",
        f'm.dimensions == null ? false : (m.kind != "embedding" || m.dimensions < 1 || '
        f"m.dimensions > {models.MAX_DIMENSIONS} || floor(m.dimensions) != m.dimensions)",
        models.DIMENSIONS_INVALID,
        alias="alias",
    ),
)

ROUTED = "concat([for t in r.targets : t.model], r.fallbacks)"
ROUTING_RULES: tuple[Validation, ...] = (
    each(
        f"keys({ALIASES})",
        "alias",
        f"!can(regex({json.dumps(models.MODEL_ALIAS_PATTERN)}, alias))",
        routing.ALIAS_INVALID,
        alias="alias",
    ),
    each(
        ALIASES,
        "alias, r",
        f"!contains({json_list(routing.STRATEGIES)}, r.strategy)",
        routing.STRATEGY_UNKNOWN,
        alias="alias",
        value="r.strategy",
    ),
    each(
        ALIASES,
        "alias, r",
        f"!contains({json_list(routing.STICKY_KEYS)}, r.sticky)",
        routing.STICKY_UNKNOWN,
        alias="alias",
        value="r.sticky",
    ),
    each(
        ALIASES,
        "alias, r",
        f"length(r.targets) == 0 || length(r.targets) > {routing.MAX_TARGETS}",
        routing.TARGET_COUNT,
        alias="alias",
    ),
    no_offenders(
        f"flatten([for alias, r in {ALIASES} : [for t in r.targets : "
        f"{message(routing.TARGET_UNKNOWN, alias='alias', model='t.model')} if !contains({MODEL_KEYS}, t.model)]])"
    ),
    each(
        ALIASES,
        "alias, r",
        "anytrue([for t in r.targets : t.weight < 0 || floor(t.weight) != t.weight]) || "
        "(length(r.targets) > 0 && sum(concat([0], [for t in r.targets : t.weight])) <= 0)",
        routing.WEIGHTS_INVALID,
        alias="alias",
    ),
    each(
        ALIASES,
        "alias, r",
        "r.drain_error_rate == null ? false : (r.drain_error_rate <= 0 || r.drain_error_rate > 1)",
        routing.DRAIN_INVALID,
        alias="alias",
    ),
    no_offenders(
        f"flatten([for alias, r in {ALIASES} : [for t in r.targets : "
        f"{message(routing.COMPLEXITY_INVALID, alias='alias', model='t.model')} "
        "if t.max_complexity == null ? false : (t.max_complexity < 0 || t.max_complexity > 1)]])"
    ),
    no_offenders(
        f"flatten([for alias, r in {ALIASES} : [for f in r.fallbacks : "
        f"{message(routing.FALLBACK_UNKNOWN, alias='alias', model='f')} if !contains({MODEL_KEYS}, f)]])"
    ),
    each(
        ALIASES,
        "alias, r",
        f"length(distinct([for m in {ROUTED} : var.models[m].kind if contains({MODEL_KEYS}, m)])) > 1",
        routing.MIXED_KINDS,
        alias="alias",
    ),
    no_offenders(
        "flatten([for tenant, pins in var.routing.tenant_pins : [for alias, model in pins : "
        f"{message(routing.PIN_UNKNOWN, tenant='tenant', alias='alias', model='model')} "
        f"if !contains({MODEL_KEYS}, model)]])"
    ),
)


def _rule_check(condition: str, template: str, **expressions: str) -> Validation:
    """One message per rule of any routed alias (`alias`, its route `r`, the rule `rule`) that breaks it."""
    said = message(template, None, alias="alias", name="rule.name", **expressions)
    return no_offenders(f"flatten([for alias, r in {ALIASES} : [for rule in r.rules : {said} if {condition}]])")


def _rule_each(collection: str, binding: str, condition: str, template: str, **expressions: str) -> Validation:
    """One message per item (`binding`) of a collection of each rule that breaks it."""
    said = message(template, None, alias="alias", name="rule.name", **expressions)
    return no_offenders(
        f"flatten([for alias, r in {ALIASES} : [for rule in r.rules : [for {binding} in {collection} : {said} "
        f"if {condition}]]])"
    )


def _whole_or_null(value: str) -> str:
    return f"({value} == null ? false : ({value} < 0 || floor({value}) != {value}))"


LOW, HIGH = "rule.when.min_input_tokens", "rule.when.max_input_tokens"
# A rule's target: a catalog model, or a routed alias without rules of its own (no chains, no loops).
TARGET_ROUTE = f"try({ALIASES}[rule.target], null)"
TARGET_KNOWN = (
    f"(contains({MODEL_KEYS}, rule.target) || ({TARGET_ROUTE} == null ? false : length({TARGET_ROUTE}.rules) == 0))"
)
TARGET_KIND = (
    f"(contains({MODEL_KEYS}, rule.target) ? var.models[rule.target].kind : try(var.models[{TARGET_ROUTE}.targets[0]"
    '.model].kind, ""))'
)
RULE_RULES: tuple[Validation, ...] = (
    each(ALIASES, "alias, r", f"length(r.rules) > {routing.MAX_RULES}", routing.RULE_COUNT, alias="alias"),
    _rule_check(f"!can(regex({json.dumps(routing.RULE_NAME_PATTERN)}, rule.name))", routing.RULE_NAME_INVALID),
    no_offenders(
        f"flatten([for alias, r in {ALIASES} : [for n in distinct([for x in r.rules : x.name]) : "
        f"{message(routing.RULE_NAME_TWICE, alias='alias', name='n')} "
        "if length([for x in r.rules : x if x.name == n]) > 1]])"
    ),
    _rule_check(f"!{TARGET_KNOWN}", routing.RULE_TARGET_UNKNOWN, model="rule.target"),
    _rule_check(
        f'{TARGET_KNOWN} ? {TARGET_KIND} != try(var.models[r.targets[0].model].kind, "") : false',
        routing.RULE_TARGET_KIND,
        model="rule.target",
    ),
    _rule_each(
        "rule.when.response_formats",
        "f",
        f"!contains({json_list(routing.RESPONSE_FORMATS)}, f)",
        routing.RULE_FORMAT_UNKNOWN,
        value="f",
    ),
    _rule_check(
        f"{_whole_or_null(LOW)} || {_whole_or_null(HIGH)} || "
        f"({LOW} == null || {HIGH} == null ? false : {LOW} > {HIGH})",
        routing.RULE_TOKENS_INVALID,
    ),
    _rule_each("rule.when.tiers", "t", "!contains(keys(var.tiers), t)", routing.RULE_TIER_UNKNOWN, value="t"),
    _rule_each(
        "keys(rule.when.headers)",
        "h",
        f"!can(regex({json.dumps(routing.RULE_HEADER_PATTERN)}, h)) || "
        f"anytrue([for p in {json_list(routing.RESERVED_HEADER_PREFIXES)} : startswith(h, p)])",
        routing.RULE_HEADER_INVALID,
        value="h",
    ),
)

CACHE = "var.response_cache"
CACHE_RULES: tuple[Validation, ...] = (
    Validation(
        f"${{{CACHE} == null ? true : ({CACHE}.ttl_seconds >= 1 && {CACHE}.ttl_seconds <= {cache.MAX_TTL_SECONDS} && "
        f"floor({CACHE}.ttl_seconds) == {CACHE}.ttl_seconds)}}",
        cache.TTL_INVALID + ".",
    ),
    no_offenders(
        f"{CACHE} == null ? [] : [for alias in {CACHE}.aliases : {message(cache.ALIAS_UNKNOWN, alias='alias')} "
        f"if !contains(concat({MODEL_KEYS}, keys({ALIASES})), alias)]"
    ),
)

VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "models",
        models.MODELS_TYPE,
        "Models this environment serves, keyed by the alias clients send as `model`. `provider` is one of "
        f"`{'`, `'.join(models.PROVIDERS)}`; `model_id` is the provider's id (Bedrock model or inference profile id, "
        "SageMaker endpoint name, or the HTTP provider's model name); `kind` is `chat` (default), `embedding`, "
        "or `prediction` (a custom SageMaker model clients score through `transforms`, never listed by "
        "`GET /v1/models`); `owned_by` (default: the provider) and `created` (Unix seconds, default `0`) are "
        f"shown in `GET /v1/models`. `{models.HTTP_PROVIDER}` models need `base_url` (https) and `secret_arn`, "
        "the full ARN of the Secrets Manager secret holding the provider's API key; `sagemaker` models may name "
        f"their container's `format` (`{'`, `'.join(models.SAGEMAKER_FORMATS)}`; default `openai` for chat, `tei` "
        "for embeddings, `tabular` for predictions). `input_price_per_1k`/`output_price_per_1k` (USD per 1,000 "
        "tokens) feed the cost metric and the `cheapest` routing strategy. Embedding models may state their "
        f"vector size as `dimensions` (1 to {models.MAX_DIMENSIONS:,}): the router refuses, before calling the "
        "model, a request whose answer could not fit Lambda's 6 MB response (unset, it assumes "
        f"{models.DEFAULT_EMBEDDING_DIMENSIONS:,}). Written, with `routing`, `response_cache` and `transforms`, to "
        "the functions' configuration document (no size limit of Lambda's environment applies).",
        validations=MODEL_RULES,
    ),
    VariableSpec(
        "routing",
        routing.ROUTING_TYPE,
        "How the router picks a model for an alias. `aliases`: extra aliases clients may send, each with "
        "`targets` (catalog models with a `weight` for A/B splits and an `arm` label), a `strategy` "
        f"(`{'`, `'.join(routing.STRATEGIES)}`; `cheapest`: the lowest priced target; `complexity`: the lowest "
        "priced target whose `max_complexity`, 0-1, covers the request's difficulty score; `lowest_latency`: the "
        "target with the lowest median latency this router has seen in the last minute) that is `sticky` per "
        f"`{'` or `'.join(routing.STICKY_KEYS)}`, and ordered `fallbacks`; and `rules` (at most {routing.MAX_RULES}), "
        "tried in order before the strategy: the first whose `when` holds (every condition given: the request's "
        "`users`, `metadata` pairs, `headers` the client sends, the tenant's `tiers`, `min_input_tokens` / "
        "`max_input_tokens` estimated, the presence of `code`, `images` or `tools`, the `response_formats` asked, "
        "the registered `prompts` rendered) sends the request to its `target`, a catalog model or a routed alias "
        "without rules; a rule whose target the tenant may not use is skipped. A tenant may use an alias when it "
        "may use one of its targets or fallbacks; only those are ever called for it. `drain_error_rate` (0-1, "
        "default none) tries a target last once its error rate over the last minute reaches it. `tenant_pins`: "
        "tenant id -> alias -> model, overriding the split. Every answer names what chose its model in `x-aigw-route`. "
        "Default: every catalog alias routes to itself.",
        default={},
        validations=ROUTING_RULES + RULE_RULES,
    ),
    VariableSpec(
        "response_cache",
        cache.TYPE,
        "Exact-match response cache in DynamoDB (KMS-encrypted, expiring by TTL), keyed by tenant and the "
        f"normalized request: answers are kept `ttl_seconds` (1-{cache.MAX_TTL_SECONDS}) for the `aliases` listed "
        "(empty: all). Chat answers are cached only for `temperature: 0` unless `cache_sampled`; embeddings always. "
        "Clients skip it with the header `x-aigw-cache: bypass`. `null` (default): no cache and no table.",
        default=None,
        nullable=True,
        validations=CACHE_RULES,
    ),
    VariableSpec(
        "image_url_hosts",
        "list(string)",
        "Hosts whose https image URLs chat messages may name in `image_url` parts; the router fetches them "
        f"(no redirects, {media.FETCH_TIMEOUT_SECONDS:g} s, at most {media.MAX_IMAGE_BYTES:,} bytes). Any other "
        "remote URL is refused with a 400, so that clients cannot make the gateway call into its own network; "
        "data URLs are always accepted. Default: none.",
        default=[],
        validations=(
            Validation(
                f"${{length(var.image_url_hosts) <= {media.MAX_IMAGE_HOSTS} && alltrue([for h in "
                f"var.image_url_hosts : can(regex({json.dumps(media.HOST_PATTERN)}, h))])}}",
                media.HOSTS_INVALID + ".",
            ),
        ),
    ),
    VariableSpec(
        "lambda_packages_dir",
        "string",
        "Folder holding the Lambda zips `make package` builds (`router.zip`, `authorizer.zip`), e.g. "
        "`build/dist`. A zip's hash triggers a code update when it changes.",
        validations=(
            Validation("${length(trimspace(var.lambda_packages_dir)) > 0}", "lambda_packages_dir must name a folder."),
        ),
    ),
    VariableSpec(
        "router_memory_size_mb",
        "number",
        "Memory of the router Lambda in MB (also scales its CPU): 128-10240.",
        default=256,
        validations=(whole_number_between("router_memory_size_mb", 128, 10240),),
    ),
    VariableSpec(
        "router_timeout_seconds",
        "number",
        f"Timeout of the router Lambda in seconds: 1-{MAX_DEADLINE_SECONDS}, inside API Gateway's 29 s integration "
        "limit (a longer run would answer a client that already got a 504).",
        default=MAX_DEADLINE_SECONDS,
        validations=(whole_number_between("router_timeout_seconds", 1, MAX_DEADLINE_SECONDS),),
    ),
    VariableSpec(
        "live_stats_share_seconds",
        "number",
        "How often each router container shares its live window (latency and errors per target, read by "
        "`lowest_latency` and `drain_error_rate`) with the gateway's other containers through the budget table: "
        f"`0` (default: each container keeps its own) or {routing.SHARE_SECONDS_MIN}-{routing.SHARE_SECONDS_MAX} "
        "seconds. Shared, a new container routes on the gateway's figures from its first exchange. Cost: at most "
        "two table calls per container per period (an UpdateItem and a BatchGetItem), made in the background, "
        "whatever the traffic.",
        default=0,
        validations=(
            Validation(
                "${var.live_stats_share_seconds == 0 || (var.live_stats_share_seconds >= "
                f"{routing.SHARE_SECONDS_MIN} && var.live_stats_share_seconds <= {routing.SHARE_SECONDS_MAX} && "
                "floor(var.live_stats_share_seconds) == var.live_stats_share_seconds)}",
                routing.SHARE_SECONDS_INVALID + ".",
            ),
        ),
    ),
)
