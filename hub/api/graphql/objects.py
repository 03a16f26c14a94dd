"""GraphQL object types derived from the model, one per node type, with their relationships.

Each node type becomes an object type of the same name with ``id: ID!``, one nullable field per
declared property (camelCase), computed fields (``age``), and one field per relationship end:
an object for a single-valued end (an address's ``building``), a Relay connection for the
others (``addresses(where, sort, first, after) { totalCount pageInfo edges { node records } }``)
— a list is never cut off silently: ``totalCount`` and ``pageInfo`` say what else there is.
Beside each connection to one type, ``licensesAggregate(where)`` counts the neighbours that match
and gives the range of each of their dates (summaries.py), without listing them.

Relationships with several possible far types (FROM_RECORD from every entity, ABOUT to every
entity) return the ``GraphNode`` interface, which every generated type implements.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from inspect import Parameter, Signature
from typing import Any, TypeVar, cast

import strawberry
from strawberry.dataloader import DataLoader

from graph_schema import LINEAGE, NodeType, PropertyDef, PropertyType, Schema
from hub.api.context import Info, RequestContext
from hub.api.errors import DATA_INTEGRITY, FORBIDDEN, ApiError, GraphQLSchemaConflict
from hub.api.graphql.cursors import decode_cursor, encode_cursor
from hub.api.graphql.execution import direct
from hub.api.graphql.filters import WhereInputs
from hub.api.graphql.guard import check_condition, check_sort
from hub.api.graphql.lineage import merged_ids_field, value_lineage_field, versions_field
from hub.api.graphql.names import graphql_field, pascal
from hub.api.graphql.relationships import RelationshipEnd, relationship_ends
from hub.api.graphql.summaries import asked_dates, ranges, summary_type
from hub.api.masking import mask_pii
from hub.redact import redact_value
from hub.store import Node
from hub.store.implied import without_implied
from hub.store.query import (
    AllOf,
    AnyOf,
    ChainHop,
    Condition,
    CountOf,
    Not,
    PageSpec,
    PlaceCount,
    Related,
    RelatedPage,
    SortKey,
    restriction,
)

_Loaded = TypeVar("_Loaded")
_Made = TypeVar("_Made")

ID_FIELD = "id"
DEFAULT_FIRST = 100
MAX_FIRST = 1_000
REDIRECT_FIELD = "redirectedFrom"
# Longest walk along single-valued relationships read in one query (address → … → street: 4).
MAX_CHAIN = 5


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page of a relationship end as a request reads it for each parent: the end, and the
    store's arguments. ``key`` names the request's loader of such pages."""

    owner: str
    end: RelationshipEnd
    spec: PageSpec

    @property
    def key(self) -> tuple[str, str, PageSpec]:
        return ("rel", self.owner, self.spec)


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


