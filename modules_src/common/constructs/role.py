"""An IAM role a service assumes for this account only, with its inline policies and managed attachments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdktn import Fn, Token
from cdktn_provider_aws.iam_role import IamRole
from cdktn_provider_aws.iam_role_policy import IamRolePolicy
from cdktn_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from modules_src.common.expressions import Expr
from modules_src.common.iam import check_statements, policy_document, service_assume_role_policy
from modules_src.common.naming import named


@dataclass(frozen=True)
class InlinePolicy:
    """One inline policy: its IAM name, its Terraform name, and when it exists (`None`: always)."""

    name: str
    logical_id: str
    statements: list[dict[str, Any]]
    enabled: Expr | None = None


@dataclass(frozen=True)
class RoleProps:
    """`logical_id` names the role in Terraform (`aws_iam_role.<logical_id>`)."""

    logical_id: str
    name: str
    service: str
    account_id: str
    tags: Any
    policies: tuple[InlinePolicy, ...] = ()
    # Terraform name -> ARN of a managed policy to attach.
    managed_policies: dict[str, str] = field(default_factory=dict)
    # Terraform name -> a map (key -> policy ARN) known at plan time: one attachment per entry.
    managed_policy_sets: dict[str, Expr] = field(default_factory=dict)
    # An ARN pattern the service must act for (`aws:SourceArn`), beyond this account.
    source_arn: str | None = None

    def __post_init__(self) -> None:
        problems = [p for policy in self.policies for p in check_statements(policy.name, policy.statements)]
        names = [p.logical_id for p in self.policies]
        problems += [f"two inline policies are named {n}" for n in sorted({n for n in names if names.count(n) > 1})]
        if problems:
            raise ValueError(f"role {self.logical_id}: " + "; ".join(problems))


class Role(Construct):
    """Attributes: `role`, `policies` (by Terraform name), `attachments` (by Terraform name)."""

    def __init__(self, scope: Construct, id_: str, props: RoleProps) -> None:
        super().__init__(scope, id_)
        self.role = named(
            IamRole(
                self,
                "role",
                name=props.name,
                assume_role_policy=Fn.jsonencode(
                    service_assume_role_policy(props.service, props.account_id, props.source_arn)
                ),
                tags=props.tags,
            ),
            props.logical_id,
        )
        self.policies: dict[str, IamRolePolicy] = {}
        for policy in props.policies:
            self.policies[policy.logical_id] = named(
                IamRolePolicy(
                    self,
                    f"policy_{policy.logical_id}",
                    name=policy.name,
                    role=self.role.id,
                    policy=Fn.jsonencode(policy_document(policy.statements)),
                    count=Token.as_number(str(policy.enabled.count())) if policy.enabled else None,
                ),
                policy.logical_id,
            )
        self.attachments: dict[str, IamRolePolicyAttachment] = {
            logical_id: named(
                IamRolePolicyAttachment(self, f"attachment_{logical_id}", role=self.role.name, policy_arn=arn),
                logical_id,
            )
            for logical_id, arn in props.managed_policies.items()
        }
        for logical_id, arns in props.managed_policy_sets.items():
            attachment = named(
                IamRolePolicyAttachment(
                    self, f"attachments_{logical_id}", role=self.role.name, policy_arn="${each.value}"
                ),
                logical_id,
            )
            attachment.add_override("for_each", str(arns))
            self.attachments[logical_id] = attachment
