"""The root Query: per node type a lookup, a list (Relay connection) and an aggregate; stats.

- ``person(id | identityNumber)``: one node. Identifiers are normalised as the sync does
  (15→18 digits, case, width, spaces); an id merged away resolves to its survivor, whose
  ``redirectedFrom`` then names the id asked for.
- ``persons(where, sort, first, after)``: a page of nodes, ``totalCount`` counted on demand.
- ``personsAggregate(where, groupBy)``: how many match, the range of every date property,
  and the same per place (grid, community, street, …) when grouped.
"""

from __future__ import annotations

from enum import Enum
from inspect import Parameter, Signature
from typing import Any

import strawberry

from graph_schema import NodeType, Schema
from hub.api.context import Info
from hub.api.cost import MAX_GROUPS
from hub.api.errors import ApiError, GraphQLSchemaConflict
from hub.api.graphql.cursors import decode_after, encode_cursor, encode_key_cursor
from hub.api.graphql.decision_mutations import DecisionQueries
from hub.api.graphql.filters import normalise_identifier
from hub.api.graphql.guard import check_condition, check_sort, note_masked_test
from hub.api.graphql.names import graphql_field, list_name, lookup_name
from hub.api.graphql.objects import (
    DEFAULT_FIRST,
    ID_FIELD,
    GraphNode,
    NodeObjects,
    PageInfo,
    check_first,
    check_placeable,
    check_readable,
    python_type,
    restricted,
)
from hub.api.graphql.prefetch import Prefetch
from hub.api.graphql.review_queries import ReviewQueries
from hub.api.graphql.search import SearchFields
from hub.api.graphql.summaries import DateRange, asked_dates, date_properties, figure_fields, ranges
from hub.store.query import AllOf, Compare, Condition, Op, PlaceCount, place_path_to

ROOT_DEFAULT_FIRST = 20


@strawberry.type(description="How many nodes of one type the graph holds.")
class TypeCount:
    type: str
    count: int


async def _stats(info: Info) -> list[TypeCount]:
    ctx = info.context
    readable = [n.name for n in ctx.schema.node_types if ctx.principal.can_read(n.name)]
    if not ctx.principal.restricted:
        counts = await ctx.call(ctx.store.counts)
        return [TypeCount(type=label, count=counts.nodes.get(label, 0)) for label in readable]
    # A restricted caller learns only what lies in its streets / communities.
    out = []
    for label in readable:
        node = ctx.schema.node(label)
        if node.kind == "system" and ctx.schema.place_path(label) is None:
            continue
        out.append(
            TypeCount(type=label, count=await ctx.call(ctx.store.count, label, restricted(ctx, label, None)))
        )
    return out


@strawberry.type(name="StatsQuery")
class StatsQuery:
    """The fixed part of Query; the generated fields are added to a subclass."""

    stats: list[TypeCount] = strawberry.field(
        resolver=_stats, description="Node counts per type (those the caller may read), in the model's order."
    )


def place_levels(schema: Schema) -> type[Enum]:
    """``PlaceLevel``: the levels of the address hierarchy one may group by."""
    members = {level.upper(): level for level in schema.roles.address_levels}
    levels: Any = Enum("PlaceLevel", members)  # type: ignore[misc]  # built from the model
    made: type[Enum] = strawberry.enum(levels, description="A level of the address hierarchy.")
    return made


