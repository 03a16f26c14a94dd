"""Term frequencies: how common a value is, to scale the evidence of agreeing on it.

Two records agreeing on 张伟 say less than two agreeing on a rare name. Following Splink's
term-frequency adjustment, a pair that agrees on value v at an adjusted level is scored with
u = frequency(v) instead of the level's average u: the weight becomes log2(m / frequency(v)),
i.e. the level's weight plus log2(u / frequency(v)). Frequencies are counted in the data being
linked (both sides when linking two tables); the model keeps the repeated values so that an
explanation computed later gives the same weight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.comparators.base import is_missing

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TermFrequencies:
    field: str
    level: int
    column: str
    total: int  # records counted
    counts: Mapping[str, int]  # values seen more than once; any other value counts once

    def frequency(self, value: object) -> float:
        if is_missing(value) or self.total == 0:
            return float("nan")
        return self.counts.get(str(value), 1) / self.total

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "level": self.level,
            "column": self.column,
            "total": self.total,
            "counts": dict(self.counts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TermFrequencies:
        return cls(
            data["field"], int(data["level"]), data["column"], int(data["total"]), dict(data["counts"])
        )


def count_terms(field: str, level: int, column: str, frames: Sequence[pd.DataFrame]) -> TermFrequencies:
    values = pd.concat([f[column] for f in frames], ignore_index=True)
    present = values[~values.map(is_missing)].astype(str)
    counts = present.value_counts()
    repeated = counts[counts > 1]
    return TermFrequencies(
        field, level, column, len(present), dict(zip(repeated.index, repeated.tolist(), strict=True))
    )


def record_frequencies(table: TermFrequencies, frame: pd.DataFrame) -> Floats:
    """The frequency of each record's value (NaN when missing), per record of ``frame``."""
    codes, uniques = pd.factorize(frame[table.column].to_numpy(dtype=object), use_na_sentinel=True)
    per_value = np.fromiter((table.frequency(u) for u in uniques), dtype=np.float64, count=len(uniques))
    return np.where(codes >= 0, per_value[codes.clip(min=0)] if len(uniques) else np.nan, np.nan)
