"""IAM callers of the gateway's IAM-authorized routes, and how one maps to a tenant.

The module's `iam_principals` input maps role and user ARNs to tenants; Terraform writes
one tenant item per principal, keyed by the principal's canonical ARN, and the router
keys the signed caller the same way. The canonical ARN drops the IAM path: an assumed
role's ARN (what API Gateway reports as `userArn`) carries the role's name but not its
path, and names are unique within an account whatever their path.
"""

from __future__ import annotations

import re

# The routes under this prefix take SigV4 (AWS_IAM) instead of the authorizer: the router's routes only.
IAM_ROUTE_PREFIX = "/iam"
PARTITIONS = "aws|aws-cn|aws-us-gov"
# IAM's own character set for role, user and session names.
NAME = "[A-Za-z0-9+=,.@_-]{1,64}"
SESSION = "[A-Za-z0-9+=,.@_-]{2,64}"
# A configured principal (RE2 and Python alike): partition, account, kind, name; any IAM path is dropped.
CONFIGURED_PRINCIPAL_PATTERN = f"^arn:({PARTITIONS}):iam::([0-9]{{12}}):(role|user)/(?:[!-~]*/)?({NAME})$"
_CONFIGURED = re.compile(CONFIGURED_PRINCIPAL_PATTERN, re.ASCII)
_ASSUMED_ROLE = re.compile(f"^arn:({PARTITIONS}):sts::([0-9]{{12}}):assumed-role/({NAME})/{SESSION}$", re.ASCII)
MAX_ARN_LENGTH = 2048


def canonical(partition: str, account: str, kind: str, name: str) -> str:
    """The key of a principal: `arn:<partition>:iam::<account>:<role|user>/<name>`, no path."""
    return f"arn:{partition}:iam::{account}:{kind}/{name}"


def configured_key(arn: str) -> str | None:
    """The key of a configured role or user ARN; None for anything else (wildcards, other kinds)."""
    match = _CONFIGURED.fullmatch(arn) if isinstance(arn, str) and len(arn) <= MAX_ARN_LENGTH else None
    return canonical(*match.groups()) if match else None


def caller_key(user_arn: object, account_id: object) -> str | None:
    """The key of a signed caller, from API Gateway's `identity.userArn` and `identity.accountId`.

    A role session maps to its role, an IAM user to itself; the root user, federated users
    and anything malformed map to nothing, as does an ARN whose account is not the caller's.
    """
    if not isinstance(user_arn, str) or len(user_arn) > MAX_ARN_LENGTH:
        return None
    if match := _ASSUMED_ROLE.fullmatch(user_arn):
        partition, account, name = match.groups()
        key = canonical(partition, account, "role", name)
    elif (match := _CONFIGURED.fullmatch(user_arn)) and match.group(3) == "user":
        partition, account, name = match.group(1), match.group(2), match.group(4)
        key = canonical(partition, account, "user", name)
    else:
        return None
    return key if account_id == account else None