@strawberry.type(description="Where a page is in its list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def page_info(skip: int, shown: int, more: bool) -> PageInfo:
    return PageInfo(
        has_next_page=more,
        has_previous_page=skip > 0,
        start_cursor=encode_cursor(skip) if shown else None,
        end_cursor=encode_cursor(skip + shown - 1) if shown else None,
    )


def check_first(field: str, first: int) -> int:
    if not 0 <= first <= MAX_FIRST:
        raise ApiError(f"{field}: first must be between 0 and {MAX_FIRST}, got {first}")
    return first


def age_on(born: dt.date, today: dt.date) -> int:
    """Whole years from ``born`` to ``today``."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_readable(ctx: RequestContext, labels: Sequence[str]) -> None:
    denied = [label for label in labels if not ctx.principal.can_read(label)]
    if denied:
        raise ApiError(
            f"reading {', '.join(denied)} needs the scope read or read:{denied[0]}", code=FORBIDDEN
        )


def _source_row(value: Any, ctx: RequestContext) -> str | None:
    """A source's row as a caller may see it (see ``PropertyDef.source_row``): whole with the pii
    scope; without it, with whatever looks like an identity or a mobile number masked wherever
    it stands (the columns differ per source), still JSON; not at all for a restricted caller."""
    if value is None or ctx.principal.restricted:
        return None
    text = str(value)
    if ctx.can_read_pii:
        return text
    try:
        return json.dumps(redact_value(json.loads(text)), ensure_ascii=False)
    except ValueError:  # not JSON (a row written before rows were): its text, masked
        return str(redact_value(text))


def check_placeable(ctx: RequestContext, label: str) -> None:
    """A caller restricted to some streets or communities sees only what is placed there; a type
    that cannot be placed there (source records, their raw rows) it reaches only from the
    entities it sees (a person's ``sourceRecords``), never by a list, lookup or count of all."""
    node = ctx.schema.node(label)
    if ctx.principal.restricted and node.kind == "system" and ctx.schema.place_path(label) is None:
        raise ApiError(
            f"{label} cannot be placed in streets or communities: a caller restricted to some reaches "
            f"{label} only through the entities it sees (their sourceRecords), not by itself",
            code=FORBIDDEN,
        )


def restricted(ctx: RequestContext, label: str, condition: Condition | None) -> Condition | None:
    """``condition``, narrowed to the caller's streets / communities when it has a restriction."""
    principal = ctx.principal
    if not principal.restricted:
        return condition
    levels = ctx.schema.roles.address_levels
    places: dict[str, frozenset[str]] = {}
    if principal.streets is not None:
        places[levels[-1]] = principal.streets
    if principal.communities is not None:
        places[levels[-2]] = principal.communities
    condition = None if condition is None else _within_places(ctx, condition)
    limit = restriction(ctx.schema, label, places)
    if limit is not None:
        condition = limit if condition is None else AllOf((condition, limit))
    # The place tests repeat one another along a walk (a resident of an address in the street
    # is in the street): the store runs each that is left once per row.
    return None if condition is None else without_implied(condition)


def _within_places(ctx: RequestContext, condition: Condition) -> Condition:
    """``condition`` with every test of neighbours narrowed to the caller's places, as its
    relationship fields list and count them: ``addresses: {some: …}`` looks only among the
    addresses the caller could list, ``residentsAggregate: {count: …}`` counts only those it
    could count. Otherwise a filter would tell a restricted caller what its lists hide (that a
    resident of its street also lives at an address in another one)."""
    match condition:
        case CountOf(rel, outgoing, far, tests, inner):
            return CountOf(rel, outgoing, far, tests, restricted(ctx, far, inner))
        case Related(rel, outgoing, far, quantifier, inner, among) if far is not None:
            narrowed = None if inner is None else _within_places(ctx, inner)
            limit = restricted(ctx, far, None)
            if among is not None:
                limit = among if limit is None else AllOf((among, limit))
            return Related(rel, outgoing, far, quantifier, narrowed, limit)
        case AllOf(parts):
            return AllOf(tuple(_within_places(ctx, p) for p in parts))
        case AnyOf(parts):
            return AnyOf(tuple(_within_places(ctx, p) for p in parts))
        case Not(part):
            return Not(_within_places(ctx, part))
    return condition


def _check_restricted_end(ctx: RequestContext, owner: str, end: RelationshipEnd) -> None:
    """A relationship that may reach several types cannot carry one restriction condition; a
    caller restricted to some streets may not follow it (a task's subject elsewhere)."""
    if ctx.principal.restricted and end.far_label is None:
        raise ApiError(
            f"{owner}.{end.field} may reach several types and cannot be restricted to streets or "
            "communities: a restricted caller may not follow it",
            code=FORBIDDEN,
        )


def _bare_class(node: NodeType) -> type[GraphNode]:
    """The node type's class with its properties; relationship fields come later."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    for prop in node.properties:
        # Nullable: a node lacks whatever no source has told us yet.
        annotations[prop.name] = python_type(prop) | None
        namespace[prop.name] = strawberry.field(
            default=None, description=describe(prop.title, prop.description)
        )
    annotations["redirected_from"] = strawberry.ID | None
    namespace["redirected_from"] = strawberry.field(
        default=None,
        name=REDIRECT_FIELD,
        description="Set when this node was looked up by an id that was merged into it: that id.",
    )
    return cast(type[GraphNode], type(node.name, (GraphNode,), namespace))


def _age_field(prop: PropertyDef) -> Any:
    def resolve(root: Any, info: Info) -> int | None:
        born = getattr(root, prop.name)
        return None if born is None else age_on(born, info.context.today)

    return strawberry.field(
        resolver=resolve, description=f"Whole years since {graphql_field(prop.name)} (today)."
    )


def check_field_names(node: NodeType, ends: list[RelationshipEnd], extra: Sequence[str] = ()) -> None:
    """Two fields of one type must not end up with one GraphQL name (after camelCase)."""
    names = [ID_FIELD, REDIRECT_FIELD, *(graphql_field(p) for p in node.property_names)]
    names += [p.age_field for p in node.properties if p.age_field]
    names += [e.field for e in ends]
    names += [*extra, *(["valueLineage"] if node.resolver else [])]
    clashes = sorted(name for name, n in Counter(names).items() if n > 1)
    if clashes:
        raise GraphQLSchemaConflict(f"GraphQL type {node.name}: more than one field named {clashes}")


def after_load(loader: DataLoader[str, _Loaded], key: str, then: Callable[[_Loaded], Any]) -> Any:
    """``then`` of the page (or figures) ``loader`` gives for ``key``: at once when the loader holds it
    already (read ahead with the root nodes, or loaded for another parent), else a coroutine
    that loads it first. A page read ahead so costs the executor no coroutine, task and
    event-loop turn per parent: the person 360° resolves some twenty relationship fields."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return then(future.result())

    async def loaded() -> Any:
        return then(await loader.load(key))

    return loaded()


def per_request(
    ctx: RequestContext, key: Hashable, inputs: tuple[Any, ...], make: Callable[[], _Made]
) -> _Made:
    """``make()``, once per request for ``key``. A relationship field is resolved once per
    parent with the same argument objects (the execution context converts them once per request
    and node, execution.py), so what is derived from them (the checks passed, the store's
    arguments, the loader) is the same for every parent too. ``key`` may hold the ids of
    ``inputs``; the entry keeps the objects, so an id is never another object's. A check that
    fails raises every time, as before: only a value is kept."""
    found = ctx.converted_inputs.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], inputs, strict=True)):
        return cast(_Made, found[1])
    made = make()
    ctx.converted_inputs[key] = (inputs, made)
    return made


