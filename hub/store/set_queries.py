"""The set queries both stores answer the same way: one Cypher query per call.

Mixed into both adapters; each gives :meth:`read`, ``_to_node`` and the lineage of a batch of
relationships (Neo4j keeps it on the relationship, ladybug beside the graph).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph_schema import LINEAGE, RelType, Schema
from hub.store.errors import SchemaMismatch
from hub.store.port import Edge, Node
from hub.store.query import (
    AllOf,
    AnyOf,
    ChainHop,
    Compare,
    Condition,
    CountOf,
    CypherWriter,
    Not,
    Op,
    PlaceCount,
    Quantifier,
    Related,
    RelatedPage,
    SortKey,
    conjuncts,
    place_path_to,
)

# Upper bound on rows one call returns: the API's cost limit keeps requests far below it;
# this only guards the store against a caller that forgot to page.
MAX_ROWS = 100_000
# Upper bound on rows skipped: ladybug 0.22 crashes the process on SKIP past about 12,000.
MAX_SKIP = 10_001


def _bounded(skip: int, limit: int) -> tuple[int, int]:
    if not 0 <= skip <= MAX_SKIP or not 0 <= limit <= MAX_ROWS:
        raise SchemaMismatch(
            f"skip must be between 0 and {MAX_SKIP} and limit between 0 and {MAX_ROWS} (got {skip}, {limit})"
        )
    return int(skip), int(limit)


def _counts_neighbours(condition: Condition) -> bool:
    """Whether ``condition`` counts neighbours (``COUNT { }``) anywhere in it.

    ladybug 0.22 loses the nodes with no such neighbour when a ``COUNT { }`` tested in a
    MATCH's WHERE comes before an aggregation: ``MATCH (n:LegalEntity) WHERE COUNT { MATCH
    (n)<-[:REPRESENTS]-(:Person) } = 0 RETURN count(n)`` counts 0 where ``RETURN n`` lists a
    company. Tested in a WITH's WHERE (``MATCH (n) WITH * WHERE …``; ``WITH n`` after an
    ``UNWIND`` fails there to evaluate) it counts them; the conditions are written so on both
    stores (the same meaning; Neo4j plans it alike)."""
    match condition:
        case CountOf():
            return True
        case AllOf(parts) | AnyOf(parts):
            return any(_counts_neighbours(p) for p in parts)
        case Not(part):
            return _counts_neighbours(part)
        case Related(_, _, _, _, inner, among):
            return any(c is not None and _counts_neighbours(c) for c in (inner, among))
    return False


def _on_node_only(condition: Condition) -> bool:
    """Whether ``condition`` tests only the node's own properties (no relationship)."""
    if isinstance(condition, Compare):
        return True
    if isinstance(condition, AllOf | AnyOf):
        return all(_on_node_only(part) for part in condition.parts)
    if isinstance(condition, Not):
        return _on_node_only(condition.part)
    return False


@dataclass(frozen=True, slots=True)
class _Hop:
    """One step of a chain of relationships from a node outward, and the conditions on the
    node it reaches."""

    rel: str
    outgoing: bool
    label: str
    conditions: list[Condition]


@dataclass(frozen=True, slots=True)
class RelatedForms:
    """One read of a relationship for several nodes, written three ways that return the same
    rows; the store picks the one its planner runs best for the number of nodes."""

    one: str  # a single node, bound as $anchor (run once per node)
    many: str  # every node, `UNWIND $anchors` then each by key
    scan: str  # the label scanned, `WHERE n.id IN $anchors`


