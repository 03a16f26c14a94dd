"""What both adapters share: schema checks on every write and the shaping of results."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Self, TypeVar

from graph_schema import NodeType, RelType, Schema
from hub.store.errors import SchemaMismatch
from hub.store.port import Node

T = TypeVar("T")


def chunks(rows: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class SchemaCheckedStore:
    """Validates names against the schema, so adapters may interpolate them into queries."""

    def __init__(self, schema: Schema, uri: str) -> None:
        self.schema = schema
        self.uri = uri
        self._key = schema.id_property

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _node_type(self, label: str) -> NodeType:
        try:
            return self.schema.node(label)
        except KeyError:
            raise SchemaMismatch(f"{self.uri}: unknown node label {label!r}") from None

    def _rel_type_named(self, rel_type: str) -> RelType:
        try:
            return self.schema.rel(rel_type)
        except KeyError:
            raise SchemaMismatch(f"{self.uri}: unknown relationship type {rel_type!r}") from None

    def _rel_type(self, rel_type: str, src_label: str, dst_label: str) -> RelType:
        rel = self._rel_type_named(rel_type)
        if not rel.connects(src_label, dst_label):
            raise SchemaMismatch(f"{self.uri}: {rel_type} does not connect {src_label} to {dst_label}")
        return rel

    def _rel_filter(self, rel_types: Collection[str] | None) -> list[str] | None:
        """Checked, sorted relationship types to filter on (None: all types)."""
        if rel_types is None:
            return None
        known = {r.name for r in self.schema.rel_types}
        unknown = sorted(set(rel_types) - known)
        if unknown:
            raise SchemaMismatch(f"{self.uri}: unknown relationship type {unknown[0]!r}")
        return sorted(rel_types)

    def _merge_plan(self, label: str) -> list[tuple[RelType, bool, str]]:
        """(relationship type, outgoing?, other end's label) for every edge a node of ``label`` may have."""
        self._node_type(label)
        plan = []
        for rel in self.schema.rel_types:
            if label in rel.sources:
                plan += [(rel, True, other) for other in rel.targets]
            if label in rel.targets:
                plan += [(rel, False, other) for other in rel.sources]
        return plan

    @staticmethod
    def _arrows(rel: RelType, outgoing: bool, other: str) -> tuple[str, str]:
        """For moving relationship ``r`` from one node to another: the pattern that matches it
        (other end ``b``) and the one that MERGEs its copy ``r2`` on the same key properties."""
        keys = "{" + ", ".join(f"{k}: r.{k}" for k in rel.keys) + "}" if rel.keys else ""
        if outgoing:
            return f"-[r:{rel.name}]->(b:{other})", f"-[r2:{rel.name} {keys}]->(b)"
        return f"<-[r:{rel.name}]-(b:{other})", f"<-[r2:{rel.name} {keys}]-(b)"

    def _check_prop(self, node: NodeType, prop: str) -> None:
        if prop != self._key and prop not in node.property_names:
            raise SchemaMismatch(f"{self.uri}: {node.name} has no property {prop!r}")

    def _node_columns(self, node: NodeType, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        """The declared properties these rows set; an undeclared key is a bug, not data."""
        declared = set(node.property_names)
        seen: dict[str, None] = {}
        for row in rows:
            if row.get(self._key) in (None, ""):
                keys = ", ".join(map(str, row))  # the row's values stay out of the message
                raise SchemaMismatch(f"{self.uri}: a {node.name} row has no {self._key!r} (it has {keys})")
            for name in row:
                if name != self._key and name not in seen:
                    if name not in declared:
                        raise SchemaMismatch(f"{self.uri}: {node.name} has no property {name!r}")
                    seen[name] = None
        return list(seen)

    def _rel_columns(self, rel: RelType, rows: Iterable[Mapping[str, Any]]) -> list[str]:
        """The non-key properties these rows set; every row must give every key property."""
        declared = {p.name for p in rel.properties}
        seen: dict[str, None] = {}
        for props in rows:
            for name in props:
                if name not in declared:
                    raise SchemaMismatch(f"{self.uri}: {rel.name} has no property {name!r}")
                if name not in rel.keys:
                    seen[name] = None
            missing = [k for k in rel.keys if props.get(k) is None]
            if missing:
                raise SchemaMismatch(f"{self.uri}: a {rel.name} row has no {missing[0]!r} (a key property)")
        return list(seen)

    def _node(self, label: str, props: Mapping[str, Any], native: Callable[[Any], Any]) -> Node:
        """Keep only the label's declared, non-null properties (stores may return more)."""
        names = self.schema.node(label).property_names  # an unknown label: its KeyError
        clean = {p: native(props[p]) for p in names if props.get(p) is not None}
        return Node(label=label, id=str(props[self._key]), properties=clean)
