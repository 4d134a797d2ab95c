"""Base stack of a generated module: no provider, no backend, pinned requirements, spec'd I/O."""

from __future__ import annotations

from typing import Any

from cdktn import TerraformOutput, TerraformStack, TerraformVariable, TerraformVariableValidationConfig, Token
from constructs import Construct

from modules_src.common.expressions import Expr, ref
from modules_src.common.spec import ModuleSpec

AWS_PROVIDER_SOURCE = "hashicorp/aws"
# The bindings describe provider 6.x; 5.100.0 is what these machines validate against.
AWS_PROVIDER_VERSION = ">= 5.100, < 7.0"
# 1.9 allows validations that refer to other variables; mock_provider needs 1.7.
TERRAFORM_VERSION = ">= 1.9"


class ModuleStack(TerraformStack):
    """A TerraformStack synthesized as a reusable child module.

    Roots own providers and backends, so none is written; roots may then call the
    module with `for_each`, `count` and `depends_on`.
    """

    def __init__(self, scope: Construct, spec: ModuleSpec, aws_provider_version: str = AWS_PROVIDER_VERSION) -> None:
        super().__init__(scope, spec.name)
        self.spec = spec
        self.add_override("terraform.backend", None)
        self.add_override("terraform.required_version", TERRAFORM_VERSION)
        self.add_override("terraform.required_providers.aws.source", AWS_PROVIDER_SOURCE)
        self.add_override("terraform.required_providers.aws.version", aws_provider_version)
        self.vars: dict[str, TerraformVariable] = {}
        for variable in spec.variables:
            kwargs: dict[str, Any] = {}
            if not variable.required:
                # jsii drops a plain None, which would make the variable required.
                kwargs["default"] = Token.null_value() if variable.default is None else variable.default
            self.vars[variable.name] = TerraformVariable(
                self,
                variable.name,
                type=variable.type,
                description=variable.description,
                nullable=variable.nullable,
                sensitive=variable.sensitive or None,
                validation=[
                    TerraformVariableValidationConfig(condition=v.condition, error_message=v.error_message)
                    for v in variable.validations
                ]
                or None,
                **kwargs,
            )
        self._outputs_done: set[str] = set()

    def variable(self, name: str) -> TerraformVariable:
        """Return a declared variable; use its `string_value` etc. as tokens (raw `${` in `Fn.*` is escaped)."""
        if name not in self.vars:
            raise KeyError(f"module {self.spec.name} declares no variable {name!r}")
        return self.vars[name]

    def ref(self, name: str) -> Expr:
        """The variable as an HCL expression, for constructs' `Expr` props and composed expressions."""
        return ref(self.variable(name))

    def output(self, name: str, value: Any) -> None:
        """Declare the spec'd output `name` with `value` (ids may clash with variables, so override)."""
        matches = [o for o in self.spec.outputs if o.name == name]
        if not matches:
            raise KeyError(f"module {self.spec.name} specifies no output {name!r}")
        spec = matches[0]
        out = TerraformOutput(
            self, f"output_{name}", value=value, description=spec.description, sensitive=spec.sensitive or None
        )
        out.override_logical_id(name)
        self._outputs_done.add(name)

    def check_complete(self) -> None:
        """Raise unless every spec'd output was declared."""
        missing = sorted({o.name for o in self.spec.outputs} - self._outputs_done)
        if missing:
            raise ValueError(f"module {self.spec.name}: outputs specified but not declared: {', '.join(missing)}")
