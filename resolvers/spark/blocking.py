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

from pyspark.sql import DataFrame
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
    kept = blocks.where((sf.col("size") >= 2) & (sf.col("size") <= cap)).select(*keys)
    left = entries.join(kept, on=keys, how="left_semi").select(sf.col(ROW).alias("a"), *keys)
    right = entries.join(kept, on=keys, how="left_semi").select(sf.col(ROW).alias("b"), *keys)
    pairs = left.join(right, on=keys).where(sf.col("a") < sf.col("b")).select("a", "b").distinct()
    return pairs, blocks


def _diagnostics(rule: BlockingRule, blocks: DataFrame, cap: int, pairs: int, new: int) -> RuleDiagnostics:
    size = sf.col("size")
    over = size > cap
    row = blocks.agg(
        sf.sum(((size >= 2) & ~over).cast("long")).alias("blocks"),
        sf.sum(over.cast("long")).alias("skipped_blocks"),
        sf.sum(sf.when(over, size).otherwise(0)).alias("skipped_records"),
        sf.sum(sf.when(over, size * (size - 1) / 2).otherwise(0)).cast("long").alias("skipped_pairs"),
    ).first()
    assert row is not None
    # Ties in size go to the block met first, as the in-process codes number blocks by first entry.
    top = blocks.where(size > 1).orderBy(sf.desc("size"), sf.asc("first")).limit(LARGEST).collect()
    largest = tuple(("|".join(str(r[c]) for c in rule.columns), int(r["size"])) for r in top)
    return RuleDiagnostics(
        rule=rule.label,
        blocks=int(row["blocks"] or 0),
        pairs=pairs,
        new_pairs=new,
        skipped_blocks=int(row["skipped_blocks"] or 0),
        skipped_records=int(row["skipped_records"] or 0),
        skipped_pairs=int(row["skipped_pairs"] or 0),
        largest=largest,
    )


def block_dedupe_spark(
    records: DataFrame, rules: Sequence[BlockingRule], max_block_size: int
) -> tuple[DataFrame, BlockingDiagnostics]:
    """Candidate pairs (a < b, record positions) of one table under any rule, cached, and the
    blocking diagnostics (counted by Spark)."""
    per_rule: list[tuple[BlockingRule, DataFrame, DataFrame, int]] = []
    union: Any = None
    for index, rule in enumerate(rules):
        cap = rule_cap(rule, max_block_size)
        pairs, blocks = _rule_pairs(records, rule, cap)
        per_rule.append((rule, pairs, blocks, cap))
        tagged = pairs.withColumn(RULE, sf.lit(index))
        union = tagged if union is None else union.unionByName(tagged)
    if union is None:
        raise ValueError("no blocking rules: every pair would be a candidate")
    first_rule = union.groupBy("a", "b").agg(sf.min(RULE).alias(RULE)).cache()
    new_by_rule = {int(r[RULE]): int(r["count"]) for r in first_rule.groupBy(RULE).count().collect()}
    counted = union.groupBy(RULE).count().collect()
    pairs_by_rule = {int(r[RULE]): int(r["count"]) for r in counted}
    diagnostics = tuple(
        _diagnostics(rule, blocks, cap, pairs_by_rule.get(i, 0), new_by_rule.get(i, 0))
        for i, (rule, _, blocks, cap) in enumerate(per_rule)
    )
    total = sum(new_by_rule.values())
    return first_rule.select("a", "b"), BlockingDiagnostics(diagnostics, total, max_block_size)
