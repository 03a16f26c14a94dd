"""What a pass reads from a mention snapshot: which rows are gone, the candidates among the rest,
entity ids mapped through the merges since the base, and counts over everyone.

Arrow work: no Python object per mention of the snapshot (only the candidates read become
mention columns).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hub.resolution.snapshot import FEATURE, Snapshot
from hub.state.mentions import MentionColumns


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