class SetQueries:
    schema: Schema
    uri: str
    # Neo4j keeps a relationship's lineage on it (read in the same query); ladybug beside it.
    _lineage_inline: bool = True

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _to_node(self, value: Any) -> Node:
        raise NotImplementedError

    def _node(self, label: str, props: Mapping[str, Any], native: Callable[[Any], Any]) -> Node:
        raise NotImplementedError

    def _returned(self, label: str | None, var: str, fields: Collection[str] | None, prefix: str) -> str:
        """What a query returns of node ``var``: the node itself, or (``fields`` named and the
        label known) only its id and those properties as columns ``prefix``+name — a page of
        persons asked for their names carries no phone, address text or source trail, which
        is most of the cost of reading it (ladybug: 6.7 → 2.9 ms for 72 persons)."""
        if fields is None or label is None:
            return f"{var} AS {prefix}"
        node = self.schema.node(label)
        key = self.schema.id_property
        wanted = [p for p in node.property_names if p in fields and p != key]
        return ", ".join([f"{var}.{key} AS {prefix}{key}", *(f"{var}.{p} AS {prefix}{p}" for p in wanted)])

    # Filled by _columns_of, per store object (a mixin has no __init__ of its own).
    _columns_cache: dict[tuple[str, frozenset[str], str], tuple[tuple[str, str], ...]]

    def _node_of(
        self, label: str | None, row: Mapping[str, Any], fields: Collection[str] | None, prefix: str
    ) -> Node:
        """The node a row holds, as :meth:`_returned` wrote it (its values are native already)."""
        if fields is None or label is None:
            return self._to_node(row[prefix])
        columns = self._columns_of(label, fields, prefix)
        properties = {name: row[column] for name, column in columns if row[column] is not None}
        return Node(label=label, id=str(row[f"{prefix}{self.schema.id_property}"]), properties=properties)

    def _columns_of(self, label: str, fields: Collection[str], prefix: str) -> tuple[tuple[str, str], ...]:
        """The properties a row holds of a node :meth:`_returned` wrote with ``fields``, and
        their columns, in the label's order: worked out once per label, fields and prefix
        rather than for every row (a page of a thousand residents)."""
        cache = self.__dict__.get("_columns_cache")
        if cache is None:
            cache = self.__dict__["_columns_cache"] = {}
        key = (label, frozenset(fields), prefix)
        found = cache.get(key)
        if found is None:
            # The id column and those of the fields: declared properties only, as _node keeps.
            given = {self.schema.id_property, *fields}
            names = self.schema.node(label).property_names
            found = cache[key] = tuple((p, f"{prefix}{p}") for p in names if p in given)
        return found

    def _lineage_of(
        self, rel: RelType, ends: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], list[str]]:
        """The records asserting each of these relationships (by source id, target id), for a
        store that keeps them beside the graph."""
        raise NotImplementedError

    def _identifier_ids(self, label: str, prop: str, values: Sequence[str]) -> list[str] | None:
        """The nodes that may hold one of ``values`` as identifier ``prop``, from an index of
        the store's own (ladybug); None where the database indexes the property itself."""
        return None

    def _writer(self) -> CypherWriter:
        return CypherWriter(self.schema, self.uri)

    def _anchor(self, label: str, where: Condition | None) -> list[str] | None:
        """Node ids every match must be among, when ``where`` says so at its top level (an id,
        or an identifier the store indexes): the query then starts from those nodes by key
        (``UNWIND … MATCH (n {id: …})``) instead of reading the whole label."""
        if where is None:
            return None
        tests = [p for p in conjuncts(where) if isinstance(p, Compare) and p.op in (Op.EQ, Op.IN)]
        key = self.schema.id_property
        for test in tests:
            if test.prop == key:
                return [str(test.value)] if test.op is Op.EQ else sorted({str(v) for v in test.value})
        identifiers = {p.name for p in self.schema.node(label).lookup_keys}
        for test in tests:
            if test.prop in identifiers:
                values = [test.value] if test.op is Op.EQ else list(test.value)
                if any(str(v) == "" for v in values):
                    continue  # an index of identifiers keeps no empty text: it would find nothing
                found = self._identifier_ids(label, test.prop, [str(v) for v in values])
                if found is not None:
                    return found
        return None

    # How the stores start from several anchor nodes and walk a relationship from them.
    # Neo4j plans `UNWIND $ids … MATCH (a {id: x})-[…]-(b)` as index seeks then expands; ladybug
    # plans it as a scan of the whole label and relationship joined by hash (0.3–1 s at 100k
    # persons, where one node by key and its relationships take 0.2 ms), so there it starts from
    # one anchor at a time.
    _walks_from_many_anchors: bool = True
    # Whether a walk's "some neighbour over R matches" conditions on the node it reaches are
    # written as one more MATCH before the DISTINCT rather than an EXISTS subquery after it.
    # ladybug runs the subquery per candidate: the companies at a building with a licence
    # expiring soon cost 2.2 ms that way, 0.7 ms expanded. Neo4j plans EXISTS as a semi-join
    # that stops at the first neighbour found, so it keeps the subquery.
    _joins_some: bool = False

    def _start(self, w: CypherWriter, label: str, where: Condition | None, *, distinct: bool = True) -> str:
        """``MATCH (n:Label) WHERE …`` with ``n`` bound to the matches, started where it is
        cheapest: from the anchor's nodes by key when ``where`` names them at its top level,
        else from the far end of a chain of relationships that ends at anchored nodes (the
        residents of one building: from the building, not from every person), else the label.

        A walk reaches a node once per path; ``distinct`` binds each match once (pages and
        counts need it). Without it the caller counts ``DISTINCT n`` itself, which both stores
        do far faster than a ``WITH DISTINCT n`` first (ladybug: 1.8 ms instead of 5 ms for the
        10,000 residents of a community)."""
        test = ""
        if where is not None:
            # A count of neighbours is tested in a WITH (see _counts_neighbours).
            test = f"{' WITH *' if _counts_neighbours(where) else ''} WHERE {w.where(label, 'n', where)}"
        anchor = self._anchor(label, where)
        key = self.schema.id_property
        if anchor is not None:
            return f"UNWIND {w.param(anchor)} AS anchor MATCH (n:{label} {{{key}: anchor}}){test}"
        chain = self._chain(label, where, anchored_here=False) if where is not None else None
        if chain is None:
            return f"MATCH (n:{label}){test}"
        (here, *hops), ids = chain
        rest = here.conditions
        # Written from the anchored end back to n, as one pattern (one expansion per hop).
        variables = [w.variable() for _ in hops]
        last = hops[-1]
        if len(ids) == 1:
            head = f"MATCH ({variables[-1]}:{last.label} {{{key}: {w.param(ids[0])}}})"
        else:
            head = f"UNWIND {w.param(ids)} AS anchor MATCH ({variables[-1]}:{last.label} {{{key}: anchor}})"
        path = ""
        tests: list[str] = []
        counted: list[str] = []  # tests of counts of neighbours, in a WITH after the walk
        walked: set[str] = set()
        for i in range(len(hops) - 1, -1, -1):
            hop = hops[i]
            near = variables[i - 1] if i > 0 else "n"
            near_label = hops[i - 1].label if i > 0 else label
            rel = self.schema.rel(hop.rel).name
            # The hop went near → far; walking back reverses the arrow.
            arrow = f"<-[:{rel}]-" if hop.outgoing else f"-[:{rel}]->"
            if rel in walked:
                # Within one pattern Neo4j walks a relationship once (the residents of P1's
                # address would leave P1 out); the condition does not ask that: a new MATCH.
                path += f" MATCH ({variables[i]})"
                walked.clear()
            walked.add(rel)
            path += f"{arrow}({near}:{near_label})"
            # The anchored node's own id test is the head's key already.
            conditions = [c for c in hop.conditions if i < len(hops) - 1 or not self._is_key_test(c, ids)]
            for c in conditions:
                (counted if _counts_neighbours(c) else tests).append(w.where(hop.label, variables[i], c))
        joined: list[Related] = []
        if self._joins_some:
            # The walk reaches n once per path and is made distinct (or counted distinct)
            # anyway, so "some neighbour over R matches" may be one more expansion before that
            # instead of a subquery per candidate. Its own MATCH clause: within one pattern
            # Neo4j would not let it reuse a relationship of the walk.
            joined = [
                c for c in rest if isinstance(c, Related) and c.quantifier is Quantifier.SOME and c.label
            ]
            rest = [c for c in rest if not any(c is j for j in joined)]
        if distinct:
            # Tests of n's own properties filter the walk's rows before they are made distinct
            # (fewer rows to dedupe: ladybug 2.1 ms instead of 2.5 ms for a grid's elderly);
            # tests across relationships stay after, run once per distinct n.
            tests += [w.where(label, "n", c) for c in rest if _on_node_only(c)]
            rest = [c for c in rest if not _on_node_only(c)]
        residual = AllOf(tuple(rest)) if rest else None
        if not distinct and residual is not None:
            (counted if _counts_neighbours(residual) else tests).append(w.where(label, "n", residual))
        text = head + path + (f" WHERE {' AND '.join(tests)}" if tests else "")
        if counted:
            text += f" WITH * WHERE {' AND '.join(counted)}"
        text += "".join(self._some_as_match(w, label, c) for c in joined)
        if not distinct:
            return text
        after = f" WHERE {w.where(label, 'n', residual)}" if residual is not None else ""
        return f"{text} WITH DISTINCT n{after}"

    def _some_as_match(self, w: CypherWriter, label: str, condition: Related) -> str:
        """`` MATCH (n)-[:R]->(x:Far) WHERE …``: ``n`` has some neighbour matching ``condition``
        (a SOME over one far type), as an expansion of the rows (see ``_joins_some``)."""
        pattern, other = w.pattern(label, "n", condition.rel, condition.outgoing, condition.label)
        tests = [
            w.where(condition.label, other, c) for c in (condition.among, condition.where) if c is not None
        ]
        return f" MATCH {pattern}" + (f" WHERE {' AND '.join(tests)}" if tests else "")

    def _is_key_test(self, condition: Condition, ids: Sequence[str]) -> bool:
        """Whether ``condition`` only says the node is one of ``ids`` (by its key)."""
        if not (isinstance(condition, Compare) and condition.prop == self.schema.id_property):
            return False
        if condition.op is Op.EQ:
            return [str(condition.value)] == list(ids)
        return condition.op is Op.IN and sorted({str(v) for v in condition.value}) == sorted(ids)

    def _chain(
        self, label: str, where: Condition, *, anchored_here: bool = True
    ) -> tuple[list[_Hop], list[str]] | None:
        """For a node of ``label`` that must satisfy ``where``: a chain ``some neighbour over R1
        has some neighbour over R2 … that is one of these nodes`` — the hops (the first, with
        no relationship, stands for this node and holds its other conditions; each next one the
        conditions on the node it reaches) and the anchored ids at the far end. With
        ``anchored_here`` false, this node's own anchor does not count (the caller tried it)."""
        parts = conjuncts(where)
        ids = self._anchor(label, where) if anchored_here else None
        if ids is not None:
            return [_Hop("", True, label, parts)], ids
        for i, part in enumerate(parts):
            if not (isinstance(part, Related) and part.quantifier is Quantifier.SOME and part.label):
                continue
            if part.where is None:
                continue
            deeper = self._chain(part.label, part.where)
            if deeper is None:
                continue
            hops, ids = deeper
            if len(ids) > 1 and not self._walks_from_many_anchors:
                continue
            here = _Hop("", True, label, parts[:i] + parts[i + 1 :])
            # The neighbours looked at (``among``) are conditions on the node the hop reaches.
            reached = hops[0].conditions + ([] if part.among is None else conjuncts(part.among))
            return [here, _Hop(part.rel, part.outgoing, part.label, reached), *hops[1:]], ids
        return None

    def _related_forms(
        self, label: str, pattern: str, condition: str | None, result: str, *, tested_late: bool = False
    ) -> RelatedForms:
        """``MATCH pattern [WHERE condition] result`` from the nodes ``n`` of ``label``, in the
        three forms (``pattern`` starts at ``(n)``; ``result`` names ``n``'s id ``src``). Two of
        them start from each node by key: `WHERE n.id IN $ids` reads the whole label in ladybug.
        ``tested_late``: the condition is tested in a ``WITH *`` after the match (it counts
        neighbours and ``result`` aggregates: see _counts_neighbours)."""
        key = self.schema.id_property
        if condition is not None and tested_late:
            late, condition = f" WITH * WHERE {condition}", None
        else:
            late = ""
        tail = (f" WHERE {condition}" if condition is not None else "") + late + result
        scan_test = f" WHERE n.{key} IN $anchors" + (f" AND {condition}" if condition is not None else "")
        return RelatedForms(
            one=f"MATCH {pattern.replace('(n)', f'(n:{label} {{{key}: $anchor}})', 1)}{tail}",
            many=f"UNWIND $anchors AS anchor MATCH (n:{label} {{{key}: anchor}}) MATCH {pattern}{tail}",
            scan=f"MATCH {pattern.replace('(n)', f'(n:{label})', 1)}{scan_test}{late}{result}",
        )

    def _related_rows(
        self, label: str, forms: RelatedForms, ids: list[str], params: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Rows of a relationship read for ``ids`` of ``label``, in one of ``forms``. One
        query for all (a store whose planner walks from many anchors well; see ladybug's
        override)."""
        return self.read(forms.many, {**params, "anchors": ids})

    def find(
        self,
        label: str,
        where: Condition | None = None,
        order: Sequence[SortKey] = (),
        skip: int = 0,
        limit: int = 100,
        fields: Collection[str] | None = None,
    ) -> list[Node]:
        """Nodes of ``label`` matching ``where``, in ``order`` (then by id), one page; with
        ``fields``, each holds only those properties (and its id)."""
        skip, limit = _bounded(skip, limit)
        w = self._writer()
        w.node(label)
        returned = self._returned(label, "n", fields, "n_")
        query = f"{self._start(w, label, where)} RETURN {returned} {w.order(label, 'n', order)} SKIP {skip} LIMIT {limit}"
        return [self._node_of(label, row, fields, "n_") for row in self.read(query, w.params)]

    def count(self, label: str, where: Condition | None = None) -> int:
        w = self._writer()
        w.node(label)
        start = self._start(w, label, where, distinct=False)
        return int(self.read(f"{start} RETURN count(DISTINCT n) AS c", w.params)[0]["c"])

    def related(
        self,
        label: str,
        ids: Collection[str],
        rel_type: str,
        *,
        outgoing: bool,
        far_label: str | None = None,
        where: Condition | None = None,
        order: Sequence[SortKey] = (),
        skip: int = 0,
        limit: int = 100,
        lineage: bool = False,
        fields: Collection[str] | None = None,
    ) -> dict[str, RelatedPage]:
        """For each node of ``label`` among ``ids``: its neighbours over ``rel_type`` that match
        ``where`` — how many, and the page ``skip``/``limit`` in ``order`` (then by id). One
        query for all the nodes; ``lineage`` adds the records asserting each relationship;
        ``fields`` (with ``far_label``) limits the neighbours' properties read to those."""
        skip, limit = _bounded(skip, limit)
        w = self._writer()
        w.node(label)
        rel = self.schema.rel(rel_type)
        key = self.schema.id_property
        pattern, far = w.pattern(label, "n", rel_type, outgoing, far_label)
        pattern = pattern.replace(f"[:{rel.name}]", f"[r:{rel.name}]", 1)
        condition = w.where(far_label, far, where) if where is not None else None
        beside = lineage and rel.has_lineage and not self._lineage_inline
        props = [p.name for p in rel.properties if p.name != LINEAGE or (lineage and not beside)]
        columns = "".join(f", r.{p} AS r_{p}" for p in props)
        ordering = w.order(far_label, far, order) if far_label else f"ORDER BY {far}.{key}"
        ordering = ordering.replace("ORDER BY ", "ORDER BY src, ", 1)
        returned = self._returned(far_label, far, fields, "m_")
        result = f" RETURN n.{key} AS src, {returned}{columns} {ordering}"
        forms = self._related_forms(label, pattern, condition, result)
        rows_by_src: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self._related_rows(label, forms, sorted(set(ids)), w.params):
            rows_by_src[row["src"]].append(row)
        pages: dict[str, RelatedPage] = {}
        chosen: list[tuple[str, dict[str, Any]]] = []
        for src in ids:
            rows = rows_by_src.get(src, [])
            page = rows[skip : skip + limit]
            chosen += [(src, row) for row in page]
            pages[src] = RelatedPage(total=len(rows), edges=[])
        records: dict[tuple[str, str], list[str]] = {}
        nodes = [(src, row, self._node_of(far_label, row, fields, "m_")) for src, row in chosen]
        if beside:
            ends = {(src, node.id) if outgoing else (node.id, src) for src, _, node in nodes}
            records = self._lineage_of(rel, ends)
        for src, row, node in nodes:
            properties = {p: row[f"r_{p}"] for p in props if row.get(f"r_{p}") is not None}
            if beside:
                properties[LINEAGE] = records.get((src, node.id) if outgoing else (node.id, src), [])
            pages[src].edges.append(Edge(type=rel.name, outgoing=outgoing, properties=properties, node=node))
        return pages

    def related_aggregate(
        self,
        label: str,
        ids: Collection[str],
        rel_type: str,
        *,
        outgoing: bool,
        far_label: str,
        where: Condition | None = None,
        dates: Sequence[str] = (),
    ) -> dict[str, PlaceCount]:
        """For each node of ``label`` among ``ids``: how many neighbours over ``rel_type``
        match ``where``, and the earliest and latest of each date property of theirs (the
        group's ``place`` is the node's id). One read for all the nodes, as ``related``."""
        w = self._writer()
        w.node(label)
        key = self.schema.id_property
        pattern, far = w.pattern(label, "n", rel_type, outgoing, far_label)
        condition = w.where(far_label, far, where) if where is not None else None
        figures = f"count(DISTINCT {far}) AS c" + "".join(
            f", min({far}.{w.prop(far_label, d)}) AS min_{d}, max({far}.{w.prop(far_label, d)}) AS max_{d}"
            for d in dates
        )
        counts = where is not None and _counts_neighbours(where)
        result = f" RETURN n.{key} AS src, {figures}"
        forms = self._related_forms(label, pattern, condition, result, tested_late=counts)
        rows = {row["src"]: row for row in self._related_rows(label, forms, sorted(set(ids)), w.params)}
        found: dict[str, PlaceCount] = {}
        for src in ids:
            row = rows.get(src)  # no neighbour matched: no row
            found[src] = PlaceCount(
                place=src,
                count=int(row["c"]) if row is not None else 0,
                minimum={d: row[f"min_{d}"] if row is not None else None for d in dates},
                maximum={d: row[f"max_{d}"] if row is not None else None for d in dates},
            )
        return found

    chains_in_one_query: bool = True
    in_process: bool = False

    def single_chain(
        self, label: str, ids: Collection[str], hops: Sequence[ChainHop]
    ) -> list[dict[str, RelatedPage]]:
        """Per hop, the page of each node the previous hop reached, read in one query:
        ``UNWIND ids MATCH (n0) OPTIONAL MATCH (n0)-[:R1]->(n1) OPTIONAL MATCH (n1)-[:R2]->(n2)…``
        — one round trip for an address's building, grid, community and street, where walking
        them one relationship at a time costs four (each a network round trip on Neo4j)."""
        key = self.schema.id_property
        anchors = sorted(set(ids))
        lines, columns = [f"UNWIND $anchors AS anchor MATCH (n0:{label} {{{key}: anchor}})"], []
        for k, hop in enumerate(hops, start=1):
            rel = self.schema.rel(hop.rel_type).name
            arrow = f"-[:{rel}]->" if hop.outgoing else f"<-[:{rel}]-"
            lines.append(f"OPTIONAL MATCH (n{k - 1}){arrow}(n{k}:{hop.far_label})")
            columns.append(self._returned(hop.far_label, f"n{k}", hop.fields, f"h{k}_"))
        rows = self.read(
            f"{' '.join(lines)} RETURN n0.{key} AS h0_{key}, {', '.join(columns)}", {"anchors": anchors}
        )
        levels: list[dict[str, RelatedPage]] = []
        near_ids: list[list[str | None]] = [[row[f"h0_{key}"] for row in rows]]
        for k, hop in enumerate(hops, start=1):
            seen: dict[str, dict[str, Node]] = {}
            reached: list[str | None] = []
            for row, near in zip(rows, near_ids[-1], strict=True):
                far = self._chain_node(hop, row, f"h{k}_")
                reached.append(far.id if far is not None else None)
                if near is None:
                    continue
                found = seen.setdefault(near, {})
                if far is not None:
                    found[far.id] = far
            pages = {
                near: RelatedPage(
                    total=len(found),
                    edges=[
                        Edge(type=hop.rel_type, outgoing=hop.outgoing, properties={}, node=node)
                        for _, node in sorted(found.items())
                    ],
                )
                for near, found in seen.items()
            }
            levels.append(pages)
            near_ids.append(reached)
        return levels

    def _chain_node(self, hop: ChainHop, row: Mapping[str, Any], prefix: str) -> Node | None:
        """The node a chain row reached at one hop; None when the optional match found none."""
        if hop.fields is None:
            return None if row.get(prefix) is None else self._node_of(hop.far_label, row, None, prefix)
        if row.get(f"{prefix}{self.schema.id_property}") is None:
            return None
        return self._node_of(hop.far_label, row, hop.fields, prefix)

    def aggregate(
        self,
        label: str,
        where: Condition | None = None,
        *,
        group_level: str | None = None,
        group_where: Condition | None = None,
        dates: Sequence[str] = (),
    ) -> list[PlaceCount]:
        """How many nodes match (and the earliest and latest of each date property), in all or
        per place at ``group_level`` (a level of the address hierarchy: grid, community, …). A
        node placed at two places counts in both; nodes placed nowhere form the group None.
        ``group_where``: only places that satisfy it count as the node's places (a restricted
        caller's groups are its own places: a resident of its street who also lives in another
        must not show that other street as a group)."""
        w = self._writer()
        w.node(label)
        # Grouped, each match walks on to its places: bound once first, so the walk is not
        # repeated for every path that reached it.
        start = self._start(w, label, where, distinct=group_level is not None)
        figures = "count(DISTINCT n) AS c" + "".join(
            f", min(n.{w.prop(label, d)}) AS min_{d}, max(n.{w.prop(label, d)}) AS max_{d}" for d in dates
        )
        if group_level is None:
            query = f"{start} RETURN {figures}"
        else:
            steps = place_path_to(self.schema, label, group_level)
            key = self.schema.id_property
            if steps:
                path, place = w.place_match("n", steps, group_level)
                only = f" WHERE {w.where(group_level, place, group_where)}" if group_where is not None else ""
                query = (
                    f"{start} OPTIONAL MATCH {path}{only} "
                    f"RETURN {place}.{key} AS place, {figures} ORDER BY place"
                )
            else:  # grouped by their own type: ``where`` holds what ``group_where`` would
                query = f"{start} RETURN n.{key} AS place, {figures} ORDER BY place"
        return [
            PlaceCount(
                place=row.get("place"),
                count=int(row["c"]),
                minimum={d: row[f"min_{d}"] for d in dates},
                maximum={d: row[f"max_{d}"] for d in dates},
            )
            for row in self.read(query, w.params)
        ]
