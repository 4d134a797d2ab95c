"""The route model behind the API's resources, methods, permissions and redeploy hash."""

from __future__ import annotations

import pytest

from modules_src.ai_gateway.routes import ROUTES, Route, check_routes, fingerprint, resource_id, resource_paths


def test_route_names_and_arn_paths_are_stable() -> None:
    route = Route("POST", "/v1/prompts/{name}", "router", "Run a prompt.")
    assert route.logical_id == "post_v1_prompts_name"
    assert route.arn_path == "v1/prompts/*"


def test_resource_paths_list_parents_before_children() -> None:
    routes = (
        Route("GET", "/v1/models", "router", "a"),
        Route("POST", "/v1/chat/completions", "router", "b"),
    )
    assert resource_paths(routes) == [("v1",), ("v1", "chat"), ("v1", "models"), ("v1", "chat", "completions")]
    assert resource_id(("v1", "chat", "completions")) == "v1_chat_completions"


@pytest.mark.parametrize(
    ("method", "path", "target", "message"),
    [
        ("FETCH", "/v1/models", "router", "method 'FETCH' is unknown"),
        ("GET", "v1/models", "router", "must be /-separated segments"),
        ("GET", "/v1//models", "router", "must be /-separated segments"),
        ("GET", "/v1/Models", "router", "must be /-separated segments"),
        ("GET", "/v1/models", "lambda", "target 'lambda' is unknown"),
    ],
)
def test_invalid_routes_are_refused_at_synth(method: str, path: str, target: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Route(method, path, target, "x")


def test_duplicate_routes_are_refused() -> None:
    with pytest.raises(ValueError, match="GET /v1/models"):
        check_routes((Route("GET", "/v1/models", "router", "a"), Route("GET", "/v1/models", "router", "b")))


def test_fingerprint_changes_with_any_route_or_template() -> None:
    base = fingerprint(ROUTES, "template-a")
    assert base == fingerprint(ROUTES, "template-a")
    assert base != fingerprint(ROUTES, "template-b")
    changed = (*ROUTES, Route("POST", "/v1/embeddings", "router", "Embed."))
    assert base != fingerprint(changed, "template-a")
