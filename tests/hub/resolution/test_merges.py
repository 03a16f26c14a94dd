"""Which entity id a cluster keeps when it merges entities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hub.resolution.merges import choose_merges


def _objects(*values: str) -> np.ndarray:
    return np.array(values, dtype=object)


def test_a_new_mention_joins_the_known_entity_whatever_the_ids() -> None:
    # One cluster: a known entity (one mention, seen in run r1) and a new one from run r2 whose
    # id sorts first. Equal sizes: the known id stays.
    merges, apart = choose_merges(
        np.array([0, 0]), _objects("P-b", "P-a"), pd.Series({"P-a": 1, "P-b": 1}), _objects("r1", "r2")
    )
    assert (merges, apart) == ({"P-a": "P-b"}, 0)


def test_more_mentions_win_over_age_and_equal_ones_fall_back_to_the_smallest_id() -> None:
    sizes = pd.Series({"P-a": 1, "P-b": 3, "P-c": 1, "P-d": 1})
    merges, _ = choose_merges(
        np.array([0, 0, 1, 1]),
        _objects("P-a", "P-b", "P-d", "P-c"),
        sizes,
        _objects("r1", "r2", "r1", "r1"),
    )
    # Cluster 0: P-b has more mentions though P-a is older. Cluster 1: same size, same run.
    assert merges == {"P-a": "P-b", "P-d": "P-c"}
