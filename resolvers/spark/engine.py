"""``dedupe`` with blocking and comparison on Spark; fitting, scoring and clustering on the driver.

What runs where, and why, at this stage:

- Spark: the mentions as Parquet (partitioned by street), blocking as joins with the caps, and
  the comparison of every candidate pair through the comparators (the work that grows with the
  pairs, not the records).
- The driver: the candidate pairs' levels (one byte per pair and field) are collected, sorted as
  the in-process blocking orders them, and handed to :func:`resolvers.linking.engine.dedupe_compared`,
  which fits the model (EM runs on the distinct comparison patterns and their counts, as in
  process), counts term frequencies, scores, and clusters with the steward's cannot-links
  honoured. Collecting the pairs keeps one implementation of scoring and clustering, and so one
  explanation of every merge; its cost is driver memory proportional to the candidate pairs (16
  bytes of positions and one per field each). Connected components and scoring in Spark,
  collecting only the pairs above the lower threshold, are the next step for a city's hundreds
  of millions of pairs.
- Per-record work stays on the driver too: the fields are prepared once per record for the
  random pairs that estimate u, the judged pairs and the exclusive keys (records, not pairs).
"""

from __future__ import annotations

from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from resolvers.linking.blocking import CandidatePairs
from resolvers.linking.engine import IdPairs, LinkResult, dedupe_compared
from resolvers.linking.frame import prepare
from resolvers.linking.model import FSModel, LevelMatrix
from resolvers.linking.spec import LinkSpec
from resolvers.spark.blocking import block_dedupe_spark
from resolvers.spark.compare import compare_spark, level_column
from resolvers.spark.records import write_records

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyspark.sql import DataFrame, SparkSession


def _collect(compared: DataFrame, fields: int) -> tuple[np.ndarray, np.ndarray, LevelMatrix]:
    """Positions and levels on the driver, ascending (a, b) like ``block_dedupe``'s pair keys
    (Spark returns them in no particular order; ties in weight are later broken by this one)."""
    table = compared.toArrow()
    a = table.column("a").to_numpy().astype(np.int64)
    b = table.column("b").to_numpy().astype(np.int64)
    order = np.lexsort((b, a))
    levels = np.empty((len(a), fields), dtype=np.int8)
    for j in range(fields):
        levels[:, j] = table.column(level_column(j)).to_numpy()[order]
    return a[order], b[order], levels


def dedupe_spark(
    df: pd.DataFrame,
    spec: LinkSpec,
    must_link: IdPairs = (),
    cannot_link: IdPairs = (),
    *,
    session: SparkSession,
    work_dir: Path,
    model: FSModel | None = None,
    keep_all: bool = False,
    streets: Sequence[object] | None = None,
) -> LinkResult:
    """:func:`resolvers.linking.dedupe` of ``df`` with blocking and comparison on ``session``;
    the same result. ``work_dir`` holds the mentions' Parquet files (replaced on every call);
    ``streets``: each mention's street, which partitions them (absent: one partition)."""
    started = perf_counter()
    frame, ids = prepare(df, spec)
    path = write_records(frame, spec, work_dir / f"{spec.entity_type}.parquet", streets)
    # Read by every rule's join and by the comparison: cached once.
    records = session.read.parquet(str(path)).cache()
    written = perf_counter()
    try:
        pairs, diagnostics = block_dedupe_spark(records, spec.blocking, spec.max_block_size)
        blocked = perf_counter()
        try:
            a, b, levels = _collect(compare_spark(pairs, records, spec.fields), len(spec.fields))
        finally:
            pairs.unpersist()
    finally:
        records.unpersist()
    compared = perf_counter()
    candidates = CandidatePairs(a, b, diagnostics)
    result = dedupe_compared(
        frame, ids, spec, candidates, levels, must_link, cannot_link, model=model, keep_all=keep_all
    )
    spark_timings = {
        "spark: writing mentions": round(written - started, 4),
        "spark: blocking": round(blocked - written, 4),
        "spark: comparing": round(compared - blocked, 4),
    }
    return LinkResult(
        result.spec,
        result.model,
        result.pairs,
        result.clusters,
        result.blocking,
        result.candidate_pairs,
        {**spark_timings, **result.timings},
        result.conflicts,
    )
