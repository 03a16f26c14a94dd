import numpy as np
import pandas as pd

from resolvers.linking import dedupe
from tests.resolvers.linking.factories import people, person_spec


def test_contributions_add_up_to_the_weight() -> None:
    result = dedupe(people(200), person_spec(), keep_all=True)
    pairs = result.pairs
    parts = pairs[[c for c in pairs.columns if c.startswith("w_")]].sum(axis=1)
    np.testing.assert_allclose(parts, pairs["weight"], atol=1e-9)
    np.testing.assert_allclose(pairs["probability"], 1 / (1 + 2.0 ** -pairs["weight"]))
    assert len(pairs) == result.candidate_pairs  # keep_all: every candidate is scored


def test_a_common_name_counts_for_less_than_a_rare_one() -> None:
    result = dedupe(people(300), person_spec(), keep_all=True)
    exact = result.pairs[result.pairs["gamma_name"] == 3]
    names = people(300).set_index("mid")["name"]
    by_name = exact.assign(name=names.reindex(exact["id_l"]).to_numpy()).groupby("name")["w_name"].first()
    assert by_name["张伟"] < by_name.drop(["张伟", "王芳", "李娜"], errors="ignore").min()


def test_decisions_follow_the_thresholds() -> None:
    result = dedupe(people(200), person_spec(), keep_all=True)
    lower, upper = result.spec.thresholds.as_weights()
    pairs = result.pairs
    assert (pairs.loc[pairs["weight"] < lower, "decision"] == "apart").all()
    assert (pairs.loc[pairs["decision"] == "merge", "weight"] >= upper).all()
    between = pairs[(pairs["weight"] >= lower) & (pairs["weight"] < upper)]
    assert (between["decision"] == "review").all()
    assert set(result.review.index) == set(pairs.index[pairs["decision"] == "review"])
    assert isinstance(result.matches, pd.DataFrame)
