import numpy as np

from resolvers.linking.em import fit_em, u_from_random

SIZES = [3, 4, 2, 3]
M = [
    np.array([0.05, 0.15, 0.8]),
    np.array([0.02, 0.03, 0.15, 0.8]),
    np.array([0.1, 0.9]),
    np.array([0.1, 0.1, 0.8]),
]
U = [
    np.array([0.85, 0.1, 0.05]),
    np.array([0.7, 0.2, 0.07, 0.03]),
    np.array([0.6, 0.4]),
    np.array([0.9, 0.08, 0.02]),
]


def sample(n: int, share: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    is_match = rng.random(n) < share
    levels = np.empty((n, len(SIZES)), dtype=np.int8)
    for i, size in enumerate(SIZES):
        levels[is_match, i] = rng.choice(size, size=is_match.sum(), p=M[i])
        levels[~is_match, i] = rng.choice(size, size=(~is_match).sum(), p=U[i])
    missing = rng.random(levels.shape) < 0.05
    levels[missing] = -1
    return levels, is_match


def test_em_recovers_known_parameters() -> None:
    levels, _ = sample(200_000, 0.2)
    u_start = tuple(np.full(s, 1 / s) for s in SIZES)
    fitted = fit_em(levels, SIZES, u_start, fix_u=False, tolerance=1e-7, max_iterations=500)
    assert fitted.converged
    assert abs(fitted.match_share - 0.2) < 0.01
    for i in range(len(SIZES)):
        np.testing.assert_allclose(fitted.m[i], M[i], atol=0.02)
        np.testing.assert_allclose(fitted.u[i], U[i], atol=0.02)


def test_known_matches_anchor_the_match_class() -> None:
    levels, is_match = sample(50_000, 0.1, seed=1)
    known = is_match & (np.random.default_rng(2).random(len(is_match)) < 0.5)
    u_start = u_from_random(sample(50_000, 0.0, seed=3)[0], SIZES, 0.5)
    fitted = fit_em(levels, SIZES, u_start, fix_u=False, verdicts=known.astype(np.int8))
    assert abs(fitted.match_share - 0.1) < 0.01
    for i in range(len(SIZES)):
        np.testing.assert_allclose(fitted.m[i], M[i], atol=0.03)
    assert (fitted.posterior[fitted.patterns[:, 0] >= -1] >= 0).all()


def test_known_non_matches_are_held_apart() -> None:
    levels, is_match = sample(50_000, 0.1, seed=5)
    # Every non-match agreeing on the top level of field 0 is known to be one (an exclusive key).
    verdicts = np.where(~is_match & (levels[:, 0] == 2), 2, 0).astype(np.int8)
    verdicts[is_match & (np.random.default_rng(6).random(len(is_match)) < 0.3)] = 1
    u_start = u_from_random(sample(50_000, 0.0, seed=7)[0], SIZES, 0.5)
    fitted = fit_em(levels, SIZES, u_start, fix_u=False, verdicts=verdicts)
    assert abs(fitted.match_share - 0.1) < 0.01
    for i in range(1, len(SIZES)):
        np.testing.assert_allclose(fitted.m[i], M[i], atol=0.03)


def test_u_from_random_pairs_is_the_level_share() -> None:
    levels, _ = sample(100_000, 0.0, seed=4)
    u = u_from_random(levels, SIZES, smoothing=0.0)
    for i in range(len(SIZES)):
        np.testing.assert_allclose(u[i], U[i], atol=0.01)


def test_patterns_counted_elsewhere_compress_as_the_pairs_do() -> None:
    from resolvers.linking.em import compress, compress_counted

    levels, _ = sample(5_000, 0.2, seed=3)
    patterns, counts = compress(levels, SIZES)
    # Split every pattern's count in two rows, shuffled: as partial counts from Spark's tasks.
    half = counts // 2
    rows = np.concatenate((patterns, patterns))
    parts = np.concatenate((half, counts - half))
    shuffled = np.random.default_rng(1).permutation(len(rows))
    merged, summed = compress_counted(rows[shuffled], parts[shuffled], SIZES)
    np.testing.assert_array_equal(merged, patterns)
    np.testing.assert_array_equal(summed, counts)


def test_em_on_counted_patterns_is_em_on_the_pairs() -> None:
    from resolvers.linking.em import compress, fit_patterns

    levels, is_match = sample(20_000, 0.2, seed=4)
    verdicts = (is_match & (levels[:, 0] == 2)).astype(np.int8)
    u_start = tuple(np.full(s, 1 / s) for s in SIZES)
    on_pairs = fit_em(levels, SIZES, u_start, fix_u=False, verdicts=verdicts)
    patterns, counts = compress(np.column_stack((levels, verdicts)), [*SIZES, 3])
    on_patterns = fit_patterns(patterns, counts, SIZES, u_start, fix_u=False, flagged=True)
    assert on_patterns.match_share == on_pairs.match_share  # bit for bit: the same sums in the same order
    for a, b in zip(on_patterns.m + on_patterns.u, on_pairs.m + on_pairs.u, strict=True):
        np.testing.assert_array_equal(a, b)
