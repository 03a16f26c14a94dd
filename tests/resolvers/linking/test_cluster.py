import numpy as np

from resolvers.linking.cluster import cluster, components
from resolvers.linking.engine import _steward_keys


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


NONE = ints()


def run(n: int, edges: list[tuple[int, int]], weights: list[float], cannot=(), keys=None) -> list[int]:
    a, b = ints(*(e[0] for e in edges)), ints(*(e[1] for e in edges))
    order = np.argsort(-np.asarray(weights), kind="stable")
    ca, cb = ints(*(c[0] for c in cannot)), ints(*(c[1] for c in cannot))
    return cluster(n, a, b, order, ca, cb, None if keys is None else ints(*keys)).labels.tolist()


def test_components_match_a_plain_union_find() -> None:
    rng = np.random.default_rng(0)
    n = 2_000
    a, b = rng.integers(0, n, 1_500), rng.integers(0, n, 1_500)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        parent[find(x)] = find(y)
    roots = components(n, a, b)
    expected = [find(x) for x in range(n)]
    assert all(
        (roots[i] == roots[j]) == (expected[i] == expected[j])
        for i, j in zip(a, rng.permutation(a), strict=True)
    )
    assert len(set(roots.tolist())) == len(set(expected))


def test_cannot_link_is_never_merged_through_even_transitively() -> None:
    # 0-1 and 1-2 are strong, but 0 and 2 were judged different: the weaker edge is refused.
    labels = run(4, [(0, 1), (1, 2), (2, 3)], [10.0, 8.0, 9.0], cannot=[(0, 2)])
    assert labels[0] != labels[2]
    assert labels[0] == labels[1]
    assert labels[2] == labels[3]
    # A longer chain: 0-1-2-3-4 with 0 ≠ 4.
    labels = run(5, [(0, 1), (1, 2), (2, 3), (3, 4)], [5.0, 4.0, 3.0, 2.0], cannot=[(4, 0)])
    assert labels[0] != labels[4]
    assert len(set(labels)) == 2


def test_refused_edges_are_reported() -> None:
    a, b = ints(0, 1), ints(1, 2)
    result = cluster(3, a, b, ints(0, 1), ints(0), ints(2))
    assert result.refused.tolist() == [False, True]


def test_must_links_come_first() -> None:
    # A must-link is an edge ahead of every scored one: 1-2 wins over the stronger 0-1.
    a, b = ints(1, 0), ints(2, 1)
    result = cluster(3, a, b, ints(0, 1), ints(0), ints(2))
    assert result.labels[1] == result.labels[2] != result.labels[0]


def test_exclusive_keys_keep_two_identities_apart() -> None:
    # 1 has no key and is close to both 0 and 2, which hold different keys.
    labels = run(3, [(0, 1), (1, 2)], [9.0, 8.0], keys=[7, -1, 8])
    assert labels == [0, 0, 1]
    assert run(3, [(0, 1), (1, 2)], [9.0, 8.0], keys=[7, -1, 7]) == [0, 0, 0]


def test_labels_are_dense_and_numbered_by_first_record() -> None:
    assert run(5, [(3, 4), (0, 2)], [1.0, 2.0]) == [0, 1, 0, 2, 2]


def test_a_later_same_does_not_rekey_a_record_an_earlier_same_tied() -> None:
    """Three records with three valid identifiers; the steward said 0 = 2, then 1 = 2 (confirmed
    against 0 ≠ 1). Taken in the judgements' order the earlier "same" holds and the later is
    refused, whatever the records' positions (their ids) — the later one re-keyed record 2 alone
    and set it apart from 0, so the earlier was refused instead."""
    keys = np.array([10, 20, 30], dtype=np.int64)
    must_a, must_b = np.array([0, 1], dtype=np.int64), np.array([2, 2], dtype=np.int64)
    tied = _steward_keys(keys, must_a, must_b)
    assert tied is not None
    assert tied.tolist() == [10, 10, 10]
    assert keys.tolist() == [10, 20, 30]  # the caller's keys untouched
    result = cluster(3, must_a, must_b, np.array([0, 1]), np.array([0]), np.array([1]), tied)
    assert result.refused.tolist() == [False, True]
    assert result.labels[0] == result.labels[2] != result.labels[1]
    # A record without an identifier takes no key from the group it joins.
    assert _steward_keys(np.array([10, -1, 30]), np.array([0, 0]), np.array([1, 2])).tolist() == [10, -1, 10]
