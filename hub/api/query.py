"""The root Query: one lookup per node type (by id or by one identifier) and node counts."""

from __future__ import annotations

from inspect import Parameter, Signature
from typing import Any

import anyio.to_thread
import strawberry
from strawberry.utils.str_converters import to_camel_case

from graph_schema import NodeType, Schema
from hub.api.context import Info
from hub.api.errors import ApiError
from hub.api.graphql_types import ID_FIELD, NodeObjects, python_type
from hub.store import GraphStore, Node


@strawberry.type(description="How many nodes of one type the graph holds.")
class TypeCount:
    type: str
    count: int


async def _stats(info: Info) -> list[TypeCount]:
    ctx = info.context
    counts = await anyio.to_thread.run_sync(ctx.store.counts)
    return [TypeCount(type=n.name, count=counts.nodes.get(n.name, 0)) for n in ctx.schema.node_types]


@strawberry.type(name="StatsQuery")
class StatsQuery:
    """The fixed part of Query; the generated lookups are added to a subclass."""

    # `resolver=` rather than the decorator form: mypy sees the decorator as untyped.
    stats: list[TypeCount] = strawberry.field(
        resolver=_stats, description="Node counts per type, in the model's order."
    )


def lookup_name(node: NodeType) -> str:
    """``LegalEntity`` → ``legalEntity``."""
    return node.name[0].lower() + node.name[1:]


def _fetch(store: GraphStore, label: str, key: str, value: Any) -> Node | None:
    if key == ID_FIELD:
        return store.get_node(label, str(value))
    # An identifier should name one node; until resolution guarantees it, the first one wins.
    found = store.find_nodes(label, key, value, limit=2)
    return found[0] if found else None


def _lookup_field(node: NodeType, objects: NodeObjects) -> Any:
    label, name = node.name, lookup_name(node)
    keys: dict[str, Any] = {ID_FIELD: strawberry.ID, **{p.name: python_type(p) for p in node.identifiers}}
    choices = ", ".join(to_camel_case(k) for k in keys)

    async def resolve(info: Info, **given: Any) -> Any:
        chosen = [(key, value) for key, value in given.items() if value is not None]
        if len(chosen) != 1:
            raise ApiError(f"{name}: give exactly one of the arguments {choices} (got {len(chosen)})")
        ((key, value),) = chosen
        ctx = info.context
        found = await anyio.to_thread.run_sync(_fetch, ctx.store, label, key, value)
        return None if found is None else objects.to_object(found, ctx.can_read_pii)

    # The arguments depend on the node type's identifiers, so the signature strawberry reads
    # (it honours __signature__) is built here; **given receives them by name.
    params = [Parameter("info", Parameter.KEYWORD_ONLY, annotation=Info)]
    params += [
        Parameter(k, Parameter.KEYWORD_ONLY, annotation=t | None, default=None) for k, t in keys.items()
    ]
    resolve.__signature__ = Signature(params, return_annotation=objects.classes[label] | None)  # type: ignore[attr-defined]
    return strawberry.field(resolver=resolve, description=f"One {label} by id or by one of its identifiers.")


def build_query(schema: Schema, objects: NodeObjects) -> type:
    namespace: dict[str, Any] = {"__module__": __name__}
    for node in schema.node_types:
        namespace[lookup_name(node)] = _lookup_field(node, objects)
    query = type("Query", (StatsQuery,), namespace)
    return strawberry.type(query, name="Query")
