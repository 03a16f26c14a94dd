"""Fitting from counted patterns: what an engine holding the pairs elsewhere hands over."""

from __future__ import annotations

import numpy as np

from resolvers.linking.training import candidate_patterns


def test_candidates_are_told_from_other_pairs() -> None:
    a = np.array([0, 0, 2, 5], dtype=np.int64)
    b = np.array([1, 7, 3, 6], dtype=np.int64)
    levels = np.array([[1, 0], [0, 0], [1, -1], [1, 0]], dtype=np.int8)
    counted = candidate_patterns(levels, (a, b), np.array([1, 0, 0, 1], dtype=np.int8), [2, 1])
    asked_a = np.array([0, 0, 2, 3, 5, 9, 1], dtype=np.int64)
    asked_b = np.array([1, 2, 3, 2, 6, 9, 0], dtype=np.int64)
    # (1, 0) is (0, 1) the other way round: pairs are asked for as blocking gives them, lower first.
    assert counted.is_candidate(asked_a, asked_b).tolist() == [True, False, True, False, True, False, False]
    assert counted.pairs == 4
    # Patterns with the verdict last; without it, (1, 0) counts the pairs of both verdicts.
    assert counted.patterns.tolist() == [[0, 0, 0], [1, -1, 0], [1, 0, 1]]
    assert counted.counts.tolist() == [1, 1, 2]
    patterns, counts = counted.levels_only([2, 1])
    assert patterns.tolist() == [[0, 0], [1, -1], [1, 0]]
    assert counts.tolist() == [1, 1, 2]
