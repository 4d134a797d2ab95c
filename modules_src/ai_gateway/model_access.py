"""Permission to invoke the configured Bedrock models and SageMaker endpoints, as managed policies.

IAM caps a role's inline policies at 10,240 characters in all, about a hundred model
ARNs: a catalog of hundreds of models does not fit. So the grants go into managed
policies (6,144 characters each) holding as many ARNs as fit, which the router's role
and API Gateway's service role (the direct routes) both attach. `terraform plan`
refuses a catalog that would need more policies than a role may attach, naming how
many it would take.

The split is decided from the model ids alone, never from the account or region:
roots call the module with `depends_on`, which defers its data sources to apply, and
the policies' keys must be known at plan. Bedrock grants a foundation model in this
region; an inference profile, and the foundation models it routes to in any region
(cross-region profiles need every region: AWS requires the region wildcard there).
SageMaker endpoint ARNs are lowercase whatever the endpoint name's case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import Precondition, TerraformLocal, TerraformResourceLifecycle
from cdktn_provider_aws.iam_policy import IamPolicy
from constructs import Construct

from modules_src.common.account import AccountContext
from modules_src.common.expressions import Expr, address, each
from modules_src.common.naming import named

MAX_POLICY_CHARS = 6144
# What the ARNs of one policy may take: the rest of the document (keys, Sids, actions) stays under 400.
ARN_BUDGET_CHARS = MAX_POLICY_CHARS - 400
# An ARN is its id plus at most this much: arn, partition, service, region, account, type, quotes, comma.
ARN_OVERHEAD_CHARS = 80
# IAM's default quota of managed policies per role (it can be raised to 20).
MAX_ATTACHED_POLICIES = 10
CROSS_REGION_PROFILE = "^(us|eu|apac|global|us-gov|ca|jp|au)\\\\."
MODELS_SID, ENDPOINTS_SID = "InvokeConfiguredModels", "InvokeConfiguredEndpoints"


@dataclass(frozen=True)
class ModelAccessProps:
    name: str
    account: AccountContext
    # The alias -> model id and alias -> endpoint maps (service_integrations.declare_model_locals).
    model_locals: dict[str, TerraformLocal]
    tags: Any


class ModelAccess(Construct):
    """Attributes: `policies` (`for_each` by part index) and `policy_arns` (index -> ARN, for attachments)."""

    def __init__(self, scope: Construct, id_: str, props: ModelAccessProps) -> None:
        super().__init__(scope, id_)
        bedrock, endpoints = (address(props.model_locals[n]) for n in ("bedrock_models", "sagemaker_endpoints"))
        grants = named(
            TerraformLocal(
                self,
                "grants",
                "${distinct(concat(flatten([for id in distinct(values(" + bedrock + ")) : "
                f'can(regex("{CROSS_REGION_PROFILE}", id)) ? ['
                '{sid = "' + MODELS_SID + '", type = "inference-profile", id = id}, '
                '{sid = "' + MODELS_SID + '", type = "foundation-model-any-region", '
                'id = replace(id, "/^[a-z-]+\\\\./", "")}] : '
                '[{sid = "' + MODELS_SID + '", type = "foundation-model", id = id}]]), '
                "[for name in distinct(values(" + endpoints + ")) : "
                '{sid = "' + ENDPOINTS_SID + '", type = "endpoint", id = lower(name)}]))}',
            ),
            "model_access_grants",
        )
        per_policy = named(
            TerraformLocal(
                self,
                "per_policy",
                f"${{max(1, floor({ARN_BUDGET_CHARS} / max(concat([1], "
                f"[for grant in {address(grants)} : length(grant.id) + {ARN_OVERHEAD_CHARS}])...)))}}",
            ),
            "model_access_grants_per_policy",
        )
        chunks = named(
            TerraformLocal(self, "chunks", f"${{chunklist({address(grants)}, {address(per_policy)})}}"),
            "model_access_chunks",
        )
        account = props.account
        partition, region, account_id = (
            str(ref) for ref in (account.partition_ref, account.region_ref, account.account_id_ref)
        )
        arns = {
            "foundation-model": f"arn:{partition}:bedrock:{region}::foundation-model/${{grant.id}}",
            "foundation-model-any-region": f"arn:{partition}:bedrock:*::foundation-model/${{grant.id}}",
            "inference-profile": f"arn:{partition}:bedrock:{region}:{account_id}:inference-profile/${{grant.id}}",
        }
        arn = "".join(f'grant.type == "{kind}" ? "{text}" : ' for kind, text in arns.items())
        arn += f'"arn:{partition}:sagemaker:{region}:{account_id}:endpoint/${{grant.id}}"'  # an endpoint
        document = (
            '{Version = "2012-10-17", Statement = [for sid in distinct([for grant in each.value : grant.sid]) : '
            f'{{Sid = sid, Effect = "Allow", Action = [sid == "{MODELS_SID}" ? "bedrock:InvokeModel" : '
            f'"sagemaker:InvokeEndpoint"], Resource = [for grant in each.value : ({arn}) if grant.sid == sid]}}]}}'
        )
        count = f"length({address(chunks)})"
        self.policies = named(
            IamPolicy(
                self,
                "policy",
                name=f"{props.name}-model-access-${{each.key}}",
                description=f"AI gateway {props.name}: invoke the configured models and endpoints (part ${{each.key}})",
                policy=str(Expr(f"jsonencode({document})")),
                tags=props.tags,
                lifecycle=TerraformResourceLifecycle(
                    precondition=[
                        Precondition(
                            condition=f"${{{count} <= {MAX_ATTACHED_POLICIES}}}",
                            error_message=(
                                f"The catalog's models and endpoints need ${{{count}}} IAM policies of "
                                f"{MAX_POLICY_CHARS} characters; a role attaches at most {MAX_ATTACHED_POLICIES}."
                            ),
                        )
                    ]
                ),
            ),
            "model_access",
        )
        self.policies.add_override(
            "for_each", f"${{{{for index, chunk in {address(chunks)} : tostring(index) => chunk}}}}"
        )
        self.policy_arns: Expr = each(self.policies, "arn")
