"""A Cognito user pool for machine clients: one app client per tenant (client credentials), secrets kept in
Secrets Manager, and what the authorizer needs to trust the pool's access tokens.

Everything exists only when the module's `cognito` input is set. The pool admits no
self sign-up and its clients no user flows: only OAuth2's client-credentials grant,
for the scopes of the resource server (`contract.scopes`) the tenant's client is given.
Terraform writes a `client#<client id>` tenant item per client (`TenantAccess`), which
is how the authorizer maps a token's `client_id` to its tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import Token
from cdktn_provider_aws.cognito_resource_server import CognitoResourceServer, CognitoResourceServerScope
from cdktn_provider_aws.cognito_user_pool import CognitoUserPool
from cdktn_provider_aws.cognito_user_pool_client import CognitoUserPoolClient, CognitoUserPoolClientTokenValidityUnits
from cdktn_provider_aws.cognito_user_pool_domain import CognitoUserPoolDomain
from cdktn_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktn_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from constructs import Construct

from contract.scopes import SCOPE_NAMES, SCOPES
from modules_src.common.account import AccountContext
from modules_src.common.expressions import Expr, address, hcl, one
from modules_src.common.naming import named


@dataclass(frozen=True)
class CognitoProps:
    """`cognito` is the module's input (null: nothing is created); `tenants` its tenants map."""

    name: str
    # The same name as an expression (the resource server's default identifier).
    name_ref: Expr
    account: AccountContext
    cognito: Expr
    tenants: Expr
    kms_key_arn: str
    tags: Any
    deletion_protection: Expr


class Cognito(Construct):
    """Attributes: `pool`, `domain`, `resource_server` (count 0 or 1), `clients`, `secrets` (for_each tenant);
    `issuer`, `jwks_url` and `resource_server_identifier` (null when off), `token_url`."""

    def __init__(self, scope: Construct, id_: str, props: CognitoProps) -> None:
        super().__init__(scope, id_)
        cognito = props.cognito.text
        enabled = Expr(f"{cognito} != null")
        count = str(enabled.count())
        identifier = f"coalesce({cognito}.resource_server_identifier, {props.name_ref.text})"
        self.pool = named(
            CognitoUserPool(
                self,
                "pool",
                name=props.name,
                # Machine clients only: nobody signs up, and the pool's own users are the admins' to create.
                admin_create_user_config={"allow_admin_create_user_only": True},
                deletion_protection=str(props.deletion_protection.ternary("ACTIVE", "INACTIVE")),
                password_policy={
                    "minimum_length": 14,
                    "require_lowercase": True,
                    "require_uppercase": True,
                    "require_numbers": True,
                    "require_symbols": True,
                    "temporary_password_validity_days": 1,
                },
                mfa_configuration="OFF",
                tags=props.tags,
            ),
            "this",
        )
        self.pool.add_override("count", count)
        pool_id = f"{address(self.pool)}[0].id"
        self.domain = named(
            CognitoUserPoolDomain(
                self, "domain", domain=f"${{{cognito}.domain_prefix}}", user_pool_id=f"${{{pool_id}}}"
            ),
            "this",
        )
        self.domain.add_override("count", count)
        self.resource_server = named(
            CognitoResourceServer(
                self,
                "resource_server",
                identifier=f"${{{identifier}}}",
                name=f"{props.name} gateway",
                user_pool_id=f"${{{pool_id}}}",
                scope=[CognitoResourceServerScope(scope_name=s.name, scope_description=s.description) for s in SCOPES],
            ),
            "this",
        )
        self.resource_server.add_override("count", count)
        server = f"{address(self.resource_server)}[0].identifier"
        scopes_of = f"lookup({cognito}.tenant_scopes, each.key, {hcl(list(SCOPE_NAMES))})"
        validity = f"{cognito}.access_token_validity_in_minutes"
        self.clients = named(
            CognitoUserPoolClient(
                self,
                "client",
                name=f"{props.name}-${{each.key}}",
                user_pool_id=f"${{{pool_id}}}",
                generate_secret=True,
                allowed_oauth_flows=["client_credentials"],
                allowed_oauth_flows_user_pool_client=True,
                allowed_oauth_scopes=Token.as_list(f'${{[for s in {scopes_of} : "${{{server}}}/${{s}}"]}}'),
                # No user flows on a machine client (refresh tokens are never issued for client credentials).
                explicit_auth_flows=["ALLOW_REFRESH_TOKEN_AUTH"],
                supported_identity_providers=["COGNITO"],
                access_token_validity=Token.as_number(f"${{{validity}}}"),
                id_token_validity=Token.as_number(f"${{{validity}}}"),
                refresh_token_validity=1,
                token_validity_units=[
                    CognitoUserPoolClientTokenValidityUnits(
                        access_token="minutes",  # noqa: S106 - units of time, not secrets
                        id_token="minutes",  # noqa: S106
                        refresh_token="days",  # noqa: S106
                    )
                ],
                prevent_user_existence_errors="ENABLED",
                enable_token_revocation=True,
            ),
            "tenant",
        )
        self.clients.add_override("for_each", f"${{{cognito} == null ? {{}} : {props.tenants.text}}}")
        # Scopes must exist on the resource server before a client may be given them.
        self.clients.add_override("depends_on", [address(self.resource_server)])
        region = props.account.region_ref.text
        self.token_url = Expr(
            f'({enabled.text} ? "https://${{{cognito}.domain_prefix}}.auth.${{{region}}}.amazoncognito.com/oauth2/token"'
            " : null)"
        )
        self.secrets = named(
            SecretsmanagerSecret(
                self,
                "client_secret",
                name=f"{props.name}/cognito/${{each.key}}",
                description=f"AI gateway {props.name}: Cognito client credentials of tenant ${{each.key}}",
                kms_key_id=props.kms_key_arn,
                recovery_window_in_days=7,
                tags=props.tags,
            ),
            "tenant",
        )
        self.secrets.add_override("for_each", f"${{{address(self.clients)}}}")
        clients = address(self.clients)
        versions = named(
            SecretsmanagerSecretVersion(
                self,
                "client_secret_version",
                secret_id="${each.value.id}",  # noqa: S106 - a reference, not a secret
                secret_string=(
                    f"${{jsonencode({{client_id = {clients}[each.key].id, "
                    f"client_secret = {clients}[each.key].client_secret, "
                    f"token_url = {self.token_url.text}, "
                    f'scope = join(" ", {clients}[each.key].allowed_oauth_scopes)}})}}'
                ),
            ),
            "tenant",
        )
        versions.add_override("for_each", f"${{{address(self.secrets)}}}")
        endpoint = one(self.pool, "endpoint").text
        self.issuer = Expr(f'({enabled.text} ? "https://${{{endpoint}}}" : null)')
        base = f'coalesce({cognito}.endpoint_url, "https://cognito-idp.${{{region}}}.amazonaws.com")'
        self.jwks_url = Expr(
            f'({enabled.text} ? "${{trimsuffix({base}, "/")}}/${{{pool_id}}}/.well-known/jwks.json" : null)'
        )
        self.resource_server_identifier = Expr(f"({enabled.text} ? {server} : null)")
