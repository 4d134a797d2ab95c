"""The emulator: moto's server, with the few read-backs of SageMaker it gets wrong put right.

moto 5.2.5 stores a model's `EnableNetworkIsolation` as false whatever was asked, and
answers an empty `VpcConfig` for a model without one and an empty `DataCaptureConfig`
for an endpoint configuration without capture. The AWS provider reads those back as
changes that force replacement, so a clean re-plan of the endpoint module would be
impossible against the emulator. These patches make the emulator answer what AWS
answers; nothing else of moto changes. Each is checked by tests/tooling/test_emulator.py.
"""

from __future__ import annotations

import sys
from typing import Any


def _without_empty(answer: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if not (k == name and v in ({}, None))}


def patch_sagemaker() -> None:
    """Only the describe answers change: moto's own code reads the stored objects as they are."""
    from moto.core.responses import ActionResult
    from moto.sagemaker import responses

    create_model = responses.SageMakerResponse.create_model

    def create_model_keeping_isolation(self: Any) -> Any:
        answer = create_model(self)
        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        return answer

    def describe_model(self: Any) -> Any:
        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        return ActionResult(_without_empty(model.response_object, "VpcConfig"))

    def describe_endpoint_config(self: Any) -> Any:
        answer = self.sagemaker_backend.describe_endpoint_config(self._get_param("EndpointConfigName"))
        return ActionResult(_without_empty(answer, "DataCaptureConfig"))

    responses.SageMakerResponse.create_model = create_model_keeping_isolation  # type: ignore[method-assign]
    responses.SageMakerResponse.describe_model = describe_model  # type: ignore[method-assign]
    responses.SageMakerResponse.describe_endpoint_config = describe_endpoint_config  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    from moto.server import main as moto_main

    patch_sagemaker()
    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
