"""Relationship fields: each declared end of a relationship type is a list field of neighbours.

``field`` in relationships.yaml names the field on the source types (outgoing edges),
``inverse`` the one on the target types (incoming edges).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import strawberry

from graph_schema import RelType, Schema
from hub.api.context import MAX_NEIGHBOURS, EdgeKey, Info
from hub.api.errors import ApiError
from hub.store import Node

DEFAULT_FIRST = 100

# Turns a store node into an instance of its generated GraphQL type (masking PII unless told).
ToObject = Callable[[Node, bool], Any]


class _Identified(Protocol):
    id: str


@dataclass(frozen=True, slots=True)
class RelationshipEnd:
    rel: RelType
    field: str
    outgoing: bool  # the field's own type is a source of the relationship

    @property
    def far_labels(self) -> tuple[str, ...]:
        """The node types this field can return."""
        return self.rel.targets if self.outgoing else self.rel.sources


def relationship_ends(schema: Schema, label: str) -> list[RelationshipEnd]:
    ends = [RelationshipEnd(rel, rel.field, True) for rel in schema.rels_from(label) if rel.field]
    ends += [RelationshipEnd(rel, rel.inverse, False) for rel in schema.rels_to(label) if rel.inverse]
    return ends


def relationship_field(label: str, end: RelationshipEnd, returns: type, to_object: ToObject) -> Any:
    """A strawberry field on ``label`` listing its neighbours over ``end`` (of type ``returns``)."""
    rel_type, outgoing = end.rel.name, end.outgoing

    async def resolve(root: _Identified, info: Info, first: int = DEFAULT_FIRST) -> list[Any]:
        if not 0 <= first <= MAX_NEIGHBOURS:
            raise ApiError(f"{end.field}: first must be between 0 and {MAX_NEIGHBOURS}, got {first}")
        ctx = info.context
        edges = await ctx.loaders.edges.load(EdgeKey(label, str(root.id), rel_type))
        # A relationship from a type to itself (MOTHER_OF-like) lists both directions in one load.
        nodes = [edge.node for edge in edges if edge.outgoing is outgoing]
        return [to_object(node, ctx.can_read_pii) for node in nodes[:first]]

    # The element type is only known at run time; strawberry reads it from the annotation.
    resolve.__annotations__["return"] = list[returns]  # type: ignore[valid-type]
    return strawberry.field(resolver=resolve, description=end.rel.description or None)
