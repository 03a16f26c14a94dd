"""Sort-based set operations on integer arrays.

``np.unique`` on tens of millions of int64 pair keys takes tens of seconds with the numpy in
this project (its hash path), while ``np.sort`` takes a fraction of a second; these helpers
get the same answers from a sort.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]


def sorted_unique(values: Ints) -> Ints:
    if len(values) == 0:
        return values.astype(np.int64)
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def isin_sorted(values: Ints, sorted_set: Ints) -> npt.NDArray[np.bool_]:
    """Membership of each value in an ascending array without repeats."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    where = np.searchsorted(sorted_set, values).clip(max=len(sorted_set) - 1)
    return np.asarray(sorted_set[where] == values)


def group_bounds(sorted_codes: Ints) -> tuple[Ints, Ints]:
    """Start and size of each run of equal values in a sorted array."""
    if len(sorted_codes) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    change = np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1
    starts = np.concatenate(([0], change)).astype(np.int64)
    sizes = np.diff(np.concatenate((starts, [len(sorted_codes)]))).astype(np.int64)
    return starts, sizes


def ranges(counts: Ints) -> Ints:
    """0..c-1 for each count c, concatenated (the offsets inside each repeated run)."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def pattern_counts(codes: Ints) -> tuple[Ints, Ints]:
    """Distinct values of ``codes`` and how often each occurs."""
    ordered = np.sort(codes)
    starts, sizes = group_bounds(ordered)
    return ordered[starts], sizes
