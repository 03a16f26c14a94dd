"""``dedupe`` with the pairs in Spark: blocking, comparison, pattern counts and scoring there; the
model, the decisions about the pairs worth deciding and the clustering on the driver.

What runs where, and why:

- Spark: the mentions as Parquet (partitioned by street), blocking as joins with the caps, the
  comparison of every candidate pair through the comparators and the key rules' verdict on it
  (a pandas UDF over Arrow batches), then, over the compared pairs (kept by Spark, in memory or
  on its disks): the count of each distinct comparison pattern (a group by the level columns
  and the verdict), and, once the model is fitted, every pair's match weight (the in-process
  :func:`resolvers.linking.scoring.total_weights`, applied to each batch), keeping only the pairs
  at or above the lower threshold or decided by a key or decision rule.
- The driver: EM on the patterns and their counts (:func:`resolvers.linking.em.fit_patterns`,
  the numbers the in-process engine fits on, in the same order), u from random pairs (Spark
  says which of them are candidates), term frequencies, and then
  :func:`resolvers.linking.engine.dedupe_compared` on the retained pairs: decisions, ambiguity,
  clustering with the steward's cannot-links, the review reasons. Its memory is the records'
  (the frame, the prepared fields, the term frequencies: what the in-process engine holds
  before any pair), the patterns (thousands) and the retained pairs; not the candidate pairs.
- Clustering stays the in-process function, fed the retained pairs: cannot-links and exclusive
  keys are honoured by a union-find that takes a conflicted component's edges strongest first
  and refuses the one that would join two records kept apart, and an edge refused changes which
  later edges are. Min-label propagation in Spark finds components, not that order-dependent
  answer; the merge edges (pairs above the upper threshold) are a small share of the pairs, so
  they fit on the driver long after the candidate pairs would not.
- Term frequencies are counted on the driver from the frame it already holds (records, not
  pairs): each record's value frequency is what scoring reads, shipped to the workers with the
  model (8 bytes per record and adjusted field).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from resolvers.linking.arrays import Ints, isin_sorted, sorted_unique
from resolvers.linking.blocking import BlockingDiagnostics
from resolvers.linking.compare import level_sizes, valid_flags
from resolvers.linking.em import compress_counted
from resolvers.linking.engine import IdPairs, LinkResult, Retained, dedupe_compared
from resolvers.linking.frame import prepare
from resolvers.linking.model import FSModel
from resolvers.linking.scoring import TermAdjustment, total_weights
from resolvers.linking.spec import LinkSpec
from resolvers.linking.training import CandidatePatterns
from resolvers.spark.blocking import block_dedupe_spark
from resolvers.spark.compare import VERDICT, KeyVerdicts, compare_spark, level_column
from resolvers.spark.records import write_records

if TYPE_CHECKING:
    import numpy.typing as npt
    from pyspark.sql import DataFrame, SparkSession


def kept_batches(
    batches: Iterator[pd.DataFrame],
    fields: int,
    model: FSModel,
    adjustments: Sequence[TermAdjustment],
    lower: float,
) -> Iterator[pd.DataFrame]:
    """The pairs of each batch of compared pairs (a, b, g0…, v) that deciding needs: weight at
    least ``lower`` (as :func:`total_weights` gives it in process) or a rule's "same"."""
    names = [level_column(j) for j in range(fields)]
    for batch in batches:
        a, b = batch["a"].to_numpy(np.int64), batch["b"].to_numpy(np.int64)
        weights = total_weights(batch[names].to_numpy(np.int8), a, b, model, adjustments)
        keep = (weights >= lower) | (batch[VERDICT].to_numpy() == 1)
        yield batch[keep]


