"""The Arrow batches' comparison gives the levels compare_pairs gives, batch by batch.

No JVM here: the function mapInPandas runs is called on pandas batches shaped as Spark hands
them over (record columns l0…/r0…, text with NaN for missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resolvers.linking import FieldSpec
from resolvers.linking.blocking import block_dedupe
from resolvers.linking.compare import compare_pairs, prepare_fields
from resolvers.linking.frame import prepare
from tests.resolvers.linking.factories import people, person_spec
from tests.support.spark_fixture import require_spark


def test_batches_give_the_levels_of_the_in_process_comparison() -> None:
    require_spark()  # the module imports pyspark
    from resolvers.spark.compare import compare_batches, level_column

    # A level for a missing phone: the batch must apply it as compare_pairs does.
    phone = FieldSpec(name="phone", comparator="phone", columns=("phone",), missing_is_level=True)
    base = person_spec(id_column="mid")
    spec = base.model_copy(update={"fields": (*base.fields[:3], phone, base.fields[4])})
    frame, _ = prepare(people(80, seed=2), spec)
    candidates = block_dedupe(frame, spec.blocking, spec.max_block_size)
    expected = compare_pairs(prepare_fields(spec.fields, frame, None), candidates.left, candidates.right)
    assert (expected[:, 3] == phone.top_level + 1).any()  # some phones are missing

    columns = list(dict.fromkeys(c for f in spec.fields for c in f.columns))
    joined = pd.DataFrame({"a": candidates.left, "b": candidates.right})
    for i, column in enumerate(columns):
        values = frame[column].to_numpy(dtype=object)
        # Arrow text comes to pandas with NaN for a missing value, not None.
        joined[f"l{i}"] = pd.Series(values[candidates.left], dtype="string").astype(object)
        joined[f"r{i}"] = pd.Series(values[candidates.right], dtype="string").astype(object)
        joined.loc[joined[f"l{i}"].isna(), f"l{i}"] = np.nan
        joined.loc[joined[f"r{i}"].isna(), f"r{i}"] = np.nan
    batches = [joined.iloc[:100], joined.iloc[100:]]  # two batches: codes differ, levels must not
    out = pd.concat(list(compare_batches(iter(batches), spec.fields, columns)), ignore_index=True)

    assert out["a"].tolist() == candidates.left.tolist()
    found = np.column_stack([out[level_column(j)].to_numpy() for j in range(len(spec.fields))])
    np.testing.assert_array_equal(found, expected)
    assert len(out) > 100
