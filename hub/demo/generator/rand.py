"""Seeded random streams and the few sampling helpers every module uses.

Each generation stage draws from its own stream, derived from the seed and the stage's name, so a
change in how one stage draws does not shift the numbers every later stage sees. Names are hashed
with CRC-32, not ``hash()``, which is salted per process.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

# Arrays of Python strings (object dtype): numpy's fixed-width strings are slow to build and to
# concatenate for variable-length Chinese text, and pandas stores object columns anyway.
Strings: TypeAlias = npt.NDArray[np.object_]
Ints: TypeAlias = npt.NDArray[np.int64]
Bools: TypeAlias = npt.NDArray[np.bool_]


def stream(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def weighted_choice(rng: np.random.Generator, weights: Mapping[str, float], n: int) -> Strings:
    """n draws from the keys of `weights`, in proportion to the values (key order is insertion order)."""
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def pick_kinds(rng: np.random.Generator, n: int, rates: Mapping[str, float]) -> Strings:
    """One label per row: each kind with its rate, '' (no change) for the rest. Kinds exclude each other."""
    total = sum(rates.values())
    if total > 1:
        raise ValueError(f"noise rates add up to {total} > 1")
    labels = np.array(["", *rates], dtype=object)
    p = np.array([1 - total, *rates.values()], dtype=float)
    kinds: Strings = labels[rng.choice(len(labels), size=n, p=p)]
    # Small demos still show every kind once (when there are rows enough to spare).
    if n >= 25 * len(rates):
        for kind, rate in rates.items():
            free = np.flatnonzero(kinds == "")
            if rate > 0 and not (kinds == kind).any() and len(free):
                kinds[free[rng.integers(0, len(free))]] = kind
    return kinds


def at_least(rng: np.random.Generator, mask: Bools, eligible: Bools, minimum: int) -> Bools:
    """Make sure `minimum` eligible rows are chosen, so tiny demos still contain every hard case."""
    missing = minimum - int((mask & eligible).sum())
    if missing > 0:
        free = np.flatnonzero(eligible & ~mask)
        if len(free):
            mask = mask.copy()
            mask[rng.choice(free, size=min(missing, len(free)), replace=False)] = True
    return mask


def objects(values: Any) -> Strings:
    """Strings (a list, array or Series) as a new object array, safe to modify in place."""
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    return np.array(values, dtype=object)
