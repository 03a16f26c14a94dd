"""The mentions as Spark reads them: one Parquet dataset, partitioned by street.

Only the columns blocking and comparison read go to Spark, with each record's position in the
engine's frame (``_row``): pairs are made of positions, so the driver's frame, ids and model
line up with what Spark returns. Partitioning by street keeps a district's streets in separate
files (a street's records are what a city-wide run would ship to one executor); a mention
whose street is not known goes to the partition ``unknown``. Directory names are the streets
URI-encoded (Arrow's default), so any street name makes one directory.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from resolvers.linking.errors import SpecError
from resolvers.linking.spec import LinkSpec

ROW = "_row"
# Not "_street": readers skip directories whose names start with "_" (Arrow does, Spark not always).
STREET = "mention_street"
UNKNOWN_STREET = "unknown"


def spark_columns(spec: LinkSpec) -> list[str]:
    """The frame columns Spark reads: those of the blocking rules, then those compared."""
    blocked = [c for rule in spec.blocking for c in rule.columns]
    compared = [c for field in spec.fields for c in field.columns]
    return list(dict.fromkeys([*blocked, *compared]))


def _column(spec: LinkSpec, name: str, values: np.ndarray) -> pa.Array:
    """One frame column as Arrow; a column mixing value types (text and numbers) cannot be one
    Parquet column, and comparing its text form would not be what the engine compares."""
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        kinds = sorted({type(v).__name__ for v in values if v is not None})
        raise SpecError(
            f"{spec.entity_type}: column {name!r} mixes value types ({', '.join(kinds)}); "
            "the Spark engine needs one type per column"
        ) from exc


def write_records(
    frame: pd.DataFrame, spec: LinkSpec, path: Path, streets: Sequence[object] | None = None
) -> Path:
    """Write the frame's blocking and compared columns under ``path`` (replaced), partitioned by
    ``streets`` (one per record; None or absent: ``unknown``)."""
    if streets is not None and len(streets) != len(frame):
        raise ValueError(f"{spec.entity_type}: {len(streets)} streets for {len(frame)} mentions")
    street = np.full(len(frame), UNKNOWN_STREET, dtype=object)
    if streets is not None:
        given = np.asarray(streets, dtype=object)
        known = np.fromiter((s is not None and str(s).strip() != "" for s in given), bool, len(given))
        street[known] = [str(s) for s in given[known]]
    arrays = {ROW: pa.array(np.arange(len(frame), dtype=np.int64)), STREET: pa.array(street, pa.string())}
    for name in spark_columns(spec):
        arrays[name] = _column(spec, name, frame[name].to_numpy(dtype=object))
    table = pa.table(arrays)
    if path.exists():
        shutil.rmtree(path)
    pq.write_to_dataset(table, str(path), partition_cols=[STREET])
    return path
