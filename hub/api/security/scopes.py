"""Checking the scopes an API key is given against the scope grammar and the schema's types."""

from __future__ import annotations

from collections.abc import Iterable

from graph_schema import Schema
from hub.api.security.principal import FIXED_SCOPES, READ_SCOPE, is_valid_scope
from hub.state import ApiKeyError

SCOPE_HELP = f"{', '.join(sorted(FIXED_SCOPES))} or {READ_SCOPE}:<Type>"


def validate_scopes(scopes: Iterable[str], schema: Schema) -> frozenset[str]:
    """The scopes, stripped, once each; raises :class:`ApiKeyError` naming the first bad one.

    A ``read:<Type>`` scope must name a node type of ``schema``: a typo (``read:Persn``) would
    otherwise make a key that silently reads nothing.
    """
    cleaned = frozenset(s.strip() for s in scopes if s.strip())
    if not cleaned:
        raise ApiKeyError(f"an API key needs at least one scope ({SCOPE_HELP})")
    types = {node.name for node in schema.node_types}
    for scope in sorted(cleaned):
        if not is_valid_scope(scope):
            raise ApiKeyError(f"unknown scope {scope!r} (scopes are {SCOPE_HELP})")
        _, _, label = scope.partition(":")
        if label and label not in types:
            raise ApiKeyError(
                f"scope {scope!r} names no node type of the schema (types: {', '.join(sorted(types))})"
            )
    return cleaned
