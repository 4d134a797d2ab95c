"""Inputs several modules declare the same way: the KMS key they encrypt with and how long logs live.

Each module words what the key encrypts and the retention's default; the type, the
validation and its message are written once here.
"""

from __future__ import annotations

from modules_src.common.spec import Validation, VariableSpec
from modules_src.common.validations import one_of, whole_number_between

# The retention periods CloudWatch Logs accepts.
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                  2922, 3288, 3653)  # fmt: skip
KMS_KEY_ARN_PATTERN = "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$"


def kms_key_variables(description: str) -> tuple[VariableSpec, VariableSpec]:
    """`kms_key_arn` (null: the module creates a key; `description` says what it encrypts) and the deletion window."""
    return (
        VariableSpec(
            "kms_key_arn",
            "string",
            description,
            default=None,
            nullable=True,
            validations=(
                Validation(
                    f'${{var.kms_key_arn == null ? true : can(regex("{KMS_KEY_ARN_PATTERN}", var.kms_key_arn))}}',
                    "kms_key_arn must be null or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>).",
                ),
            ),
        ),
        VariableSpec(
            "kms_key_deletion_window_in_days",
            "number",
            "Waiting period before a key the module created is deleted: 7-30 days.",
            default=30,
            validations=(whole_number_between("kms_key_deletion_window_in_days", 7, 30),),
        ),
    )


def log_retention_variable(description: str, default: int) -> VariableSpec:
    """`log_retention_in_days`, one of the periods CloudWatch accepts."""
    return VariableSpec(
        "log_retention_in_days",
        "number",
        description,
        default=default,
        validations=(one_of("log_retention_in_days", RETENTION_DAYS),),
    )


# Tags of every resource a module creates; the same words in each module.
TAGS = VariableSpec(
    "tags", "map(string)", "Tags added to every resource (over the provider's `default_tags`).", default={}
)
