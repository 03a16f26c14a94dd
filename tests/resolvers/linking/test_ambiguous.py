import numpy as np

from resolvers.linking.engine import ambiguous_edges


def test_a_record_fitting_twins_equally_well_joins_neither() -> None:
    # Records 0 and 1: twins with valid numbers (keys 7 and 8); 2: their birth registered without
    # a name, fitting both; 3: a record fitting twin 0 far better than twin 1; 4: a twin's own
    # second mention (key 7) — keyed records are never the ambiguous side.
    a = np.array([2, 1, 3, 3, 4], dtype=np.int64)
    b = np.array([0, 2, 0, 1, 1], dtype=np.int64)
    weights = np.array([12.2, 12.0, 15.0, 9.0, 9.5])
    keys = np.array([7, 8, -1, -1, 7], dtype=np.int64)
    scored = np.ones(len(a), dtype=bool)
    assert ambiguous_edges(a, b, weights, scored, keys).tolist() == [True, True, False, False, False]
    # Edges a key or a steward decided are not the score's to withdraw.
    assert not ambiguous_edges(a, b, weights, np.zeros(len(a), dtype=bool), keys).any()


def test_an_ambiguous_record_keeps_no_scored_edge() -> None:
    # 2 fits twins 0 and 1 (keys 7, 8) equally, and the named twin's birth record 3 (no key):
    # through 3 it would join twin 0 all the same.
    a = np.array([2, 2, 2, 3], dtype=np.int64)
    b = np.array([0, 1, 3, 0], dtype=np.int64)
    weights = np.array([12.0, 12.0, 12.0, 25.0])
    keys = np.array([7, 8, -1, -1], dtype=np.int64)
    scored = np.ones(len(a), dtype=bool)
    assert ambiguous_edges(a, b, weights, scored, keys).tolist() == [True, True, True, False]