class SparkPairs:
    """The compared candidate pairs, persisted in Spark, as :func:`dedupe_compared` asks for them."""

    def __init__(
        self,
        session: SparkSession,
        compared: DataFrame,
        diagnostics: BlockingDiagnostics,
        sizes: Sequence[int],
        records: int,
    ) -> None:
        self.session = session
        self.compared = compared
        self.diagnostics = diagnostics
        self.sizes = list(sizes)
        self.records = records  # pair (a, b) is a * records + b wherever a key is needed
        self.collected = 0  # pairs collected to the driver (the retained ones)

    def _levels(self) -> list[str]:
        return [level_column(j) for j in range(len(self.sizes))]

    def patterns(self) -> CandidatePatterns:
        columns = [*self._levels(), VERDICT]
        table = self.compared.groupBy(*columns).count().toArrow()
        if table.num_rows:
            rows = np.column_stack([table.column(c).to_numpy() for c in columns]).astype(np.int8)
        else:
            rows = np.zeros((0, len(columns)), dtype=np.int8)
        counts = table.column("count").to_numpy().astype(np.int64)
        # Ordered (and merged, were a pattern split) as compress orders them in process.
        patterns, counts = compress_counted(rows, counts, [*self.sizes, 3])
        return CandidatePatterns(patterns, counts, self.is_candidate)

    def is_candidate(self, a: Ints, b: Ints) -> npt.NDArray[np.bool_]:
        """Which pairs (a[i], b[i]) are candidates: the distinct ones go to Spark and meet the
        compared pairs in a semi-join (the random sample for u: some hundred thousand pairs)."""
        if len(a) == 0:
            return np.zeros(0, dtype=bool)
        keys = a * self.records + b
        distinct = sorted_unique(keys)
        asked = pd.DataFrame({"a": distinct // self.records, "b": distinct % self.records})
        sample = self.session.createDataFrame(asked, "a long, b long")
        found = sample.join(self.compared.select("a", "b"), on=["a", "b"], how="left_semi").toArrow()
        hits = found.column("a").to_numpy().astype(np.int64) * self.records + found.column("b").to_numpy()
        return isin_sorted(keys, sorted_unique(hits.astype(np.int64)))

    def retained(
        self, model: FSModel, adjustments: Sequence[TermAdjustment], lower: float, keep_all: bool
    ) -> Retained:
        fields = len(self.sizes)
        if keep_all:
            kept = self.compared
        else:
            chosen = list(adjustments)
            kept = self.compared.mapInPandas(
                lambda batches: kept_batches(batches, fields, model, chosen, lower), self.compared.schema
            )
        table = kept.toArrow()
        a = table.column("a").to_numpy().astype(np.int64)
        b = table.column("b").to_numpy().astype(np.int64)
        # Ascending (a, b) like block_dedupe's pairs: Spark returns them in no particular order,
        # and ties in weight are broken by this one when clustering.
        order = np.lexsort((b, a))
        levels = np.empty((len(a), fields), dtype=np.int8)
        for j in range(fields):
            levels[:, j] = table.column(level_column(j)).to_numpy()[order]
        verdicts = table.column(VERDICT).to_numpy().astype(np.int8)[order]
        self.collected = len(a)
        return Retained(a[order], b[order], levels, verdicts)


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
    """:func:`resolvers.linking.dedupe` of ``df`` with the pairs on ``session``; the same result.
    ``work_dir`` holds the mentions' Parquet files (replaced on every call); ``streets``: each
    mention's street, which partitions them (absent: one partition)."""
    started = perf_counter()
    frame, ids = prepare(df, spec)
    path = write_records(frame, spec, work_dir / f"{spec.entity_type}.parquet", streets)
    # Read by every rule's join and by the comparison: cached once.
    records = session.read.parquet(str(path)).cache()
    written = perf_counter()
    compared: DataFrame | None = None
    try:
        pairs, diagnostics = block_dedupe_spark(records, spec.blocking, spec.max_block_size)
        blocked = perf_counter()
        try:
            verdicts = KeyVerdicts(spec, valid_flags(spec, frame))
            # Kept by Spark (memory, then its disks): counted once, scored once after fitting.
            compared = compare_spark(pairs, records, spec.fields, verdicts).persist()
            compared.count()
        finally:
            pairs.unpersist()
            records.unpersist()
        done_comparing = perf_counter()
        on_spark = SparkPairs(session, compared, diagnostics, level_sizes(spec.fields), len(frame))
        result = dedupe_compared(
            frame, ids, spec, on_spark, must_link, cannot_link, model=model, keep_all=keep_all
        )
    finally:
        if compared is not None:
            compared.unpersist()
    spark_timings = {
        "spark: writing mentions": round(written - started, 4),
        "spark: blocking": round(blocked - written, 4),
        "spark: comparing": round(done_comparing - blocked, 4),
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
