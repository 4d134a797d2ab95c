"""Inputs of the network: a private API behind VPC endpoints, the functions in a VPC, provisioned concurrency."""

from __future__ import annotations

from contract.fields import Field, object_type
from modules_src.common.spec import Validation, VariableSpec
from modules_src.common.validations import each, one_of, whole_number_between

ENDPOINT_TYPES = ("REGIONAL", "PRIVATE")
VPC_FIELDS: tuple[Field, ...] = (
    Field("vpc_id", "string"),
    Field("subnet_ids", "list(string)"),
    Field("route_table_ids", "list(string)", []),
    Field("create_endpoints", "bool", True),
    Field("https_egress_cidrs", "list(string)", []),
)
VPC = "var.vpc"
# The highest provisioned concurrency the input takes (an account's default concurrency quota).
MAX_PROVISIONED_CONCURRENCY = 1000


def _id_rule(collection: str, prefix: str, what: str) -> Validation:
    return each(
        f"{VPC} == null ? [] : {collection}",
        "value",
        f'!can(regex("^{prefix}-[0-9a-f]{{8,17}}$", value))',
        f"vpc.{what}: '{{value}}' is not a {prefix}- id",
        value="value",
    )


VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "endpoint_type",
        "string",
        f"The API's endpoint type: `{'`, `'.join(ENDPOINT_TYPES)}` (default `REGIONAL`, public). `PRIVATE` serves it "
        "only through the `execute-api` VPC endpoints in `private_api_vpc_endpoint_ids`: its resource policy "
        "denies every request that does not come through one of them.",
        default="REGIONAL",
        validations=(one_of("endpoint_type", ENDPOINT_TYPES),),
    ),
    VariableSpec(
        "private_api_vpc_endpoint_ids",
        "list(string)",
        "The `execute-api` interface VPC endpoints (`vpce-...`) a `PRIVATE` API is served through; required "
        "then, empty otherwise (default `[]`).",
        default=[],
        validations=(
            each(
                "var.private_api_vpc_endpoint_ids",
                "id",
                '!can(regex("^vpce-[0-9a-f]{8,17}$", id))',
                "private_api_vpc_endpoint_ids: '{id}' is not a vpce- id",
                id="id",
            ),
            Validation(
                '${(var.endpoint_type == "PRIVATE") == (length(var.private_api_vpc_endpoint_ids) > 0)}',
                "private_api_vpc_endpoint_ids must name the execute-api VPC endpoints of a PRIVATE API, and only "
                "of one: a private API without endpoints is unreachable.",
            ),
        ),
    ),
    VariableSpec(
        "vpc",
        object_type(VPC_FIELDS),
        "Run the functions in a VPC (`null`, default: outside any VPC). `subnet_ids` (private subnets, two or more "
        "in different zones for availability) hold their network interfaces; a security group lets them send "
        "HTTPS only to the VPC's interface endpoints and DynamoDB. With `create_endpoints` (default `true`) the "
        "module creates those endpoints, each with a policy that admits only the gateway's functions and "
        "resources: interface endpoints for Bedrock Runtime, SageMaker Runtime, Secrets Manager, CloudWatch Logs "
        "and API Gateway (the authorizer reads usage-plan keys), and a DynamoDB gateway endpoint (tenants, "
        "budgets, cache, the configuration store) on `route_table_ids`. OpenAI-compatible providers and a token "
        "issuer's keys (Cognito's or an OIDC issuer's) are outside the VPC: name the IPv4 CIDRs the functions may "
        "reach on 443 through a NAT in `https_egress_cidrs` (default `[]`: none).",
        default=None,
        nullable=True,
        validations=(
            Validation(
                f'${{{VPC} == null ? true : can(regex("^vpc-[0-9a-f]{{8,17}}$", {VPC}.vpc_id))}}',
                "vpc.vpc_id must be a vpc- id.",
            ),
            Validation(
                f"${{{VPC} == null ? true : length({VPC}.subnet_ids) > 0}}",
                "vpc.subnet_ids must name at least one subnet: the functions' network interfaces live there.",
            ),
            _id_rule(f"{VPC}.subnet_ids", "subnet", "subnet_ids"),
            _id_rule(f"{VPC}.route_table_ids", "rtb", "route_table_ids"),
            each(
                f"{VPC} == null ? [] : {VPC}.https_egress_cidrs",
                "cidr",
                "!can(cidrnetmask(cidr))",
                "vpc.https_egress_cidrs: '{cidr}' is not an IPv4 CIDR block",
                cidr="cidr",
            ),
            Validation(
                f"${{{VPC} == null ? true : (!{VPC}.create_endpoints || length({VPC}.route_table_ids) > 0)}}",
                "vpc.route_table_ids must name the subnets' route tables when create_endpoints is true: the "
                "DynamoDB gateway endpoint is a route in them.",
            ),
        ),
    ),
    VariableSpec(
        "router_provisioned_concurrency",
        "number",
        "Execution environments of the router kept initialized on its `live` alias, which every router "
        f"integration calls (0-{MAX_PROVISIONED_CONCURRENCY}, default `0`: none, every cold start is paid by a "
        "request). Each environment is billed while provisioned.",
        default=0,
        validations=(whole_number_between("router_provisioned_concurrency", 0, MAX_PROVISIONED_CONCURRENCY),),
    ),
)
