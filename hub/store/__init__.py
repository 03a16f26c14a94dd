"""Graph stores: one port, a Neo4j adapter and the embedded (ladybug) default."""

from hub.store.errors import SchemaMismatch, StoreError, StoreLocked, StoreTimeout, StoreUnavailable
from hub.store.factory import open_store
from hub.store.port import Counts, Edge, GraphStore, Link, MentionMove, Neighbourhood, Node, RelRow

__all__ = [
    "Counts",
    "Edge",
    "GraphStore",
    "Link",
    "MentionMove",
    "Neighbourhood",
    "Node",
    "RelRow",
    "SchemaMismatch",
    "StoreError",
    "StoreLocked",
    "StoreTimeout",
    "StoreUnavailable",
    "open_store",
]
