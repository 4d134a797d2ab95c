"""Variant targeting: named variants only for tenants the spec allows, sticky assignment by weight."""

from __future__ import annotations

from collections import Counter

import pytest

from shared.errors import GatewayError
from transform.spec import OutputSpec, TransformSpec, VariantSpec
from transform.variants import choose_variant, sticky_variant


def spec_of(variants: VariantSpec | None) -> TransformSpec:
    return TransformSpec("fraud", "ep", (), OutputSpec(), variants=variants)


AB = VariantSpec({"a": 9, "b": 1, "off": 0}, "tenant", {"acme": frozenset({"b"})})


def test_a_tenant_may_name_only_the_variants_it_is_given() -> None:
    assert choose_variant(spec_of(AB), "acme", "b", None) == "b"
    with pytest.raises(GatewayError) as refused:
        choose_variant(spec_of(AB), "acme", "a", None)
    assert (refused.value.status, refused.value.code) == (403, "variant_not_allowed")
    with pytest.raises(GatewayError) as other:
        choose_variant(spec_of(AB), "globex", "b", None)
    assert other.value.status == 403


@pytest.mark.parametrize("requested", ["c", 3, ""])
def test_a_variant_the_model_does_not_have_is_a_400_listing_them(requested: object) -> None:
    with pytest.raises(GatewayError) as refused:
        choose_variant(spec_of(AB), "acme", requested, None)
    assert refused.value.status == 400 and "a, b, off" in refused.value.message


def test_naming_a_variant_of_a_model_without_variants_is_a_400() -> None:
    with pytest.raises(GatewayError) as refused:
        choose_variant(spec_of(None), "acme", "a", None)
    assert refused.value.status == 400


def test_sticky_per_tenant_is_stable_and_splits_by_weight() -> None:
    assert {choose_variant(spec_of(AB), "acme", None, None) for _ in range(20)} == {
        choose_variant(spec_of(AB), "acme", None, None)
    }
    counts = Counter(sticky_variant(AB, "fraud", f"tenant-{i}") for i in range(10_000))
    assert counts["off"] == 0
    assert 0.87 < counts["a"] / 10_000 < 0.93


def test_sticky_per_user_uses_the_user_and_without_one_leaves_it_to_sagemaker() -> None:
    per_user = VariantSpec({"a": 1, "b": 1}, "user")
    chosen = {choose_variant(spec_of(per_user), "acme", None, f"user-{i}") for i in range(50)}
    assert chosen == {"a", "b"}
    assert choose_variant(spec_of(per_user), "acme", None, None) is None
    assert choose_variant(spec_of(VariantSpec({"a": 1}, "none")), "acme", None, "u") is None
