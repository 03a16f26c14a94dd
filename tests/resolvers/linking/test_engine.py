import numpy as np
import pandas as pd
import pytest

from resolvers.linking import FSModel, InputError, LinkSpec, SpecError, dedupe, link
from tests.resolvers.linking.factories import pair_f1, people, person_spec, with_key


def test_dedupe_finds_the_people() -> None:
    df = people(300)
    result = dedupe(df, with_key(person_spec()))
    assert pair_f1(result.clusters, df.set_index("mid")["entity"]) > 0.99
    assert result.clusters.index.equals(pd.Index(df["mid"]))
    assert result.model.fit is not None
    assert result.model.fit.converged
    assert set(result.timings) >= {"blocking", "comparing", "training", "scoring", "clustering"}


def test_must_link_merges_and_cannot_link_separates() -> None:
    df = people(120)
    first = dedupe(df, person_spec())
    clusters = first.clusters
    # Two mentions of different people, and two of one person.
    a, b = clusters.index[clusters != clusters.iloc[0]][0], clusters.index[0]
    same = clusters[clusters.duplicated(keep=False)]
    c, d = same.index[0], same.index[same == same.iloc[0]][1]
    result = dedupe(df, person_spec(), must_link=[(a, b), ("not-here", b)], cannot_link=[(c, d)])
    assert result.clusters[a] == result.clusters[b]
    assert result.clusters[c] != result.clusters[d]
    judged = result.pairs[
        (result.pairs.id_l == min(c, d, key=list(df.mid).index)) & (result.pairs.id_r.isin([c, d]))
    ]
    assert (judged["decision"] != "merge").all()
    assert result.model.judgements == (1, 1)


def test_a_cannot_link_holds_against_a_chain_of_strong_pairs() -> None:
    df = pd.DataFrame(
        {
            "mid": ["x", "y", "z"],
            "name": ["欧阳明轩", "欧阳明轩", "欧阳明轩"],
            "birth_date": ["19800101"] * 3,
            "identity_number": [None] * 3,
            "phone": ["+8613800000000"] * 3,
            "room": ["R1"] * 3,
            "building": ["B1"] * 3,
        }
    )
    model = dedupe(people(200), person_spec()).model
    result = dedupe(df, person_spec(), cannot_link=[("x", "z")], model=model)
    assert result.clusters["x"] != result.clusters["z"]
    assert (result.pairs["decision"] == "merge").sum() == 1  # x-y or y-z, not both
    assert (result.pairs["decision"] == "review").sum() == 1  # the refused edge goes to a steward


def test_a_given_model_is_used_and_survives_json() -> None:
    df = people(150)
    fitted = dedupe(df, person_spec()).model
    restored = FSModel.from_json(fitted.to_json())
    again = dedupe(df, person_spec(), model=restored)
    assert "training" not in again.timings
    np.testing.assert_allclose(
        again.pairs["weight"].to_numpy(), dedupe(df, person_spec(), model=fitted).pairs["weight"].to_numpy()
    )


def test_link_two_tables() -> None:
    df = people(200, seed=3)
    first = df.drop_duplicates("entity", keep="first")
    rest = df[~df.index.isin(first.index)]
    result = link(first, rest, person_spec())
    matched = result.matches
    truth = df.set_index("mid")["entity"]
    correct = (truth.reindex(matched["id_l"]).to_numpy() == truth.reindex(matched["id_r"]).to_numpy()).mean()
    assert correct == 1.0
    assert len(matched) >= 0.95 * len(rest)
    assert result.clusters.index.names == ["side", "id"]


def test_link_can_keep_the_model_term_frequencies() -> None:
    """An incremental pass links a batch against its candidates only; the name frequencies
    must be the population's (in the model), not the candidates', where the batch's names
    are over-represented by construction."""
    df = people(300, seed=5)
    model = dedupe(df, person_spec()).model
    batch = df.iloc[:20]
    candidates = df[df["name"].isin(batch["name"])]
    whole = link(batch, df, person_spec(), model=model, keep_all=True, model_frequencies=True)
    few = link(batch, candidates, person_spec(), model=model, keep_all=True, model_frequencies=True)
    recounted = link(batch, candidates, person_spec(), model=model, keep_all=True)
    key = ["id_l", "id_r"]
    kept = few.pairs.merge(whole.pairs, on=key, suffixes=("", "_whole"))
    assert len(kept) == len(few.pairs) > 0
    np.testing.assert_allclose(kept["w_name"], kept["w_name_whole"])
    counted = recounted.pairs.merge(whole.pairs, on=key, suffixes=("", "_whole"))
    assert not np.allclose(counted["w_name"], counted["w_name_whole"])  # candidates' counts differ


def test_link_honours_judgements_about_the_population() -> None:
    """An incremental batch (left) matched against everyone (right): a new mention that scores
    high with two mentions a steward called different joins at most one of them, and a must-link
    between right records merges them even with no scored pair between them."""
    base = pd.DataFrame(
        {
            "mid": ["x", "z", "p", "q"],
            "name": ["欧阳明轩", "欧阳明轩", "司马相如", "李白"],
            "birth_date": ["19800101", "19800101", "19700505", "19610101"],
            "identity_number": [None] * 4,
            "phone": ["+8613800000000", "+8613800000000", "+8613900000000", "+8613700000000"],
            "room": ["R1", "R1", "R7", "R9"],
            "building": ["B1", "B1", "B7", "B9"],
        }
    )
    new = base.iloc[[0]].assign(mid="y")
    population = pd.concat([base, new], ignore_index=True)
    model = dedupe(people(200), person_spec()).model
    free = link(new, population, person_spec(), model=model)
    clusters = free.clusters.xs("right", level="side")
    assert clusters["x"] == clusters["y"] == clusters["z"]
    judged = link(
        new, population, person_spec(), cannot_link=[("x", "z")], must_link=[("p", "q")], model=model
    )
    clusters = judged.clusters.xs("right", level="side")
    assert clusters["x"] != clusters["z"]
    assert clusters["y"] in (clusters["x"], clusters["z"])
    assert judged.clusters[("left", "y")] == clusters["y"]  # the batch's copy is the same node
    assert clusters["p"] == clusters["q"]


def test_input_errors() -> None:
    df = people(20)
    with pytest.raises(InputError, match="duplicate"):
        dedupe(pd.concat([df, df]), person_spec())
    with pytest.raises(SpecError, match="phone"):
        dedupe(df.drop(columns="phone"), person_spec())


def test_spec_json_round_trip() -> None:
    spec = with_key(person_spec())
    assert LinkSpec.from_json(spec.to_json()) == spec
