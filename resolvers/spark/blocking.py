"""Candidate pairs as Spark joins: the rules and caps of :mod:`resolvers.linking.blocking`.

Per rule, each record's key entries (one per element of a list-valued column, none when a key
column is missing) are counted per block; blocks of 2 to cap entries join with themselves on
the key, keeping pairs of distinct records, lower position first. The union over rules keeps
each pair once and credits it to the first rule that produced it, as the in-process union does,
so the diagnostics (blocks, pairs, new pairs, skipped blocks, largest blocks) are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as sf
from pyspark.sql.types import ArrayType

from resolvers.linking.blocking import LARGEST, BlockingDiagnostics, RuleDiagnostics, rule_cap
from resolvers.linking.errors import SpecError
from resolvers.linking.spec import BlockingRule
from resolvers.spark.records import ROW

POS = "_pos"
RULE = "_rule"


def _entries(records: DataFrame, rule: BlockingRule) -> DataFrame:
    """(row, pos, key columns) per key entry of the rule; entries missing a key value dropped."""
    listy = [c for c in rule.columns if isinstance(records.schema[c].dataType, ArrayType)]
    if len(listy) > 1:
        raise SpecError(f"blocking rule {rule.label}: at most one list-valued column")
    if listy:
        others = [sf.col(c) for c in rule.columns if c != listy[0]]
        entries = records.select(ROW, sf.posexplode(listy[0]).alias(POS, listy[0]), *others)
    else:
        entries = records.select(ROW, sf.lit(0).alias(POS), *rule.columns)
    return entries.dropna(subset=list(rule.columns))


def _rule_pairs(records: DataFrame, rule: BlockingRule, cap: int) -> tuple[DataFrame, DataFrame]:
    """The rule's distinct pairs (a < b) and its blocks (key, size, first entry)."""
    keys = list(rule.columns)
    entries = _entries(records, rule)
    blocks = entries.groupBy(*keys).agg(
        sf.count(sf.lit(1)).alias("size"), sf.min(sf.struct(ROW, POS)).alias("first")
    )
    # Each entry learns its block's size from a window over the key (one shuffle), rather than
    # from joining the blocks back: the join of the kept entries with themselves then reuses
    # that partitioning by key.
    sized = entries.withColumn("size", sf.count(sf.lit(1)).over(Window.partitionBy(*keys)))
    kept = sized.where((sf.col("size") >= 2) & (sf.col("size") <= cap))
    left = kept.select(sf.col(ROW).alias("a"), *keys)
    right = kept.select(sf.col(ROW).alias("b"), *keys)
    pairs = left.join(right, on=keys).where(sf.col("a") < sf.col("b")).select("a", "b").distinct()
    return pairs, blocks


def _block_stats(blocks: DataFrame, caps: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per rule: blocks paired, and the blocks, records and pairs the cap skipped (one job)."""
    size = sf.col("size")
    cap = sf.element_at(sf.array(*(sf.lit(c) for c in caps)), sf.col(RULE) + 1)
    over = size > cap
    rows = (
        blocks.groupBy(RULE)
        .agg(
            sf.sum(((size >= 2) & ~over).cast("long")).alias("blocks"),
            sf.sum(over.cast("long")).alias("skipped_blocks"),
            sf.sum(sf.when(over, size).otherwise(0)).alias("skipped_records"),
            sf.sum(sf.when(over, size * (size - 1) / 2).otherwise(0)).cast("long").alias("skipped_pairs"),
        )
        .collect()
    )
    return {int(r[RULE]): {k: int(r[k] or 0) for k in r.asDict() if k != RULE} for r in rows}


def _largest_blocks(blocks: DataFrame) -> dict[int, list[tuple[str, int]]]:
    """Per rule, the LARGEST biggest blocks (key label, entries); ties in size go to the block
    met first, as the in-process codes number blocks by their first entry."""
    rank = sf.row_number().over(Window.partitionBy(RULE).orderBy(sf.desc("size"), sf.asc("first")))
    top = blocks.where(sf.col("size") > 1).withColumn("rank", rank).where(sf.col("rank") <= LARGEST)
    out: dict[int, list[tuple[str, int]]] = {}
    for r in top.orderBy(RULE, "rank").collect():
        out.setdefault(int(r[RULE]), []).append((str(r["label"]), int(r["size"])))
    return out


def block_dedupe_spark(
    records: DataFrame, rules: Sequence[BlockingRule], max_block_size: int
) -> tuple[DataFrame, BlockingDiagnostics]:
    """Candidate pairs (a < b, record positions, and the first rule that paired them) of one table
    under any rule, cached (unpersist when done), and the blocking diagnostics, counted by Spark in a few jobs for all rules."""
    if not rules:
        raise ValueError("no blocking rules: every pair would be a candidate")
    caps = [rule_cap(rule, max_block_size) for rule in rules]
    tagged: Any = None
    labelled: Any = None
    for index, (rule, cap) in enumerate(zip(rules, caps, strict=True)):
        pairs, blocks = _rule_pairs(records, rule, cap)
        pairs = pairs.withColumn(RULE, sf.lit(index))
        # The in-process label of a block: its key values as text, joined by "|".
        label = sf.concat_ws("|", *(sf.col(c).cast("string") for c in rule.columns))
        blocks = blocks.select(sf.lit(index).alias(RULE), "size", "first", label.alias("label"))
        tagged = pairs if tagged is None else tagged.unionByName(pairs)
        labelled = blocks if labelled is None else labelled.unionByName(blocks)
    tagged = tagged.cache()
    labelled = labelled.cache()
    try:
        pairs_by_rule = {int(r[RULE]): int(r["count"]) for r in tagged.groupBy(RULE).count().collect()}
        first_rule = tagged.groupBy("a", "b").agg(sf.min(RULE).alias(RULE)).cache()
        new_by_rule = {int(r[RULE]): int(r["count"]) for r in first_rule.groupBy(RULE).count().collect()}
        stats, largest = _block_stats(labelled, caps), _largest_blocks(labelled)
    finally:
        tagged.unpersist()
        labelled.unpersist()
    empty = {"blocks": 0, "skipped_blocks": 0, "skipped_records": 0, "skipped_pairs": 0}
    diagnostics = tuple(
        RuleDiagnostics(
            rule=rule.label,
            pairs=pairs_by_rule.get(i, 0),
            new_pairs=new_by_rule.get(i, 0),
            largest=tuple(largest.get(i, ())),
            **stats.get(i, empty),
        )
        for i, rule in enumerate(rules)
    )
    total = sum(new_by_rule.values())
    return first_rule, BlockingDiagnostics(diagnostics, total, max_block_size)
