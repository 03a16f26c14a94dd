"""dedupe on Spark gives what dedupe in process gives: pairs, decisions, clusters, model.

The demo district's equivalence through the whole pass is in tests/hub/resolution/test_engines.py;
here the engine alone, on the linking tests' synthetic people, with steward judgements.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from resolvers.linking import LinkResult, dedupe
from tests.resolvers.linking.factories import people, person_spec, with_key
from tests.support.spark_fixture import spark  # noqa: F401

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.integration


def assert_same(expected: LinkResult, found: LinkResult) -> None:
    pd.testing.assert_frame_equal(found.pairs, expected.pairs)
    pd.testing.assert_series_equal(found.clusters, expected.clusters)
    pd.testing.assert_frame_equal(found.conflicts, expected.conflicts)
    assert found.model.to_json() == expected.model.to_json()
    assert found.blocking == expected.blocking
    assert found.candidate_pairs == expected.candidate_pairs


def test_judged_pairs_are_honoured_the_same_way(spark: SparkSession, tmp_path: Path) -> None:  # noqa: F811
    from resolvers.spark.engine import dedupe_spark

    df, spec = people(150, seed=4), with_key(person_spec(id_column="mid"))
    unjudged = dedupe(df, spec, keep_all=True)
    merged = unjudged.matches.iloc[0]
    apart = unjudged.pairs[unjudged.pairs["decision"] != "merge"].iloc[0]
    cannot = [(merged["id_l"], merged["id_r"])]
    must = [(apart["id_l"], apart["id_r"])]

    expected = dedupe(df, spec, must, cannot)
    found = dedupe_spark(df, spec, must, cannot, session=spark, work_dir=tmp_path)

    assert_same(expected, found)
    clusters = found.clusters
    assert clusters[merged["id_l"]] != clusters[merged["id_r"]]  # the cannot-link kept them apart
    assert clusters[apart["id_l"]] == clusters[apart["id_r"]]  # the must-link joined them
    assert {"spark: blocking", "spark: comparing", "training"} <= set(found.timings)


def test_under_a_saved_model(spark: SparkSession, tmp_path: Path) -> None:  # noqa: F811
    from resolvers.spark.engine import dedupe_spark

    spec = person_spec(id_column="mid")
    model = dedupe(people(120, seed=5), spec).model
    df = people(120, seed=6)
    expected = dedupe(df, spec, model=model, keep_all=True)
    found = dedupe_spark(df, spec, session=spark, work_dir=tmp_path, model=model, keep_all=True)
    assert_same(expected, found)
    assert (found.pairs["decision"] == "merge").any()


def test_the_driver_gets_patterns_and_the_pairs_worth_deciding(
    spark: SparkSession,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    import resolvers.spark.engine as spark_engine
    from resolvers.linking.blocking import block_dedupe
    from resolvers.linking.engine import dedupe_compared
    from resolvers.linking.frame import prepare

    seen: dict[str, object] = {}

    def watched(*args: object, **kwargs: object) -> LinkResult:
        result = dedupe_compared(*args, **kwargs)  # type: ignore[arg-type]
        compared = args[3]
        assert isinstance(compared, spark_engine.SparkPairs)
        seen["collected"] = compared.collected
        frame, _ = prepare(df, spec)
        candidates = block_dedupe(frame, spec.blocking, spec.max_block_size)
        shifted = (candidates.right + 1) % len(frame)
        expected = np.isin(
            candidates.left * len(frame) + shifted, candidates.left * len(frame) + candidates.right
        )
        seen["candidates"] = compared.is_candidate(candidates.left, candidates.right).all()
        seen["others"] = (compared.is_candidate(candidates.left, shifted) == expected).all()
        return result

    monkeypatch.setattr(spark_engine, "dedupe_compared", watched)
    df, spec = people(150, seed=4), with_key(person_spec(id_column="mid"))
    found = spark_engine.dedupe_spark(df, spec, session=spark, work_dir=tmp_path)
    assert_same(dedupe(df, spec), found)
    # Only the pairs at or above the lower threshold (or a key's match) reached the driver.
    assert seen["collected"] == len(found.pairs) < found.candidate_pairs
    assert seen["candidates"]
    assert seen["others"]
