"""Scores: per pair, each field's weight (level weight plus its term-frequency adjustment), and the
total, which is the prior weight plus those contributions, and the match probability.

All of it is table look-ups and additions over the level matrix; nothing loops over pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.linking.arrays import Ints
from resolvers.linking.model import FSModel, LevelMatrix
from resolvers.linking.tf import record_frequencies

Floats = npt.NDArray[np.float64]
CHUNK = 2_000_000


@dataclass(frozen=True, slots=True)
class TermAdjustment:
    """Record frequencies of the value a field's level is adjusted by, on both sides."""

    field: int
    level: int
    u: float  # the level's average u, which the value's frequency replaces
    left: Floats
    right: Floats


def term_adjustments(model: FSModel, left: pd.DataFrame, right: pd.DataFrame) -> list[TermAdjustment]:
    names = [f.name for f in model.fields]
    out = []
    for table in model.term_frequencies:
        i = names.index(table.field)
        field = model.fields[i]
        if not field.observed[table.level]:
            continue
        freq_left = record_frequencies(table, left)
        freq_right = freq_left if right is left else record_frequencies(table, right)
        out.append(TermAdjustment(i, table.level, field.u[table.level], freq_left, freq_right))
    return out


def contributions(
    levels: LevelMatrix, a: Ints, b: Ints, model: FSModel, adjustments: Sequence[TermAdjustment]
) -> Floats:
    """(pairs, fields) weights; a row plus the prior weight is the pair's total weight."""
    table = model.weight_table()
    out = np.empty(levels.shape, dtype=np.float64)
    for i in range(levels.shape[1]):
        out[:, i] = table[i, levels[:, i].astype(np.intp) + 1]
    for adj in adjustments:
        hit = np.flatnonzero(levels[:, adj.field] == adj.level)
        frequency = np.fmax(adj.left[a[hit]], adj.right[b[hit]])  # the commoner side, as Splink does
        known = ~np.isnan(frequency)
        out[hit[known], adj.field] += np.log2(adj.u / frequency[known])
    return out


def total_weights(
    levels: LevelMatrix, a: Ints, b: Ints, model: FSModel, adjustments: Sequence[TermAdjustment]
) -> Floats:
    """Prior weight plus all contributions, per pair (chunked: no pairs × fields float matrix)."""
    out = np.empty(len(levels), dtype=np.float64)
    for start in range(0, len(levels), CHUNK):
        part = slice(start, start + CHUNK)
        out[part] = model.prior_weight + contributions(
            levels[part], a[part], b[part], model, adjustments
        ).sum(axis=1)
    return out


def probability(weight: Floats) -> Floats:
    """Match probability from the match weight (log2 odds)."""
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))


def score_frame(
    levels: LevelMatrix,
    a: Ints,
    b: Ints,
    model: FSModel,
    adjustments: Sequence[TermAdjustment],
    ids_left: pd.Index,
    ids_right: pd.Index,
) -> pd.DataFrame:
    """The scored pairs as a table: ids, weight, probability, then per field its level and weight."""
    parts = contributions(levels, a, b, model, adjustments)
    weight = model.prior_weight + parts.sum(axis=1)
    columns: dict[str, object] = {
        "id_l": ids_left[a],
        "id_r": ids_right[b],
        "weight": weight,
        "probability": probability(weight),
        "w_prior": np.full(len(a), model.prior_weight),
    }
    for i, field in enumerate(model.fields):
        columns[f"gamma_{field.name}"] = levels[:, i]
        columns[f"w_{field.name}"] = parts[:, i]
    return pd.DataFrame(columns)
