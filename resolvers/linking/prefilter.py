"""The candidate prefilter: which rows of a table of mentions share a blocking key with a batch.

An incremental pass matches a few new mentions against a population held as an Arrow table (a
columnar snapshot of the mention features): only the rows in a block the batch reaches can pair
with it, so only they are read. The keys are the spec's blocking keys, as the engine builds them
(:func:`batch_keys` from the batch's prepared frame), compared against the table's feature
columns without a Python object per row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from resolvers.linking.feature_columns import LIST_DERIVATIONS, derived_key, feature_key
from resolvers.linking.spec import LinkSpec

# Joins the values of a rule's key columns into one key (a character no value holds).
KEY_SEP = "\x1f"
# Per rule label, the keys whose blocks are over the rule's cap.
Oversized = dict[str, set[tuple[str, ...]]]
# A rule's label, the table columns holding its key, its block cap.
RuleColumns = tuple[str, list[str], int]


def rule_columns(spec: LinkSpec, prefix: str = "") -> list[RuleColumns]:
    """Per blocking rule, the table columns that would hold its key (its feature keys, after
    ``prefix``; candidate_mask checks they exist: company-name n-grams, derived on the fly, do
    not) and the rule's block cap."""
    derived = {d.name for d in spec.derived}
    rules = []
    for rule in spec.blocking:
        columns = []
        for column in rule.columns:
            key = derived_key(column) if column in derived else feature_key(column)
            columns.append(prefix + key)
        cap = (
            spec.max_block_size
            if rule.max_block_size is None
            else min(rule.max_block_size, spec.max_block_size)
        )
        rules.append((rule.label, columns, cap))
    return rules


def candidate_mask(
    table: pa.Table,
    rules: list[RuleColumns],
    keys_of_batch: Mapping[str, list[str]],
    gone: pa.ChunkedArray | None = None,
) -> tuple[pa.ChunkedArray | None, Oversized]:
    """Rows of ``table`` (a snapshot of mentions) that share a blocking key with the batch (the
    mentions to match), and per rule the keys whose blocks are over the rule's cap among the
    snapshot's live rows (not ``gone``).

    ``keys_of_batch``: rule label → the batch's key values, columns joined with KEY_SEP. Every
    row of a block the batch reaches is kept, so block sizes come out as over everyone — except
    the rows of blocks already over the cap: the link skips those blocks whatever else it reads
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
                else pc.binary_join_element_wise(*(table[c] for c in columns), KEY_SEP)
            )
            positions = pc.fill_null(pc.index_in(key, value_set=value_set), -1).to_numpy()
            rows = np.flatnonzero(positions >= 0)
            where = positions[rows]
        counted = where if live is None else where[live[rows]]
        over = np.bincount(counted, minlength=len(wanted)) > cap
        if over.any():
            oversized[label] = {tuple(wanted[i].split(KEY_SEP)) for i in np.flatnonzero(over)}
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
            KEY_SEP.join(str(v) for v in row)
            for row in zip(*values, strict=True)
            if all(v is not None and not (isinstance(v, float) and np.isnan(v)) for v in row)
        }
        out[rule.label] = sorted(keys)
    return out
