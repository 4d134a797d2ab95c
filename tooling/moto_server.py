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


def patch_sagemaker() -> None:
    from moto.sagemaker import models, responses

    create_model = responses.SageMakerResponse.create_model

    def create_model_keeping_isolation(self: Any) -> Any:
        answer = create_model(self)
        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        return answer

    def without_empty(names: tuple[str, ...], original: Any) -> property:
        def response_object(self: Any) -> dict[str, Any]:
            answer: dict[str, Any] = original.fget(self)
            return {k: v for k, v in answer.items() if not (k in names and v in ({}, None))}

        return property(response_object)

    responses.SageMakerResponse.create_model = create_model_keeping_isolation  # type: ignore[method-assign]
    models.Model.response_object = without_empty(("VpcConfig",), models.Model.response_object)  # type: ignore[assignment]
    models.FakeEndpointConfig.response_object = without_empty(  # type: ignore[assignment]
        ("DataCaptureConfig",), models.FakeEndpointConfig.response_object
    )


def main(argv: list[str] | None = None) -> None:
    from moto.server import main as moto_main

    patch_sagemaker()
    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
