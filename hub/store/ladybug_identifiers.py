"""An index of looked-up values for the embedded store, kept beside it in a small SQLite file.

ladybug indexes a node table's primary key only: ``WHERE n.identity_number = $v`` reads the
whole column (40 ms at 300k persons), while a lookup by id takes 0.03 ms. So the store keeps
one row per (label, property, value, node id) for every text property the schema marks as an
identifier or ``indexed`` (a name, a phone, the record a version belongs to), and a lookup
by such a value becomes a lookup by the ids found here.

The index may hold more than the graph (a crash between the two writes, a value a node no
longer has): a query through it still tests the value on the node, so an extra row is never
an extra result. It must never hold less: rows are written before the graph is, and a store
whose index is missing or from before it existed is indexed afresh when opened for writing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from hub.store.sidecar import chunks, open_sidecar

Row = tuple[str, str, str, str]  # (label, property, value, node id)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ident (label TEXT NOT NULL, prop TEXT NOT NULL, value TEXT NOT NULL, "
    "id TEXT NOT NULL, PRIMARY KEY (label, prop, value, id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS ident_id ON ident (id)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
# Which properties the index covers changed once (identifiers, then every looked-up text): a
# file filled under another meaning is filled again.
_COMPLETE = "complete:lookup-keys"


class IdentifierIndex:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_sidecar(path, _SCHEMA, read_only=read_only)

    @property
    def complete(self) -> bool:
        """Whether the index was filled for the whole store (see :meth:`mark_complete`)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (_COMPLETE,)).fetchone()
        return row is not None

    def mark_complete(self) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, '1')", (_COMPLETE,))

    def add(self, rows: Iterable[Row]) -> None:
        """Index these values; a node's earlier value of the same property stays until
        :meth:`drop_stale` or a rebuild (harmless: lookups test the value on the node)."""
        batch = [r for r in rows if r[2] not in (None, "")]
        if not batch:
            return
        with self._lock, self._db:
            self._db.executemany("INSERT OR IGNORE INTO ident VALUES (?, ?, ?, ?)", batch)

    def drop_stale(self, label: str, prop: str, current: Iterable[tuple[str, str]]) -> None:
        """Forget every other value of ``prop`` for these (node id, current value) pairs."""
        pairs = [(label, prop, node_id, value) for node_id, value in current]
        if not pairs:
            return
        with self._lock, self._db:
            self._db.executemany(
                "DELETE FROM ident WHERE label = ? AND prop = ? AND id = ? AND value <> ?", pairs
            )

    def ids(self, label: str, prop: str, values: Sequence[str]) -> list[str]:
        """The nodes of ``label`` that (may) have one of ``values`` as ``prop``."""
        found: list[str] = []
        with self._lock:
            for part in chunks(sorted(set(values))):
                marks = ",".join("?" * len(part))
                query = f"SELECT DISTINCT id FROM ident WHERE label = ? AND prop = ? AND value IN ({marks})"
                found += [row[0] for row in self._db.execute(query, (label, prop, *part))]
        return sorted(set(found))

    def forget(self, node_ids: Sequence[str]) -> None:
        """Nodes deleted (merged away): their rows go."""
        with self._lock, self._db:
            for part in chunks(list(node_ids)):
                marks = ",".join("?" * len(part))
                self._db.execute(f"DELETE FROM ident WHERE id IN ({marks})", tuple(part))

    def clear(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM ident")
            self._db.execute("DELETE FROM meta")

    def close(self) -> None:
        with self._lock:
            self._db.close()
