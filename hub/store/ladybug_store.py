"""GraphStore on ladybug, the embedded graph database (maintained successor of Kùzu).

It runs in-process with no server, which is why it is the default. Bulk writes go through
``LOAD FROM '<batch>.parquet' MERGE …`` with explicit column types. The batch goes through a
Parquet file rather than a scan of the in-memory Arrow table: in ladybug 0.22 every scan of a
Python object leaves buffer-pool memory behind until the process ends (~2–8 MB per call), so a
long sync fills any pool; the native Parquet reader does not (see bench notes in the README). Only one process may open a
store for writing; others may open it read-only. Relationship loads use two MATCH clauses:
a comma-separated pattern in ``LOAD FROM … MATCH (a), (b)`` exhausts the buffer pool.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import os
import re
import time
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ladybug
import pyarrow as pa
import pyarrow.parquet as pq

from graph_schema import LINEAGE, PropertyDef, PropertyType, RelType, Schema
from graph_schema.ddl import ladybug_statements
from hub.store.base import SchemaCheckedStore, chunks
from hub.store.errors import StoreError, StoreLocked, StoreTimeout, StoreUnavailable
from hub.store.ladybug_identifiers import IdentifierIndex
from hub.store.ladybug_lineage import End, RelLineage
from hub.store.page_trees import PageTrees
from hub.store.port import Counts, Edge, Link, MentionMove, Neighbourhood, Node, RelRow
from hub.store.set_queries import RelatedForms

_ARROW_TYPES: dict[PropertyType, pa.DataType] = {
    PropertyType.STRING: pa.string(),
    PropertyType.INT: pa.int64(),
    PropertyType.FLOAT: pa.float64(),
    PropertyType.BOOL: pa.bool_(),
    PropertyType.DATE: pa.date32(),
    PropertyType.DATETIME: pa.timestamp("us", tz="UTC"),
    PropertyType.STRING_LIST: pa.list_(pa.string()),
}
# Distinct property sets update_nodes writes with one query each, before it writes them all in one.
_UPDATE_GROUPS = 8
# Statements kept prepared by the connection before they are all closed (see _trim_statements).
_PREPARED_STATEMENTS = 64
# Up to this many nodes, their relationships are read one node at a time (see _related_rows).
_PER_NODE_READS = 1_000
# The cost model of _scan_is_cheaper (ms): one query per anchor by key, and a scan of a label
# per node and per node and anchor; a label's size is counted again after _LABEL_SIZE_TTL_S.
_ANCHOR_MS = 0.2
# What a subquery in the condition (EXISTS { }, COUNT { }) adds to each query, whatever the
# anchors: ladybug joins it as a whole. A licence's place for a street-restricted caller
# (one five-hop EXISTS) took 3.3 ms a company one by one, 0.6 ms without (100k district).
_SUBQUERY_MS = 2.5
_SCAN_NODE_MS = 0.09e-3
_SCAN_TEST_MS = 4e-6
_LABEL_SIZE_TTL_S = 60.0
# Up to this many ids, get_nodes looks them up by primary key rather than through a batch file.
_FEW = 2_000
_LOCK_HOLDER = re.compile(r"held by PID (\d+)")
# A batch this small is written one parameterised statement per row instead of a LOAD FROM a
# Parquet file: on a 100k district a LOAD costs 55-160 ms whatever its size (the file, the scan
# operator, the plan), a parameterised MERGE of one row 1-3 ms. A steward's decision writes a
# dozen batches of one to five rows: most of its time was these fixed costs.
_SMALL_BATCH = 32
# The batch's columns as the query names them (v_key, v_src …), not after a dot or a $.
_BATCH_COLUMN = re.compile(r"(?<![.$\w])(v_\w+)")
_AGGREGATE = re.compile(r"\bRETURN\s+count\(", re.IGNORECASE)


def _native(value: Any) -> Any:
    """TIMESTAMP comes back naive; it was stored as UTC, so say so."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class LadybugStore(SchemaCheckedStore, PageTrees):
    _lineage_inline = False
    _walks_from_many_anchors = False
    _joins_some = True
    # Its planner joins a chain of optional matches by hash over whole tables (the person 360°
    # in one Cypher query: 140 ms); one related() per hop is in-process and costs 0.2 ms.
    chains_in_one_query = False
    in_process = True

    def __init__(
        self,
        schema: Schema,
        path: Path,
        *,
        buffer_pool_mb: int = 1024,
        read_only: bool = False,
        batch_size: int = 50_000,
    ) -> None:
        super().__init__(schema, f"ladybug:{path}")
        self.path = path
        self._batch = batch_size
        self._pool_mb = buffer_pool_mb
        self._scratch = path.parent / f".{path.name}.batches"
        self._scratch_seq = itertools.count()
        self._read_timeout_s: float | None = None
        # Node counts by label with when they were taken (see _label_size).
        self._label_sizes: dict[str, tuple[float, int]] = {}
        # False for a writer() twin: it shares the database and sidecars of the store it came from.
        self._owns_database = True
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.exists():
                raise StoreUnavailable(self.uri, "no embedded store here yet (run a sync or the demo first)")
            self._db = ladybug.Database(
                str(path), buffer_pool_size=buffer_pool_mb * 1024 * 1024, read_only=read_only
            )
            self._conn = ladybug.Connection(self._db)
            self._lineage = RelLineage(path.with_name(f"{path.name}.lineage"), read_only=read_only)
            self._identifiers = IdentifierIndex(
                path.with_name(f"{path.name}.identifiers"), read_only=read_only
            )
            if not read_only:
                self._move_lineage_out()
                self._index_identifiers()
        except RuntimeError as exc:
            if "lock" in str(exc).lower():
                match = _LOCK_HOLDER.search(str(exc))
                raise StoreLocked(self.uri, int(match.group(1)) if match else None) from exc
            raise StoreUnavailable(self.uri, str(exc)) from exc

    def set_read_timeout(self, seconds: float | None) -> None:
        # The connection's own timeout interrupts the query inside the engine. Only the API sets
        # it; its connection does no writes.
        self._read_timeout_s = seconds
        self._conn.set_query_timeout(0 if seconds is None else max(int(seconds * 1000), 1))

    def _run(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        try:
            result = self._execute(query, params)
        except RuntimeError as exc:
            if str(exc).startswith("Interrupted") and self._read_timeout_s is not None:
                raise StoreTimeout(f"the store stopped a query after {self._read_timeout_s:g} s") from exc
            raise StoreError(f"{self.uri}: {exc}{self._hint(exc)}") from None  # it quotes values
        assert not isinstance(result, list)  # one statement, one result
        try:
            columns = result.get_column_names()
            return [dict(zip(columns, row, strict=True)) for row in result.get_all()]
        finally:
            # An open result pins buffer-pool pages; left to the garbage collector, a long sync
            # fills the pool ("Unable to allocate memory") after some ten thousand writes.
            result.close()
            self._trim_statements()

    def _execute(self, query: str, params: Mapping[str, Any] | None) -> Any:
        try:
            return self._conn.execute(query, dict(params or {}))
        except RuntimeError as exc:
            # The prepared statements kept may be what fills the pool (a statement of a large
            # `where` holds several MB, fewer than the bound fill a small pool): closed, the
            # query is tried once more before the failure is reported.
            if "buffer pool is full" in str(exc) and self._trim_statements(always=True):
                return self._conn.execute(query, dict(params or {}))
            raise

    def _trim_statements(self, *, always: bool = False) -> bool:
        """ladybug 0.22 keeps every statement text it has run prepared, without bound, each
        holding buffer-pool memory: an API serving varied queries (each `where` shape, page
        size) filled a 256 MB pool after 161 of them, and then every query failed. Past a
        bound (or ``always``), the prepared statements are closed (as the connection does when
        it closes). True if any was."""
        cache: dict[Any, Any] | None = getattr(self._conn, "_pybind_implicit_prepared_cache", None)
        if cache is None or not cache or (len(cache) <= _PREPARED_STATEMENTS and not always):
            return False
        with self._conn._prepared_cache_lock:
            for prepared in cache.values():
                close = getattr(prepared, "close", None)
                if callable(close):
                    with contextlib.suppress(RuntimeError):
                        close()
            cache.clear()
        return True

    def _hint(self, exc: Exception) -> str:
        if "buffer pool is full" in str(exc):
            return (
                f" (the buffer pool is {self._pool_mb} MB; a larger graph needs a larger one: "
                "set GRIDHUB_LADYBUG_BUFFER_POOL_MB, e.g. 6144 for a district of a million residents)"
            )
        return ""

    def _stream(self, query: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Rows one at a time, for exports of millions of rows (``_run`` holds them all)."""
        try:
            result = self._conn.execute(query, dict(params or {}))
        except RuntimeError as exc:
            # An export sorts a whole label in the buffer pool: a pool too small for the graph
            # fails here first (a million Person nodes in the default 1 GB), so say which knob.
            raise StoreError(f"{self.uri}: {exc}{self._hint(exc)}") from None  # it quotes values
        assert not isinstance(result, list)
        try:
            columns = result.get_column_names()
            while result.has_next():
                yield dict(zip(columns, result.get_next(), strict=True))
        finally:
            result.close()

    def _load(
        self, query: str, table: pa.Table, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run ``query`` with ``__BATCH__`` standing for a scan of ``table``."""
        if 0 < table.num_rows <= _SMALL_BATCH:
            return self._per_row(query, table, params)
        self._scratch.mkdir(parents=True, exist_ok=True)
        file = self._scratch / f"{os.getpid()}-{next(self._scratch_seq)}.parquet"
        pq.write_table(table, file)
        try:
            # The file name is ours (pid and a counter under the store's directory): safe to inline.
            return self._run(query.replace("__BATCH__", f"'{file}'"), params)
        finally:
            file.unlink(missing_ok=True)

    def apply_schema(self) -> None:
        for statement in ladybug_statements(self.schema):
            self._run(statement)

    def _move_lineage_out(self) -> None:
        """A store made before lineage moved beside it holds ``records`` on its relationships:
        copy them into the lineage table and drop the column (at every writable open, since
        not every command applies the schema; read-only opens read the column as it is)."""
        tables = {row["name"] for row in self._run("CALL show_tables() RETURN *")}
        for rel in self.schema.rel_types:
            if not rel.has_lineage or rel.name not in tables:
                continue
            columns = {row["name"] for row in self._run(f"CALL table_info('{rel.name}') RETURN *")}
            if LINEAGE not in columns:
                continue
            rows = self._stream(
                f"MATCH (a)-[r:{rel.name}]->(b) RETURN a.{self._key} AS src, b.{self._key} AS dst, r.{LINEAGE} AS recs"
            )
            self._lineage.add((rel.name, r["src"], r["dst"], rec) for r in rows for rec in r["recs"] or ())
            self._run(f"ALTER TABLE {rel.name} DROP {LINEAGE}")

    def _index_identifiers(self) -> None:
        """Fill the identifier index from the graph when it is not known to be complete (a
        store written before it existed, or a lost file); once, at a writable open."""
        if self._identifiers.complete:
            return
        self._identifiers.clear()
        tables = {row["name"] for row in self._run("CALL show_tables() RETURN *")}
        for node in self.schema.node_types:
            if node.name not in tables:
                continue
            for prop in node.lookup_keys:
                rows = self._stream(
                    f"MATCH (n:{node.name}) WHERE n.{prop.name} IS NOT NULL "
                    f"RETURN n.{self._key} AS id, n.{prop.name} AS value"
                )
                self._identifiers.add((node.name, prop.name, str(r["value"]), r["id"]) for r in rows)
        self._identifiers.mark_complete()

    def _index_rows(
        self, label: str, rows: Sequence[Mapping[str, Any]]
    ) -> list[tuple[str, list[tuple[str, str]]]]:
        """Index the identifier values these rows set (before the graph write: the index may
        hold more than the graph, never less); returns what :meth:`_drop_stale` needs after it."""
        written: list[tuple[str, list[tuple[str, str]]]] = []
        for prop in self.schema.node(label).lookup_keys:
            pairs = [
                (str(r[self._key]), str(r[prop.name])) for r in rows if r.get(prop.name) not in (None, "")
            ]
            if pairs:
                self._identifiers.add((label, prop.name, value, node_id) for node_id, value in pairs)
                written.append((prop.name, pairs))
        return written

    def _drop_stale(self, label: str, written: list[tuple[str, list[tuple[str, str]]]]) -> None:
        for prop, pairs in written:
            self._identifiers.drop_stale(label, prop, pairs)

    def _identifier_ids(self, label: str, prop: str, values: Sequence[str]) -> list[str] | None:
        return self._identifiers.ids(label, prop, values) if self._identifiers.complete else None

    @staticmethod
    def _table(columns: dict[str, list[Any]], types: dict[str, PropertyDef]) -> pa.Table:
        return pa.table(
            {
                name: pa.array(values, type=_ARROW_TYPES[types[name].type] if name in types else pa.string())
                for name, values in columns.items()
            }
        )

    def _per_row(
        self, query: str, table: pa.Table, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """``query`` once per row of a small ``table``, its columns as parameters (typed as the
        Parquet file would have them: the rows are read back from the Arrow table). A count the
        query returns is summed over the rows, as one LOAD would have counted them."""
        statement = _BATCH_COLUMN.sub(r"$\1", query.replace("LOAD FROM __BATCH__ ", "", 1))
        results = [self._run(statement, {**(params or {}), **row}) for row in table.to_pylist()]
        if not _AGGREGATE.search(query):
            return [found for rows in results for found in rows]
        total: dict[str, Any] = {}
        for rows in results:
            for name, value in (rows[0] if rows else {}).items():
                total[name] = total.get(name, 0) + int(value)
        return [total] if total else []

    def upsert_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        node = self._node_type(label)
        props = self._node_columns(node, rows)
        key = self._key
        types = {p.name: p for p in node.properties}
        # coalesce(): a null in this batch keeps the stored value, as in Neo4j's `SET n += map`.
        sets = ", ".join(f"n.{p} = coalesce(v_{p}, n.{p})" for p in props)
        query = f"LOAD FROM __BATCH__ MERGE (n:{node.name} {{{key}: v_key}})" + (
            f" SET {sets}" if sets else ""
        )
        for batch in chunks(rows, self._batch):
            written = self._index_rows(label, batch)
            columns: dict[str, list[Any]] = {"v_key": [str(r[key]) for r in batch]}
            columns |= {f"v_{p}": [r.get(p) for r in batch] for p in props}
            table = self._table(columns, {f"v_{p}": types[p] for p in props})
            self._load(query, table)
            self._drop_stale(label, written)
        return len(rows)

    def update_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        node = self._node_type(label)
        given = self._node_columns(node, rows)
        key = self._key
        types = {p.name: p for p in node.properties}
        # Rows grouped by the properties they set: a column is written only where it changes
        # (every column SET costs its node groups a rewrite at the next checkpoint, whatever the
        # value). MATCH, not MERGE: a MERGE also probes and locks the primary-key index.
        groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            groups[tuple(sorted(p for p, v in row.items() if p != key and v is not None))].append(row)
        if len(groups) > _UPDATE_GROUPS:  # many shapes: one query, nulls keeping values
            groups = {tuple(given): list(rows)}
        found = 0
        for props, group in groups.items():
            if not props:
                found += len(self.existing_ids(label, [str(r[key]) for r in group]))
                continue
            sets = ", ".join(f"n.{p} = coalesce(v_{p}, n.{p})" for p in props)
            query = f"LOAD FROM __BATCH__ MATCH (n:{node.name} {{{key}: v_key}}) SET {sets} RETURN count(n) AS found"
            for batch in chunks(group, self._batch):
                written = self._index_rows(label, batch)
                columns: dict[str, list[Any]] = {"v_key": [str(r[key]) for r in batch]}
                columns |= {f"v_{p}": [r.get(p) for r in batch] for p in props}
                table = self._table(columns, {f"v_{p}": types[p] for p in props})
                found += int(self._load(query, table)[0]["found"])
                self._drop_stale(label, written)
        return found

    def upsert_relationships(
        self, rel_type: str, src_label: str, dst_label: str, rows: Sequence[RelRow]
    ) -> int:
        rel = self._rel_type(rel_type, src_label, dst_label)
        # Lineage accumulates beside the graph: every record asserting the relationship, once.
        props = [p for p in self._rel_columns(rel, (r.properties for r in rows)) if p != LINEAGE]
        if rel.has_lineage:
            self._lineage.add(
                (rel.name, r.src, r.dst, rec) for r in rows for rec in r.properties.get(LINEAGE) or ()
            )
        key = self._key
        types = {p.name: p for p in rel.properties}
        sets = ", ".join(f"r.{p} = coalesce(v_{p}, r.{p})" for p in props)
        merge_on = "{" + ", ".join(f"{k}: v_{k}" for k in rel.keys) + "}" if rel.keys else ""
        query = (
            f"LOAD FROM __BATCH__ MATCH (a:{src_label} {{{key}: v_src}}) MATCH (b:{dst_label} {{{key}: v_dst}}) "
            f"MERGE (a)-[r:{rel.name} {merge_on}]->(b)"
            + (f" SET {sets}" if sets else "")
            + " RETURN count(*) AS written"
        )
        written = 0
        for batch in chunks(rows, self._batch):
            columns: dict[str, list[Any]] = {"v_src": [r.src for r in batch], "v_dst": [r.dst for r in batch]}
            columns |= {f"v_{p}": [r.properties.get(p) for r in batch] for p in (*rel.keys, *props)}
            table = self._table(columns, {f"v_{p}": types[p] for p in (*rel.keys, *props)})
            written += int(self._load(query, table)[0]["written"])
        return written

    def clear_properties(self, label: str, node_ids: Sequence[str], props: Sequence[str]) -> int:
        node = self._node_type(label)
        for prop in props:
            self._check_prop(node, prop)
        if not props or not node_ids:
            return 0
        # The identifier index may keep a cleared value: it may hold more than the graph, never less.
        sets = ", ".join(f"n.{p} = NULL" for p in props)
        query = (
            f"LOAD FROM __BATCH__ MATCH (n:{node.name}) WHERE n.{self._key} = v_id SET {sets} "
            "RETURN count(*) AS found"
        )
        found = 0
        for batch in chunks(node_ids, self._batch):
            table = pa.table({"v_id": pa.array(list(batch), type=pa.string())})
            found += int(self._load(query, table)[0]["found"])
        return found

    def retire_records(self, record_ids: Sequence[str], at: datetime) -> int:
        label = self.schema.roles.source_record
        query = (
            f"LOAD FROM __BATCH__ MATCH (n:{label}) WHERE n.{self._key} = v_id AND n.current = true "
            "SET n.current = false, n.retired_at = $at RETURN count(*) AS retired"
        )
        retired = 0
        for batch in chunks(record_ids, self._batch):
            table = pa.table({"v_id": pa.array(list(batch), type=pa.string())})
            retired += int(self._load(query, table, {"at": at})[0]["retired"])
        return retired

    def retract_records(self, record_ids: Sequence[str], rel_types: Collection[str] | None = None) -> int:
        types = [
            r.name
            for r in self.schema.rel_types
            if r.has_lineage and (rel_types is None or r.name in rel_types)
        ]
        return self._delete_ends(self._lineage.retract(record_ids, types))

    def _delete_ends(self, ends: Sequence[End]) -> int:
        """Delete these relationships (named by type and end ids) from the graph."""
        pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for rel_name, src, dst in ends:
            pairs[rel_name].append((src, dst))
        deleted, key = 0, self._key
        for rel_name, ends_of_type in pairs.items():
            rel = self._rel_type_named(rel_name)
            table = pa.table(
                {
                    "v_src": pa.array([s for s, _ in ends_of_type], pa.string()),
                    "v_dst": pa.array([d for _, d in ends_of_type], pa.string()),
                }
            )
            for src_label in rel.sources:
                for dst_label in rel.targets:
                    query = (
                        f"LOAD FROM __BATCH__ MATCH (a:{src_label} {{{key}: v_src}})-[x:{rel.name}]->(b:{dst_label}) "
                        f"WHERE b.{key} = v_dst DELETE x RETURN count(*) AS n"
                    )
                    deleted += int(self._load(query, table)[0]["n"])
        return deleted

    def existing_ids(self, label: str, ids: Collection[str]) -> set[str]:
        node = self._node_type(label)
        query = (
            f"LOAD FROM __BATCH__ MATCH (n:{node.name}) WHERE n.{self._key} = v_id RETURN n.{self._key} AS id"
        )
        found: set[str] = set()
        for batch in chunks(sorted(ids), self._batch):
            table = pa.table({"v_id": pa.array(list(batch), type=pa.string())})
            found.update(row["id"] for row in self._load(query, table))
        return found

    def iter_nodes(self, label: str) -> Iterator[Node]:
        node = self._node_type(label)
        for row in self._stream(f"MATCH (n:{node.name}) RETURN n ORDER BY n.{self._key}"):
            yield self._to_node(row["n"])

    def iter_relationships(self, rel_type: str) -> Iterator[Link]:
        rel = self._rel_type_named(rel_type)
        key = self._key
        query = (
            f"MATCH (a)-[r:{rel.name}]->(b) RETURN label(a) AS src_label, a.{key} AS src, label(b) AS dst_label, "
            f"b.{key} AS dst, r ORDER BY src, dst"
        )
        lineage = self._lineage.of_type(rel.name) if rel.has_lineage else {}
        for row in self._stream(query):
            props = {
                p.name: _native(row["r"][p.name]) for p in rel.properties if row["r"].get(p.name) is not None
            }
            if records := lineage.get((row["src"], row["dst"])):
                props[LINEAGE] = records
            yield Link(row["src_label"], row["src"], row["dst_label"], row["dst"], props)

    def merge_nodes(self, label: str, merges: Mapping[str, str]) -> int:
        if not merges:
            return 0
        key = self._key
        table = pa.table(
            {
                "v_old": pa.array(list(merges), pa.string()),
                "v_new": pa.array(list(merges.values()), pa.string()),
            }
        )
        # Lineage: the survivor's relationships list the records of both. SQLite works beside
        # the graph (both release the GIL): the update touches rows all over its B-tree.
        with ThreadPoolExecutor(max_workers=1) as beside:
            lineage = beside.submit(self._lineage.merge, merges)
            for rel, outgoing, other in self._merge_plan(label):
                copy = ", ".join(
                    f"r2.{p.name} = r.{p.name}" for p in rel.properties if p.name not in (*rel.keys, LINEAGE)
                )
                arrow = self._arrows(rel, outgoing, other)
                # The old node matched on its own first: in one pattern with the relationship, the
                # planner joins the batch to a hash table of every such relationship in the store
                # (0.3 s for LIVES_AT at a million persons); bound first, it follows the batch's.
                move = (
                    f"LOAD FROM __BATCH__ MATCH (old:{label} {{{key}: v_old}}) MATCH (old){arrow[0]} "
                    f"MATCH (new:{label} {{{key}: v_new}}) MERGE (new){arrow[1]}"
                    + (f" SET {copy}" if copy else "")
                )
                self._load(move, table)
            lineage.result()
        delete = f"LOAD FROM __BATCH__ MATCH (old:{label} {{{key}: v_old}}) DETACH DELETE old RETURN count(*) AS folded"
        folded = int(self._load(delete, table)[0]["folded"])
        self._identifiers.forget(list(merges))
        return folded

    def move_mentions(self, label: str, moves: Sequence[MentionMove]) -> int:
        if not moves:
            return 0
        key, provenance = self._key, self.schema.roles.provenance
        table = pa.table(
            {
                "v_rec": pa.array([m.record for m in moves], pa.string()),
                "v_role": pa.array([m.role for m in moves], pa.string()),
                "v_old": pa.array([m.old for m in moves], pa.string()),
                "v_new": pa.array([m.new for m in moves], pa.string()),
            }
        )
        # What the records assert about the old entities now names the new ones: copy each
        # relationship so changed to its new end, then drop the old one if nothing asserts it.
        changed = self._lineage.move((m.record, m.old, m.new) for m in moves)
        copies: dict[tuple[str, bool], list[tuple[str, str, str]]] = defaultdict(list)
        for (rel_name, src, dst), (_, new_src, new_dst) in changed:
            if src != new_src:
                copies[(rel_name, True)].append((src, new_src, dst))
            else:
                copies[(rel_name, False)].append((dst, new_dst, src))
        for rel, outgoing, other in self._merge_plan(label):
            arrow = self._arrows(rel, outgoing, other)
            if rel.name == provenance:
                match = (
                    f"LOAD FROM __BATCH__ MATCH (old:{label} {{{key}: v_old}}){arrow[0]} "
                    f"WHERE b.{key} = v_rec AND r.role = v_role"
                )
                copy = ", ".join(
                    f"r2.{p.name} = r.{p.name}" for p in rel.properties if p.name not in rel.keys
                )
                self._load(
                    f"{match} MATCH (new:{label} {{{key}: v_new}}) MERGE (new){arrow[1]}"
                    + (f" SET {copy}" if copy else ""),
                    table,
                )
                self._load(f"{match} DELETE r", table)
            elif rows := copies.get((rel.name, outgoing)):
                copy = ", ".join(
                    f"r2.{p.name} = r.{p.name}" for p in rel.properties if p.name not in (*rel.keys, LINEAGE)
                )
                batch = pa.table(
                    {
                        "v_old": pa.array([r[0] for r in rows], pa.string()),
                        "v_new": pa.array([r[1] for r in rows], pa.string()),
                        "v_other": pa.array([r[2] for r in rows], pa.string()),
                    }
                )
                self._load(
                    f"LOAD FROM __BATCH__ MATCH (old:{label} {{{key}: v_old}}){arrow[0]} WHERE b.{key} = v_other "
                    f"MATCH (new:{label} {{{key}: v_new}}) MERGE (new){arrow[1]}"
                    + (f" SET {copy}" if copy else ""),
                    batch,
                )
        self._delete_ends([before for before, _ in changed if not self._lineage.asserted(before)])
        return len(moves)

    def delete_relationships(
        self, rel_type: str, label: str, ids: Sequence[str], *, outgoing: bool = False
    ) -> int:
        rel = self._rel_type_named(rel_type)
        self._node_type(label)
        pattern = f"(b)-[r:{rel.name}]->()" if outgoing else f"()-[r:{rel.name}]->(b)"
        query = (
            f"LOAD FROM __BATCH__ MATCH (b:{label}) WHERE b.{self._key} = v_id "
            f"MATCH {pattern} DELETE r RETURN count(*) AS deleted"
        )
        deleted = 0
        for batch in chunks(ids, self._batch):
            table = pa.table({"v_id": pa.array(list(batch), type=pa.string())})
            deleted += int(self._load(query, table)[0]["deleted"])
        if rel.has_lineage:
            (self._lineage.drop_sources if outgoing else self._lineage.drop_targets)(rel.name, ids)
        return deleted

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return [{k: _native(v) for k, v in row.items()} for row in self._run(query, params)]

    def _to_node(self, value: Mapping[str, Any]) -> Node:
        return self._node(str(value["_LABEL"]), value, _native)

    def _related_rows(
        self, label: str, forms: RelatedForms, ids: list[str], params: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        # ladybug plans the many-anchor form as a scan of the label and the relationship joined
        # by hash: 0.3–1 s at 100k persons whatever the number of anchors, where one node by key
        # and its relationships take 0.2 ms. So up to a few hundred nodes, one query each (in
        # this one call: still one round trip for the API); beyond, the scan is cheaper.
        if len(ids) > _PER_NODE_READS:
            return self.read(forms.many, {**params, "anchors": ids})
        subqueries = forms.one.count("EXISTS {") + forms.one.count("COUNT {")
        if len(ids) > 1 and self._scan_is_cheaper(label, len(ids), _ANCHOR_MS + subqueries * _SUBQUERY_MS):
            return self.read(forms.scan, {**params, "anchors": ids})
        rows: list[dict[str, Any]] = []
        for node_id in ids:
            rows += self.read(forms.one, {**params, "anchor": node_id})
        return rows

    def _scan_is_cheaper(self, label: str, anchors: int, per_anchor_ms: float = _ANCHOR_MS) -> bool:
        """Whether reading ``label`` whole with ``WHERE n.id IN $anchors`` beats one query per
        anchor (``per_anchor_ms`` each). Measured on a 100k district (2026-12-06): one query by
        key costs ~0.2 ms (more with a subquery in its condition); the scan ~0.09 µs per node
        of the label plus ~4 ns per node and anchor (the list is tested item by item). So the
        scan wins for the companies of a page (12.7k LegalEntity nodes: 11 anchors 1.4 ms
        against 2.4 ms one by one), never on 102k persons (8–12 ms) unless each query carries
        subqueries. Only the plan depends on it, never the rows."""
        size = self._label_size(label)
        scan = size * (_SCAN_NODE_MS + anchors * _SCAN_TEST_MS)
        return scan < anchors * per_anchor_ms

    def _label_size(self, label: str) -> int:
        """How many nodes ``label`` has, counted at most once a minute (a plan's estimate: a
        sync in between makes it stale, never wrong)."""
        now = time.monotonic()
        known = self._label_sizes.get(label)
        if known is not None and now - known[0] < _LABEL_SIZE_TTL_S:
            return known[1]
        size = int(self._run(f"MATCH (n:{self._node_type(label).name}) RETURN count(n) AS c")[0]["c"])
        self._label_sizes[label] = (now, size)
        return size

    def _lineage_of(
        self, rel: RelType, ends: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], list[str]]:
        return self._lineage.of_ends(rel.name, ends)

    def get_node(self, label: str, node_id: str) -> Node | None:
        node = self._node_type(label)
        rows = self._run(f"MATCH (n:{node.name}) WHERE n.{self._key} = $id RETURN n", {"id": node_id})
        return self._to_node(rows[0]["n"]) if rows else None

    def get_nodes(self, label: str, ids: Collection[str]) -> dict[str, Node]:
        node = self._node_type(label)
        if len(ids) <= _FEW:
            # A few ids (the API): looked up one by one through the primary key. A batch file
            # costs a Parquet write, and `WHERE n.id IN $list` reads the whole table.
            query = f"UNWIND $ids AS i MATCH (n:{node.name} {{{self._key}: i}}) RETURN n"
            return {n.id: n for n in (self._to_node(r["n"]) for r in self._run(query, {"ids": sorted(ids)}))}
        query = f"LOAD FROM __BATCH__ MATCH (n:{node.name}) WHERE n.{self._key} = v_id RETURN n"
        found: dict[str, Node] = {}
        for batch in chunks(sorted(ids), self._batch):
            table = pa.table({"v_id": pa.array(list(batch), type=pa.string())})
            for row in self._load(query, table):
                n = self._to_node(row["n"])
                found[n.id] = n
        return found

    def find_nodes(self, label: str, prop: str, value: Any, limit: int = 100) -> list[Node]:
        node = self._node_type(label)
        self._check_prop(node, prop)
        query = f"MATCH (n:{node.name}) WHERE n.{prop} = $value RETURN n ORDER BY n.{self._key} LIMIT $limit"
        return [self._to_node(r["n"]) for r in self._run(query, {"value": value, "limit": limit})]

    def neighbourhood(
        self, label: str, node_id: str, rel_types: Collection[str] | None = None, limit: int = 500
    ) -> Neighbourhood | None:
        center = self.get_node(label, node_id)
        if center is None:
            return None
        types = self._rel_filter(rel_types)
        if types == []:
            return Neighbourhood(node=center, edges=[])
        typed = f"r:{'|'.join(types)}" if types else "r"
        lineage = self._lineage.around(node_id)
        edges: list[Edge] = []
        # Two directed queries: label(r) and direction are then unambiguous, also for self-loops.
        for outgoing, pattern in ((True, f"(n)-[{typed}]->(m)"), (False, f"(n)<-[{typed}]-(m)")):
            query = (
                f"MATCH (n:{label}) WHERE n.{self._key} = $id MATCH {pattern} "
                f"RETURN label(r) AS type, r, m ORDER BY type, m.{self._key} LIMIT $limit"
            )
            for row in self._run(query, {"id": node_id, "limit": limit}):
                rel_props = self.schema.rel(row["type"]).properties
                props = {
                    p.name: _native(row["r"][p.name]) for p in rel_props if row["r"].get(p.name) is not None
                }
                ends = (node_id, row["m"][self._key]) if outgoing else (row["m"][self._key], node_id)
                if records := lineage.get((row["type"], *ends)):
                    props[LINEAGE] = records
                edges.append(
                    Edge(type=row["type"], outgoing=outgoing, properties=props, node=self._to_node(row["m"]))
                )
        edges.sort(key=lambda e: (e.type, e.node.id))
        return Neighbourhood(node=center, edges=edges[:limit])

    def counts(self) -> Counts:
        nodes = {
            n.name: int(self._run(f"MATCH (n:{n.name}) RETURN count(n) AS c")[0]["c"])
            for n in self.schema.node_types
        }
        rels = {
            r.name: int(self._run(f"MATCH ()-[r:{r.name}]->() RETURN count(r) AS c")[0]["c"])
            for r in self.schema.rel_types
        }
        return Counts(nodes=nodes, relationships=rels)

    def writer(self) -> LadybugStore:
        # One Database per process (its lock file is per process); a second Connection to it
        # writes in its own transactions while the API's connection keeps reading.
        twin = copy.copy(self)
        twin._conn = ladybug.Connection(self._db)
        twin._read_timeout_s = None
        twin._owns_database = False
        return twin

    def close(self) -> None:
        self._conn.close()
        if not self._owns_database:
            return
        self._db.close()
        self._lineage.close()
        self._identifiers.close()
