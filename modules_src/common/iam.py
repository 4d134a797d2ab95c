"""IAM documents the modules share, and the checks every policy statement passes at synth."""

from __future__ import annotations

from typing import Any

# Statement ids whose `Resource` must be "*" because the service supports no resource-level
# permissions there; each is commented where it is written.
WILDCARD_RESOURCE_SIDS = frozenset({"WriteTraces", "PullImagesAuthorization", "VpcNetworkInterfaces"})


def service_assume_role_policy(service: str, account_id: str, source_arn: str | None = None) -> dict[str, Any]:
    """Trust policy letting `service` (e.g. `lambda.amazonaws.com`) assume a role for this account only.

    The `aws:SourceAccount` condition stops the confused-deputy case: the service acting
    for another account cannot use the role. `source_arn` (a pattern) narrows it to one
    resource of the account, e.g. one REST API rather than every API in it.
    """
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ],
    }


def policy_document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def check_statements(policy: str, statements: list[dict[str, Any]]) -> list[str]:
    """Problems with an identity policy: missing Sid, wildcard actions, `Resource: "*"` where not required."""
    problems = []
    for index, statement in enumerate(statements):
        sid = statement.get("Sid")
        where = f"policy {policy} statement {sid or index}"
        if not sid:
            problems.append(f"{where} has no Sid")
        actions = statement.get("Action")
        listed = [actions] if isinstance(actions, str) else actions
        if not isinstance(listed, list) or not listed or any("*" in str(a) for a in listed):
            problems.append(f"{where} must list its actions without wildcards")
        if statement.get("Resource") == "*" and sid not in WILDCARD_RESOURCE_SIDS:
            problems.append(f"{where} uses Resource '*'; name the resources")
    return problems
