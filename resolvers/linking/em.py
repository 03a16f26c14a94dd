"""Estimating m, u and the match share by expectation–maximisation (Fellegi–Sunter, Winkler).

Candidate pairs are reduced to their distinct comparison patterns with a count each (a few
hundred patterns for millions of pairs), so each iteration costs the patterns, not the pairs.
Fields are assumed independent given the match status; a missing comparison (−1) leaves the
likelihood unchanged. u can be held fixed (estimated from random pairs) or fitted with m.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from resolvers.linking.arrays import pattern_counts
from resolvers.linking.model import LevelMatrix

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class EMResult:
    m: tuple[Floats, ...]
    u: tuple[Floats, ...]
    match_share: float
    iterations: int
    converged: bool
    observed: tuple[npt.NDArray[np.bool_], ...]


def compress(levels: LevelMatrix, sizes: Sequence[int]) -> tuple[LevelMatrix, npt.NDArray[np.int64]]:
    """Distinct rows of the level matrix and their counts."""
    radix = [s + 1 for s in sizes]  # one more for the missing level
    if len(levels) == 0:
        return levels, np.zeros(0, dtype=np.int64)
    if float(np.prod(np.asarray(radix, dtype=np.float64))) >= 2.0**62:
        raise ValueError("too many fields and levels to encode a comparison pattern in 64 bits")
    code = np.zeros(len(levels), dtype=np.int64)
    for i, r in enumerate(radix):
        code = code * r + (levels[:, i].astype(np.int64) + 1)
    uniques, counts = pattern_counts(code)
    patterns = np.empty((len(uniques), len(sizes)), dtype=np.int8)
    for i in range(len(sizes) - 1, -1, -1):
        patterns[:, i] = uniques % radix[i] - 1
        uniques = uniques // radix[i]
    return patterns, counts


def level_frequencies(
    patterns: LevelMatrix, weights: Floats, sizes: Sequence[int], smoothing: float
) -> tuple[Floats, ...]:
    """Per field, the (smoothed) weighted share of each level among non-missing comparisons."""
    out = []
    for i, size in enumerate(sizes):
        column = patterns[:, i]
        present = column >= 0
        counts = np.bincount(column[present], weights=weights[present], minlength=size)[:size]
        out.append((counts + smoothing) / (counts.sum() + smoothing * size))
    return tuple(out)


def initial_m(sizes: Sequence[int]) -> tuple[Floats, ...]:
    """Matches mostly agree: 90% on the top level, the rest falling by half per level below."""
    out = []
    for size in sizes:
        below = 0.5 ** np.arange(size - 1, 0, -1)  # level 0 smallest
        m = np.concatenate((0.1 * below / below.sum(), [0.9])) if size > 1 else np.ones(1)
        out.append(m)
    return tuple(out)


def log_likelihoods(patterns: LevelMatrix, probs: Sequence[Floats]) -> Floats:
    total = np.zeros(len(patterns))
    for i, p in enumerate(probs):
        column = patterns[:, i]
        present = column >= 0
        total[present] += np.log(p[column[present]])
    return total


def fit_em(
    levels: LevelMatrix,
    sizes: Sequence[int],
    u_start: Sequence[Floats],
    *,
    fix_u: bool,
    known: npt.NDArray[np.bool_] | None = None,
    max_iterations: int = 100,
    tolerance: float = 1e-5,
    smoothing: float = 0.5,
) -> EMResult:
    """EM over the candidate pairs' levels.

    ``known`` marks pairs known to match (a checked key agrees): their match posterior is held
    at 1, and the other pairs get a match share of their own, since a pair that the key did not
    link is less likely to match than the average candidate.
    """
    flagged = levels if known is None else np.column_stack((levels, known.astype(np.int8)))
    patterns, counts = compress(flagged, [*sizes, 2][: flagged.shape[1]])
    anchored = patterns[:, -1] == 1 if known is not None else np.zeros(len(patterns), dtype=bool)
    patterns = patterns[:, : len(sizes)]
    weights = counts.astype(np.float64)
    observed = tuple(
        np.bincount(patterns[:, i][patterns[:, i] >= 0], minlength=s)[:s] > 0 for i, s in enumerate(sizes)
    )
    m, u = (
        _start_m(patterns, weights, anchored, sizes, smoothing),
        tuple(np.asarray(x, float) for x in u_start),
    )
    share = _start_share(patterns, weights * ~anchored, sizes)
    converged, iteration = False, 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (reported after the loop)
        log_match = np.log(share) + log_likelihoods(patterns, m)
        log_non = np.log1p(-share) + log_likelihoods(patterns, u)
        posterior = np.where(anchored, 1.0, 1.0 / (1.0 + np.exp(np.clip(log_non - log_match, -700, 700))))
        match_weight = weights * posterior
        free = weights * ~anchored
        new_share = float((free * posterior).sum() / free.sum()) if free.sum() else share
        new_m = level_frequencies(patterns, match_weight, sizes, smoothing)
        new_u = u if fix_u else level_frequencies(patterns, weights - match_weight, sizes, smoothing)
        change = max(
            abs(new_share - share),
            max(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)),
            max(float(np.abs(a - b).max()) for a, b in zip(new_u, u, strict=True)),
        )
        share, m, u = min(max(new_share, 1e-9), 1 - 1e-9), new_m, new_u
        if change < tolerance:
            converged = True
            break
    overall = float(weights[anchored].sum() + share * weights[~anchored].sum()) / max(
        float(weights.sum()), 1.0
    )
    return EMResult(m, u, overall, iteration, converged, observed)


def _start_m(
    patterns: LevelMatrix,
    weights: Floats,
    anchored: npt.NDArray[np.bool_],
    sizes: Sequence[int],
    smoothing: float,
) -> tuple[Floats, ...]:
    """Pairs known to match show what matches look like: the best start for m when there are any."""
    if anchored.any():
        return level_frequencies(patterns, weights * anchored, sizes, smoothing)
    return initial_m(sizes)


def _start_share(patterns: LevelMatrix, weights: Floats, sizes: Sequence[int]) -> float:
    """The share of pairs agreeing on the top level of most of their compared fields."""
    tops = np.stack([patterns[:, i] == s - 1 for i, s in enumerate(sizes)], axis=1)
    agreeing = (weights * (tops.mean(axis=1) > 0.5)).sum()
    return float(np.clip(agreeing / max(weights.sum(), 1.0), 1e-4, 0.5))


def u_from_random(levels: LevelMatrix, sizes: Sequence[int], smoothing: float) -> tuple[Floats, ...]:
    """u estimated from random pairs: nearly all are non-matches, whatever the blocking."""
    patterns, counts = compress(levels, sizes)
    return level_frequencies(patterns, counts.astype(np.float64), sizes, smoothing)