def _field_needs(node: NodeType) -> dict[str, frozenset[str] | None]:
    """What reading each field of ``node``'s type needs of the stored node. A field not named
    here (value lineage compares with the whole node) reads the whole node."""
    needs: dict[str, frozenset[str] | None] = {ID_FIELD: frozenset(), REDIRECT_FIELD: frozenset()}
    for prop in node.properties:
        needs[graphql_field(prop.name)] = frozenset({prop.name})
        if prop.age_field:
            needs[prop.age_field] = frozenset({prop.name})
    return needs


class NodeObjects:
    """The generated GraphQL classes by label, and the conversion of store nodes into them."""

    def __init__(self, schema: Schema, inputs: WhereInputs) -> None:
        self.schema = schema
        self.inputs = inputs
        self.classes: dict[str, type[GraphNode]] = {n.name: _bare_class(n) for n in schema.node_types}
        # The figures of a relationship's neighbours (`licensesAggregate`), by their type.
        self.summaries = {n.name: summary_type(n) for n in schema.node_types}
        self._pii = {n.name: frozenset(p.name for p in n.properties if p.pii) for n in schema.node_types}
        self._rows = {
            n.name: frozenset(p.name for p in n.properties if p.source_row) for n in schema.node_types
        }
        self.audited = frozenset(label for label, pii in self._pii.items() if pii)
        self.root_connections: dict[str, type] = {}
        self._ends: dict[str, list[RelationshipEnd]] = {}
        self._end_by_field: dict[str, dict[str, RelationshipEnd]] = {}
        self._aggregate_by_field: dict[str, dict[str, RelationshipEnd]] = {}
        # The connection class of each to-many end, by (owner type, field).
        self.connections: dict[tuple[str, str], type] = {}
        # Per type, what each GraphQL field needs read from the store: its property, the date
        # an age is computed from, nothing (id, relationships), or None for the whole node.
        self._needs: dict[str, dict[str, frozenset[str] | None]] = {
            n.name: _field_needs(n) for n in schema.node_types
        }
        # Fields are added once every class exists, so that Person.addresses may return
        # Address while Address.residents returns Person; strawberry resolves the annotations
        # when the schema is built, after every class below is decorated.
        for node in schema.node_types:
            cls = self.classes[node.name]
            for prop in node.properties:
                if prop.age_field:
                    setattr(cls, prop.age_field, _age_field(prop))
            ends = self._ends[node.name] = relationship_ends(schema, node.name)
            self._end_by_field[node.name] = {e.field: e for e in ends}
            self._aggregate_by_field[node.name] = {e.aggregate_field: e for e in ends if e.has_aggregate}
            extra = [e.aggregate_field for e in ends if e.has_aggregate]
            extra += ["versions"] if node.name == schema.roles.source_record else []
            check_field_names(node, ends, extra)
            for end in ends:
                setattr(cls, end.field, self._relationship_field(node.name, end))
                self._needs[node.name][end.field] = frozenset()  # resolved from the id
                if end.has_aggregate:
                    setattr(cls, end.aggregate_field, self._aggregate_field(node.name, end))
                    self._needs[node.name][end.aggregate_field] = frozenset()
            if node.resolver is not None:
                cls.value_lineage = value_lineage_field(schema, node.name)  # type: ignore[attr-defined]
                cls.merged_ids = merged_ids_field()  # type: ignore[attr-defined]
                self._needs[node.name]["mergedIds"] = frozenset()  # read by the id
            if node.name == schema.roles.source_record:
                version_cls = self.classes[schema.roles.record_version]
                cls.versions = versions_field(schema, version_cls, self.to_object)  # type: ignore[attr-defined]
                self._needs[node.name]["versions"] = frozenset()
        for node in schema.node_types:
            strawberry.type(
                self.classes[node.name], name=node.name, description=describe(node.title, node.description)
            )
        for node in schema.node_types:
            self.root_connections[node.name] = self._connection_class(
                f"{node.name}Connection", f"{node.name}Edge", self.classes[node.name], None
            )

    # -- conversion ---------------------------------------------------------------------------

    def fields_for(self, ctx: RequestContext, label: str | None) -> frozenset[str] | None:
        """The properties of ``label`` this request's query selects anywhere (the union over
        every place the type appears; None: read whole nodes — the selection is unknown, or a
        field needs the whole node)."""
        if label is None or not ctx.selected_fields:
            return None
        needs = self._needs[label]
        wanted: set[str] = set()
        for field_name in ctx.selected_fields.get(label, ()):
            props = needs.get(field_name)
            if props is None:
                return None
            wanted |= props
        return frozenset(wanted)

    def returns(self, labels: Sequence[str]) -> type:
        return self.classes[labels[0]] if len(labels) == 1 else GraphNode

    def to_object(self, node: Node, ctx: RequestContext, redirected_from: str | None = None) -> GraphNode:
        """``node`` as its GraphQL type, PII masked unless the caller has the pii scope."""
        hidden = frozenset() if ctx.can_read_pii else self._pii[node.label]
        values = {
            name: value if name not in hidden else mask_pii(value) if isinstance(value, str) else None
            for name, value in node.properties.items()
        }
        rows = self._rows[node.label]
        for name in rows & values.keys():
            values[name] = _source_row(node.properties[name], ctx)
        if node.label in self.audited:
            ctx.returned[node.label].add(node.id)
        make: Any = self.classes[node.label]  # its keyword arguments are the node type's properties
        obj = make(id=strawberry.ID(node.id), redirected_from=redirected_from, **values)
        obj._node = node  # unmasked, for fields that compare with it (value lineage)
        return cast(GraphNode, obj)

    # -- connections --------------------------------------------------------------------------

    def _connection_class(
        self, name: str, edge_name: str, node_cls: type, end: RelationshipEnd | None
    ) -> type:
        edge_annotations: dict[str, Any] = {"cursor": str, "node": node_cls}
        edge_ns: dict[str, Any] = {"__annotations__": edge_annotations, "__module__": __name__}
        if end is not None:
            for prop in end.rel.properties:
                if prop.name == LINEAGE:
                    edge_annotations["records"] = list[strawberry.ID]
                    edge_ns["records"] = strawberry.field(
                        description="The source records (source:record_id) that assert this relationship."
                    )
                    edge_ns["asserted_by"] = strawberry.field(
                        resolver=self._asserted_by_resolver(),
                        description="The source records that assert this relationship, as nodes.",
                    )
                else:
                    edge_annotations[prop.name] = python_type(prop) | None
                    edge_ns[prop.name] = strawberry.field(
                        default=None, description=describe(prop.title, prop.description)
                    )
        edge = strawberry.type(type(edge_name, (), edge_ns), name=edge_name)

        def total_count(root: Any) -> int | Awaitable[int]:
            # A number (a relationship's page knows its total: returned as is, no coroutine
            # for the executor to schedule), or a coroutine function that counts on demand.
            total = root._total
            return total if isinstance(total, int) else cast(Awaitable[int], total())

        total_count.__annotations__["return"] = int  # the GraphQL type, awaited or not

        conn_ns: dict[str, Any] = {
            "__module__": __name__,
            "__annotations__": {"page_info": PageInfo, "edges": list[edge], "nodes": list[node_cls]},  # type: ignore[valid-type]
            "total_count": strawberry.field(
                resolver=total_count, description="How many match in all (every page together)."
            ),
            "page_info": strawberry.field(description="Whether there are pages before and after this one."),
            "edges": strawberry.field(description="The page, with a cursor per item."),
            "nodes": strawberry.field(description="The page's nodes (the edges' nodes)."),
        }
        conn = strawberry.type(type(name, (), conn_ns), name=name)
        conn._edge = edge  # type: ignore[attr-defined]
        return conn

    @staticmethod
    def wants_edges(ctx: RequestContext, conn: type) -> bool:
        """Whether this request selects ``edges`` of connection type ``conn`` anywhere (or the
        selection is unknown): a page of a thousand nodes asked for as ``nodes`` alone need not
        build a thousand edges with their cursors."""
        if not ctx.selected_fields:
            return True
        name = conn.__strawberry_definition__.name  # type: ignore[attr-defined]
        return "edges" in ctx.selected_fields.get(name, ())

    @staticmethod
    def wants_total(ctx: RequestContext, conn: type) -> bool:
        """Whether this request selects ``totalCount`` of connection type ``conn`` (False when
        the selection is unknown: then it is counted when asked, as before)."""
        name = conn.__strawberry_definition__.name  # type: ignore[attr-defined]
        return "totalCount" in ctx.selected_fields.get(name, ())

    @staticmethod
    def wants_records(ctx: RequestContext, conn: type) -> bool:
        """Whether this request selects the asserting records (``records`` or ``assertedBy``)
        of the edges of connection type ``conn`` anywhere (or the selection is unknown):
        reading them is a lookup per edge (ladybug keeps them beside the graph)."""
        if not ctx.selected_fields:
            return True
        name = conn._edge.__strawberry_definition__.name  # type: ignore[attr-defined]
        return bool({"records", "assertedBy"} & ctx.selected_fields.get(name, set()))

    def make_connection(
        self,
        cls: type,
        edges: list[Any],
        nodes: list[Any],
        skip: int,
        more: bool,
        total: Any,
        info: PageInfo | None = None,
    ) -> Any:
        """A connection of ``nodes``; ``info``: its page info when not that of an offset page."""
        conn = cls(page_info=info or page_info(skip, len(nodes), more), edges=edges, nodes=nodes)
        conn._total = total
        return conn

    def _asserted_by_resolver(self) -> Any:
        label = self.schema.roles.source_record

        async def asserted_by(root: Any, info: Info) -> list[Any]:
            ctx = info.context
            check_readable(ctx, [label])
            loader = ctx.loader(("nodes", label), lambda ids: self._load_nodes(ctx, label, ids))
            nodes = await loader.load_many(list(root.records))
            return [self.to_object(n, ctx) for n in nodes if n is not None]

        asserted_by.__annotations__["return"] = list[self.classes[label]]  # type: ignore[name-defined]
        return asserted_by

    async def _load_nodes(self, ctx: RequestContext, label: str, ids: list[str]) -> list[Node | None]:
        found = await ctx.call(ctx.store.get_nodes, label, ids)
        return [found.get(i) for i in ids]

    # -- relationship fields ------------------------------------------------------------------

    def _relationship_field(self, owner: str, end: RelationshipEnd) -> Any:
        returns = self.returns(end.far_labels)
        if end.single:
            return self._single_field(owner, end, returns)
        conn = self._connection_class(
            f"{owner}{pascal(end.field)}Connection", f"{owner}{pascal(end.field)}Edge", returns, end
        )
        self.connections[(owner, end.field)] = conn
        return self._many_field(owner, end, conn)

    def page_request(
        self,
        ctx: RequestContext,
        owner: str,
        end: RelationshipEnd,
        where: Condition | None,
        order: tuple[SortKey, ...],
        skip: int,
        limit: int,
        lineage: bool = False,
    ) -> PageRequest:
        """What reading one page of ``end`` means in this request: the caller's restriction
        added, the properties the request shows of the far type."""
        far = end.far_label
        where = restricted(ctx, far, where) if far else where
        spec = PageSpec(
            end.rel.name, end.outgoing, far, where, order, skip, limit, lineage, self.fields_for(ctx, far)
        )
        return PageRequest(owner, end, spec)

    def page_loader(self, ctx: RequestContext, request: PageRequest) -> DataLoader[str, RelatedPage]:
        """The request's loader of ``request``'s pages, by the id of the node they are under:
        every parent asking in one tick shares one store query; a tree read ahead
        (prefetch.py) primes it."""
        owner, end, spec = request.owner, request.end, request.spec
        chain = (
            self._chain(ctx, owner, end) if spec.where is None and not spec.order and not spec.skip else []
        )
        if len(chain) > 1:
            return ctx.loader(request.key, self._chain_loader(ctx, chain))

        async def load(ids: list[str]) -> list[RelatedPage]:
            pages = await ctx.call(ctx.store.related, owner, ids, spec.rel_type, **spec.related_options())
            return [pages[i] for i in ids]

        return ctx.loader(request.key, load)

    def _chain(
        self, ctx: RequestContext, owner: str, end: RelationshipEnd
    ) -> list[tuple[str, RelationshipEnd]]:
        """The single-valued ends this request walks on from ``end`` (an address's building,
        then its grid, community, street), when the store reads such a walk faster in one query
        than hop by hop; empty when it does not, or the walk would need a restriction."""
        if not (end.single and end.far_label and ctx.store.chains_in_one_query) or ctx.principal.restricted:
            return []
        hops = [(owner, end)]
        label = end.far_label
        while len(hops) < MAX_CHAIN:
            selected = ctx.selected_fields.get(label, set())
            onward = [e for e in self._ends[label] if e.single and e.far_label and e.field in selected]
            # A walk that comes back to an end (a mother's mother…) stops: the selection is a
            # union over the whole request and does not say how deep such a walk goes.
            if len(onward) != 1 or any(e is onward[0] for _, e in hops):
                break
            hops.append((label, onward[0]))
            label = str(onward[0].far_label)
        return hops

    def _chain_loader(
        self, ctx: RequestContext, chain: list[tuple[str, RelationshipEnd]]
    ) -> Callable[[list[str]], Awaitable[list[RelatedPage]]]:
        """Loads the first hop's pages and primes the loaders of the next hops with theirs, under
        the keys their own fields will ask with: they then find them without a round trip."""
        owner = chain[0][0]
        hops = [
            ChainHop(end.rel.name, end.outgoing, str(end.far_label), self.fields_for(ctx, end.far_label))
            for _, end in chain
        ]
        empty = RelatedPage(total=0, edges=[])

        async def load(ids: list[str]) -> list[RelatedPage]:
            levels = await ctx.call(ctx.store.single_chain, owner, ids, hops)
            for (near, end), hop, pages in list(zip(chain, hops, levels, strict=True))[1:]:
                spec = PageSpec(end.rel.name, end.outgoing, end.far_label, limit=2, fields=hop.fields)
                key = PageRequest(near, end, spec).key
                ctx.loader(key, self._chain_loader(ctx, self._chain(ctx, near, end))).prime_many(pages)
            return [levels[0].get(i, empty) for i in ids]

        return load

    def _condition(self, ctx: RequestContext, label: str, where: Any) -> Condition | None:
        """The store condition of a relationship field's ``where``. The input object is the same
        one for every parent within a request (the execution context converts a direct field's
        arguments once, execution.py), so its condition is translated once too, keyed by the
        object (kept in the entry)."""
        if where is None:
            return None
        key = ("condition", label, id(where))
        found = ctx.converted_inputs.get(key)
        if found is not None and found[0] is where:
            return cast(Condition | None, found[1])
        condition = self.inputs.condition(label, where, ctx.today)
        ctx.converted_inputs[key] = (where, condition)
        return condition

    def single_request(self, ctx: RequestContext, owner: str, end: RelationshipEnd) -> PageRequest:
        """The page a single-valued end reads (two: a second one is a breach to report),
        after the checks its field makes."""
        check_readable(ctx, end.far_labels)
        _check_restricted_end(ctx, owner, end)
        return self.page_request(ctx, owner, end, None, (), 0, 2)

    def many_request(
        self,
        ctx: RequestContext,
        owner: str,
        end: RelationshipEnd,
        where: Any,
        sort: list[Any] | None,
        first: int,
        after: str | None,
    ) -> PageRequest:
        """The page a to-many end's arguments ask for, after the checks its field makes."""
        far = end.far_label
        check_readable(ctx, end.far_labels)
        _check_restricted_end(ctx, owner, end)
        check_first(end.field, first)
        skip = decode_cursor(after)
        condition = self._condition(ctx, far, where) if far else None
        order = self.inputs.sort_keys(far, sort) if far else ()
        if far:
            check_condition(ctx, far, condition)
            check_sort(ctx, far, order)
        conn = self.connections[(owner, end.field)]
        # The records asserting each edge are read only when the request shows them.
        lineage = end.rel.has_lineage and self.wants_edges(ctx, conn) and self.wants_records(ctx, conn)
        return self.page_request(ctx, owner, end, condition, tuple(order), skip, first, lineage)

    def request_for(
        self, ctx: RequestContext, owner: str, field: str, arguments: dict[str, Any]
    ) -> PageRequest | None:
        """The page a relationship field of ``owner`` reads with these (converted) arguments, as
        its resolver will ask for it (for an aggregate field, its figures: a summary spec);
        None when ``field`` is neither. Raises what the resolver would raise."""
        end = self._end_by_field[owner].get(field)
        if end is None:
            counted = self._aggregate_by_field[owner].get(field)
            return (
                None
                if counted is None
                else self.aggregate_request(ctx, owner, counted, arguments.get("where"))
            )
        if end.single:
            return self.single_request(ctx, owner, end)
        return self.many_request(
            ctx,
            owner,
            end,
            arguments.get("where"),
            arguments.get("sort"),
            arguments.get("first", DEFAULT_FIRST),
            arguments.get("after"),
        )

    def _single_field(self, owner: str, end: RelationshipEnd, returns: type) -> Any:
        def single(ctx: RequestContext, root: Any, page: RelatedPage) -> Any:
            if page.total > 1:
                ids = ", ".join(e.node.id for e in page.edges)
                raise ApiError(
                    f"{owner} {root.id}: {end.field} is declared single-valued ({end.rel.cardinality}) "
                    f"but {page.total} {end.rel.name} relationships exist ({ids}…)",
                    code=DATA_INTEGRITY,
                )
            return self.to_object(page.edges[0].node, ctx) if page.edges else None

        def loader(ctx: RequestContext) -> DataLoader[str, RelatedPage]:
            return self.page_loader(ctx, self.single_request(ctx, owner, end))

        def resolve(root: Any, info: Info) -> Any:
            ctx = info.context
            pages = per_request(ctx, ("single", owner, end.field), (), lambda: loader(ctx))
            return after_load(pages, str(root.id), lambda page: single(ctx, root, page))

        resolve.__annotations__["return"] = returns | None
        # Resolved once per parent: called directly by the execution context (execution.py).
        return strawberry.field(resolver=direct(resolve), description=end.rel.description or None)

    def _many_field(self, owner: str, end: RelationshipEnd, conn: type) -> Any:
        far = end.far_label
        edge_props = [p.name for p in end.rel.properties if p.name != LINEAGE]

        def resolve(
            root: Any,
            info: Info,
            where: Any = None,
            sort: list[Any] | None = None,
            first: int = DEFAULT_FIRST,
            after: str | None = None,
        ) -> Any:
            ctx = info.context

            def loader() -> tuple[int, DataLoader[str, RelatedPage]]:
                request = self.many_request(ctx, owner, end, where, sort, first, after)
                return request.spec.skip, self.page_loader(ctx, request)

            key = ("many", owner, end.field, id(where), id(sort), first, after)
            skip, pages = per_request(ctx, key, (where, sort), loader)
            return after_load(pages, str(root.id), lambda page: connection(ctx, page, skip))

        def connection(ctx: RequestContext, page: RelatedPage, skip: int) -> Any:
            with_edges = self.wants_edges(ctx, conn)
            edge_cls: Any = conn._edge  # type: ignore[attr-defined]
            nodes, edges = [], []
            for i, edge in enumerate(page.edges):
                node = self.to_object(edge.node, ctx)
                nodes.append(node)
                if not with_edges:
                    continue
                extra = {p: edge.properties.get(p) for p in edge_props}
                if end.rel.has_lineage:
                    extra["records"] = [strawberry.ID(r) for r in edge.properties.get(LINEAGE) or ()]
                edges.append(edge_cls(cursor=encode_cursor(skip + i), node=node, **extra))
            return self.make_connection(conn, edges, nodes, skip, skip + len(nodes) < page.total, page.total)

        params = [
            Parameter("root", Parameter.POSITIONAL_OR_KEYWORD),
            Parameter("info", Parameter.KEYWORD_ONLY, annotation=Info),
        ]
        if far:
            where_cls = self.inputs.where[far]
            sort_cls = self.inputs.sorts[far]
            params += [
                Parameter("where", Parameter.KEYWORD_ONLY, annotation=where_cls | None, default=None),
                Parameter("sort", Parameter.KEYWORD_ONLY, annotation=list[sort_cls] | None, default=None),  # type: ignore[valid-type]
            ]
        params += [
            Parameter("first", Parameter.KEYWORD_ONLY, annotation=int, default=DEFAULT_FIRST),
            Parameter("after", Parameter.KEYWORD_ONLY, annotation=str | None, default=None),
        ]
        resolve.__signature__ = Signature(params, return_annotation=conn)  # type: ignore[attr-defined]
        # Resolved once per parent: called directly by the execution context (execution.py).
        return strawberry.field(resolver=direct(resolve), description=end.rel.description or None)

    def aggregate_request(
        self, ctx: RequestContext, owner: str, end: RelationshipEnd, where: Any
    ) -> PageRequest:
        """What ``licensesAggregate(where)`` reads for each parent in this request, after the
        checks the list it sums up makes: the far type's read scope, a restriction the end can
        carry, ``where`` against masked properties; then the caller's places added. The spec
        is a summary one (the dates the request shows)."""
        far = str(end.far_label)
        check_readable(ctx, [far])
        _check_restricted_end(ctx, owner, end)
        condition = self._condition(ctx, far, where)
        check_condition(ctx, far, condition)
        condition = restricted(ctx, far, condition)
        summary, dates = self.summaries[far]
        _, asked = asked_dates(ctx, summary.__name__, dates)
        spec = PageSpec(end.rel.name, end.outgoing, far, condition, summary=tuple(asked))
        return PageRequest(owner, end, spec)

    def summary_loader(self, ctx: RequestContext, request: PageRequest) -> DataLoader[str, PlaceCount]:
        """The request's loader of the figures ``request`` (a summary spec) asks for, by parent:
        one store query for every parent of a page; a tree read ahead primes it."""
        owner, spec = request.owner, request.spec

        async def load(ids: list[str]) -> list[PlaceCount]:
            found = await ctx.call(
                ctx.store.related_aggregate,
                owner,
                ids,
                spec.rel_type,
                outgoing=spec.outgoing,
                far_label=str(spec.far_label),
                where=spec.where,
                dates=spec.summary or (),
            )
            return [found[i] for i in ids]

        return ctx.loader(request.key, load)

    def _aggregate_field(self, owner: str, end: RelationshipEnd) -> Any:
        """``licensesAggregate(where)``: how many neighbours over ``end`` match, and their date
        ranges; one store query for every parent of a request (a page of companies)."""
        far = str(end.far_label)
        summary, dates = self.summaries[far]

        def figures(row: PlaceCount) -> Any:
            return summary(count=row.count, **ranges(row, dates))

        def resolve(root: Any, info: Info, where: Any = None) -> Any:
            ctx = info.context

            def loader() -> DataLoader[str, PlaceCount]:
                return self.summary_loader(ctx, self.aggregate_request(ctx, owner, end, where))

            rows = per_request(ctx, ("summary", owner, end.field, id(where)), (where,), loader)
            return after_load(rows, str(root.id), figures)

        params = [
            Parameter("root", Parameter.POSITIONAL_OR_KEYWORD),
            Parameter("info", Parameter.KEYWORD_ONLY, annotation=Info),
            Parameter(
                "where", Parameter.KEYWORD_ONLY, annotation=self.inputs.where[far] | None, default=None
            ),
        ]
        resolve.__signature__ = Signature(params, return_annotation=summary)  # type: ignore[attr-defined]
        return strawberry.field(
            resolver=direct(resolve),
            description=f"How many of `{end.field}` match `where`"
            + (", and the range of each of their dates" if dates else "")
            + " (counted, not listed).",
        )
