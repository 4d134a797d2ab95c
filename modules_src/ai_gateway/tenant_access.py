"""Tenants on the gateway: API keys, usage plans per tier (or per tenant override), and the tenant table.

The table holds what the authorizer needs, keyed `key#<sha256 of the key>` and
`tenant#<id>`: never a key's plaintext. Terraform writes it from the same
`tenants` input that creates the keys, so the two cannot drift. Item layout and
encodings are the contract's (`contract.tenancy`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktn import TerraformLocal, Token
from cdktn_provider_aws.api_gateway_api_key import ApiGatewayApiKey
from cdktn_provider_aws.api_gateway_usage_plan import ApiGatewayUsagePlan, ApiGatewayUsagePlanApiStages
from cdktn_provider_aws.api_gateway_usage_plan_key import ApiGatewayUsagePlanKey
from cdktn_provider_aws.dynamodb_table_item import DynamodbTableItem
from constructs import Construct

from contract import tenancy
from contract.principals import CONFIGURED_PRINCIPAL_PATTERN
from modules_src.common.constructs.table import Table, TableProps
from modules_src.common.expressions import Expr, address
from modules_src.common.naming import named


@dataclass(frozen=True)
class TenantAccessProps:
    """Inputs of `TenantAccess`: tokens for names, `Expr` for the `tenants` and `tiers` maps."""

    name: str
    rest_api_id: str
    stage_name: str
    kms_key_arn: str
    tags: Any
    tenants: Expr
    tiers: Expr
    deletion_protection: Expr
    # Direct route model parameter -> the map (alias -> target) of the models that route serves.
    direct_models: dict[str, Expr]
    # The parameters whose route spends no tokens (the transform's): open to tenants with a budget too.
    unmetered_parameters: frozenset[str] = frozenset()
    # The tenants' Cognito app clients (a for_each resource keyed by tenant; empty without a pool).
    cognito_clients: Expr | None = None
    # IAM principal ARN -> tenant id (the module's `iam_principals`).
    iam_principals: Expr | None = None


class TenantAccess(Construct):
    """Attributes: `table`, `api_keys`, `usage_plans`, `plan_keys` (all `for_each` by tenant or plan)."""

    def __init__(self, scope: Construct, id_: str, props: TenantAccessProps) -> None:
        super().__init__(scope, id_)
        tenants, tiers = props.tenants.text, props.tiers.text
        self.table = Table(
            self,
            "table",
            TableProps(
                logical_id="tenants",
                name=f"{props.name}-tenants",
                kms_key_arn=props.kms_key_arn,
                tags=props.tags,
                deletion_protection=props.deletion_protection,
            ),
        ).table
        self.api_keys = named(
            ApiGatewayApiKey(
                self,
                "api_key",
                name=f"{props.name}-${{each.key}}",
                description="AI gateway tenant ${each.key} (tier ${each.value.tier})",
                enabled=Token.as_any("${each.value.enabled}"),
                tags=props.tags,
            ),
            "tenant",
        )
        self.api_keys.add_override("for_each", str(props.tenants))
        keys = address(self.api_keys)
        # One usage plan per tier, plus one per tenant that overrides its tier's throttle.
        plans = named(
            TerraformLocal(
                self,
                "usage_plans",
                f'${{merge({{for tier, t in {tiers} : "tier-${{tier}}" => t}}, '
                f'{{for id, t in {tenants} : "tenant-${{id}}" => merge({tiers}[t.tier], '
                "{throttle_rate_limit = t.throttle_rate_limit, throttle_burst_limit = t.throttle_burst_limit}) "
                "if t.throttle_rate_limit != null})}",
            ),
            "usage_plans",
        )
        self.usage_plans = named(
            ApiGatewayUsagePlan(
                self,
                "usage_plan",
                name=f"{props.name}-${{each.key}}",
                description="AI gateway usage plan ${each.key}",
                api_stages=[ApiGatewayUsagePlanApiStages(api_id=props.rest_api_id, stage=props.stage_name)],
                throttle_settings={
                    "rate_limit": Token.as_number("${each.value.throttle_rate_limit}"),
                    "burst_limit": Token.as_number("${each.value.throttle_burst_limit}"),
                },
                tags=props.tags,
            ),
            "this",
        )
        self.usage_plans.add_override("for_each", f"${{{address(plans)}}}")
        self.usage_plans.add_override(
            "dynamic.quota_settings",
            {
                "for_each": "${each.value.quota_limit == null ? [] : [each.value]}",
                "content": {
                    "limit": "${quota_settings.value.quota_limit}",
                    "period": "${quota_settings.value.quota_period}",
                },
            },
        )
        self.plan_keys = named(
            ApiGatewayUsagePlanKey(
                self,
                "plan_key",
                key_id=f"${{{keys}[each.key].id}}",
                key_type="API_KEY",
                usage_plan_id=(
                    f'${{{address(self.usage_plans)}[each.value.throttle_rate_limit != null ? "tenant-${{each.key}}" '
                    ': "tier-${each.value.tier}"].id}'
                ),
            ),
            "tenant",
        )
        self.plan_keys.add_override("for_each", str(props.tenants))
        # Per direct route, the tenant's aliases it may name: none for a tenant with a token budget,
        # since those routes call models without the router and nothing would meter them (the
        # transform's route spends no tokens: every tenant's aliases with a transform).
        unbudgeted = "t.daily_token_budget == null && t.monthly_token_budget == null"
        direct = ", ".join(
            f"{tenancy.direct_models_attribute(parameter)} = {{S = "
            f"{'true' if parameter in props.unmetered_parameters else unbudgeted} ? "
            f'join("{tenancy.LIST_SEPARATOR}", '
            f'sort([for a in t.allowed_models : a if contains(keys({models.text}), a)])) : ""}}'
            for parameter, models in sorted(props.direct_models.items())
        )
        # The attributes of a tenant's items (DynamoDB JSON); the budgets only when set.
        attributes = named(
            TerraformLocal(
                self,
                "tenant_attributes",
                f"${{{{for id, t in {tenants} : id => merge({{"
                f"{tenancy.ITEM_TENANT_ID} = {{S = id}}, {tenancy.ITEM_TIER} = {{S = t.tier}}, "
                f'{tenancy.ITEM_ALLOWED_MODELS} = {{S = join("{tenancy.LIST_SEPARATOR}", sort(t.allowed_models))}}, '
                f"{tenancy.ITEM_ENABLED} = {{BOOL = t.enabled}}, {tenancy.ITEM_API_KEY_ID} = {{S = {keys}[id].id}}, "
                f"{direct}}}, "
                f"{{for name, value in {{{tenancy.ITEM_MONTHLY_TOKEN_BUDGET} = t.monthly_token_budget, "
                f"{tenancy.ITEM_DAILY_TOKEN_BUDGET} = t.daily_token_budget}} : "
                "name => {N = tostring(value)} if value != null})}}",
            ),
            "tenant_attributes",
        )
        self.attributes = address(attributes)
        self.tenant_items = self._item(
            "tenant_item", "tenant", f'"{tenancy.TENANT_ITEM_PREFIX}${{each.key}}"', props.tenants
        )
        self.key_items = self._item(
            "key_item", "api_key", f'"{tenancy.KEY_ITEM_PREFIX}${{sha256({keys}[each.key].value)}}"', props.tenants
        )
        if props.cognito_clients is not None:
            # The authorizer's way from a token's client_id to its tenant.
            self.client_items = self._item(
                "client_item", "cognito_client", f'"{tenancy.CLIENT_ITEM_PREFIX}${{each.value.id}}"',
                props.cognito_clients,
            )  # fmt: skip
        if props.iam_principals is not None:
            # The router's way from a signed caller to its tenant: keyed by the principal's canonical ARN.
            self.principal_items = self._item(
                "principal_item", "iam_principal", f'"{tenancy.PRINCIPAL_ITEM_PREFIX}{principal_key("each.key")}"',
                props.iam_principals, tenant="each.value",
            )  # fmt: skip

    def _item(self, id_: str, name: str, pk: str, for_each: Expr, tenant: str = "each.key") -> DynamodbTableItem:
        """One item per entry of `for_each`, keyed `pk`, holding the attributes of the tenant `tenant` names."""
        item = named(
            DynamodbTableItem(
                self,
                id_,
                table_name=self.table.name,
                hash_key=tenancy.TABLE_HASH_KEY,
                item=(
                    f"${{jsonencode(merge({{{tenancy.TABLE_HASH_KEY} = {{S = {pk}}}}}, {self.attributes}[{tenant}]))}}"
                ),
            ),
            name,
        )
        item.add_override("for_each", str(for_each))
        return item


def principal_key(arn: str) -> str:
    """An HCL template piece: the canonical key (`contract.principals.canonical`) of the ARN `arn` evaluates to."""
    match = f"regex({json.dumps(CONFIGURED_PRINCIPAL_PATTERN)}, {arn})"
    return f"arn:${{{match}[0]}}:iam::${{{match}[1]}}:${{{match}[2]}}/${{{match}[3]}}"
