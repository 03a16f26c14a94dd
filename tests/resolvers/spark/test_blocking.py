"""Blocking as Spark joins: the same pairs and diagnostics as the in-process blocking."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from resolvers.linking import BlockingRule, FieldSpec, LinkSpec, Thresholds
from resolvers.linking.blocking import BlockingDiagnostics, block_dedupe
from resolvers.spark.records import write_records
from tests.support.spark_fixture import spark  # noqa: F401

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.integration


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["a", "a", "a", "b", "b", None, "c", "c", "c", "c"],
            "phone": ["1", "2", "1", "3", "3", "1", None, None, None, "9"],
            # A record listing a token twice is in that block twice, and never paired with itself.
            "tokens": [("x", "y"), ("y",), ("x", "x"), None, ("z",), ("y", "z"), (), ("x",), None, ("q",)],
        },
        dtype=object,
    )


def spec(rules: tuple[BlockingRule, ...], cap: int) -> LinkSpec:
    return LinkSpec(
        entity_type="Thing",
        fields=(FieldSpec(name="name", comparator="exact", columns=("name",)),),
        blocking=rules,
        thresholds=Thresholds(upper=0.99, lower=0.5),
        max_block_size=cap,
    )


def on_spark(
    session: SparkSession, tmp_path: Path, df: pd.DataFrame, rules: tuple[BlockingRule, ...], cap: int
) -> tuple[set[tuple[int, int]], BlockingDiagnostics]:
    from resolvers.spark.blocking import block_dedupe_spark

    path = write_records(df, spec(rules, cap), tmp_path / "things")
    pairs, diagnostics = block_dedupe_spark(session.read.parquet(str(path)), rules, cap)
    try:
        found = {(int(r["a"]), int(r["b"])) for r in pairs.collect()}
    finally:
        pairs.unpersist()
    return found, diagnostics


RULES = {
    "union of rules": ((BlockingRule(columns=("name",)), BlockingRule(columns=("phone",))), 10),
    "a block over the cap": ((BlockingRule(columns=("name",)), BlockingRule(columns=("phone",))), 3),
    "a rule's own cap": ((BlockingRule(columns=("name",), max_block_size=2),), 100),
    "two columns": ((BlockingRule(columns=("name", "phone")),), 10),
    "a list-valued column": ((BlockingRule(columns=("tokens",)), BlockingRule(columns=("name",))), 4),
}


@pytest.mark.parametrize("case", RULES)
def test_the_same_pairs_and_diagnostics_as_in_process(
    spark: SparkSession,  # noqa: F811
    tmp_path: Path,
    case: str,
) -> None:
    rules, cap = RULES[case]
    expected = block_dedupe(frame(), rules, cap)
    found, diagnostics = on_spark(spark, tmp_path, frame(), rules, cap)
    assert found == set(zip(expected.left.tolist(), expected.right.tolist(), strict=True))
    assert diagnostics == expected.diagnostics
    assert len(found) > 0


def test_ties_among_the_largest_blocks_go_to_the_block_met_first(
    spark: SparkSession,  # noqa: F811
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"name": [f"n{k}" for k in rng.integers(0, 12, 200)]}, dtype=object)
    rules = (BlockingRule(columns=("name",)),)
    expected = block_dedupe(df, rules, 15)
    found, diagnostics = on_spark(spark, tmp_path, df, rules, 15)
    assert diagnostics.rules[0].skipped_blocks > 0  # some blocks over the cap, some not
    assert diagnostics == expected.diagnostics
    assert found == set(zip(expected.left.tolist(), expected.right.tolist(), strict=True))
