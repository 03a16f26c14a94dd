"""GraphQL object types derived from the canonical model, one per node type.

Each node type becomes an object type of the same name with ``id: ID!``, one nullable field per
declared property (snake_case names become camelCase by strawberry's default conversion) and one
list field per relationship end (see relationships.py). No label is spelled here: everything
comes from the :class:`Schema`.

Relationships with several possible far types (FROM_RECORD from every entity, ABOUT to every
entity, ASSIGNED_TO to workers or departments) return the ``GraphNode`` interface, which every
generated type implements. An interface rather than a union per field: one shared type instead
of a union per (relationship, direction), clients select ``id`` without a fragment, and a node
type added to the model is covered without touching any union.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, cast

import strawberry
from strawberry.utils.str_converters import to_camel_case

from graph_schema import NodeType, PropertyDef, PropertyType, Schema
from hub.api.errors import GraphQLSchemaConflict
from hub.api.masking import mask_pii
from hub.api.relationships import RelationshipEnd, relationship_ends, relationship_field
from hub.store import Node

ID_FIELD = "id"

_PYTHON_TYPES: dict[PropertyType, Any] = {
    PropertyType.STRING: str,
    PropertyType.INT: int,
    PropertyType.FLOAT: float,
    PropertyType.BOOL: bool,
    PropertyType.DATE: dt.date,
    PropertyType.DATETIME: dt.datetime,
    PropertyType.STRING_LIST: list[str],
}


def python_type(prop: PropertyDef) -> Any:
    """The Python type strawberry maps to the property's GraphQL type (String, Int, Date, …)."""
    return _PYTHON_TYPES[prop.type]


def describe(title: str, description: str) -> str | None:
    return " — ".join(part for part in (title, description) if part) or None


@strawberry.interface(description="Any node of the graph. Select fields of a type with `... on Person`.")
class GraphNode:
    id: strawberry.ID


def _bare_class(node: NodeType) -> type[GraphNode]:
    """The node type's class with its properties only; relationship fields come later."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    for prop in node.properties:
        # Nullable: a node lacks whatever no source has told us yet.
        annotations[prop.name] = python_type(prop) | None
        namespace[prop.name] = strawberry.field(
            default=None, description=describe(prop.title, prop.description)
        )
    return cast(type[GraphNode], type(node.name, (GraphNode,), namespace))


def check_field_names(node: NodeType, ends: list[RelationshipEnd]) -> None:
    """Two fields of one type must not end up with one GraphQL name (after camelCase)."""
    names = [ID_FIELD, *(to_camel_case(p) for p in node.property_names), *(e.field for e in ends)]
    clashes = sorted(name for name, n in Counter(names).items() if n > 1)
    if clashes:
        raise GraphQLSchemaConflict(f"GraphQL type {node.name}: more than one field named {clashes}")


class NodeObjects:
    """The generated GraphQL classes by label, and the conversion of store nodes into them."""

    def __init__(self, schema: Schema) -> None:
        self.classes: dict[str, type[GraphNode]] = {n.name: _bare_class(n) for n in schema.node_types}
        self._pii = {n.name: frozenset(p.name for p in n.properties if p.pii) for n in schema.node_types}
        # Relationship fields are added once every class exists, so that Person.addresses may
        # return Address while Address.residents returns Person; strawberry resolves these
        # annotations only when the schema is built, after every class below is decorated.
        for node in schema.node_types:
            ends = relationship_ends(schema, node.name)
            check_field_names(node, ends)
            for end in ends:
                field = relationship_field(node.name, end, self._returns(end), self.to_object)
                setattr(self.classes[node.name], end.field, field)
        for node in schema.node_types:
            strawberry.type(
                self.classes[node.name], name=node.name, description=describe(node.title, node.description)
            )

    def _returns(self, end: RelationshipEnd) -> type:
        labels = end.far_labels
        return self.classes[labels[0]] if len(labels) == 1 else GraphNode

    def to_object(self, node: Node, reveal_pii: bool) -> GraphNode:
        """``node`` as its GraphQL type, PII masked unless ``reveal_pii``."""
        hidden = frozenset() if reveal_pii else self._pii[node.label]
        values = {
            name: value if name not in hidden else mask_pii(value) if isinstance(value, str) else None
            for name, value in node.properties.items()
        }
        make: Any = self.classes[node.label]  # its keyword arguments are the node type's properties
        return cast(GraphNode, make(id=strawberry.ID(node.id), **values))
