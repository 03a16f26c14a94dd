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
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import structlog

from hub.state.mentions import SEP, MentionColumns
from resolvers.linking import LinkSpec

log = structlog.get_logger(__name__)
# Derivations whose values are token lists: not stored with the mention (JSON would turn them
# into lists of another type), derived again by the engine when needed.
LIST_DERIVATIONS = frozenset({"ngrams"})
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
    try:
        for key, values in mentions.features.items():
            arrays[FEATURE + key] = pa.array(values, from_pandas=True)
        for key, tokens in (lists or {}).items():
            arrays[FEATURE + key] = pa.array(
                [list(t) if isinstance(t, list | tuple) else None for t in tokens], pa.list_(pa.string())
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        log.warning("mentions not snapshotted", reason=str(exc))
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


def to_columns(table: pa.Table, keys: Sequence[str]) -> MentionColumns:
    def objects(name: str) -> np.ndarray:
        return np.asarray(table[name].to_numpy(zero_copy_only=False), dtype=object)

    features = {key: objects(FEATURE + key) for key in keys}
    return MentionColumns(
        ids=objects("id"),
        entity_ids=objects("entity_id"),
        run_ids=objects("run_id"),
        trust=np.asarray(table["trust"].to_numpy(), dtype=np.int64),
        features=features,
        present={key: len(table) - table[FEATURE + key].null_count for key in keys},
    )


def concat(first: MentionColumns, second: MentionColumns) -> MentionColumns:
    return MentionColumns(
        ids=np.concatenate((first.ids, second.ids)),
        entity_ids=np.concatenate((first.entity_ids, second.entity_ids)),
        run_ids=np.concatenate((first.run_ids, second.run_ids)),
        trust=np.concatenate((first.trust, second.trust)),
        features={k: np.concatenate((first.features[k], second.features[k])) for k in first.features},
        present={k: first.present[k] + second.present[k] for k in first.present},
    )


def _gone(table: pa.Table, records: Collection[str], ids: Collection[str]) -> pa.ChunkedArray | None:
    """Per row, whether it is a mention of ``records`` (rewritten or retired) or one of the
    mentions ``ids``; None when both are empty."""
    drop = None
    if records:
        drop = pc.is_in(table["record"], value_set=pa.array(sorted(records), pa.string()))
    if len(ids):
        # A mention written since the snapshot normally belongs to a record listed above (it
        # was rewritten); this only guards against one that is not.
        seen = pc.is_in(table["id"], value_set=pa.array(list(ids), pa.string()))
        drop = seen if drop is None else pc.or_(drop, seen)
    return drop


def removed(snap: Snapshot, records: Collection[str] = (), ids: Collection[str] = ()) -> pa.ChunkedArray:
    """Per row of the snapshot, whether it is gone: its record or mention was removed by a later
    part, or is among ``records`` / ``ids`` (removed since the newest part). Arrow only."""
    later_records, later_ids = set(records), set(ids)
    chunks: list[pa.Array] = []
    end = snap.table.num_rows
    for part in reversed(snap.parts):
        rows = snap.table.slice(end - part.rows, part.rows)
        end -= part.rows
        drop = _gone(rows, later_records, later_ids)
        if drop is None:
            chunks.append(pa.array(np.zeros(part.rows, dtype=bool)))
        else:
            chunks.extend(reversed(drop.chunks))
        later_records |= part.records
        later_ids |= part.ids
    return pa.chunked_array(chunks[::-1], pa.bool_())


def live_rows(gone: pa.ChunkedArray) -> int:
    return len(gone) - int(pc.sum(gone).as_py() or 0)


def candidates(snap: Snapshot, mask: pa.ChunkedArray | None, gone: pa.ChunkedArray) -> pa.Table:
    """The rows ``mask`` selects (None: all) that are not ``gone``: only they are copied."""
    return snap.table.filter(pc.invert(gone) if mask is None else pc.and_not(mask, gone))


def compacted(
    snap: Snapshot,
    aliases: Mapping[str, str],
    gone: pa.ChunkedArray | None = None,
    more: pa.Table | None = None,
) -> pa.Table:
    """The snapshot as one table for a new base: the rows ``gone`` (by default those a later
    part removed) dropped, ``more`` appended, entity ids merged away (``aliases``) replaced."""
    drop = removed(snap) if gone is None else gone
    table = snap.table.filter(pc.invert(drop)) if pc.any(drop).as_py() else snap.table
    if more is not None:
        table = pa.concat_tables([table, more], promote_options="permissive")
    return remap_entities(table, aliases)


def appendable(snap: Snapshot, table: pa.Table) -> bool:
    """Whether ``table`` can be a part of the snapshot (no feature typed otherwise than before)."""
    try:
        pa.unify_schemas([snap.table.schema, table.schema], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    return True


def rule_columns(spec: LinkSpec, column_key: Mapping[str, str]) -> list[tuple[str, list[str], int]]:
    """Per blocking rule, the snapshot columns that would hold its key (candidate_mask checks
    they exist: company-name n-grams, derived on the fly, do not) and the rule's block cap."""
    derived = {d.name for d in spec.derived}
    rules = []
    for rule in spec.blocking:
        columns = []
        for column in rule.columns:
            key = f"~{column}" if column in derived else column_key.get(column, column)
            columns.append(FEATURE + key)
        cap = (
            spec.max_block_size
            if rule.max_block_size is None
            else min(rule.max_block_size, spec.max_block_size)
        )
        rules.append((rule.label, columns, cap))
    return rules


Oversized = dict[str, set[tuple[str, ...]]]


def candidate_mask(
    table: pa.Table,
    rules: list[tuple[str, list[str], int]],
    keys_of_batch: Mapping[str, list[str]],
    gone: pa.ChunkedArray | None = None,
) -> tuple[pa.ChunkedArray | None, Oversized]:
    """Rows of the snapshot that share a blocking key with the batch (the mentions to match),
    and per rule the keys whose blocks are over the rule's cap among the snapshot's live rows
    (not ``gone``).

    ``keys_of_batch``: rule label → the batch's key values, columns joined with SEP. Every row of
    a block the batch reaches is kept, so block sizes come out as over everyone — except the
    rows of blocks already over the cap: the link skips those blocks whatever else it reads
    (it is told which), so their rows are read only when another rule reaches them. At a
    million persons that leaves out half the rows the batch reaches (common names born in
    one year). A mask of None: the snapshot lacks a rule's column (read everyone).
    """
    live = None if gone is None else ~gone.to_numpy(zero_copy_only=False)
    mask = np.zeros(len(table), dtype=bool)
    oversized: Oversized = {}
    for label, columns, cap in rules:
        if any(c not in table.column_names for c in columns):
            return None, {}
        types = [table[c].type for c in columns]
        listed = len(columns) == 1 and pa.types.is_list(types[0])
        if not listed and not all(pa.types.is_string(t) for t in types):
            return None, {}
        wanted = keys_of_batch.get(label, [])
        if not wanted:
            continue
        value_set = pa.array(wanted, pa.string())
        if listed:  # a token list: a row is in the block of each of its tokens
            rows, where = _token_positions(table[columns[0]], value_set)
        else:
            key = (
                table[columns[0]]
                if len(columns) == 1
                else pc.binary_join_element_wise(*(table[c] for c in columns), SEP)
            )
            positions = pc.fill_null(pc.index_in(key, value_set=value_set), -1).to_numpy()
            rows = np.flatnonzero(positions >= 0)
            where = positions[rows]
        counted = where if live is None else where[live[rows]]
        over = np.bincount(counted, minlength=len(wanted)) > cap
        if over.any():
            oversized[label] = {tuple(wanted[i].split(SEP)) for i in np.flatnonzero(over)}
            rows = rows[~over[where]]
        mask[rows] = True
    return pa.chunked_array([pa.array(mask)]), oversized


def _token_positions(
    column: pa.ChunkedArray, value_set: pa.Array
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For each token of the list column found in ``value_set``: its row, and its position in
    the set (a row listing a token twice is in its block twice, as the link counts it)."""
    rows, where, offset = [], [], 0
    for chunk in column.chunks:
        flat = pc.list_flatten(chunk)
        parents = pc.list_parent_indices(chunk).to_numpy().astype(np.int64) + offset
        positions = pc.fill_null(pc.index_in(flat, value_set=value_set), -1).to_numpy()
        found = positions >= 0
        rows.append(parents[found])
        where.append(positions[found])
        offset += len(chunk)
    empty = np.zeros(0, dtype=np.int64)
    return np.concatenate([empty, *rows]), np.concatenate([empty, *where]).astype(np.int64)


def list_columns(spec: LinkSpec) -> list[str]:
    """The derived columns of single-column blocking rules that hold token lists."""
    lists = {d.name for d in spec.derived if d.function in LIST_DERIVATIONS}
    return [r.columns[0] for r in spec.blocking if len(r.columns) == 1 and r.columns[0] in lists]


def batch_keys(prepared: pd.DataFrame, spec: LinkSpec) -> dict[str, list[str]]:
    """The batch's blocking key values per rule, in the form candidate_mask compares."""
    out: dict[str, list[str]] = {}
    lists = set(list_columns(spec))
    for rule in spec.blocking:
        if rule.columns[0] in lists:
            tokens = prepared[rule.columns[0]].to_numpy(dtype=object)
            out[rule.label] = sorted({str(t) for v in tokens if isinstance(v, list | tuple) for t in v})
            continue
        values = [prepared[c].to_numpy(dtype=object) for c in rule.columns]
        keys = {
            SEP.join(str(v) for v in row)
            for row in zip(*values, strict=True)
            if all(v is not None and not (isinstance(v, float) and np.isnan(v)) for v in row)
        }
        out[rule.label] = sorted(keys)
    return out


def remap_entities(table: pa.Table, merges: Mapping[str, str]) -> pa.Table:
    """Entity ids merged away replaced by their survivors."""
    if not merges:
        return table
    column = _remap(table["entity_id"], merges)
    return table.set_column(table.column_names.index("entity_id"), "entity_id", column)


def _remap(column: pa.ChunkedArray, merges: Mapping[str, str]) -> pa.ChunkedArray:
    if not merges:
        return column
    old = pa.array(list(merges), pa.string())
    new = pa.array(list(merges.values()), pa.string())
    where = pc.index_in(column, value_set=old)
    return pc.if_else(pc.is_valid(where), pc.take(new, pc.fill_null(where, 0)), column)


def entity_sizes(
    table: pa.Table, gone: pa.ChunkedArray, aliases: Mapping[str, str], extra: np.ndarray, entities: set[str]
) -> pd.Series:
    """How many mentions each of ``entities`` has among the rows of the snapshot not ``gone``
    (those of ids merged away count for their survivors, ``aliases``) plus ``extra`` (entity ids)."""
    wanted = entities | {old for old, new in aliases.items() if new in entities}
    hit = pc.is_in(table["entity_id"], value_set=pa.array(sorted(wanted), pa.string()))
    column = _remap(table["entity_id"].filter(pc.and_not(hit, gone)), aliases)
    counts = pd.Series(column.to_numpy(zero_copy_only=False), dtype=object).value_counts()
    others = pd.Series(extra, dtype=object)
    more = others[others.isin(entities)].value_counts()
    return counts.add(more, fill_value=0).astype(np.int64)


def distinct_entities(
    table: pa.Table, gone: pa.ChunkedArray, aliases: Mapping[str, str], extra: np.ndarray
) -> int:
    """How many entities the rows of the snapshot not ``gone`` and ``extra`` (entity ids) are of."""
    column = table["entity_id"].filter(pc.invert(gone)) if pc.any(gone).as_py() else table["entity_id"]
    both = pa.chunked_array([*_remap(column, aliases).chunks, pa.array(extra, pa.string())], pa.string())
    return int(pc.count_distinct(both).as_py())
