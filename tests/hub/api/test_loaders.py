"""Per-request DataLoaders: one store call per (node, relationship) however often it is traversed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

from fastapi.testclient import TestClient

from hub.api import create_app
from hub.settings import Settings
from hub.store import GraphStore, Neighbourhood
from tests.hub.api.conftest import graphql_caller


class CountingStore:
    """Passes everything to ``real`` and counts the neighbourhood loads per (label, id, types)."""

    def __init__(self, real: GraphStore) -> None:
        self.real = real
        self.schema = real.schema
        self.uri = real.uri
        self.loads: Counter[tuple[str, str, tuple[str, ...]]] = Counter()

    def neighbourhood(
        self, label: str, node_id: str, rel_types: Collection[str] | None = None, limit: int = 500
    ) -> Neighbourhood | None:
        self.loads[(label, node_id, tuple(rel_types or ()))] += 1
        return self.real.neighbourhood(label, node_id, rel_types, limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_each_node_relationship_is_loaded_once_per_request(district: GraphStore) -> None:
    store = CountingStore(district)
    with TestClient(create_app(store, Settings())) as client:
        graphql = graphql_caller(client)
        # A1's residents are reached twice, once per resident's addresses; P1's twice by alias.
        query = """{ address(id: "A1") { residents { addresses { residents { id } } } }
                     person(id: "P1") { a: addresses { id } b: addresses { fullText } } }"""
        body = graphql(query)
        assert "errors" not in body, body
        assert store.loads[("Address", "A1", ("LIVES_AT",))] == 1
        assert store.loads[("Person", "P1", ("LIVES_AT",))] == 1
        assert set(store.loads.values()) == {1}

        graphql(query)  # a new request starts with empty loaders
        assert store.loads[("Address", "A1", ("LIVES_AT",))] == 2
