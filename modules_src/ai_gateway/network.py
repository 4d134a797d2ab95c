"""The functions in a VPC: their security group, and the VPC endpoints of the services they call.

Everything exists only when the module's `vpc` input is set; the endpoints only with its
`create_endpoints`. The functions' group sends HTTPS to the endpoints' group, to DynamoDB's
prefix list and to `https_egress_cidrs` (a NAT, for OpenAI-compatible providers and an issuer's
keys), nothing else, and takes no traffic in; the endpoints' group takes HTTPS from the functions
only. Each endpoint's policy admits only the gateway's function roles, for the actions they use,
on the gateway's resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import Token
from cdktn_provider_aws.security_group import SecurityGroup
from cdktn_provider_aws.vpc_endpoint import VpcEndpoint
from cdktn_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktn_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from modules_src.common.account import AccountContext
from modules_src.common.expressions import Expr, address, hcl_value
from modules_src.common.naming import named

HTTPS = 443


@dataclass(frozen=True)
class EndpointPolicy:
    """One interface endpoint: its service's name in `com.amazonaws.<region>.<service>`, what it allows."""

    service: str
    actions: tuple[str, ...]
    resources: Expr


@dataclass(frozen=True)
class NetworkProps:
    name: str
    account: AccountContext
    vpc: Expr
    tags: Any


class Network(Construct):
    """Attributes: `functions_group` and `endpoints_group` (count 0 or 1), `interface_endpoints` (for_each),
    `dynamodb_endpoint` (count 0 or 1), and `enabled`, `subnet_ids`, `security_group_ids` for the functions.
    The endpoints come with `add_endpoints`, once the functions' roles exist."""

    def __init__(self, scope: Construct, id_: str, props: NetworkProps) -> None:
        super().__init__(scope, id_)
        vpc = props.vpc.text
        self.enabled = Expr(f"{vpc} != null")
        creating = Expr(f"({vpc} == null ? false : {vpc}.create_endpoints)")
        self.functions_group = named(
            SecurityGroup(
                self,
                "functions",
                name=f"{props.name}-functions",
                description=f"AI gateway {props.name}: its functions (HTTPS out to the endpoints, nothing in)",
                vpc_id=f"${{{vpc}.vpc_id}}",
                tags=props.tags,
            ),
            "functions",
        )
        self.functions_group.add_override("count", str(self.enabled.count()))
        self.endpoints_group = named(
            SecurityGroup(
                self,
                "endpoints",
                name=f"{props.name}-endpoints",
                description=f"AI gateway {props.name}: its VPC endpoints (HTTPS in from its functions)",
                vpc_id=f"${{{vpc}.vpc_id}}",
                tags=props.tags,
            ),
            "endpoints",
        )
        self.endpoints_group.add_override("count", str(creating.count()))
        functions_id = f"{address(self.functions_group)}[0].id"
        endpoints_id = f"{address(self.endpoints_group)}[0].id"
        self.subnet_ids = Expr(f"{vpc} == null ? [] : {vpc}.subnet_ids")
        self.security_group_ids = Expr(f"[{functions_id}]")

        self._props, self._creating, self._ids = props, creating, (functions_id, endpoints_id)

    def add_endpoints(
        self, role_arns: tuple[Expr, ...], endpoints: dict[str, EndpointPolicy], table_arns: Expr
    ) -> None:
        """The VPC endpoints (their policies name the functions' roles, so they come after them) and the rules."""
        props, creating = self._props, self._creating
        functions_id, endpoints_id = self._ids
        vpc = props.vpc.text
        region = props.account.region_ref.text
        principals = {"AWS": list(role_arns)}
        self.interface_endpoints = named(
            VpcEndpoint(
                self,
                "interface",
                vpc_id=f"${{{vpc}.vpc_id}}",
                service_name=f"com.amazonaws.${{{region}}}.${{each.value.service}}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=Token.as_list(f"${{{vpc}.subnet_ids}}"),
                security_group_ids=[f"${{{endpoints_id}}}"],
                policy="${each.value.policy}",
                tags=props.tags,
            ),
            "this",
        )
        policies = {
            key: {
                "service": endpoint.service,
                "policy": _endpoint_policy("GatewayFunctionsOnly", principals, endpoint.actions, endpoint.resources),
            }
            for key, endpoint in sorted(endpoints.items())
        }
        self.interface_endpoints.add_override("for_each", str(creating.ternary(Expr(hcl_value(policies)), {})))
        self.dynamodb_endpoint = named(
            VpcEndpoint(
                self,
                "dynamodb",
                vpc_id=f"${{{vpc}.vpc_id}}",
                service_name=f"com.amazonaws.${{{region}}}.dynamodb",
                vpc_endpoint_type="Gateway",
                route_table_ids=Token.as_list(f"${{{vpc}.route_table_ids}}"),
                policy=str(
                    _endpoint_policy(
                        "GatewayTablesOnly",
                        principals,
                        ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
                        table_arns,
                    )
                ),
                tags=props.tags,
            ),
            "dynamodb",
        )
        self.dynamodb_endpoint.add_override("count", str(creating.count()))
        self._rules(props, creating, functions_id, endpoints_id)

    def _rules(self, props: NetworkProps, creating: Expr, functions_id: str, endpoints_id: str) -> None:
        vpc = props.vpc.text
        counted = str(creating.count())
        self._https_rule(
            VpcSecurityGroupEgressRule,
            "functions_to_endpoints",
            functions_id,
            "HTTPS to the gateway's VPC endpoints",
            referenced_security_group_id=f"${{{endpoints_id}}}",
        ).add_override("count", counted)
        self._https_rule(
            VpcSecurityGroupEgressRule,
            "functions_to_dynamodb",
            functions_id,
            "HTTPS to DynamoDB through its gateway endpoint",
            prefix_list_id=f"${{{address(self.dynamodb_endpoint)}[0].prefix_list_id}}",
        ).add_override("count", counted)
        self._https_rule(
            VpcSecurityGroupEgressRule,
            "functions_to_cidrs",
            functions_id,
            "HTTPS to hosts outside the VPC (providers, an issuer's keys) through a NAT",
            cidr_ipv4="${each.value}",
        ).add_override("for_each", f"${{{vpc} == null ? toset([]) : toset({vpc}.https_egress_cidrs)}}")
        self._https_rule(
            VpcSecurityGroupIngressRule,
            "endpoints_from_functions",
            endpoints_id,
            "HTTPS from the gateway's functions",
            referenced_security_group_id=f"${{{functions_id}}}",
        ).add_override("count", counted)

    def _https_rule(self, kind: Any, name: str, group_id: str, description: str, **peer: str) -> Any:
        """A security group rule for HTTPS (TCP 443) only, to or from `peer` (a group, a prefix list or a CIDR)."""
        construct_id = name.split("_", 1)[1]  # unique within this construct, and no variable's name
        return named(
            kind(
                self,
                construct_id,
                security_group_id=f"${{{group_id}}}",
                description=description,
                from_port=HTTPS,
                to_port=HTTPS,
                ip_protocol="tcp",
                **peer,
            ),
            name,
        )


def _endpoint_policy(sid: str, principals: dict[str, Any], actions: tuple[str, ...], resources: Any) -> Expr:
    """An endpoint policy: only these principals, only these actions on these resources."""
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principals, "Action": list(actions), "Resource": resources}
    return Expr(f"jsonencode({hcl_value({'Version': '2012-10-17', 'Statement': [statement]})})")
