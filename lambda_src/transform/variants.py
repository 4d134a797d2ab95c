"""Which production variant serves a request: the one a tenant may name, a sticky one, or SageMaker's choice.

Sticky assignment hashes the alias with the tenant (or the request's `user`) onto the
variants' weights, so one tenant or user always lands on the same variant while the
population splits as the weights say; a variant of weight 0 is never assigned.
"""

from __future__ import annotations

from typing import Any

from contract import transforms as t
from shared.errors import GatewayError
from shared.sticky import weighted_pick
from transform.spec import TransformSpec, VariantSpec


def sticky_variant(variants: VariantSpec, alias: str, key: str) -> str:
    """The variant `key` is assigned to, in proportion to the weights (names in order)."""
    return weighted_pick(alias, key, sorted(variants.weights.items()))


def choose_variant(spec: TransformSpec, tenant: str, requested: Any, user: str | None) -> str | None:
    """The TargetVariant to send, or None to let the endpoint's weights decide.

    Raises
    ------
    GatewayError
        400 for a variant the model does not have, 403 for one the tenant may not name.
    """
    variants = spec.variants
    if requested is not None:
        if variants is None or not isinstance(requested, str) or requested not in variants.weights:
            names = ", ".join(sorted(variants.weights)) if variants else "none (the model has one variant)"
            raise GatewayError(
                400,
                "unknown_variant",
                f"'{t.VARIANT}' must name a variant of model '{spec.alias}': {names}",
                param=t.VARIANT,
            )
        if not variants.may_target(tenant, requested):
            raise GatewayError(
                403,
                "variant_not_allowed",
                f"this tenant may not choose variant '{requested}' of model '{spec.alias}'",
                error_type="permission_error",
                param=t.VARIANT,
            )
        return requested
    if variants is None or variants.sticky == "none":
        return None
    key = tenant if variants.sticky == "tenant" else user
    return sticky_variant(variants, spec.alias, key) if key else None
