"""The comparison level matrix: one row per pair, one int8 level per field.

Pairs are compared in chunks so that the per-pair object arrays the comparators work on stay
small (a million pairs at a time) whatever the number of candidates; the result itself is one
byte per pair and field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.comparators import MISSING, get_comparator
from resolvers.comparators.base import Prepared, take
from resolvers.comparators.base import codes as base_codes
from resolvers.linking.arrays import Ints
from resolvers.linking.model import LevelMatrix
from resolvers.linking.spec import FieldSpec, LinkSpec

CHUNK = 1_000_000


def field_values(frame: pd.DataFrame, field: FieldSpec) -> npt.NDArray[np.object_]:
    """A field's values per record: 1-D for one column, (n, k) for a k-column comparator."""
    if len(field.columns) == 1:
        return frame[field.columns[0]].to_numpy(dtype=object)
    return np.stack([frame[c].to_numpy(dtype=object) for c in field.columns], axis=1)


def level_sizes(fields: Sequence[FieldSpec]) -> list[int]:
    return [len(f.level_descriptions()) for f in fields]


@dataclass(frozen=True, slots=True)
class PreparedFields:
    """Every field's values prepared once per record (see ``Comparator.prepare``).

    Both sides of a link are prepared in one call, so codes and texts compare across them.
    """

    fields: tuple[FieldSpec, ...]
    left: tuple[Prepared, ...]
    right: tuple[Prepared, ...]


def prepare_fields(
    fields: Sequence[FieldSpec], left: pd.DataFrame, right: pd.DataFrame | None
) -> PreparedFields:
    prepared_left, prepared_right = [], []
    for field in fields:
        comparator = get_comparator(field.comparator)
        values = field_values(left, field)
        if right is None:
            prepared = comparator.prepare(values)
            prepared_left.append(prepared)
            prepared_right.append(prepared)
            continue
        both = comparator.prepare(np.concatenate((values, field_values(right, field))))
        prepared_left.append(take(both, slice(0, len(left))))
        prepared_right.append(take(both, slice(len(left), None)))
    return PreparedFields(tuple(fields), tuple(prepared_left), tuple(prepared_right))


def compare_pairs(prepared: PreparedFields, a: Ints, b: Ints, chunk: int = CHUNK) -> LevelMatrix:
    """Level of every field for the pairs (left record a[i], right record b[i])."""
    out = np.empty((len(a), len(prepared.fields)), dtype=np.int8)
    for j, field in enumerate(prepared.fields):
        compare = get_comparator(field.comparator).compare_prepared
        for start in range(0, len(a), chunk):
            stop = min(start + chunk, len(a))
            va, vb = take(prepared.left[j], a[start:stop]), take(prepared.right[j], b[start:stop])
            out[start:stop, j] = compare(va, vb, **field.params)
        if field.missing_is_level:
            column = out[:, j]
            column[column == MISSING] = field.top_level + 1
    return out


def random_pairs(n_left: int, n_right: int | None, count: int, seed: int) -> tuple[Ints, Ints]:
    """``count`` distinct-record pairs drawn uniformly (within one table when ``n_right`` is None)."""
    rng = np.random.default_rng(seed)
    if n_right is None:
        if n_left < 2:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        a = rng.integers(0, n_left, size=count, dtype=np.int64)
        b = rng.integers(0, n_left - 1, size=count, dtype=np.int64)
        b = b + (b >= a)  # uniform over the other records
        return a, b
    if n_left == 0 or n_right == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return (
        rng.integers(0, n_left, size=count, dtype=np.int64),
        rng.integers(0, n_right, size=count, dtype=np.int64),
    )


def key_verdicts(
    spec: LinkSpec, levels: LevelMatrix, left: pd.DataFrame, right: pd.DataFrame, a: Ints, b: Ints
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Pairs that key and decision rules decide: (same, different).

    Same: a key field at its top level with both values valid, or a "same" decision rule.
    Different: an exclusive key with two valid values that disagree (two valid identity numbers
    are two people), or a "different" decision rule. Keys come first, then "different" rules,
    then "same" ones (see spec.DecisionRule).
    """
    valid_left = valid_flags(spec, left)
    valid_right = valid_left if right is left else valid_flags(spec, right)
    return key_verdicts_valid(spec, levels, valid_left, valid_right, a, b)


def valid_flags(spec: LinkSpec, frame: pd.DataFrame) -> dict[str, npt.NDArray[np.bool_]]:
    """Per key validity column, whether each record's key is valid (what :func:`key_verdicts`
    reads of the records): computed once, it goes to Spark's workers instead of the frame."""
    columns = dict.fromkeys(k.valid_column for k in spec.keys if k.valid_column is not None)
    return {c: _flags(frame[c]) for c in columns}


