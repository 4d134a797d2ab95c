"""Inputs every function of the gateway shares, and the encryption of what they store."""

from __future__ import annotations

from modules_src.common.spec import Validation, VariableSpec
from modules_src.common.validations import one_of, whole_number_between

RUNTIMES = ("python3.12", "python3.13")
ARCHITECTURES = ("arm64", "x86_64")

VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "lambda_runtime",
        "string",
        f"Lambda runtime of the gateway's functions: `{'`, `'.join(RUNTIMES)}`.",
        default="python3.12",
        validations=(one_of("lambda_runtime", RUNTIMES),),
    ),
    VariableSpec(
        "lambda_architecture",
        "string",
        f"Instruction set of the gateway's functions: `{'`, `'.join(ARCHITECTURES)}` (the zip is pure Python).",
        default="x86_64",
        validations=(one_of("lambda_architecture", ARCHITECTURES),),
    ),
    VariableSpec(
        "kms_key_arn",
        "string",
        "ARN of an existing KMS key (`arn:<partition>:kms:<region>:<account>:key/<id>`) that encrypts the log "
        "groups, the tables and the router's environment. When `null` (default) the module creates a key with "
        "rotation on; a key you bring must let CloudWatch Logs use it.",
        default=None,
        nullable=True,
        validations=(
            Validation(
                '${var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", '
                "var.kms_key_arn))}",
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
