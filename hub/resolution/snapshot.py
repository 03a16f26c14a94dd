"""A columnar snapshot of one type's mentions, so an incremental pass reads only what it needs.

Matching 1% new mentions against a million must not parse a million JSON feature rows. A full
pass writes the type's mentions to an Arrow IPC file (the base; cache dir, uncompressed: it is
memory-mapped, so opening it costs nothing and a pass touches only the columns it reads; Parquet
took 1.8 s to decode a million rows) with the log mark and run it reflects. The next pass catches
up from the state database — the mentions written since that run, and the records whose mentions
were removed since that mark — and reads from the snapshot only the mentions sharing a blocking
key with the new ones (an Arrow filter, no Python objects per mention).

An incremental pass does not rewrite the million rows: it appends a delta file holding its new
mentions and naming the records and mentions whose rows in the older parts are gone (rewritten
or retired). Loading concatenates base and deltas without copying; rows are dropped only among
the candidates, and entity ids merged since the base are mapped through the state's aliases.
Once the deltas grow past a share of the base (or are many), or a steward's merge or a full pass
rewrites the snapshot anyway, one compacted base replaces them all. Every file is written aside
and renamed into place; a snapshot that is missing, unreadable, written for other features, or
whose deltas do not follow on from their base is simply rebuilt from the state database.

This module holds the files; what a pass reads from them is :mod:`hub.resolution.snapshot_rows`'s,
which rows share a blocking key with the new mentions :mod:`resolvers.linking.prefilter`'s.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import structlog

from hub.state.mentions import SEP, MentionColumns

log = structlog.get_logger(__name__)
VERSION = 4  # 4: incremental passes append deltas to a base
FEATURE = "f:"  # prefix of feature columns in the snapshot
# A pass compacts (rewrites the base without the rows gone) rather than append a delta once the
# deltas would hold more than this share of the base's rows, or be more than this many.
COMPACT_SHARE = 0.05
MAX_DELTAS = 20


@dataclass(frozen=True)
class Part:
    """One file of a snapshot: the base, or a delta appended by an incremental pass."""

    rows: int
    # What the part's pass removed from the older parts: the rows of these records (rewritten
    # or retired since the previous part) and of these mentions (written again in this part).
    records: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Snapshot:
    # Every part's rows, base first, rows gone included (see ``removed``); entity ids as of the
    # pass that wrote each part: id, record, entity_id, run_id, trust, f:<feature>…
    table: pa.Table
    run_id: str  # the pass that wrote the newest part: mentions of later runs are not in it
    mark: int  # mention-change log position the newest part reflects
    base_run: str  # the pass that wrote the base: ids merged since then are aliases in the state
    token: str  # names the base; its deltas carry it (a delta of an earlier base is ignored)
    parts: tuple[Part, ...]

    @property
    def delta_rows(self) -> int:
        return sum(part.rows for part in self.parts[1:])


def snapshot_path(cache_dir: Path, entity_type: str) -> Path:
    return cache_dir / f"mentions-{entity_type}.arrow"


def delta_path(path: Path, number: int) -> Path:
    return path.with_name(f"{path.stem}.delta-{number}.arrow")


def _delta_files(path: Path) -> dict[int, Path]:
    pattern = re.compile(re.escape(path.stem) + r"\.delta-([0-9]+)\.arrow")
    if not path.parent.is_dir():
        return {}
    found = (pattern.fullmatch(p.name) for p in path.parent.iterdir())
    return {int(m.group(1)): path.parent / m.group(0) for m in found if m is not None}


def _read(path: Path) -> tuple[pa.Table, dict[str, Any]]:
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    meta = json.loads((table.schema.metadata or {})[b"gridhub"])
    if not isinstance(meta, dict):
        raise ValueError("snapshot metadata is not an object")
    return table.replace_schema_metadata(None), meta


def load_snapshot(path: Path, keys: Sequence[str]) -> Snapshot | None:
    """The base and its deltas, or None when the snapshot must be rebuilt."""
    if not path.exists():
        return None
    try:
        base, meta = _read(path)
        if meta.get("version") != VERSION or meta.get("keys") != list(keys):
            return None
        token = str(meta["token"])
        deltas = {}
        for number, file in sorted(_delta_files(path).items()):
            table, delta = _read(file)
            # A delta left over from an earlier base (a crash after compacting, before the
            # deltas were deleted): its rows are in this base.
            if delta.get("base") == token and delta.get("version") == VERSION:
                deltas[number] = (table, delta)
        if sorted(deltas) != list(range(1, len(deltas) + 1)):
            raise ValueError(f"delta missing: have {sorted(deltas)}")
        parts = [Part(base.num_rows)]
        run_id, mark = str(meta["run_id"]), int(meta["mark"])
        for table, delta in deltas.values():
            parts.append(Part(table.num_rows, frozenset(delta["records"]), frozenset(delta["ids"])))
            run_id, mark = str(delta["run_id"]), int(delta["mark"])
        tables = [base, *(table for table, _ in deltas.values())]
        # Zero-copy: only a column typed differently in some part (all null in one) is cast.
        whole = pa.concat_tables(tables, promote_options="permissive") if deltas else base
    except (OSError, KeyError, TypeError, ValueError, pa.ArrowException) as exc:
        log.warning("mention snapshot unreadable, rebuilding", path=str(path), error=str(exc))
        return None
    return Snapshot(whole, run_id, mark, str(meta["run_id"]), token, tuple(parts))


def to_table(
    mentions: MentionColumns,
    entity_ids: np.ndarray | None = None,
    lists: Mapping[str, Any] | None = None,
) -> pa.Table | None:
    """The mentions as an Arrow table; None if a feature mixes types Arrow cannot hold in one
    column (the pass then works without a snapshot). ``lists``: token-list columns derived for
    blocking (not stored with the mentions), kept as list<string> columns."""
    ids = pa.array(mentions.ids, pa.string())
    arrays: dict[str, pa.Array] = {
        "id": ids,
        # The record a mention comes from: the id without its role.
        "record": pc.replace_substring_regex(ids, pattern=f"{SEP}[^{SEP}]*$", replacement=""),
        "entity_id": pa.array(mentions.entity_ids if entity_ids is None else entity_ids, pa.string()),
        "run_id": pa.array(mentions.run_ids, pa.string()),
        "trust": pa.array(mentions.trust, pa.int64()),
    }
    key = ""
    try:
        for key, values in mentions.features.items():
            arrays[FEATURE + key] = pa.array(values, from_pandas=True)
        for key, tokens in (lists or {}).items():
            arrays[FEATURE + key] = pa.array(
                [list(t) if isinstance(t, list | tuple) else None for t in tokens], pa.list_(pa.string())
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        # Arrow's message quotes the value it could not convert (a name, a phone number).
        log.warning(
            "mentions not snapshotted", feature=key, reason=f"{type(exc).__name__}: mixed value types"
        )
        return None
    return pa.table(arrays)


def _write(path: Path, table: pa.Table, meta: Mapping[str, Any]) -> None:
    table = table.replace_schema_metadata({b"gridhub": json.dumps(meta).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".arrow.partial")
    with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    os.replace(partial, path)  # a crash mid-write leaves the previous file, never half a file


def write_snapshot(path: Path, table: pa.Table, keys: Sequence[str], run_id: str, mark: int) -> None:
    """A new base holding every mention (its deltas, if any, are deleted)."""
    meta = {"version": VERSION, "keys": list(keys), "run_id": run_id, "mark": mark, "token": uuid.uuid4().hex}
    _write(path, table, meta)
    _drop_deltas(path)  # a crash before all are gone leaves deltas of another base: ignored
    path.with_suffix(".parquet").unlink(missing_ok=True)  # the format before version 2


def write_delta(
    path: Path,
    snap: Snapshot,
    table: pa.Table,
    run_id: str,
    mark: int,
    records: Collection[str],
    ids: Collection[str],
) -> None:
    """Append the mentions of an incremental pass (``table``) to the snapshot, with what it
    removed from the older parts: the rows of ``records`` and of the mentions ``ids``."""
    number = len(snap.parts)
    meta = {
        "version": VERSION, "base": snap.token, "delta": number, "run_id": run_id, "mark": mark,
        "records": sorted(records), "ids": sorted(ids),
    }  # fmt: skip
    _write(delta_path(path, number), table, meta)
    for later, file in _delta_files(path).items():
        if later > number:  # of an earlier base (a crash while compacting): would not follow on
            file.unlink(missing_ok=True)


def needs_compaction(snap: Snapshot, rows: int) -> bool:
    """Whether appending ``rows`` more would make the deltas too many or too large."""
    return len(snap.parts) > MAX_DELTAS or snap.delta_rows + rows > COMPACT_SHARE * snap.parts[0].rows


def drop_snapshot(path: Path) -> None:
    """Delete the snapshot (base first: without it the deltas are never read)."""
    path.unlink(missing_ok=True)
    _drop_deltas(path)


def _drop_deltas(path: Path) -> None:
    for _, file in sorted(_delta_files(path).items(), reverse=True):
        file.unlink(missing_ok=True)


def appendable(snap: Snapshot, table: pa.Table) -> bool:
    """Whether ``table`` can be a part of the snapshot (no feature typed otherwise than before)."""
    try:
        pa.unify_schemas([snap.table.schema, table.schema], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    return True
