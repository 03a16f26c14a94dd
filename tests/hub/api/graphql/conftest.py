"""Run GraphQL documents against the generated schema directly (no HTTP), as a given caller."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from hub.api.context import RequestContext
from hub.api.schema import build_graphql_schema
from hub.api.security.principal import ADMIN_SCOPE, Principal
from hub.store import GraphStore
from tests.hub.api.conftest import load_district

TODAY = dt.date(2026, 12, 4)
EVERYTHING = Principal(name="test", scopes=frozenset({ADMIN_SCOPE}))

Run = Callable[..., dict[str, Any]]


def execute(
    store: GraphStore,
    query: str,
    principal: Principal = EVERYTHING,
    aliases: dict[str, str] | None = None,
    search: Any = None,
    as_of: dt.date = TODAY,
    max_cost: int | None = None,
    **variables: Any,
) -> tuple[dict[str, Any], RequestContext]:
    schema = build_graphql_schema(store.schema)
    ctx = RequestContext.create(
        store,
        principal,
        today=as_of,
        aliases=(aliases or {}).get if aliases is not None else None,
        merged=(lambda ids: _merged_into(aliases or {}, ids)) if aliases is not None else None,
        search=search,
        max_cost=max_cost,
    )
    result = asyncio.run(schema.execute(query, variable_values=variables, context_value=ctx))
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [{"message": e.message, "extensions": e.extensions} for e in result.errors]
    return body, ctx


def _merged_into(aliases: dict[str, str], ids: list[str]) -> dict[str, list[str]]:
    """What the state database's aliases give ``mergedIds``: old ids by survivor."""
    return {i: sorted(old for old, new in aliases.items() if new == i) for i in ids}


@pytest.fixture
def district(store: GraphStore) -> GraphStore:
    load_district(store)
    return store


@pytest.fixture
def run(district: GraphStore) -> Run:
    def call(query: str, principal: Principal = EVERYTHING, **variables: Any) -> dict[str, Any]:
        body, _ = execute(district, query, principal, **variables)
        return body

    return call


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def execute_with(
    store: GraphStore, query: str, principal: Principal = EVERYTHING, **context: Any
) -> dict[str, Any]:
    """Run ``query`` with extra context (mentions, search, …) as the app would give it."""
    schema = build_graphql_schema(store.schema)
    ctx = RequestContext.create(store, principal, today=TODAY, **context)
    result = asyncio.run(schema.execute(query, context_value=ctx))
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [{"message": e.message, "extensions": e.extensions} for e in result.errors]
    return body
