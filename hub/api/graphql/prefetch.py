"""A request's relationships read ahead, in the store call that finds its root nodes.

A root field that finds nodes (a lookup, a root list, a search's hits) first looks at the
selection below it: every relationship field selected under those nodes, with its arguments
converted as its resolver will get them, becomes a :class:`PageSpec`, nested as the selection
nests. The store returns the root nodes together with those pages (hub/store/page_trees.py:
Neo4j in one Cypher query, as Neo4j's GraphQL library compiles a request; the embedded store
level by level inside one call), and each page is primed into the loader its field will ask
(the key is the field's own :class:`PageRequest`), so the fields below resolve without a
round trip: on Neo4j the person 360° is one query instead of five in three dependent levels.
A relationship's aggregate (``licensesAggregate``) is read ahead the same way, as figures.

What the planner cannot say exactly as the resolver will ask it (a field of an interface or
union, fragment arguments, a field whose checks refuse the caller) is left out, and its
resolver reads it as before. Nothing read ahead reaches the response unless its field's
resolver asks for it, after its own checks; priming only saves the round trip.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from graphql import GraphQLObjectType, GraphQLOutputType, get_named_type
from graphql.execution.collect_fields import FieldDetails, FieldDetailsList

from hub.api.context import Info, RequestContext
from hub.api.errors import ApiError
from hub.api.graphql.objects import NodeObjects, PageRequest
from hub.store import Node
from hub.store.query import Condition, PageSpec, PlaceCount, RelatedPage, SortKey, TreeLevel

# Relationships deep one read ahead goes (the person 360°: 2; a street's grids' buildings: 3).
MAX_LEVELS = 6
# Plain fields (no resolver, no arguments) walked from a root field's type to its nodes: a
# connection's `nodes`, or its `edges` then `node`.
MAX_WRAPPERS = 2

_Tree = tuple[PageSpec, list[PageRequest]]


class Prefetch:
    def __init__(self, objects: NodeObjects) -> None:
        self.objects = objects

    async def find(
        self,
        ctx: RequestContext,
        info: Info,
        label: str,
        where: Condition | None,
        order: Sequence[SortKey],
        skip: int,
        limit: int,
        fields: Collection[str] | None,
        count_when_full: bool = False,
    ) -> tuple[list[Node], int | None]:
        """``store.find``, with the relationships selected below the nodes read in the same
        query where the store can, and primed for their fields; with ``count_when_full``, also
        the count of every match when the page is full (else None), in the same call."""
        trees = self.plan(ctx, info)
        if not trees and not (count_when_full and ctx.store.reads_ahead):
            found: list[Node] = await ctx.call(
                ctx.store.find, label, where, order, skip, limit, fields=fields
            )
            return found, None
        specs = [spec for spec, _ in trees]
        found, levels, total = await ctx.call(
            ctx.store.find_below,
            label,
            where,
            order,
            skip,
            limit,
            fields,
            specs,
            count_when_full=count_when_full,
        )
        self._prime(ctx, [r for _, requests in trees for r in requests], levels)
        return found, total

    def plan(self, ctx: RequestContext, info: Info) -> list[_Tree]:
        """The trees of pages selected below the nodes ``info``'s field returns (empty where the
        store does not read ahead, or the execution is not the hub's)."""
        selections = ctx.selections
        if selections is None or not ctx.store.reads_ahead:
            return []
        raw = info._raw_info
        details: FieldDetailsList = [FieldDetails(node, None) for node in raw.field_nodes]
        trees: list[_Tree] = []
        for node_type, node_details in self._node_selections(selections, raw.return_type, details, 0):
            trees += self._trees(ctx, selections, node_type, node_details, 1)
        return _distinct(trees)

    def _node_selections(
        self, selections: Any, type_: GraphQLOutputType, details: FieldDetailsList, wrappers: int
    ) -> list[tuple[GraphQLObjectType, FieldDetailsList]]:
        """Where the selection ``details`` of a field of type ``type_`` reaches node types: the
        field itself, or its plain fields (a connection's ``nodes``, ``edges`` → ``node``)."""
        named = get_named_type(type_)
        if not isinstance(named, GraphQLObjectType):
            return []  # an interface or union: which type a node is, is known only per node
        if named.name in self.objects.classes:
            return [(named, details)]
        if wrappers >= MAX_WRAPPERS:
            return []
        found: list[tuple[GraphQLObjectType, FieldDetailsList]] = []
        for sub in selections.subfields(named, details).values():
            field_def = named.fields.get(sub[0].node.name.value)
            if field_def is None or field_def.args or not getattr(field_def.resolve, "_is_default", False):
                continue
            found += self._node_selections(selections, field_def.type, sub, wrappers + 1)
        return found

    def _trees(
        self,
        ctx: RequestContext,
        selections: Any,
        node_type: GraphQLObjectType,
        details: FieldDetailsList,
        level: int,
    ) -> list[_Tree]:
        """One tree per relationship field selected of ``node_type`` (with the trees below it)."""
        label = node_type.name
        trees: list[_Tree] = []
        for sub in selections.subfields(node_type, details).values():
            first = sub[0]
            if first.fragment_variable_values is not None:
                continue
            name = first.node.name.value
            arguments = selections.field_arguments(node_type, first.node)
            if arguments is None:
                continue
            try:
                request = self.objects.request_for(ctx, label, name, arguments)
            except ApiError:  # its resolver raises it again, at its place in the response
                continue
            if request is None:
                continue
            below: list[_Tree] = []
            far = request.spec.far_label
            if far is not None and level < MAX_LEVELS and request.spec.summary is None:
                field_type = node_type.fields[name].type
                for far_type, far_details in self._node_selections(selections, field_type, sub, 0):
                    if far_type.name == far:
                        below += self._trees(ctx, selections, far_type, far_details, level + 1)
            below = _distinct(below)
            spec = replace(request.spec, below=tuple(spec for spec, _ in below))
            trees.append((spec, [request, *(r for _, requests in below for r in requests)]))
        return trees

    def _prime(self, ctx: RequestContext, requests: list[PageRequest], levels: list[TreeLevel]) -> None:
        """Each page read ahead into the loader its field will ask (``requests`` and ``levels``
        are both in the trees' pre-order)."""
        for request, found in zip(requests, levels, strict=True):
            if request.spec.summary is not None:
                figures = {k: v for k, v in found.items() if isinstance(v, PlaceCount)}
                self.objects.summary_loader(ctx, request).prime_many(figures)
            else:
                pages = {k: v for k, v in found.items() if isinstance(v, RelatedPage)}
                self.objects.page_loader(ctx, request).prime_many(pages)


def _distinct(trees: list[_Tree]) -> list[_Tree]:
    """One tree per spec: a field selected twice alike (aliases, fragments) is read once."""
    seen: set[PageSpec] = set()
    kept: list[_Tree] = []
    for tree in trees:
        if tree[0] not in seen:
            seen.add(tree[0])
            kept.append(tree)
    return kept
