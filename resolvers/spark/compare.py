"""Comparison levels of candidate pairs, computed by Spark in Arrow batches.

Each pair is joined with both records' compared columns; every batch of pairs goes to the
vectorised twin of each field's comparator (``Comparator.compare_many``, the very functions the
in-process engine runs, whose scalar forms explain a level to stewards). ``compare_many``
prepares the batch's values together, so codes agree within the batch as they do within the
in-process frame: a level depends on the two values alone, not on which batch holds them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as sf

from resolvers.comparators import MISSING, get_comparator
from resolvers.linking.spec import FieldSpec
from resolvers.spark.records import ROW


def level_column(index: int) -> str:
    return f"g{index}"


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
    batches: Iterator[pd.DataFrame], fields: Sequence[FieldSpec], columns: Sequence[str]
) -> Iterator[pd.DataFrame]:
    """Levels of each batch of joined pairs (a, b, l0…, r0…: the ``columns`` of both records)."""
    position = {name: i for i, name in enumerate(columns)}
    for batch in batches:
        out = pd.DataFrame({"a": batch["a"].to_numpy(np.int64), "b": batch["b"].to_numpy(np.int64)})
        for j, field in enumerate(fields):
            left = _values(batch, [f"l{position[c]}" for c in field.columns])
            right = _values(batch, [f"r{position[c]}" for c in field.columns])
            levels = get_comparator(field.comparator).compare_many(left, right, **field.params)
            levels = np.asarray(levels, dtype=np.int8)
            if field.missing_is_level:  # as compare_pairs does
                levels[levels == MISSING] = field.top_level + 1
            out[level_column(j)] = levels
        yield out


def compare_spark(pairs: DataFrame, records: DataFrame, fields: Sequence[FieldSpec]) -> DataFrame:
    """(a, b, g0…) for the candidate ``pairs``: one int8 level per field."""
    columns = list(dict.fromkeys(c for f in fields for c in f.columns))
    left = records.select(sf.col(ROW).alias("a"), *(sf.col(c).alias(f"l{i}") for i, c in enumerate(columns)))
    right = records.select(sf.col(ROW).alias("b"), *(sf.col(c).alias(f"r{i}") for i, c in enumerate(columns)))
    joined = pairs.select("a", "b").join(left, on="a").join(right, on="b")
    schema = ", ".join(["a long", "b long", *(f"{level_column(j)} byte" for j in range(len(fields)))])
    chosen = tuple(fields)
    return joined.mapInPandas(lambda batches: compare_batches(batches, chosen, columns), schema)