class RootFields:
    def __init__(self, schema: Schema, objects: NodeObjects) -> None:
        self.schema = schema
        self.objects = objects
        self.inputs = objects.inputs
        self.levels = place_levels(schema)
        self.prefetch = Prefetch(objects)

    def namespace(self) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__module__": __name__}
        for node in self.schema.node_types:
            namespace[lookup_name(node.name)] = self._lookup_field(node)
            namespace[list_name(node.name)] = self._list_field(node)
            namespace[f"{list_name(node.name)}Aggregate"] = self._aggregate_field(node)
        return namespace

    # -- lookups ------------------------------------------------------------------------------

    async def _fetch(self, info: Info, label: str, key: str, value: Any) -> Any:
        ctx = info.context
        prop = None if key == ID_FIELD else self.schema.node(label).prop(key)
        value = str(value) if prop is None else normalise_identifier(prop, value)
        if prop is not None and prop.pii and not ctx.can_read_pii:
            note_masked_test(ctx, label, key, value)
        test = restricted(ctx, label, Compare(key, Op.EQ, value))
        # An identifier should name one node; until resolution guarantees it, the first wins.
        fields = self.objects.fields_for(ctx, label)
        found, _ = await self.prefetch.find(ctx, info, label, test, (), 0, 1, fields)
        if found:
            return self.objects.to_object(found[0], ctx)
        if prop is not None or ctx.aliases is None:
            return None
        survivor = await ctx.call(ctx.aliases, value)
        if survivor is None or survivor == value:
            return None
        test = restricted(ctx, label, Compare(key, Op.EQ, survivor))
        found, _ = await self.prefetch.find(ctx, info, label, test, (), 0, 1, fields)
        return self.objects.to_object(found[0], ctx, redirected_from=value) if found else None

    def _lookup_field(self, node: NodeType) -> Any:
        label, name = node.name, lookup_name(node.name)
        keys: dict[str, Any] = {ID_FIELD: strawberry.ID, **{p.name: python_type(p) for p in node.identifiers}}
        choices = ", ".join(graphql_field(k) for k in keys)

        async def resolve(info: Info, **given: Any) -> Any:
            chosen = [(key, value) for key, value in given.items() if value is not None]
            if len(chosen) != 1:
                raise ApiError(f"{name}: give exactly one of the arguments {choices} (got {len(chosen)})")
            check_readable(info.context, [label])
            check_placeable(info.context, label)
            ((key, value),) = chosen
            return await self._fetch(info, label, key, value)

        # The arguments depend on the node type's identifiers, so the signature strawberry reads
        # (it honours __signature__) is built here; **given receives them by name.
        params = [Parameter("info", Parameter.KEYWORD_ONLY, annotation=Info)]
        params += [
            Parameter(k, Parameter.KEYWORD_ONLY, annotation=t | None, default=None) for k, t in keys.items()
        ]
        resolve.__signature__ = Signature(params, return_annotation=self.objects.classes[label] | None)  # type: ignore[attr-defined]
        return strawberry.field(
            resolver=resolve,
            description=f"One {label} by id (an id merged away finds its survivor) or by one of its identifiers.",
        )

    # -- lists --------------------------------------------------------------------------------

    def _list_field(self, node: NodeType) -> Any:
        label = node.name
        conn = self.objects.root_connections[label]
        edge_cls: Any = conn._edge  # type: ignore[attr-defined]

        async def resolve(
            info: Info,
            where: Any = None,
            sort: list[Any] | None = None,
            first: int = ROOT_DEFAULT_FIRST,
            after: str | None = None,
        ) -> Any:
            ctx = info.context
            check_readable(ctx, [label])
            check_placeable(ctx, label)
            check_first(list_name(label), first)
            asked = self.inputs.condition(label, where, ctx.today)
            order = self.inputs.sort_keys(label, sort)
            # In id order (no `sort`), a page starts after the last item's id (cursors.py).
            keyset = not order
            start = decode_after(after, keyset=keyset)
            skip = start.skip
            check_condition(ctx, label, asked)
            check_sort(ctx, label, order)
            condition = restricted(ctx, label, asked)
            paged = condition
            if start.after_id is not None:
                beyond = Compare(self.schema.id_property, Op.GT, start.after_id)
                paged = beyond if condition is None else AllOf((condition, beyond))
            # One more than asked for tells whether a next page exists without counting.
            fields = self.objects.fields_for(ctx, label)
            # A full page needs the count of every match for `totalCount`: asked in the same call
            # (past a keyset cursor that query counts only the rest: counted on its own).
            counted = self.objects.wants_total(ctx, conn) and start.after_id is None
            found, total = await self.prefetch.find(
                ctx, info, label, paged, order, skip, first + 1, fields, count_when_full=counted
            )
            nodes = [self.objects.to_object(n, ctx) for n in found[:first]]

            def cursor(i: int) -> str:
                return encode_key_cursor(str(nodes[i].id)) if keyset else encode_cursor(skip + i)

            # Each edge's cursor only when edges are asked for (a page of a thousand otherwise
            # encodes two).
            edges = (
                [edge_cls(cursor=cursor(i), node=n) for i, n in enumerate(nodes)]
                if self.objects.wants_edges(ctx, conn)
                else []
            )

            async def count() -> int:
                return int(await ctx.call(ctx.store.count, label, condition))

            if start.after_id is None and len(found) <= first and (found or skip == 0):
                total = skip + len(found)  # the last page, read whole: nothing to count
            known = count if total is None else total
            where_page_is = PageInfo(
                has_next_page=len(found) > first,
                has_previous_page=skip > 0 or start.after_id is not None,
                start_cursor=cursor(0) if nodes else None,
                end_cursor=cursor(len(nodes) - 1) if nodes else None,
            )
            return self.objects.make_connection(
                conn, edges, nodes, skip, len(found) > first, known, where_page_is
            )

        params = [
            Parameter("info", Parameter.KEYWORD_ONLY, annotation=Info),
            Parameter(
                "where", Parameter.KEYWORD_ONLY, annotation=self.inputs.where[label] | None, default=None
            ),
            Parameter(
                "sort",
                Parameter.KEYWORD_ONLY,
                annotation=list[self.inputs.sorts[label]] | None,  # type: ignore[name-defined]
                default=None,
            ),
            Parameter("first", Parameter.KEYWORD_ONLY, annotation=int, default=ROOT_DEFAULT_FIRST),
            Parameter("after", Parameter.KEYWORD_ONLY, annotation=str | None, default=None),
        ]
        resolve.__signature__ = Signature(params, return_annotation=conn)  # type: ignore[attr-defined]
        return strawberry.field(
            resolver=resolve,
            description=f"{label} nodes matching `where`, in `sort` order (then by id), one page at a time.",
        )

    # -- aggregates ---------------------------------------------------------------------------

    def _aggregate_types(self, node: NodeType) -> tuple[type, type, list[str]]:
        dates = date_properties(node)
        figures, fields = figure_fields(dates)
        namespace: dict[str, Any] = {"__module__": __name__, **fields}
        group_ns = dict(namespace)
        group_ns["__annotations__"] = {"place": GraphNode | None, **figures}
        group_ns["place"] = strawberry.field(description="The place (null: those placed nowhere).")
        group = strawberry.type(type(f"{node.name}Group", (), group_ns), name=f"{node.name}Group")
        namespace["__annotations__"] = {**figures, "groups": list[group]}  # type: ignore[valid-type]
        namespace["groups"] = strawberry.field(
            description=(
                "The same per place, when grouped (else empty). A node placed at several places counts "
                "in each, so the groups may add up to more than `count`; a caller restricted to some "
                "streets or communities is shown only groups of its own places."
            )
        )
        aggregate = strawberry.type(
            type(f"{node.name}Aggregate", (), namespace), name=f"{node.name}Aggregate"
        )
        return aggregate, group, dates

    def _aggregate_field(self, node: NodeType) -> Any:
        label = node.name
        aggregate, group, dates = self._aggregate_types(node)

        async def resolve(info: Info, where: Any = None, group_by: Any = None) -> Any:
            ctx = info.context
            check_readable(ctx, [label])
            check_placeable(ctx, label)
            asked = self.inputs.condition(label, where, ctx.today)
            check_condition(ctx, label, asked)
            condition: Condition | None = restricted(ctx, label, asked)
            wanted, total_dates = asked_dates(ctx, f"{label}Aggregate", dates)
            total = PlaceCount(place=None, count=0, minimum={}, maximum={})
            if wanted:  # `groups` alone needs no query for the whole
                (total,) = await ctx.call(ctx.store.aggregate, label, condition, dates=total_dates)
            groups: list[Any] = []
            if group_by is not None:
                level = group_by.value
                try:
                    place_path_to(self.schema, label, level)
                except Exception as exc:
                    raise ApiError(f"groupBy: {label} has no place at the level {level}") from exc
                check_readable(ctx, [level])
                _, group_dates = asked_dates(ctx, f"{label}Group", dates)
                # A restricted caller's groups are its places only (a resident of its street who
                # also lives elsewhere counts in its street's group, and shows no other).
                rows = await ctx.call(
                    ctx.store.aggregate,
                    label,
                    condition,
                    group_level=level,
                    group_where=restricted(ctx, level, None),
                    dates=group_dates,
                )
                if len(rows) > MAX_GROUPS:
                    raise ApiError(
                        f"groupBy: {len(rows):,} groups at the level {level}, more than {MAX_GROUPS:,}: "
                        "narrow `where` or group at a higher level"
                    )
                ids = [r.place for r in rows if r.place is not None]
                places = await ctx.call(ctx.store.get_nodes, level, ids) if ids else {}
                for row in rows:
                    place = places.get(row.place) if row.place is not None else None
                    obj = self.objects.to_object(place, ctx) if place is not None else None
                    groups.append(group(place=obj, count=row.count, **ranges(row, dates)))
            return aggregate(count=total.count, groups=groups, **ranges(total, dates))

        params = [
            Parameter("info", Parameter.KEYWORD_ONLY, annotation=Info),
            Parameter(
                "where", Parameter.KEYWORD_ONLY, annotation=self.inputs.where[label] | None, default=None
            ),
            Parameter("group_by", Parameter.KEYWORD_ONLY, annotation=self.levels | None, default=None),
        ]
        resolve.__signature__ = Signature(params, return_annotation=aggregate)  # type: ignore[attr-defined]
        return strawberry.field(
            resolver=resolve,
            description=f"How many {label} nodes match `where` (and date ranges), optionally per place.",
        )


def build_query(schema: Schema, objects: NodeObjects) -> type:
    names = [f(n.name) for n in schema.node_types for f in (lookup_name, list_name)]
    names += [f"{list_name(n.name)}Aggregate" for n in schema.node_types]
    if "stats" in names or len(set(names)) != len(names):
        raise GraphQLSchemaConflict(f"root query fields clash: {sorted(names)} (and stats)")
    searches = SearchFields(schema, objects).namespace()
    clashes = sorted(set(searches) & set(names))
    if clashes:
        raise GraphQLSchemaConflict(f"root query fields clash: {clashes}")
    # DecisionQueries: the bulk decision's preview (hub/api/graphql/decision_mutations.py);
    # ReviewQueries: the steward's queue, counts and decisions (hub/api/graphql/review_queries.py).
    query = type(
        "Query",
        (StatsQuery, DecisionQueries, ReviewQueries),
        {**RootFields(schema, objects).namespace(), **searches},
    )
    return strawberry.type(query, name="Query")


__all__ = ["DEFAULT_FIRST", "DateRange", "StatsQuery", "TypeCount", "build_query"]
