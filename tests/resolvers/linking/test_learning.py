"""Learning from stewards: labelled pairs move the thresholds and, with enough of them, m."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from resolvers.linking import FieldModel, FSModel, dedupe
from resolvers.linking.bounds import FieldBounds
from resolvers.linking.learning import (
    MAX_SHIFT,
    MIN_LABELS,
    MIN_SAME,
    fit_thresholds,
    labelled_errors,
    pattern_sizes,
    pattern_text,
    refit_m,
    thresholds,
    uncertainty,
)
from resolvers.linking.model import Learned
from tests.resolvers.linking.factories import people, person_spec

LOWER, UPPER = 0.0, math.log2(0.99 / 0.01)  # the factory spec's thresholds as weights


def test_uncertainty_is_highest_for_a_coin_toss() -> None:
    assert np.allclose(uncertainty(np.array([0.0, 0.25, 0.5, 0.75, 1.0])), [0.0, 0.5, 1.0, 0.5, 0.0])


def test_an_under_confident_model_gets_a_lower_merge_cut() -> None:
    # Stewards said "same" about pairs the model put between 2 and 5 bits, "different" below 1.
    same = np.linspace(2.0, 5.0, 15)
    different = np.linspace(-3.0, 1.0, 12)
    fit = fit_thresholds(same, different, LOWER, UPPER)
    assert fit.moved
    assert 1.0 < fit.upper < 2.0
    assert fit.errors_before == 15
    assert fit.errors_after == 0
    assert labelled_errors(fit.upper, same, different) == 0
    assert math.isclose(fit.upper - UPPER, fit.lower - LOWER) or fit.lower == fit.upper
    assert fit.lower <= fit.upper


def test_an_over_confident_model_gets_a_higher_merge_cut() -> None:
    same = np.linspace(10.0, 12.0, 12)
    different = np.linspace(7.0, 9.0, 12)  # "different" although above the cut: merged wrongly
    fit = fit_thresholds(same, different, LOWER, UPPER)
    assert fit.moved
    assert 9.0 < fit.upper < 10.0
    assert fit.lower > LOWER  # the review band moves along


def test_thresholds_stay_without_enough_labels_on_both_sides() -> None:
    same = np.linspace(2.0, 5.0, 40)
    fit = fit_thresholds(same, np.linspace(-3.0, 1.0, MIN_LABELS - 1), LOWER, UPPER)
    assert not fit.moved
    assert (fit.lower, fit.upper) == (LOWER, UPPER)
    assert "different" in fit.reason


def test_thresholds_stay_within_their_bounds() -> None:
    # Labels that would put the cut far below the review threshold: it stops there.
    far_below = fit_thresholds(np.linspace(-5.0, 5.0, 20), np.full(20, -30.0), LOWER, UPPER)
    assert far_below.moved
    assert far_below.upper == LOWER
    # ... and far above: at most MAX_SHIFT bits.
    far_above = fit_thresholds(np.full(20, 40.0), np.linspace(5.0, 30.0, 20), LOWER, UPPER)
    assert far_above.moved
    assert math.isclose(far_above.upper, UPPER + MAX_SHIFT)
    # Labels the spec's cut already separates do not move it.
    kept = fit_thresholds(np.full(20, 9.0), np.full(20, 1.0), LOWER, UPPER)
    assert not kept.moved


def _model() -> FSModel:
    return FSModel(
        "Person",
        1e-4,
        (
            FieldModel(
                "name", ("different", "similar", "same"), (0.05, 0.05, 0.9), (0.9, 0.09, 0.01), (True,) * 3
            ),
            FieldModel("phone", ("different", "same"), (0.3, 0.7), (0.99, 0.01), (True,) * 2),
        ),
    )


def test_m_is_refitted_only_with_enough_labelled_matches() -> None:
    model = _model()
    free = [FieldBounds.free(3), FieldBounds.free(2)]
    few = np.array([[1, 1]] * (MIN_SAME - 1), dtype=np.int8)
    same_model, refitted = refit_m(model, few, free, strength=100.0)
    assert refitted == ()
    assert same_model == model
    # Enough matches compare the name (at "similar"), too few the phone (mostly missing).
    many = np.array([[1, 1]] * 5 + [[1, -1]] * (MIN_SAME + 5), dtype=np.int8)
    refit, refitted = refit_m(model, many, free, strength=100.0)
    assert refitted == ("name",)
    n = len(many)
    assert math.isclose(refit.field("name").m[1], (0.05 * 100 + n) / (100 + n))
    assert refit.field("name").m[1] > model.field("name").m[1]
    assert math.isclose(sum(refit.field("name").m), 1.0)
    assert refit.field("phone") == model.field("phone")


def test_refitted_m_honours_the_priors_bounds() -> None:
    model = _model()
    # The name's top level holds m at least 0.8, whatever the labels say.
    bounded = FieldBounds(np.array([0.0, 0.0, 0.8]), np.ones(3), np.zeros(3), np.ones(3))
    labels = np.array([[0, 0]] * 200, dtype=np.int8)  # 200 matches that disagree on everything
    refit, refitted = refit_m(model, labels, [bounded, FieldBounds.free(2)], strength=100.0)
    assert "name" in refitted
    assert refit.field("name").m[2] >= 0.8 - 1e-12
    assert math.isclose(sum(refit.field("name").m), 1.0)
    assert refit.field("phone").m[0] > 0.5  # unbounded: follows the labels


def test_pattern_sizes_count_pairs_sharing_a_comparison_vector() -> None:
    levels = np.array([[2, 1], [2, 1], [0, -1], [2, 1], [0, -1], [1, 1]], dtype=np.int8)
    assert pattern_sizes(levels, np.array([0, 2, 5])).tolist() == [3, 2, 1]
    assert pattern_text([2, -1], ["name", "phone"]) == "name:2 phone:–"


def test_a_full_pass_learns_from_judgements_and_keeps_what_it_learned() -> None:
    df = people(300)
    spec = person_spec()
    first = dedupe(df, spec, keep_all=True)
    assert first.model.learned is None
    truth = df.set_index("mid")["entity"]
    pairs = first.pairs
    pairs = pairs.assign(same=truth[pairs.id_l].to_numpy() == truth[pairs.id_r].to_numpy())
    # Steward answers about the pairs nearest the merge cut.
    near = pairs.assign(distance=(pairs.weight - UPPER).abs()).sort_values("distance")
    same = near[near.same].head(MIN_SAME)
    different = near[~near.same].head(MIN_LABELS + 2)
    result = dedupe(
        df,
        spec,
        must_link=list(zip(same.id_l, same.id_r, strict=True)),
        cannot_link=list(zip(different.id_l, different.id_r, strict=True)),
    )
    learned = result.model.learned
    assert learned is not None
    assert learned.labels == (MIN_SAME, MIN_LABELS + 2)
    assert learned.errors_after <= learned.errors_before
    assert learned.thresholds_before == spec.thresholds.as_weights()
    assert result.model.judgements == (MIN_SAME, MIN_LABELS + 2)
    assert learned.m_refitted  # 20 labelled matches compare the name, the room, …
    assert len(learned.m_before) == len(learned.m_refitted)
    changes = learned.m_changes({f.name: f.m for f in result.model.fields}, at_least=0.0)
    assert [c.split(":")[0] for c in changes] == list(learned.m_refitted)
    restored = FSModel.from_json(result.model.to_json())
    assert restored.learned == learned
    lower, upper = thresholds(restored, spec)
    scored = result.pairs[~result.pairs.key_match & (result.pairs.decision != "apart")]
    judged = set(zip(different.id_l, different.id_r, strict=True))
    unjudged = scored[[p not in judged for p in zip(scored.id_l, scored.id_r, strict=True)]]
    assert (unjudged.weight >= lower).all()
    assert isinstance(result.pairs["pattern_pairs"], pd.Series)
    assert (result.pairs["pattern_pairs"] >= 1).all()
    _ = upper


def test_a_saved_model_decides_with_the_thresholds_it_learned() -> None:
    df = people(150)
    spec = person_spec()
    fitted = dedupe(df, spec).model
    assert (dedupe(df, spec, model=fitted).pairs["decision"] == "merge").any()
    # Labels that put the merge cut out of reach: a pass under that model merges nothing on the score.
    learned = Learned((20, 20), spec.thresholds.as_weights(), (500.0, 1000.0), 5, 0, ())
    strict = FSModel.from_json(replace(fitted, learned=learned).to_json())
    result = dedupe(df, spec, model=strict)
    assert not (result.pairs["decision"] == "merge").any()
    assert not (result.pairs["decision"] == "review").any()


def test_pattern_sizes_from_counted_patterns_match_those_from_the_pairs() -> None:
    from resolvers.linking.em import compress
    from resolvers.linking.learning import pattern_sizes_among

    rng = np.random.default_rng(2)
    levels = rng.integers(-1, 3, size=(2_000, 3)).astype(np.int8)
    rows = np.arange(0, 2_000, 7, dtype=np.int64)
    patterns, counts = compress(levels, [3, 3, 3])
    np.testing.assert_array_equal(
        pattern_sizes_among(patterns, counts, levels[rows]), pattern_sizes(levels, rows)
    )
