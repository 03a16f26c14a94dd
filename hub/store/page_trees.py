"""Pages of relationships several levels deep under a set of nodes, read for a GraphQL request's
whole selection at once: a person's addresses, each address's building and its grid, the
person's companies and each company's licences.

:class:`PageTrees` reads such a tree one ``related()`` per page spec, level by level; that is
what a store running in this process does best (ladybug: 0.2 ms a call, and its Cypher has no
COLLECT subqueries). :class:`CollectedPageTrees` reads the whole tree in one query with Neo4j 5's
``COUNT { … }`` and ``COLLECT { … }`` subqueries, nested as the selection is: on a server every
round trip costs more than the work (the person 360° was five queries in three dependent levels;
Neo4j's GraphQL library compiles a request to one query the same way).

``find_below`` adds the tree to the query that finds the root nodes (a lookup by identity
number, a page of a root list), so such a request needs one store call in all (on Neo4j, one
round trip).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from graph_schema import LINEAGE
from hub.store.errors import SchemaMismatch
from hub.store.port import Edge, Node
from hub.store.query import (
    Condition,
    CypherWriter,
    PageSpec,
    PlaceCount,
    RelatedPage,
    SortKey,
    TreeLevel,
    flatten_specs,
)
from hub.store.set_queries import SetQueries, _bounded
from hub.store.values import driver_native as _native

# Levels of relationships one tree may hold: the API's cost limit bounds the work; this bounds
# the nesting of the query text.
MAX_DEPTH = 8


def _size(spec: PageSpec) -> int:
    """How many specs the tree under and including ``spec`` holds."""
    return 1 + sum(_size(child) for child in spec.below)


def _check_tree(specs: Sequence[PageSpec], depth: int = 1) -> None:
    for spec in specs:
        _bounded(spec.skip, spec.limit)
        if (spec.below or spec.summary is not None) and spec.far_label is None:
            raise SchemaMismatch(
                f"pages or figures below {spec.rel_type} need its far node type (it may reach several)"
            )
        if spec.below and spec.summary is not None:
            raise SchemaMismatch(f"the figures of {spec.rel_type}'s neighbours have no pages below them")
        if spec.below and depth >= MAX_DEPTH:
            raise SchemaMismatch(f"a tree of pages may be at most {MAX_DEPTH} relationships deep")
        _check_tree(spec.below, depth + 1)


class PageTrees(SetQueries):
    # Whether the API reads the relationships a request selects with its root nodes, in one
    # store call (find_below). In process too: one call instead of a worker-thread hop and an
    # event-loop turn per level (ladybug, 100k persons: companies with expiring licences
    # 8.1 → 6.0 ms, the person 360° 8.8 → 7.4 ms, in-process, one run each).
    reads_ahead: bool = True

    def pages_below(self, label: str, ids: Collection[str], specs: Sequence[PageSpec]) -> list[TreeLevel]:
        """For every spec of the trees (in the order of :func:`flatten_specs`): the page of each
        node the level above reached (the first level: of ``ids``), by that node's id; for a
        summary spec, the figures of its neighbours."""
        _check_tree(specs)
        out: list[TreeLevel] = []
        for spec in specs:
            if spec.summary is not None:
                figures = self.related_aggregate(
                    label, ids, spec.rel_type, outgoing=spec.outgoing, far_label=str(spec.far_label),
                    where=spec.where, dates=spec.summary,
                )  # fmt: skip
                out.append(dict(figures))
                continue
            pages = self.related(label, ids, spec.rel_type, **spec.related_options()) if ids else {}
            out.append(dict(pages))
            if spec.below:
                reached = sorted({edge.node.id for page in pages.values() for edge in page.edges})
                out += self.pages_below(str(spec.far_label), reached, spec.below)
        return out

    def find_below(
        self,
        label: str,
        where: Condition | None,
        order: Sequence[SortKey],
        skip: int,
        limit: int,
        fields: Collection[str] | None,
        specs: Sequence[PageSpec],
        *,
        count_when_full: bool = False,
    ) -> tuple[list[Node], list[TreeLevel], int | None]:
        """``find()``'s page of nodes, ``pages_below`` them, and (asked, the page full) the
        count of every match."""
        found = self.find(label, where, order, skip, limit, fields)
        total = self.count(label, where) if count_when_full and len(found) >= limit else None
        return found, self.pages_below(label, [n.id for n in found], specs), total


class CollectedPageTrees(PageTrees):
    def pages_below(self, label: str, ids: Collection[str], specs: Sequence[PageSpec]) -> list[TreeLevel]:
        _check_tree(specs)
        if not specs:
            return []
        w = self._writer()
        w.node(label)
        key = self.schema.id_property
        columns = self._tree_columns(w, label, "n", specs)
        query = f"UNWIND $anchors AS anchor MATCH (n:{label} {{{key}: anchor}}) RETURN n.{key} AS n_{key}, {columns}"
        rows = self.read(query, {**w.params, "anchors": sorted(set(ids))})
        return self._tree_pages(rows, specs)

    def find_below(
        self,
        label: str,
        where: Condition | None,
        order: Sequence[SortKey],
        skip: int,
        limit: int,
        fields: Collection[str] | None,
        specs: Sequence[PageSpec],
        *,
        count_when_full: bool = False,
    ) -> tuple[list[Node], list[TreeLevel], int | None]:
        _check_tree(specs)
        skip, limit = _bounded(skip, limit)
        w = self._writer()
        w.node(label)
        returned = self._returned(label, "n", fields, "n_")
        ordering = w.order(label, "n", order)
        # The tree's columns are computed for the page only (after SKIP/LIMIT), in its order.
        columns = f", {self._tree_columns(w, label, 'n', specs)}" if specs else ""
        page = f"{self._start(w, label, where)} WITH n {ordering} SKIP {skip} LIMIT {limit}"
        total = ""
        if count_when_full:
            # The page is collected, then counted past only when full: a page that is not
            # full tells the count itself, and the subquery's match is then never run. One
            # round trip for a page and its totalCount, where a count after it is a second.
            counted = self._start(w, label, where, distinct=False)
            page += (
                f" WITH collect(n) AS page CALL (page) {{ WITH page WHERE size(page) >= {limit}"
                f" {counted} RETURN count(DISTINCT n) AS total }} UNWIND page AS n"
            )
            total = ", total"
        query = f"{page} RETURN {returned}{columns}, n.{self.schema.id_property} AS near_id{total} {ordering}"
        rows = self.read(query, w.params)
        found = [self._node_of(label, row, fields, "n_") for row in rows]
        count = int(rows[0]["total"]) if count_when_full and len(rows) >= limit else None
        return found, self._tree_pages(rows, specs, "near_id"), count

    # -- the query ----------------------------------------------------------------------------

    def _tree_columns(self, w: CypherWriter, label: str, var: str, specs: Sequence[PageSpec]) -> str:
        return ", ".join(
            f"{self._page_expression(w, label, var, spec)} AS t{i}" for i, spec in enumerate(specs)
        )

    def _page_expression(self, w: CypherWriter, label: str, var: str, spec: PageSpec) -> str:
        """``{total: COUNT {…}, items: COLLECT {…}}``: how many of ``var``'s neighbours over the
        spec's relationship match, and its page of them, each item a map of the node (``n``),
        the relationship's properties (``r``) and the pages below the node (``b0``, ``b1`` …).
        Every variable is new (``w.variable()``): a subquery may not redeclare an outer one."""
        rel = self.schema.rel(spec.rel_type)
        key = self.schema.id_property
        pattern, far = w.pattern(label, var, spec.rel_type, spec.outgoing, spec.far_label)
        if spec.summary is not None:
            return self._summary_expression(w, spec, pattern, far)
        edge = w.variable()
        with_edge = pattern.replace(f"[:{rel.name}]", f"[{edge}:{rel.name}]", 1)
        test = f" WHERE {w.where(spec.far_label, far, spec.where)}" if spec.where is not None else ""
        if spec.far_label is not None:
            ordering = w.order(spec.far_label, far, spec.order)
        else:
            ordering = f"ORDER BY {far}.{key}"
        entries = [f"n: {self._node_expression(spec, far)}"]
        props = [p.name for p in rel.properties if p.name != LINEAGE or spec.lineage]
        if props:
            entries.append("r: {" + ", ".join(f"{p}: {edge}.{p}" for p in props) + "}")
        entries += [
            f"b{j}: {self._page_expression(w, str(spec.far_label), far, child)}"
            for j, child in enumerate(spec.below)
        ]
        count = f"COUNT {{ MATCH {pattern}{test} }}"
        items = (
            f"COLLECT {{ MATCH {with_edge}{test} WITH {far}, {edge} {ordering}"
            f" SKIP {spec.skip} LIMIT {spec.limit} RETURN {{{', '.join(entries)}}} AS item }}"
        )
        return f"{{total: {count}, items: {items}}}"

    def _summary_expression(self, w: CypherWriter, spec: PageSpec, pattern: str, far: str) -> str:
        """``{c: …, min_d: …, max_d: …}``: how many distinct neighbours match, and each date's
        range, as ``related_aggregate`` counts them. Without aggregating functions: Neo4j 5
        refuses ``count()`` / ``min()`` in a subquery that uses a variable of the row it is
        in ("implicit grouping expressions"), so a range is the first value in order."""
        label = str(spec.far_label)
        test = w.where(label, far, spec.where) if spec.where is not None else None
        match = f"MATCH {pattern}"
        figures = [f"c: COUNT {{ {match}{f' WHERE {test}' if test else ''} RETURN DISTINCT {far} }}"]
        for d in spec.summary or ():
            prop = f"{far}.{w.prop(label, d)}"
            known = f"{prop} IS NOT NULL" + (f" AND {test}" if test else "")
            for name, direction in (("min", ""), ("max", " DESC")):
                first = (
                    f"COLLECT {{ {match} WHERE {known} RETURN {prop} AS d ORDER BY d{direction} LIMIT 1 }}[0]"
                )
                figures.append(f"{name}_{d}: {first}")
        return "{" + ", ".join(figures) + "}"

    def _node_expression(self, spec: PageSpec, var: str) -> str:
        """The node itself, or (fields named) a map of its id and those properties."""
        if spec.fields is None or spec.far_label is None:
            return var
        key = self.schema.id_property
        wanted = [p for p in self.schema.node(spec.far_label).property_names if p in spec.fields and p != key]
        return f"{var} {{{', '.join(f'.{p}' for p in (key, *wanted))}}}"

    # -- the rows -----------------------------------------------------------------------------

    def _tree_pages(
        self, rows: list[dict[str, Any]], specs: Sequence[PageSpec], id_column: str | None = None
    ) -> list[TreeLevel]:
        out: list[TreeLevel] = [{} for _ in flatten_specs(specs)]
        column = id_column or f"n_{self.schema.id_property}"
        for row in rows:
            position = 0
            for i, spec in enumerate(specs):
                position = self._take(spec, str(row[column]), row[f"t{i}"], out, position)
        return out

    def _take(
        self,
        spec: PageSpec,
        near: str,
        value: Mapping[str, Any],
        out: list[TreeLevel],
        position: int,
    ) -> int:
        """Files the page ``value`` of node ``near`` under ``spec``'s position in ``out``, and the
        pages below its nodes under theirs; returns the position after ``spec``'s tree."""
        if spec.summary is not None:
            out[position][near] = PlaceCount(
                place=near,
                count=int(value["c"]),
                minimum={d: _native(value[f"min_{d}"]) for d in spec.summary},
                maximum={d: _native(value[f"max_{d}"]) for d in spec.summary},
            )
            return position + 1
        rel = self.schema.rel(spec.rel_type)
        page = RelatedPage(total=int(value["total"]), edges=[])
        out[position][near] = page
        for item in value["items"]:
            node = self._tree_node(spec, item["n"])
            # Values nested in the tree's maps come as the driver's (read() converts top-level
            # columns only).
            properties = {p: _native(v) for p, v in (item.get("r") or {}).items() if v is not None}
            page.edges.append(Edge(type=rel.name, outgoing=spec.outgoing, properties=properties, node=node))
            below = position + 1
            for j, child in enumerate(spec.below):
                below = self._take(child, node.id, item[f"b{j}"], out, below)
        return position + _size(spec)

    def _tree_node(self, spec: PageSpec, value: Any) -> Node:
        if spec.fields is None or spec.far_label is None:
            return self._to_node(value)
        return self._node(spec.far_label, value, _native)
