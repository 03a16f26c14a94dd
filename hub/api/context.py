"""The per-request GraphQL context: the store, the model, the caller's scopes and DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import anyio.to_thread
import strawberry
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from graph_schema import Schema
from hub.store import Edge, GraphStore

PII_SCOPE = "pii"
STEWARD_SCOPE = "steward"  # the review queue and explanations (which show personal data)
# No authentication is configured yet, so every caller holds every scope. The auth issue
# replaces the `caller_scopes` dependency in app.py; nothing here changes.
ALL_SCOPES: frozenset[str] = frozenset({PII_SCOPE, STEWARD_SCOPE})

# Upper bound of `first` on relationship fields; also what one load fetches per relationship.
MAX_NEIGHBOURS = 500


class EdgeKey(NamedTuple):
    """One relationship type seen from one node.

    Keyed by relationship type as well as node, so that each field gets its own limit: a
    building with thousands of rooms must not crowd its grid out of a shared neighbourhood.
    """

    label: str
    node_id: str
    rel_type: str


def _edge_loader(store: GraphStore) -> DataLoader[EdgeKey, list[Edge]]:
    async def load(keys: list[EdgeKey]) -> list[list[Edge]]:
        def fetch() -> list[list[Edge]]:
            # One worker thread per batch, the keys in sequence: the embedded store has one
            # connection, and the port has no batched neighbourhood call (yet).
            hoods = (store.neighbourhood(k.label, k.node_id, (k.rel_type,), MAX_NEIGHBOURS) for k in keys)
            return [hood.edges if hood is not None else [] for hood in hoods]

        return await anyio.to_thread.run_sync(fetch)

    return DataLoader(load_fn=load)


@dataclass(frozen=True, slots=True)
class Loaders:
    """Created per request, so a cached result never outlives the request that loaded it."""

    edges: DataLoader[EdgeKey, list[Edge]]

    @classmethod
    def create(cls, store: GraphStore) -> Loaders:
        return cls(edges=_edge_loader(store))


@dataclass(eq=False)
class RequestContext(BaseContext):
    """What every resolver gets as ``info.context``."""

    store: GraphStore
    schema: Schema
    scopes: frozenset[str]
    loaders: Loaders = field(repr=False)

    def __post_init__(self) -> None:
        super().__init__()  # request/response slots, filled in by strawberry's FastAPI router

    @classmethod
    def create(cls, store: GraphStore, scopes: frozenset[str]) -> RequestContext:
        return cls(store=store, schema=store.schema, scopes=scopes, loaders=Loaders.create(store))

    @property
    def can_read_pii(self) -> bool:
        return PII_SCOPE in self.scopes


# What resolvers declare as their `info` parameter, so that `info.context` is typed.
Info = strawberry.Info[RequestContext, None]
