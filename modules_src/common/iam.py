"""IAM documents the modules share."""

from __future__ import annotations

from typing import Any


def service_assume_role_policy(service: str, account_id: str) -> dict[str, Any]:
    """Trust policy letting `service` (e.g. `lambda.amazonaws.com`) assume a role for this account only.

    The `aws:SourceAccount` condition stops the confused-deputy case: the service acting
    for another account cannot use the role.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }
