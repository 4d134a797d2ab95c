"""Inputs of logs, traces and metrics: retention, log levels, X-Ray, stage metrics, prompt logging."""

from __future__ import annotations

from contract import metrics
from modules_src.common.spec import VariableSpec
from modules_src.common.validations import matches, one_of
from modules_src.common.variables import log_retention_variable

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
STAGE_LOGGING_LEVELS = ("OFF", "ERROR", "INFO")

VARIABLES: tuple[VariableSpec, ...] = (
    log_retention_variable(
        "Days CloudWatch keeps the access and function logs; one of the values CloudWatch accepts "
        "(1, 3, 5, 7, 14, 30, 60, 90, ... 3653). Logs never live forever by default.",
        90,
    ),
    VariableSpec(
        "lambda_log_level",
        "string",
        f"Log level of the gateway's functions: `{'`, `'.join(LOG_LEVELS)}`.",
        default="INFO",
        validations=(one_of("lambda_log_level", LOG_LEVELS),),
    ),
    VariableSpec(
        "enable_xray_tracing",
        "bool",
        "Trace the stage and the functions with AWS X-Ray (default `true`).",
        default=True,
    ),
    VariableSpec(
        "stage_logging_level",
        "string",
        f"API Gateway execution logging: `{'`, `'.join(STAGE_LOGGING_LEVELS)}` (default `ERROR`). Needs the "
        "account's CloudWatch role (module `api_gateway_account`). Request and response bodies are never logged.",
        default="ERROR",
        validations=(one_of("stage_logging_level", STAGE_LOGGING_LEVELS),),
    ),
    VariableSpec(
        "enable_stage_metrics",
        "bool",
        "Per-method CloudWatch metrics for the stage (default `false`; they are billed per metric).",
        default=False,
    ),
    VariableSpec(
        "enable_prompt_logging",
        "bool",
        "Log prompt and input text in the router's logs (default `false`: only ids, tokens and timings). "
        "For debugging a non-production environment; prompts may hold personal data.",
        default=False,
    ),
    VariableSpec(
        "metrics_namespace",
        "string",
        f"CloudWatch namespace of the router's usage metrics (embedded metric format), default "
        f"`{metrics.DEFAULT_NAMESPACE}`.",
        default=metrics.DEFAULT_NAMESPACE,
        validations=(matches("metrics_namespace", metrics.NAMESPACE_PATTERN),),
    ),
)
