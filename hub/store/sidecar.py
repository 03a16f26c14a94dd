"""SQLite files kept beside the embedded store (relationship lineage, the value index).

The API reads the store from worker threads: one connection per file (SQLite's serialized
mode), each caller's statements under the owner's lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

CHUNK = 500  # values per IN (...) list, under SQLite's parameter limit


def chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def open_sidecar(path: Path, schema: Sequence[str], *, read_only: bool) -> sqlite3.Connection:
    """The file at ``path`` with its tables; read-only opens never create it (a missing file
    reads as empty)."""
    if read_only:
        target = f"{path.resolve().as_uri()}?mode=ro" if path.exists() else ":memory:"
        db = sqlite3.connect(target, uri=True, check_same_thread=False)
    else:
        db = sqlite3.connect(path, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    if not read_only or not path.exists():
        with db:
            for statement in schema:
                db.execute(statement)
    return db
