"""Inputs every function of the gateway shares, and the encryption of what they store."""

from __future__ import annotations

from modules_src.common.spec import VariableSpec
from modules_src.common.validations import one_of
from modules_src.common.variables import kms_key_variables

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
    *kms_key_variables(
        "ARN of an existing KMS key (`arn:<partition>:kms:<region>:<account>:key/<id>`) that encrypts the log "
        "groups, the tables and the router's environment. When `null` (default) the module creates a key with "
        "rotation on; a key you bring must let CloudWatch Logs use it."
    ),
)
