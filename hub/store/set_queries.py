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
from hub.store.query import Condition, CypherWriter, PlaceCount, RelatedPage, SortKey, place_path_to

# Upper bound on rows one call returns: the API's cost limit keeps requests far below it;
# this only guards the store against a caller that forgot to page.
MAX_ROWS = 100_000


def _bounded(skip: int, limit: int) -> tuple[int, int]:
    if skip < 0 or not 0 <= limit <= MAX_ROWS:
        raise SchemaMismatch(f"skip must be ≥ 0 and limit between 0 and {MAX_ROWS} (got {skip}, {limit})")
    return int(skip), int(limit)


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

    def _writer(self) -> CypherWriter:
        return CypherWriter(self.schema, self.uri)

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
        test = f" WHERE {w.where(label, 'n', where)}" if where is not None else ""
        query = f"MATCH (n:{label}){test} RETURN n {w.order(label, 'n', order)} SKIP {skip} LIMIT {limit}"
        return [self._to_node(row["n"]) for row in self.read(query, w.params)]

    def count(self, label: str, where: Condition | None = None) -> int:
        w = self._writer()
        w.node(label)
        test = f" WHERE {w.where(label, 'n', where)}" if where is not None else ""
        return int(self.read(f"MATCH (n:{label}){test} RETURN count(n) AS c", w.params)[0]["c"])

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
        query = (
            f"MATCH (n:{label}) WHERE n.{key} IN {w.param(sorted(set(ids)))} MATCH {pattern}{test} "
            f"RETURN n.{key} AS src, {far} AS m{columns} {ordering}"
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
        test = f" WHERE {w.where(label, 'n', where)}" if where is not None else ""
        figures = "count(DISTINCT n) AS c" + "".join(
            f", min(n.{w.prop(label, d)}) AS min_{d}, max(n.{w.prop(label, d)}) AS max_{d}" for d in dates
        )
        if group_level is None:
            query = f"MATCH (n:{label}){test} RETURN {figures}"
        else:
            steps = place_path_to(self.schema, label, group_level)
            key = self.schema.id_property
            if steps:
                path, place = w.place_match("n", steps, group_level)
                query = (
                    f"MATCH (n:{label}){test} OPTIONAL MATCH {path} "
                    f"RETURN {place}.{key} AS place, {figures} ORDER BY place"
                )
            else:
                query = f"MATCH (n:{label}){test} RETURN n.{key} AS place, {figures} ORDER BY place"
        return [
            PlaceCount(
                place=row.get("place"),
                count=int(row["c"]),
                minimum={d: row[f"min_{d}"] for d in dates},
                maximum={d: row[f"max_{d}"] for d in dates},
            )
            for row in self.read(query, w.params)
        ]
