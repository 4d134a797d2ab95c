"""Amazon Bedrock Guardrails as a policy step: `ApplyGuardrail` on the prompt or the answer.

One bedrock-runtime client for the container (made on first use, one try per call, a
short read timeout: a guardrail is on every request's path). Any failure raises, and the
policy's `on_error` decides (fail closed by default). The service's own words go to the
log only.
"""

from __future__ import annotations

from typing import Any

from router.guardrails.checks import BedrockVerdict
from shared.aws import LazyClient

# A guardrail check is bounded well inside the router's deadline.
READ_TIMEOUT_SECONDS = 3
# Assessment actions that only masked text (the answer may go on, with Bedrock's text).
MASKING_ACTIONS = frozenset({"ANONYMIZED"})


def _client() -> Any:
    from router.backends.aws_clients import boto3_client

    return boto3_client("bedrock-runtime", READ_TIMEOUT_SECONDS)


class BedrockGuardrails:
    """`check(guardrail_id, version, source, texts)`: None when Bedrock let the texts through."""

    def __init__(self, client: Any = None) -> None:
        self.client = client if client is not None else LazyClient(_client)

    def check(self, guardrail_id: str, version: str, source: str, texts: list[str]) -> BedrockVerdict | None:
        answer = self.client.apply_guardrail(
            guardrailIdentifier=guardrail_id,
            guardrailVersion=version,
            source=source,
            content=[{"text": {"text": text}} for text in texts],
        )
        if answer.get("action") != "GUARDRAIL_INTERVENED":
            return None
        actions = {
            item.get("action")
            for assessment in answer.get("assessments", [])
            for policy in assessment.values()
            if isinstance(policy, dict)
            for items in policy.values()
            if isinstance(items, list)
            for item in items
            if isinstance(item, dict)
        }
        outputs = [str(o.get("text", "")) for o in answer.get("outputs", [])]
        return BedrockVerdict(outputs, bool(actions) and actions <= MASKING_ACTIONS)
