"""Lineage fields: where an entity's values came from, and the raw versions of a source record.

- ``valueLineage(property)`` on every type the resolver builds from mentions (Person,
  LegalEntity): each value each source record gave, with its source, department's trust, the
  run that read it, and whether it is the golden value shown (survivorship chose it).
- ``versions(first)`` on SourceRecord: the raw rows read, newest first (a changed row adds a
  version; the earlier ones stay as history).

Relationship lineage (the records asserting each relationship) is on the relationship edges
(``records``, ``assertedBy``); an entity's own records are its ``sourceRecords`` connection,
whose edges carry the role.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import strawberry

from graph_schema import Schema
from hub.api.context import Info, RequestContext
from hub.api.errors import ApiError
from hub.api.graphql.names import graphql_field
from hub.api.masking import mask_pii
from hub.store import Node
from hub.store.query import Compare, Op, SortKey
from resolvers.linking.feature_columns import DERIVED_PREFIX

MAX_VERSIONS = 100


@strawberry.type(description="One value one source record gave for a property of an entity.")
class ValueSource:
    property: str = strawberry.field(description="The property (GraphQL field name).")
    value: str | None = strawberry.field(
        description="The value as normalised (masked without the pii scope)."
    )
    golden: bool = strawberry.field(description="Whether it is the value the entity shows (survivorship).")
    source: str
    record: strawberry.ID = strawberry.field(description="The source record (source:record_id).")
    role: str = strawberry.field(description="The role the record mentions the entity in.")
    trust: int = strawberry.field(description="The source's trust (higher wins under the trust rule).")
    run: str = strawberry.field(description="The sync run that read it.")


def value_lineage_field(schema: Schema, label: str) -> Any:
    node_type = schema.node(label)
    props = {p.name: p for p in node_type.properties}
    by_field = {graphql_field(name): name for name in props}

    async def load(ctx: RequestContext, ids: list[str]) -> list[list[dict[str, Any]]]:
        if ctx.mentions is None:
            raise ApiError("value lineage is not available on this server", code="SERVICE_UNAVAILABLE")
        found: dict[str, list[dict[str, Any]]] = await ctx.call(ctx.mentions, ids)
        return [found.get(i, []) for i in ids]

    async def resolve(root: Any, info: Info, property: str | None = None) -> list[ValueSource]:
        ctx = info.context
        wanted = None
        if property is not None:
            wanted = by_field.get(property)
            if wanted is None:
                raise ApiError(f"property: {label} has no field {property!r} (one of {sorted(by_field)})")
        loader = ctx.loader(("mentions", label), lambda ids: load(ctx, ids))
        rows: list[dict[str, Any]] = await loader.load(str(root.id))
        node: Node | None = getattr(root, "_node", None)
        golden = node.properties if node is not None else {}
        out: list[ValueSource] = []
        for row in rows:
            features = row["features"]
            for name, value in features.items():
                # Derived features (pinyin, blocking keys) are not values a source gave.
                if (
                    name.startswith(DERIVED_PREFIX)
                    or name not in props
                    or (wanted and name != wanted)
                    or value is None
                ):
                    continue
                text = str(value)
                shown = golden.get(name)
                pii = props[name].pii and not ctx.can_read_pii
                out.append(
                    ValueSource(
                        property=graphql_field(name),
                        value=mask_pii(text) if pii else text,
                        golden=shown is not None and str(shown) == text,
                        source=row["source"],
                        record=strawberry.ID(f"{row['source']}:{row['record_id']}"),
                        role=row["role"],
                        trust=int(row["trust"]),
                        run=row["run_id"],
                    )
                )
        return out

    return strawberry.field(
        resolver=resolve,
        description=(
            "Where each value came from: every value every current source record gave for `property` "
            "(a field name; all when omitted), and which one is shown."
        ),
    )


def merged_ids_field() -> Any:
    """``mergedIds``: the ids resolution merged away into this entity, oldest first. A department
    that kept an id before a merge finds the entity by it (a lookup by that id redirects here);
    this list lets it match its copy the other way, from the entity it reads now."""

    async def load(ctx: RequestContext, ids: list[str]) -> list[list[str]]:
        if ctx.merged is None:
            raise ApiError("merged ids are not available on this server", code="SERVICE_UNAVAILABLE")
        found: dict[str, list[str]] = await ctx.call(ctx.merged, ids)
        return [found.get(i, []) for i in ids]

    async def resolve(root: Any, info: Info) -> list[strawberry.ID]:
        ctx = info.context
        loader = ctx.loader(("merged",), lambda ids: load(ctx, ids))
        merged: list[str] = await loader.load(str(root.id))
        return [strawberry.ID(i) for i in merged]

    return strawberry.field(
        resolver=resolve,
        description=(
            "Ids merged away into this entity, oldest merge first: a lookup by any of them finds "
            "this entity (with `redirectedFrom`)."
        ),
    )


def versions_field(schema: Schema, version_class: type, to_object: Any) -> Any:
    version_label = schema.roles.record_version

    async def load(ctx: RequestContext, ids: list[str], first: int) -> list[list[Node]]:
        test = Compare("record", Op.IN, tuple(ids))
        order = (SortKey("read_at", descending=True),)
        nodes: list[Node] = await ctx.call(
            ctx.store.find, version_label, test, order, 0, len(ids) * MAX_VERSIONS
        )
        grouped: dict[str, list[Node]] = defaultdict(list)
        for node in nodes:
            grouped[str(node.properties.get("record"))].append(node)
        return [grouped.get(i, [])[:first] for i in ids]

    async def resolve(root: Any, info: Info, first: int = 20) -> list[Any]:
        if not 0 <= first <= MAX_VERSIONS:
            raise ApiError(f"versions: first must be between 0 and {MAX_VERSIONS}, got {first}")
        ctx = info.context
        loader = ctx.loader(("versions", first), lambda ids: load(ctx, ids, first))
        nodes: list[Node] = await loader.load(str(root.id))
        return [to_object(n, ctx) for n in nodes]

    resolve.__annotations__["return"] = list[version_class]  # type: ignore[valid-type]
    return strawberry.field(
        resolver=resolve, description="The raw rows read for this record, newest first (its history)."
    )
