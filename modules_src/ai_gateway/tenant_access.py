"""Tenants on the gateway: API keys, usage plans per tier (or per tenant override), and the tenant table.

The table holds what the authorizer needs, keyed `key#<sha256 of the key>` and
`tenant#<id>`: never a key's plaintext. Terraform writes it from the same
`tenants` input that creates the keys, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import TerraformLocal, Token
from cdktn_provider_aws.api_gateway_api_key import ApiGatewayApiKey
from cdktn_provider_aws.api_gateway_usage_plan import ApiGatewayUsagePlan, ApiGatewayUsagePlanApiStages
from cdktn_provider_aws.api_gateway_usage_plan_key import ApiGatewayUsagePlanKey
from cdktn_provider_aws.dynamodb_table_item import DynamodbTableItem
from constructs import Construct

from modules_src.ai_gateway.tables import encrypted_table
from modules_src.common.naming import named

# One usage plan per tier, plus one per tenant that overrides its tier's throttle.
USAGE_PLANS = (
    '${merge({for tier, t in var.tiers : "tier-${tier}" => t}, '
    '{for id, t in var.tenants : "tenant-${id}" => merge(var.tiers[t.tier], '
    "{throttle_rate_limit = t.throttle_rate_limit, throttle_burst_limit = t.throttle_burst_limit}) "
    "if t.throttle_rate_limit != null})}"
)
# The attributes of a tenant's items (DynamoDB JSON); the budgets only when set.
TENANT_ATTRIBUTES = (
    "${{for id, t in var.tenants : id => merge({"
    'tenant_id = {S = id}, tier = {S = t.tier}, allowed_models = {S = join(",", sort(t.allowed_models))}, '
    "enabled = {BOOL = t.enabled}, api_key_id = {S = aws_api_gateway_api_key.tenant[id].id}}, "
    "{for name, value in {monthly_token_budget = t.monthly_token_budget, daily_token_budget = t.daily_token_budget} : "
    "name => {N = tostring(value)} "
    "if value != null})}}"
)


@dataclass(frozen=True)
class TenantAccessProps:
    """Inputs of `TenantAccess` (Terraform tokens)."""

    name: str
    rest_api_id: str
    stage_name: str
    kms_key_arn: str
    tags: Any


class TenantAccess(Construct):
    """Attributes: `table`, `api_keys`, `usage_plans`, `plan_keys` (all `for_each` by tenant or plan)."""

    def __init__(self, scope: Construct, id_: str, props: TenantAccessProps) -> None:
        super().__init__(scope, id_)
        self.table = named(
            encrypted_table(
                self, "table", name=f"{props.name}-tenants", kms_key_arn=props.kms_key_arn, tags=props.tags
            ),
            "tenants",
        )
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
        self.api_keys.add_override("for_each", "${var.tenants}")
        named(TerraformLocal(self, "usage_plans", USAGE_PLANS), "usage_plans")
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
        self.usage_plans.add_override("for_each", "${local.usage_plans}")
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
                key_id="${aws_api_gateway_api_key.tenant[each.key].id}",
                key_type="API_KEY",
                usage_plan_id=(
                    '${aws_api_gateway_usage_plan.this[each.value.throttle_rate_limit != null ? "tenant-${each.key}" '
                    ': "tier-${each.value.tier}"].id}'
                ),
            ),
            "tenant",
        )
        self.plan_keys.add_override("for_each", "${var.tenants}")
        # Referenced by name (`local.tenant_attributes`) from the items below.
        named(TerraformLocal(self, "tenant_attributes", TENANT_ATTRIBUTES), "tenant_attributes")
        self.tenant_items = self._item("tenant_item", "tenant", '"tenant#${each.key}"', props)
        self.key_items = self._item(
            "key_item", "api_key", '"key#${sha256(aws_api_gateway_api_key.tenant[each.key].value)}"', props
        )

    def _item(self, id_: str, name: str, pk: str, props: TenantAccessProps) -> DynamodbTableItem:
        item = named(
            DynamodbTableItem(
                self,
                id_,
                table_name=self.table.name,
                hash_key="pk",
                item=f"${{jsonencode(merge({{pk = {{S = {pk}}}}}, local.tenant_attributes[each.key]))}}",
            ),
            name,
        )
        item.add_override("for_each", "${var.tenants}")
        return item
