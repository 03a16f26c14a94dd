"""Relationship lineage of the embedded store, kept beside it in a small SQLite file.

On Neo4j a relationship lists the records asserting it in its ``records`` property. ladybug
stores a list property of a relationship in its CSR blocks, and any change to one — a merge
adding a record to the survivor's LIVES_AT, a retraction removing one — makes the next
checkpoint rewrite the variable-size data of every node group touched: measured on a store of
a million Person mentions, folding 3,779 new mentions into existing persons cost 4.9 s of
checkpoint with the list property and 0.9 s without it. So in ladybug the graph holds the
relationship and its own properties, and this table holds one row per (relationship, source,
target, record); the store joins the two behind the same GraphStore contract.

Entity ids are unique across labels, so a row names its ends by id alone.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

from hub.store.sidecar import chunks, open_sidecar

End = tuple[str, str, str]  # (relationship type, source id, target id)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS lineage (rel TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL, "
    "record TEXT NOT NULL, PRIMARY KEY (src, rel, dst, record)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS lineage_dst ON lineage (dst)",
    "CREATE INDEX IF NOT EXISTS lineage_record ON lineage (record)",
)


class RelLineage:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_sidecar(path, _SCHEMA, read_only=read_only)

    def add(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        """(rel, src, dst, record) rows; one already there is kept once."""
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO lineage VALUES (?, ?, ?, ?)", rows)

    def of_type(self, rel: str) -> dict[tuple[str, str], list[str]]:
        """Every relationship of the type: (src, dst) → its records, sorted."""
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        query = "SELECT src, dst, record FROM lineage WHERE rel = ? ORDER BY src, dst, record"
        with self._lock:
            for src, dst, record in self._db.execute(query, (rel,)):
                out[(src, dst)].append(record)
        return out

    def around(self, node_id: str) -> dict[End, list[str]]:
        """The relationships with ``node_id`` at either end: (rel, src, dst) → records."""
        out: dict[End, list[str]] = defaultdict(list)
        query = (
            "SELECT rel, src, dst, record FROM lineage WHERE src = ? "
            "UNION SELECT rel, src, dst, record FROM lineage WHERE dst = ? ORDER BY 4"
        )
        with self._lock:
            for rel, src, dst, record in self._db.execute(query, (node_id, node_id)):
                out[(rel, src, dst)].append(record)
        return out

    def of_ends(self, rel: str, ends: Collection[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        """The records of these relationships of type ``rel`` (by source id, target id)."""
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        by_src: dict[str, set[str]] = defaultdict(set)
        for src, dst in ends:
            by_src[src].add(dst)
        sources = sorted(by_src)
        with self._lock:
            for part in chunks(sources):
                marks = ",".join("?" * len(part))
                query = (
                    f"SELECT src, dst, record FROM lineage WHERE rel = ? AND src IN ({marks}) ORDER BY record"
                )
                for src, dst, record in self._db.execute(query, (rel, *part)):
                    if dst in by_src[src]:
                        out[(src, dst)].append(record)
        return out

    def retract(self, records: Sequence[str], rel_types: Collection[str]) -> list[End]:
        """Remove ``records`` from the lineage of relationships of ``rel_types``; return those
        no record asserts any more (the caller deletes them from the graph)."""
        touched: set[End] = set()
        types = sorted(rel_types)
        if not types:
            return []
        marks = ",".join("?" * len(types))
        with self._db:
            for batch in chunks(records):
                where = f"record IN ({','.join('?' * len(batch))}) AND rel IN ({marks})"
                params = [*batch, *types]
                touched.update(self._db.execute(f"SELECT rel, src, dst FROM lineage WHERE {where}", params))
                self._db.execute(f"DELETE FROM lineage WHERE {where}", params)
        return [end for end in sorted(touched) if not self.asserted(end)]

    def merge(self, merges: Mapping[str, str]) -> None:
        """Relationships of merged-away entities now belong to their survivors."""
        pairs = list(merges.items())
        with self._db:
            for column in ("src", "dst"):
                # OR IGNORE: where the survivor already has the row, the merged one is a duplicate.
                self._db.executemany(
                    f"UPDATE OR IGNORE lineage SET {column} = ? WHERE {column} = ?",
                    [(new, old) for old, new in pairs],
                )
                self._db.executemany(f"DELETE FROM lineage WHERE {column} = ?", [(old,) for old, _ in pairs])

    def move(self, moves: Iterable[tuple[str, str, str]]) -> list[tuple[End, End]]:
        """(record, old, new): the record's assertions about entity ``old`` now name ``new``.
        Returns (relationship before, relationship after) for each one the moves changed: the
        caller copies it in the graph and deletes the one before if no record asserts it."""
        changed: set[tuple[End, End]] = set()
        with self._db:
            for record, old, new in moves:
                for column in ("src", "dst"):
                    rows = self._db.execute(
                        f"SELECT rel, src, dst FROM lineage WHERE {column} = ? AND record = ?", (old, record)
                    ).fetchall()
                    for rel, src, dst in rows:
                        after = (rel, new, dst) if column == "src" else (rel, src, new)
                        changed.add(((rel, src, dst), after))
                        self._db.execute(
                            "DELETE FROM lineage WHERE src = ? AND rel = ? AND dst = ? AND record = ?",
                            (src, rel, dst, record),
                        )
                        self._db.execute(
                            "INSERT OR IGNORE INTO lineage VALUES (?, ?, ?, ?)", (*after, record)
                        )
        return sorted(changed)

    def asserted(self, end: End) -> bool:
        """Whether some record still asserts the relationship."""
        rel, src, dst = end
        query = "SELECT 1 FROM lineage WHERE src = ? AND rel = ? AND dst = ? LIMIT 1"
        return self._db.execute(query, (src, rel, dst)).fetchone() is not None

    def drop_targets(self, rel: str, dst_ids: Sequence[str]) -> None:
        with self._db:
            self._db.executemany("DELETE FROM lineage WHERE rel = ? AND dst = ?", [(rel, d) for d in dst_ids])

    def drop_sources(self, rel: str, src_ids: Sequence[str]) -> None:
        with self._db:
            self._db.executemany("DELETE FROM lineage WHERE rel = ? AND src = ?", [(rel, s) for s in src_ids])

    def close(self) -> None:
        self._db.close()
