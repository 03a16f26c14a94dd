"""The set queries both stores answer the same way: one Cypher query per call.

Mixed into both adapters; each gives :meth:`read`, ``_to_node`` and the lineage of a batch of
relationships (Neo4j keeps it on the relationship, ladybug beside the graph).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from graph_schema import LINEAGE, RelType, Schema
from hub.store.errors import SchemaMismatch
from hub.store.port import Edge, Node
from hub.store.query import (
    AllOf,
    Compare,
    Condition,
    CypherWriter,
    Op,
    PlaceCount,
    RelatedPage,
    SortKey,
    place_path_to,
)

# Upper bound on rows one call returns: the API's cost limit keeps requests far below it;
# this only guards the store against a caller that forgot to page.
MAX_ROWS = 100_000


def _bounded(skip: int, limit: int) -> tuple[int, int]:
    if skip < 0 or not 0 <= limit <= MAX_ROWS:
        raise SchemaMismatch(f"skip must be ≥ 0 and limit between 0 and {MAX_ROWS} (got {skip}, {limit})")
    return int(skip), int(limit)


def _conjuncts(where: Condition) -> list[Condition]:
    """The parts that must all hold, nested ANDs flattened (a restriction wraps the client's)."""
    if isinstance(where, AllOf):
        return [part for inner in where.parts for part in _conjuncts(inner)]
    return [where]


class SetQueries:
    schema: Schema
    uri: str
    # Neo4j keeps a relationship's lineage on it (read in the same query); ladybug beside it.
    _lineage_inline: bool = True

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _to_node(self, value: Any) -> Node:
        raise NotImplementedError

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
        tests = [p for p in _conjuncts(where) if isinstance(p, Compare) and p.op in (Op.EQ, Op.IN)]
        key = self.schema.id_property
        for test in tests:
            if test.prop == key:
                return [str(test.value)] if test.op is Op.EQ else sorted({str(v) for v in test.value})
        identifiers = {p.name for p in self.schema.node(label).lookup_keys}
        for test in tests:
            if test.prop in identifiers:
                values = [test.value] if test.op is Op.EQ else list(test.value)
                found = self._identifier_ids(label, test.prop, [str(v) for v in values])
                if found is not None:
                    return found
        return None

    def _start(self, w: CypherWriter, label: str, where: Condition | None) -> str:
        """``MATCH (n:Label) WHERE …``, from the anchor's nodes by key when there is one."""
        test = f" WHERE {w.where(label, 'n', where)}" if where is not None else ""
        anchor = self._anchor(label, where)
        if anchor is None:
            return f"MATCH (n:{label}){test}"
        return f"UNWIND {w.param(anchor)} AS anchor MATCH (n:{label} {{{self.schema.id_property}: anchor}}){test}"

    def find(
        self,
        label: str,
        where: Condition | None = None,
        order: Sequence[SortKey] = (),
        skip: int = 0,
        limit: int = 100,
    ) -> list[Node]:
        """Nodes of ``label`` matching ``where``, in ``order`` (then by id), one page."""
        skip, limit = _bounded(skip, limit)
        w = self._writer()
        w.node(label)
        query = (
            f"{self._start(w, label, where)} RETURN n {w.order(label, 'n', order)} SKIP {skip} LIMIT {limit}"
        )
        return [self._to_node(row["n"]) for row in self.read(query, w.params)]

    def count(self, label: str, where: Condition | None = None) -> int:
        w = self._writer()
        w.node(label)
        return int(self.read(f"{self._start(w, label, where)} RETURN count(n) AS c", w.params)[0]["c"])

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
    ) -> dict[str, RelatedPage]:
        """For each node of ``label`` among ``ids``: its neighbours over ``rel_type`` that match
        ``where`` — how many, and the page ``skip``/``limit`` in ``order`` (then by id). One
        query for all the nodes; ``lineage`` adds the records asserting each relationship."""
        skip, limit = _bounded(skip, limit)
        w = self._writer()
        w.node(label)
        rel = self.schema.rel(rel_type)
        key = self.schema.id_property
        pattern, far = w.pattern(label, "n", rel_type, outgoing, far_label)
        pattern = pattern.replace(f"[:{rel.name}]", f"[r:{rel.name}]", 1)
        test = f" WHERE {w.where(far_label, far, where)}" if where is not None else ""
        beside = lineage and rel.has_lineage and not self._lineage_inline
        props = [p.name for p in rel.properties if p.name != LINEAGE or (lineage and not beside)]
        columns = "".join(f", r.{p} AS r_{p}" for p in props)
        ordering = w.order(far_label, far, order) if far_label else f"ORDER BY {far}.{key}"
        ordering = ordering.replace("ORDER BY ", "ORDER BY src, ", 1)
        # From each node by key: `WHERE n.id IN $ids` reads the whole label in ladybug.
        query = (
            f"UNWIND {w.param(sorted(set(ids)))} AS anchor MATCH (n:{label} {{{key}: anchor}}) "
            f"MATCH {pattern}{test} RETURN n.{key} AS src, {far} AS m{columns} {ordering}"
        )
        rows_by_src: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.read(query, w.params):
            rows_by_src[row["src"]].append(row)
        pages: dict[str, RelatedPage] = {}
        chosen: list[tuple[str, dict[str, Any]]] = []
        for src in ids:
            rows = rows_by_src.get(src, [])
            page = rows[skip : skip + limit]
            chosen += [(src, row) for row in page]
            pages[src] = RelatedPage(total=len(rows), edges=[])
        records: dict[tuple[str, str], list[str]] = {}
        nodes = [(src, row, self._to_node(row["m"])) for src, row in chosen]
        if beside:
            ends = {(src, node.id) if outgoing else (node.id, src) for src, _, node in nodes}
            records = self._lineage_of(rel, ends)
        for src, row, node in nodes:
            properties = {p: row[f"r_{p}"] for p in props if row.get(f"r_{p}") is not None}
            if beside:
                properties[LINEAGE] = records.get((src, node.id) if outgoing else (node.id, src), [])
            pages[src].edges.append(Edge(type=rel.name, outgoing=outgoing, properties=properties, node=node))
        return pages

    def aggregate(
        self,
        label: str,
        where: Condition | None = None,
        *,
        group_level: str | None = None,
        dates: Sequence[str] = (),
    ) -> list[PlaceCount]:
        """How many nodes match (and the earliest and latest of each date property), in all or
        per place at ``group_level`` (a level of the address hierarchy: grid, community, …). A
        node placed at two places counts in both; nodes placed nowhere form the group None."""
        w = self._writer()
        w.node(label)
        start = self._start(w, label, where)
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
                query = (
                    f"{start} OPTIONAL MATCH {path} RETURN {place}.{key} AS place, {figures} ORDER BY place"
                )
            else:
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
