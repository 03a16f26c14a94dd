import numpy as np

from resolvers.linking.cluster import cluster, components


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
