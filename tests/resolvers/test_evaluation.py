"""Pairwise scores counted from the contingency table agree with counting pairs by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from resolvers.evaluation import pairwise_scores


def frame(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source", "record_id", "role", "entity_type", "entity_id"])


def test_pairwise_scores_by_hand() -> None:
    truth = frame([("a", "1", "self", "Person", "T1"), ("b", "1", "self", "Person", "T1"), ("c", "1", "self", "Person", "T1"),
                   ("a", "2", "self", "Person", "T2"), ("b", "2", "self", "Person", "T2")])  # fmt: skip
    # Predicted: {a1, b1}, {c1, a2}, {b2}: one true pair found of four; one wrong pair of two predicted.
    predicted = frame([("a", "1", "self", "Person", "P1"), ("b", "1", "self", "Person", "P1"), ("c", "1", "self", "Person", "P2"),
                       ("a", "2", "self", "Person", "P2"), ("b", "2", "self", "Person", "P3")])  # fmt: skip
    (scores,) = pairwise_scores(predicted, truth)
    assert (scores.true_pairs, scores.predicted_pairs, scores.true_positives) == (4, 2, 1)
    assert scores.precision == pytest.approx(0.5)
    assert scores.recall == pytest.approx(0.25)
    assert scores.f1 == pytest.approx(1 / 3)


def test_a_mention_missing_from_the_crosswalk_pairs_with_nothing() -> None:
    truth = frame([("a", "1", "self", "Person", "T1"), ("b", "1", "self", "Person", "T1")])
    (scores,) = pairwise_scores(frame([("a", "1", "self", "Person", "P1")]), truth)
    assert (scores.recall, scores.precision) == (0.0, 1.0)