def key_verdicts_valid(
    spec: LinkSpec,
    levels: LevelMatrix,
    valid_left: Mapping[str, npt.NDArray[np.bool_]],
    valid_right: Mapping[str, npt.NDArray[np.bool_]],
    a: Ints,
    b: Ints,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """:func:`key_verdicts` with the records' :func:`valid_flags`."""
    same = np.zeros(len(a), dtype=bool)
    different = np.zeros(len(a), dtype=bool)
    names = [f.name for f in spec.fields]
    for key in spec.keys:
        i = names.index(key.field)
        level, top = levels[:, i], spec.fields[i].top_level
        valid = np.ones(len(a), dtype=bool)
        if key.valid_column is not None:
            valid = valid_left[key.valid_column][a] & valid_right[key.valid_column][b]
        same |= valid & (level == top)
        if key.exclusive:
            different |= valid & (level >= 0) & (level < top)
    different &= ~same
    if spec.rules:
        ruled_same, ruled_different = rule_matches(spec, levels)
        different |= ruled_different & ~same
        same |= ruled_same & ~different
    return same, different


def rule_matches(spec: LinkSpec, levels: LevelMatrix) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Pairs the decision rules call the same, and those they keep apart (keys aside)."""
    same = np.zeros(len(levels), dtype=bool)
    different = np.zeros(len(levels), dtype=bool)
    names = [f.name for f in spec.fields]
    for rule in spec.rules:
        hit = np.isin(levels[:, names.index(rule.field)], np.asarray(rule.levels, dtype=np.int8))
        if rule.decision == "same":
            same |= hit
        else:
            different |= hit
    return same, different


def deciding_rules(spec: LinkSpec, levels: LevelMatrix) -> npt.NDArray[np.object_]:
    """Per pair, the name of the decision rule it falls under ("" when none): what a steward is
    told when a rule, not the score, decided the pair ("different" rules named first)."""
    out = np.full(len(levels), "", dtype=object)
    names = [f.name for f in spec.fields]
    for rule in sorted(spec.rules, key=lambda r: r.decision == "different"):
        hit = np.isin(levels[:, names.index(rule.field)], np.asarray(rule.levels, dtype=np.int8))
        out[hit] = rule.name
    return out


def _flags(column: pd.Series) -> npt.NDArray[np.bool_]:
    return np.asarray([v is True or v == 1 for v in column.to_numpy(dtype=object)], dtype=bool)


def exclusive_keys(spec: LinkSpec, prepared: PreparedFields, left: pd.DataFrame, right: pd.DataFrame) -> Ints:
    """Per record (left, then right when linking), a code of its valid exclusive key, −1 if none.

    Only one exclusive key is enforced (the first): more would need one constraint each.
    """
    n = len(left) + (0 if right is left else len(right))
    rule = next((k for k in spec.keys if k.exclusive), None)
    if rule is None:
        return np.full(n, -1, dtype=np.int64)
    i = [f.name for f in spec.fields].index(rule.field)
    values_left, values_right = prepared.left[i], prepared.right[i]
    if isinstance(values_left, tuple) or values_left.ndim != 1:
        values_left, values_right = field_values(left, spec.fields[i]), field_values(right, spec.fields[i])
        values_left = np.asarray([str(tuple(v)) for v in values_left], dtype=object)
        values_right = np.asarray([str(tuple(v)) for v in values_right], dtype=object)
    values = values_left if right is left else np.concatenate((values_left, values_right))
    codes = np.asarray(base_codes(values), dtype=np.int64)
    if rule.valid_column is not None:
        valid = _flags(left[rule.valid_column])
        if right is not left:
            valid = np.concatenate((valid, _flags(right[rule.valid_column])))
        codes[~valid] = -1
    return codes
