"""GraphStore on Neo4j through the official driver (py2neo's successor).

Writes are UNWIND batches in managed write transactions (retried on transient errors), every
MERGE is backed by a uniqueness constraint, and every call names its database explicitly.
``neo4j://`` URIs route reads to secondaries of a cluster; ``bolt://`` talks to one server.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from connectors.secrets import redact_url
from graph_schema import LINEAGE, Schema
from graph_schema.ddl import neo4j_statements
from hub.store.base import SchemaCheckedStore, chunks
from hub.store.errors import StoreError, StoreTimeout, StoreUnavailable
from hub.store.page_trees import CollectedPageTrees
from hub.store.port import Counts, Edge, Link, MentionMove, Neighbourhood, Node, RelRow
from hub.store.values import driver_native as _native


def _q(text: str) -> neo4j.Query:
    # Labels and property names in `text` were checked against the schema (see base.py);
    # values always travel as parameters.
    return neo4j.Query(text)


# A read the driver calls retryable is tried this many times in all, the waits doubling.
READ_ATTEMPTS = 3
READ_BACKOFF_S = 0.2


class Neo4jStore(SchemaCheckedStore, CollectedPageTrees):
    def __init__(
        self,
        schema: Schema,
        uri: str,
        *,
        auth: tuple[str, str] | None = None,
        database: str = "neo4j",
        connect_timeout_s: float = 5.0,
        batch_size: int = 10_000,
    ) -> None:
        # The name in messages and reports; a password written into the URL is masked.
        super().__init__(schema, redact_url(uri))
        self.database = database
        self._labels = frozenset(n.name for n in schema.node_types)
        self._batch = batch_size
        self._read_timeout_s: float | None = None
        self._owns_driver = True  # False for a writer() twin, which shares the driver
        try:
            self._driver = GraphDatabase.driver(
                uri,
                auth=auth,
                connection_timeout=connect_timeout_s,
                connection_acquisition_timeout=connect_timeout_s * 2,
                max_transaction_retry_time=connect_timeout_s * 3,
            )
            self._driver.verify_connectivity()
        except (ServiceUnavailable, AuthError, DriverError, OSError, ValueError) as exc:
            raise StoreUnavailable(self.uri, f"{type(exc).__name__}: {exc}") from exc

    def _session(self, access_mode: str) -> neo4j.Session:
        # Sessions share the bookmarks of `execute_query` (the reads): in a cluster, a read then
        # waits until the secondary it is routed to has applied this process's earlier writes,
        # so a resolution pass reads what the sync before it wrote (causal consistency).
        return self._driver.session(
            database=self.database,
            default_access_mode=access_mode,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
        )

    # -- writes -------------------------------------------------------------------------------

    def _write(self, query: str, **params: Any) -> list[dict[str, Any]]:
        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(query, params)]

        try:
            with self._session(neo4j.WRITE_ACCESS) as session:
                return session.execute_write(work)
        except Neo4jError as exc:
            raise StoreError(f"{self.uri}: {exc.code}: {exc.message}") from None  # it quotes values
        except (ServiceUnavailable, DriverError) as exc:
            raise StoreUnavailable(self.uri, str(exc)) from exc

    def apply_schema(self) -> None:
        for statement in neo4j_statements(self.schema):
            self._write(statement)
        self._write("CALL db.awaitIndexes(300)")

    def upsert_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        node = self._node_type(label)
        self._node_columns(node, rows)
        key = self._key
        query = f"UNWIND $rows AS row MERGE (n:{node.name} {{{key}: row.key}}) SET n += row.props"
        for batch in chunks(rows, self._batch):
            # `SET n += map` would delete a property given as null; dropping nulls keeps it.
            payload = [
                {"key": r[key], "props": {k: v for k, v in r.items() if k != key and v is not None}}
                for r in batch
            ]
            self._write(query, rows=payload)
        return len(rows)

    def update_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        node = self._node_type(label)
        self._node_columns(node, rows)
        key = self._key
        query = (
            f"UNWIND $rows AS row MATCH (n:{node.name} {{{key}: row.key}}) SET n += row.props "
            "RETURN count(n) AS found"
        )
        found = 0
        for batch in chunks(rows, self._batch):
            payload = [
                {"key": r[key], "props": {k: v for k, v in r.items() if k != key and v is not None}}
                for r in batch
            ]
            found += int(self._write(query, rows=payload)[0]["found"])
        return found

    def upsert_relationships(
        self, rel_type: str, src_label: str, dst_label: str, rows: Sequence[RelRow]
    ) -> int:
        rel = self._rel_type(rel_type, src_label, dst_label)
        self._rel_columns(rel, (r.properties for r in rows))
        key = self._key
        merge_on = "{" + ", ".join(f"{k}: row.keys.{k}" for k in rel.keys) + "}" if rel.keys else ""
        query = (
            f"UNWIND $rows AS row MATCH (a:{src_label} {{{key}: row.src}}) "
            f"MATCH (b:{dst_label} {{{key}: row.dst}}) "
            f"MERGE (a)-[r:{rel.name} {merge_on}]->(b) SET r += row.props"
            # Lineage accumulates: every record asserting the relationship is listed once.
            + (
                f" SET r.{LINEAGE} = CASE WHEN row.lineage IS NULL THEN r.{LINEAGE} "
                f"WHEN r.{LINEAGE} IS NULL THEN row.lineage "
                f"ELSE r.{LINEAGE} + [x IN row.lineage WHERE NOT x IN r.{LINEAGE}] END"
                if rel.has_lineage
                else ""
            )
            + " RETURN count(r) AS written"
        )
        written = 0
        for batch in chunks(rows, self._batch):
            payload = [
                {
                    "src": r.src,
                    "dst": r.dst,
                    "keys": {k: r.properties[k] for k in rel.keys},
                    "props": {
                        k: v
                        for k, v in r.properties.items()
                        if v is not None and k not in rel.keys and k != LINEAGE
                    },
                    "lineage": r.properties.get(LINEAGE),
                }
                for r in batch
            ]
            written += int(self._write(query, rows=payload)[0]["written"])
        return written

    def clear_properties(self, label: str, node_ids: Sequence[str], props: Sequence[str]) -> int:
        node = self._node_type(label)
        for prop in props:
            self._check_prop(node, prop)
        if not props or not node_ids:
            return 0
        removes = ", ".join(f"n.{p}" for p in props)
        query = (
            f"UNWIND $ids AS id MATCH (n:{node.name} {{{self._key}: id}}) REMOVE {removes} "
            "RETURN count(n) AS found"
        )
        found = 0
        for batch in chunks(node_ids, self._batch):
            found += int(self._write(query, ids=list(batch))[0]["found"])
        return found

    def retire_records(self, record_ids: Sequence[str], at: datetime) -> int:
        label = self.schema.roles.source_record
        query = (
            f"UNWIND $ids AS id MATCH (n:{label} {{{self._key}: id}}) WHERE n.current "
            "SET n.current = false, n.retired_at = $at RETURN count(n) AS retired"
        )
        return sum(
            int(self._write(query, ids=list(batch), at=at)[0]["retired"])
            for batch in chunks(record_ids, self._batch)
        )

    def retract_records(self, record_ids: Sequence[str], rel_types: Collection[str] | None = None) -> int:
        label, provenance, key = self.schema.roles.source_record, self.schema.roles.provenance, self._key
        deleted = 0
        for rel in (
            r for r in self.schema.rel_types if r.has_lineage and (rel_types is None or r.name in rel_types)
        ):
            query = (
                f"UNWIND $ids AS rid MATCH (:{label} {{{key}: rid}})<-[:{provenance}]-(e)-[x:{rel.name}]-() "
                f"WHERE rid IN x.{LINEAGE} WITH DISTINCT rid, x "
                f"SET x.{LINEAGE} = [y IN x.{LINEAGE} WHERE y <> rid] "
                f"WITH DISTINCT x WHERE size(x.{LINEAGE}) = 0 DELETE x RETURN count(*) AS deleted"
            )
            for batch in chunks(record_ids, self._batch):
                deleted += int(self._write(query, ids=list(batch))[0]["deleted"])
        return deleted

    # -- reads --------------------------------------------------------------------------------

    def set_read_timeout(self, seconds: float | None) -> None:
        # Sent with every read as the transaction's timeout: the server ends it there.
        self._read_timeout_s = seconds

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of one read query, as an auto-commit query in a read-access session.

        Not ``execute_query``: its managed transaction costs a second network round trip (the
        COMMIT after BEGIN+RUN+PULL), ~0.3–0.6 ms a query here, which an API request paying
        several store round trips pays each time. What the managed form adds is kept: the
        session routes by its access mode (a cluster's secondaries), shares the bookmarks of
        the writes (causal consistency), and a failure the driver calls retryable (a leader
        switch, a lost connection) is tried again, with a short back-off."""
        bound = dict(params or {})
        for attempt in range(READ_ATTEMPTS):
            try:
                with self._session(neo4j.READ_ACCESS) as session:
                    result = session.run(neo4j.Query(query, timeout=self._read_timeout_s), bound)
                    # Record is a tuple: iterating it yields values, so the keys are asked for by name.
                    return [{k: _native(record[k]) for k in record.keys()} for record in result]  # noqa: SIM118
            except Neo4jError as exc:
                if "TransactionTimedOut" in (exc.code or "") and self._read_timeout_s is not None:
                    raise StoreTimeout(f"the store stopped a query after {self._read_timeout_s:g} s") from exc
                if not (exc.is_retryable() and attempt + 1 < READ_ATTEMPTS):
                    raise StoreError(f"{self.uri}: {exc.code}: {exc.message}") from None  # it quotes values
            except (ServiceUnavailable, DriverError) as exc:
                if not (exc.is_retryable() and attempt + 1 < READ_ATTEMPTS):
                    raise StoreUnavailable(self.uri, str(exc)) from exc
            time.sleep(READ_BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _to_node(self, value: Any) -> Node:
        label = next(lbl for lbl in value.labels if lbl in self._labels)
        return self._node(label, dict(value.items()), _native)

    def get_node(self, label: str, node_id: str) -> Node | None:
        node = self._node_type(label)
        rows = self.read(f"MATCH (n:{node.name} {{{self._key}: $id}}) RETURN n", {"id": node_id})
        return self._to_node(rows[0]["n"]) if rows else None

    def get_nodes(self, label: str, ids: Collection[str]) -> dict[str, Node]:
        node = self._node_type(label)
        query = f"UNWIND $ids AS id MATCH (n:{node.name} {{{self._key}: id}}) RETURN n"
        found: dict[str, Node] = {}
        for batch in chunks(sorted(ids), self._batch):
            for row in self.read(query, {"ids": list(batch)}):
                n = self._to_node(row["n"])
                found[n.id] = n
        return found

    def find_nodes(self, label: str, prop: str, value: Any, limit: int = 100) -> list[Node]:
        node = self._node_type(label)
        self._check_prop(node, prop)
        query = f"MATCH (n:{node.name}) WHERE n.{prop} = $value RETURN n ORDER BY n.{self._key} LIMIT $limit"
        return [self._to_node(r["n"]) for r in self.read(query, {"value": value, "limit": limit})]

    def neighbourhood(
        self, label: str, node_id: str, rel_types: Collection[str] | None = None, limit: int = 500
    ) -> Neighbourhood | None:
        center = self.get_node(label, node_id)
        if center is None:
            return None
        types = self._rel_filter(rel_types)
        query = (
            f"MATCH (n:{label} {{{self._key}: $id}})-[r]-(m) "
            "WHERE $types IS NULL OR type(r) IN $types "
            "RETURN type(r) AS type, startNode(r) = n AS outgoing, properties(r) AS props, m "
            f"ORDER BY type, m.{self._key} LIMIT $limit"
        )
        edges = [
            Edge(
                type=row["type"],
                outgoing=bool(row["outgoing"]),
                properties={str(k): _native(v) for k, v in dict(row["props"]).items()},
                node=self._to_node(row["m"]),
            )
            for row in self.read(query, {"id": node_id, "types": types, "limit": limit})
        ]
        return Neighbourhood(node=center, edges=edges)

    def existing_ids(self, label: str, ids: Collection[str]) -> set[str]:
        node = self._node_type(label)
        query = f"UNWIND $ids AS id MATCH (n:{node.name} {{{self._key}: id}}) RETURN n.{self._key} AS id"
        found: set[str] = set()
        for batch in chunks(sorted(ids), self._batch):
            found.update(row["id"] for row in self.read(query, {"ids": list(batch)}))
        return found

    def iter_nodes(self, label: str) -> Iterator[Node]:
        node = self._node_type(label)
        query = f"MATCH (n:{node.name}) RETURN n ORDER BY n.{self._key}"
        # A streamed read: the result is consumed record by record, not held in memory.
        with self._session(neo4j.READ_ACCESS) as session:
            for record in session.run(_q(query)):
                yield self._to_node(record["n"])

    def iter_relationships(self, rel_type: str) -> Iterator[Link]:
        rel = self._rel_type_named(rel_type)
        key = self._key
        query = (
            f"MATCH (a)-[r:{rel.name}]->(b) RETURN labels(a) AS src_labels, a.{key} AS src, labels(b) AS dst_labels, "
            f"b.{key} AS dst, properties(r) AS props ORDER BY src, dst"
        )
        with self._session(neo4j.READ_ACCESS) as session:
            for record in session.run(_q(query)):
                yield Link(
                    self._label_of(record["src_labels"]),
                    record["src"],
                    self._label_of(record["dst_labels"]),
                    record["dst"],
                    {str(k): _native(v) for k, v in dict(record["props"]).items()},
                )

    def _label_of(self, labels: list[str]) -> str:
        return next(label for label in labels if label in self._labels)

    def merge_nodes(self, label: str, merges: Mapping[str, str]) -> int:
        if not merges:
            return 0
        key = self._key
        pairs = [{"old": old, "new": new} for old, new in merges.items()]
        for rel, outgoing, other in self._merge_plan(label):
            arrow = self._arrows(rel, outgoing, other)
            # Lineage: the survivor's relationship lists the records of both.
            union = (
                f", r2.{LINEAGE} = CASE WHEN before IS NULL THEN r.{LINEAGE} WHEN r.{LINEAGE} IS NULL THEN before "
                f"ELSE before + [x IN r.{LINEAGE} WHERE NOT x IN before] END"
                if rel.has_lineage
                else ""
            )
            move = (
                f"UNWIND $pairs AS pair MATCH (old:{label} {{{key}: pair.old}}){arrow[0]} "
                f"MATCH (new:{label} {{{key}: pair.new}}) MERGE (new){arrow[1]} "
                f"WITH r, r2, r2.{LINEAGE} AS before SET r2 += properties(r){union}"
            )
            for batch in chunks(pairs, self._batch):
                self._write(move, pairs=list(batch))
        delete = f"UNWIND $pairs AS pair MATCH (old:{label} {{{key}: pair.old}}) DETACH DELETE old RETURN count(*) AS folded"
        return sum(int(self._write(delete, pairs=list(b))[0]["folded"]) for b in chunks(pairs, self._batch))

    def move_mentions(self, label: str, moves: Sequence[MentionMove]) -> int:
        if not moves:
            return 0
        key, provenance = self._key, self.schema.roles.provenance
        rows = [{"rec": m.record, "role": m.role, "old": m.old, "new": m.new} for m in moves]
        for rel, outgoing, other in self._merge_plan(label):
            if rel.name != provenance and not rel.has_lineage:
                continue
            arrow = self._arrows(rel, outgoing, other)
            said = (
                f"b.{key} = m.rec AND r.role = m.role" if rel.name == provenance else f"m.rec IN r.{LINEAGE}"
            )
            copy = "".join(
                f", r2.{p.name} = r.{p.name}" for p in rel.properties if p.name not in (*rel.keys, LINEAGE)
            )
            match = f"UNWIND $moves AS m MATCH (old:{label} {{{key}: m.old}}){arrow[0]} WHERE {said}"
            if rel.name == provenance:
                query = (
                    f"{match} MATCH (new:{label} {{{key}: m.new}}) MERGE (new){arrow[1]} "
                    f"SET r2.role = r.role{copy} DELETE r"
                )
            else:
                query = (
                    f"{match} MATCH (new:{label} {{{key}: m.new}}) MERGE (new){arrow[1]} "
                    f"SET r2.{LINEAGE} = CASE WHEN r2.{LINEAGE} IS NULL THEN [m.rec] "
                    f"WHEN m.rec IN r2.{LINEAGE} THEN r2.{LINEAGE} ELSE r2.{LINEAGE} + m.rec END{copy} "
                    f"SET r.{LINEAGE} = [x IN r.{LINEAGE} WHERE x <> m.rec] "
                    f"WITH DISTINCT r WHERE size(r.{LINEAGE}) = 0 DELETE r"
                )
            for batch in chunks(rows, self._batch):
                self._write(query, moves=list(batch))
        return len(moves)

    def delete_relationships(
        self, rel_type: str, label: str, ids: Sequence[str], *, outgoing: bool = False
    ) -> int:
        rel = self._rel_type_named(rel_type)
        node = self._node_type(label)
        anchor = f"(b:{node.name} {{{self._key}: id}})"
        pattern = f"{anchor}-[r:{rel.name}]->()" if outgoing else f"()-[r:{rel.name}]->{anchor}"
        query = f"UNWIND $ids AS id MATCH {pattern} DELETE r RETURN count(r) AS deleted"
        return sum(
            int(self._write(query, ids=list(batch))[0]["deleted"]) for batch in chunks(ids, self._batch)
        )

    def counts(self) -> Counts:
        nodes = {
            n.name: int(self.read(f"MATCH (n:{n.name}) RETURN count(n) AS c")[0]["c"])
            for n in self.schema.node_types
        }
        rels = {
            r.name: int(self.read(f"MATCH ()-[r:{r.name}]->() RETURN count(r) AS c")[0]["c"])
            for r in self.schema.rel_types
        }
        return Counts(nodes=nodes, relationships=rels)

    def writer(self) -> Neo4jStore:
        # The driver is thread-safe and pools its connections: the twin shares it, without the
        # API's read timeout (a resolution pass reads for longer than a request may).
        twin = copy.copy(self)
        twin._read_timeout_s = None
        twin._owns_driver = False
        return twin

    def close(self) -> None:
        if self._owns_driver:
            self._driver.close()
