"""A comparable picture of a whole graph: every node and relationship, minus run bookkeeping."""

from __future__ import annotations

from typing import Any

from hub.store import GraphStore

# When a run happened differs between two runs that converge to the same graph.
VOLATILE = {"first_seen", "last_seen", "last_run", "retired_at", "first_run", "read_at"}

GraphDump = dict[str, Any]


def dump_graph(store: GraphStore) -> GraphDump:
    nodes = {
        node_type.name: {
            n.id: {k: v for k, v in n.properties.items() if k not in VOLATILE}
            for n in store.iter_nodes(node_type.name)
        }
        for node_type in store.schema.node_types
    }
    rels = {rel.name: sorted(map(repr, store.iter_relationships(rel.name))) for rel in store.schema.rel_types}
    return {"nodes": nodes, "relationships": rels}
