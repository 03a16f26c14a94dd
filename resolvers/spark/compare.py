"""Comparison levels of candidate pairs, computed by Spark in Arrow batches.

Each pair is joined with both records' compared columns; every batch of pairs goes to the
vectorised twin of each field's comparator (``Comparator.compare_many``, the very functions the
in-process engine runs, whose scalar forms explain a level to stewards). ``compare_many``
prepares the batch's values together, so codes agree within the batch as they do within the
in-process frame: a level depends on the two values alone, not on which batch holds them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as sf

from resolvers.comparators import MISSING, get_comparator
from resolvers.linking.arrays import Ints
from resolvers.linking.compare import key_verdicts_valid
from resolvers.linking.model import LevelMatrix
from resolvers.linking.spec import FieldSpec, LinkSpec
from resolvers.spark.records import ROW

# The key and decision rules' verdict of a pair: 0 neither, 1 same, 2 different.
VERDICT = "v"


def level_column(index: int) -> str:
    return f"g{index}"


@dataclass(frozen=True)
class KeyVerdicts:
    """:func:`resolvers.linking.compare.key_verdicts` of a batch of pairs, with the records'
    validity flags (one bool per record and key validity column) rather than the records: what
    goes to the workers, pickled with the function, is a few bytes per record."""

    spec: LinkSpec
    valid: Mapping[str, npt.NDArray[np.bool_]]

    def __call__(self, levels: LevelMatrix, a: Ints, b: Ints) -> npt.NDArray[np.int8]:
        same, different = key_verdicts_valid(self.spec, levels, self.valid, self.valid, a, b)
        return (same + 2 * different).astype(np.int8)


def _values(batch: pd.DataFrame, names: Sequence[str]) -> npt.NDArray[np.object_]:
    """A field's values as the engine reads them: object arrays with None for missing (Arrow
    text comes back as pandas strings with NaN), stacked when a field spans several columns."""
    columns = []
    for name in names:
        # A copy: an object column's array may be the batch's own, read-only under copy-on-write.
        values = batch[name].to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        columns.append(values)
    return columns[0] if len(columns) == 1 else np.stack(columns, axis=1)


def compare_batches(
    batches: Iterator[pd.DataFrame],
    fields: Sequence[FieldSpec],
    columns: Sequence[str],
    verdicts: KeyVerdicts | None = None,
) -> Iterator[pd.DataFrame]:
    """Levels of each batch of joined pairs (a, b, l0…, r0…: the ``columns`` of both records),
    and with ``verdicts`` each pair's verdict (column ``v``)."""
    position = {name: i for i, name in enumerate(columns)}
    for batch in batches:
        a, b = batch["a"].to_numpy(np.int64), batch["b"].to_numpy(np.int64)
        out = pd.DataFrame({"a": a, "b": b})
        for j, field in enumerate(fields):
            left = _values(batch, [f"l{position[c]}" for c in field.columns])
            right = _values(batch, [f"r{position[c]}" for c in field.columns])
            levels = get_comparator(field.comparator).compare_many(left, right, **field.params)
            levels = np.asarray(levels, dtype=np.int8)
            if field.missing_is_level:  # as compare_pairs does
                levels[levels == MISSING] = field.top_level + 1
            out[level_column(j)] = levels
        if verdicts is not None:
            matrix = out[[level_column(j) for j in range(len(fields))]].to_numpy(np.int8)
            out[VERDICT] = verdicts(matrix, a, b)
        yield out


def compare_spark(
    pairs: DataFrame, records: DataFrame, fields: Sequence[FieldSpec], verdicts: KeyVerdicts | None = None
) -> DataFrame:
    """(a, b, g0…) for the candidate ``pairs``: one int8 level per field; then ``v``, the
    verdict, with ``verdicts``."""
    columns = list(dict.fromkeys(c for f in fields for c in f.columns))
    left = records.select(sf.col(ROW).alias("a"), *(sf.col(c).alias(f"l{i}") for i, c in enumerate(columns)))
    right = records.select(sf.col(ROW).alias("b"), *(sf.col(c).alias(f"r{i}") for i, c in enumerate(columns)))
    joined = pairs.select("a", "b").join(left, on="a").join(right, on="b")
    names = ["a long", "b long", *(f"{level_column(j)} byte" for j in range(len(fields)))]
    schema = ", ".join([*names, f"{VERDICT} byte"] if verdicts is not None else names)
    chosen = tuple(fields)
    return joined.mapInPandas(lambda batches: compare_batches(batches, chosen, columns, verdicts), schema)
