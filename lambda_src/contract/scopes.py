"""OAuth scopes of the gateway's Cognito resource server, and the routes each one opens.

The module declares them on the resource server and grants them to tenant app clients;
the authorizer lets a Cognito access token call a route only when its `scope` claim
holds the route's scope. A route's scope follows from its method, so a client with
`models.read` alone is read-only (`GET /v1/models`, `GET /v1/models/{modelAlias}`).
"""

from __future__ import annotations

from typing import NamedTuple


class Scope(NamedTuple):
    """One scope: its name (after `<resource server>/`), what it allows, and the methods it opens."""

    name: str
    description: str
    methods: tuple[str, ...]


SCOPES: tuple[Scope, ...] = (
    Scope("models.read", "List and describe the models the tenant may use", ("GET",)),
    Scope("inference", "Call models: chat, responses, embeddings, prompts, the direct and transform routes", ("POST",)),
)
SCOPE_NAMES = tuple(scope.name for scope in SCOPES)
# A resource server identifier as Cognito accepts it, kept to characters that need no escaping anywhere.
RESOURCE_SERVER_PATTERN = "^[A-Za-z0-9._:-]{1,128}$"
# What separates scopes in an access token's `scope` claim (RFC 6749, section 3.3).
SCOPE_SEPARATOR = " "


def scope_of(route_key: str) -> str:
    """The scope name a route (`POST /v1/chat/completions`) needs: the one whose methods hold its method."""
    method = route_key.partition(" ")[0]
    return next(scope.name for scope in SCOPES if method in scope.methods)


def qualified(resource_server: str, name: str) -> str:
    """The scope as a token carries it: `<resource server>/<name>`."""
    return f"{resource_server}/{name}"
