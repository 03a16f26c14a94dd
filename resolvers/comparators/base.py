"""What a comparator is: a pure function that puts a pair of values on a level of agreement.

Levels are small integers: 0 is "no match", the highest is the closest agreement, and
:data:`MISSING` (−1) means the pair cannot be compared because a value is absent. Each
comparator comes twice: a scalar function for one pair (its one-line docstring is the
explanation shown to stewards) and a vectorised twin over two aligned arrays, which is what the
linking engine runs. Both must return the same level for the same pair; the tests hold them to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import process

MISSING = -1
Levels = npt.NDArray[np.int8]
Values = npt.NDArray[Any]
ScalarComparator = Callable[..., int]
VectorComparator = Callable[..., Levels]
LevelDescriber = Callable[..., tuple[str, ...]]


# What ``prepare`` returns: an array indexed by record, or (for a combined comparator) a tuple of them.
Prepared = Values | tuple[Values, ...]
Preparer = Callable[[Values], Prepared]


def take(prepared: Prepared, index: Any) -> Any:
    """``prepared[index]``, also for a tuple of arrays; an int picks one array of the tuple."""
    if isinstance(prepared, tuple):
        return prepared[index] if isinstance(index, int) else tuple(p[index] for p in prepared)
    return prepared[index]


@dataclass(frozen=True, slots=True)
class Comparator:
    """A named comparison: the scalar form (explanations), the vectorised form (the engine),
    and one description per level, indexed by level.

    The vectorised form is split in two so that per-value work (simplifying, pinyin, parsing a
    date) is done once per record, not once per pair: ``prepare`` maps record values to what
    ``compare_prepared`` reads. Values prepared in one call are comparable with each other
    (codes are shared), so the engine prepares both sides of a link together.
    """

    name: str
    compare: ScalarComparator
    prepare: Preparer
    compare_prepared: VectorComparator
    levels: tuple[str, ...] | LevelDescriber
    # How many columns a value spans: an address is (room, building, estate), a name one column.
    arity: int = 1
    # Levels ranked by strength of agreement (0 weakest): the model never lets a level weigh
    # more than a stronger one. A combination of two comparators has no such ranking.
    ordered: bool = True

    @property
    def explanation(self) -> str:
        return first_line(self.compare.__doc__)

    def describe_levels(self, params: Mapping[str, Any] | None = None) -> tuple[str, ...]:
        if callable(self.levels):
            return self.levels(**(params or {}))
        return self.levels

    def compare_many(self, a: Values, b: Values, **params: Any) -> Levels:
        """The vectorised twin of ``compare`` over two aligned arrays of values."""
        both = self.prepare(np.concatenate((np.asarray(a), np.asarray(b))))
        return self.compare_prepared(take(both, slice(0, len(a))), take(both, slice(len(a), None)), **params)


def codes(values: Values, func: Callable[[Any], Any] | None = None) -> Values:
    """Integer codes of the values (after ``func``), −1 for missing: equal codes, equal values."""
    if func is not None:
        values = map_unique(values, func)
    found, uniques = pd.factorize(values, use_na_sentinel=True)
    blank = np.fromiter((is_missing(u) for u in uniques), dtype=bool, count=len(uniques))
    per_unique = np.where(blank, -1, np.arange(len(uniques), dtype=np.int64))
    return np.where(found >= 0, per_unique[found.clip(min=0)] if len(uniques) else -1, -1).astype(np.int64)


def first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


def is_missing(value: object) -> bool:
    """None, NaN, pd.NA and blank text carry no information."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # pd.NA and NaT are the values unequal to themselves
    except (TypeError, ValueError):
        return False


def map_unique(values: Values, func: Callable[[Any], Any], missing: Any = None) -> Values:
    """``func`` applied once per distinct value (names repeat a lot), missing values → ``missing``.

    The work is proportional to the distinct values, not to the pairs, which is what makes
    per-value work such as pinyin or date parsing affordable over millions of pairs.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # fromiter keeps a tuple result (a list of n-grams) as one object instead of a row of a matrix.
    mapped = np.fromiter(
        (missing if is_missing(u) else func(u) for u in (*uniques, None)),
        dtype=object,
        count=len(uniques) + 1,
    )
    return mapped[codes]  # code −1 (NA) picks the last slot


def as_text(values: Values, func: Callable[[Any], str] = str) -> tuple[Values, npt.NDArray[np.bool_]]:
    """Values as text for rapidfuzz (which refuses None), with a mask of the missing ones."""
    text = map_unique(values, func, missing="")
    return text, text == ""


def text_lengths(text: Values) -> npt.NDArray[np.int64]:
    """Length of each string of a text array (from :func:`as_text`)."""
    lengths = pd.Series(text, dtype=object).str.len().fillna(0)
    return np.asarray(lengths, dtype=np.int64)


def score_rows(rows: npt.NDArray[np.bool_], a: Values, b: Values, scorer: Any, **kwargs: Any) -> Values:
    """rapidfuzz ``scorer`` over the pairs in ``rows`` only (0 elsewhere).

    Pairs that are equal or missing need no edit distance, and in candidate pairs they are
    many: scoring only the rest is what keeps string comparison linear in the pairs that matter.
    """
    out = np.zeros(len(a), dtype=np.float64)
    picked = np.flatnonzero(rows)
    if len(picked):
        out[picked] = process.cpdist(a[picked], b[picked], scorer=scorer, workers=1, **kwargs)
    return out


def levels_from(mask_by_level: Mapping[int, npt.NDArray[np.bool_]], size: int) -> Levels:
    """Assign levels in ascending order so that a higher level overrides a lower one."""
    out = np.zeros(size, dtype=np.int8)
    for level in sorted(mask_by_level, key=lambda lv: (lv == MISSING, lv)):
        out[mask_by_level[level]] = level
    return out


def column(values: Values, index: int) -> Values:
    """Column ``index`` of a multi-column value array (arity > 1), as a 1-D object array."""
    return np.asarray(values[:, index], dtype=object)
