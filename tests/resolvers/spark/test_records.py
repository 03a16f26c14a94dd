"""The mentions as Parquet for Spark: partitioned by street, one type per column."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pyarrow.dataset as ds
import pytest

from resolvers.linking import BlockingRule, FieldSpec, LinkSpec, SpecError, Thresholds
from resolvers.spark.records import ROW, STREET, spark_columns, write_records


def spec() -> LinkSpec:
    return LinkSpec(
        entity_type="Thing",
        fields=(FieldSpec(name="name", comparator="exact", columns=("name",)),),
        blocking=(BlockingRule(columns=("key",)),),
        thresholds=Thresholds(upper=0.99, lower=0.5),
    )


def test_partitioned_by_street_with_unknown_for_a_missing_one(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["a", "b", None], "key": ["k", "k", "j"]}, dtype=object)
    path = write_records(frame, spec(), tmp_path / "things", ["东风街道", None, " "])
    # Directory names are URI-encoded: a street named with a "/" stays one directory.
    assert sorted(unquote(p.name) for p in path.iterdir()) == [f"{STREET}=unknown", f"{STREET}=东风街道"]
    table = ds.dataset(path, partitioning="hive").to_table().to_pandas().sort_values(ROW)
    assert table[ROW].tolist() == [0, 1, 2]
    assert table["name"].tolist()[:2] == ["a", "b"]
    assert pd.isna(table["name"].tolist()[2])
    assert spark_columns(spec()) == ["key", "name"]


def test_written_again_replaces_the_old_files(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["a"], "key": ["k"]}, dtype=object)
    write_records(frame, spec(), tmp_path / "things", ["东风街道"])
    path = write_records(frame, spec(), tmp_path / "things")
    assert [p.name for p in path.iterdir()] == [f"{STREET}=unknown"]


def test_a_column_mixing_types_is_refused_by_name(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["a", 7], "key": ["k", "k"]}, dtype=object)
    with pytest.raises(SpecError, match=r"Thing: column 'name' mixes value types \(int, str\)"):
        write_records(frame, spec(), tmp_path / "things")


def test_streets_must_match_the_mentions(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["a", "b"], "key": ["k", "k"]}, dtype=object)
    with pytest.raises(ValueError, match="Thing: 1 streets for 2 mentions"):
        write_records(frame, spec(), tmp_path / "things", ["东风街道"])
