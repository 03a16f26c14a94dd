"""Estimating m, u and the match share by expectation–maximisation (Fellegi–Sunter, Winkler).

Candidate pairs are reduced to their distinct comparison patterns with a count each (a few
hundred patterns for millions of pairs), so each iteration costs the patterns, not the pairs.
Fields are assumed independent given the match status; a missing comparison (−1) leaves the
likelihood unchanged. u can be held fixed (estimated from random pairs) or fitted with m.
Domain priors bound m and u per level (:mod:`resolvers.linking.bounds`): every iteration's
estimates are clipped into them before the next expectation step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from resolvers.linking.arrays import group_bounds, pattern_counts
from resolvers.linking.bounds import FieldBounds, all_free
from resolvers.linking.model import LevelMatrix

Floats = npt.NDArray[np.float64]
# Known matches comparing a field before its m is taken from them rather than fitted.
MIN_LABELLED = 100


@dataclass(frozen=True, slots=True)
class EMResult:
    m: tuple[Floats, ...]
    u: tuple[Floats, ...]
    match_share: float
    iterations: int
    converged: bool
    observed: tuple[npt.NDArray[np.bool_], ...]
    # The candidate pairs' distinct patterns, their counts and match posteriors at the end.
    patterns: LevelMatrix
    counts: Floats
    posterior: Floats
    # The last iteration's m and u before the bounds clipped them (equal to m and u when no
    # bound was hit): what the data alone said.
    m_unclipped: tuple[Floats, ...] = ()
    u_unclipped: tuple[Floats, ...] = ()


def _codes(levels: LevelMatrix, sizes: Sequence[int]) -> tuple[npt.NDArray[np.int64], list[int]]:
    """One integer per row of ``levels`` (each level shifted by one: −1 is missing), and the radix."""
    radix = [s + 1 for s in sizes]  # one more for the missing level
    if float(np.prod(np.asarray(radix, dtype=np.float64))) >= 2.0**62:
        raise ValueError("too many fields and levels to encode a comparison pattern in 64 bits")
    code = np.zeros(len(levels), dtype=np.int64)
    for i, r in enumerate(radix):
        code = code * r + (levels[:, i].astype(np.int64) + 1)
    return code, radix


def _decode(uniques: npt.NDArray[np.int64], radix: Sequence[int]) -> LevelMatrix:
    patterns = np.empty((len(uniques), len(radix)), dtype=np.int8)
    for i in range(len(radix) - 1, -1, -1):
        patterns[:, i] = uniques % radix[i] - 1
        uniques = uniques // radix[i]
    return patterns


def compress(levels: LevelMatrix, sizes: Sequence[int]) -> tuple[LevelMatrix, npt.NDArray[np.int64]]:
    """Distinct rows of the level matrix and their counts, ordered by their code."""
    if len(levels) == 0:
        return levels, np.zeros(0, dtype=np.int64)
    code, radix = _codes(levels, sizes)
    uniques, counts = pattern_counts(code)
    return _decode(uniques, radix), counts


def compress_counted(
    levels: LevelMatrix, counts: npt.NDArray[np.int64], sizes: Sequence[int]
) -> tuple[LevelMatrix, npt.NDArray[np.int64]]:
    """:func:`compress` of rows that already carry a count (patterns counted elsewhere, by Spark
    say, or a coarser view of finer patterns): the same distinct rows in the same order, with the
    counts summed, so what is fitted on them adds up in the same order as in process."""
    if len(levels) == 0:
        return levels.reshape(0, len(sizes)), np.zeros(0, dtype=np.int64)
    code, radix = _codes(levels, sizes)
    order = np.argsort(code, kind="stable")
    starts, _ = group_bounds(code[order])
    summed = np.add.reduceat(np.asarray(counts, dtype=np.int64)[order], starts)
    return _decode(code[order][starts], radix), summed.astype(np.int64)


def level_counts(patterns: LevelMatrix, weights: Floats, sizes: Sequence[int]) -> tuple[Floats, ...]:
    """Per field, the weighted count of each level among non-missing comparisons."""
    out = []
    for i, size in enumerate(sizes):
        column = patterns[:, i]
        present = column >= 0
        out.append(
            np.bincount(column[present], weights=weights[present], minlength=size)[:size].astype(float)
        )
    return tuple(out)


def level_frequencies(
    patterns: LevelMatrix, weights: Floats, sizes: Sequence[int], smoothing: float
) -> tuple[Floats, ...]:
    """Per field, the (smoothed) weighted share of each level among non-missing comparisons."""
    return tuple(
        (c + smoothing) / (c.sum() + smoothing * len(c)) for c in level_counts(patterns, weights, sizes)
    )


def initial_m(sizes: Sequence[int], tops: Sequence[int] | None = None) -> tuple[Floats, ...]:
    """Matches mostly agree: 90% on the top level, the rest falling by half per level below;
    a level after the top (a missing value counted as a level) starts at 10%."""
    out = []
    for i, size in enumerate(sizes):
        top = size - 1 if tops is None else tops[i]
        below = 0.5 ** np.arange(top, 0, -1)  # level 0 smallest
        m = np.concatenate((0.1 * below / below.sum(), [0.9])) if top > 0 else np.ones(1)
        m = np.concatenate((m, np.full(size - top - 1, 0.1)))
        out.append(m / m.sum())
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
    verdicts: npt.NDArray[np.int8] | None = None,
    key_fields: Sequence[int] = (),
    tops: Sequence[int] | None = None,
    max_iterations: int = 100,
    tolerance: float = 1e-5,
    smoothing: float = 0.5,
    bounds: Sequence[FieldBounds] | None = None,
) -> EMResult:
    """EM over the candidate pairs' levels.

    ``verdicts`` marks pairs that key rules decide: 1 known to match (a checked key agrees), 2
    known not to (an exclusive key disagrees), 0 neither. Their posteriors are held at 1 and 0;
    the undecided pairs get a match share of their own, since a pair that the key did not link
    is less likely to match than the average candidate. ``bounds`` (per field) clip m and u
    after every iteration; a key field's m among the undecided pairs alone (what scores them
    inside EM) is not clipped, since it differs from m over all matches by construction.
    """
    flagged = levels if verdicts is None else np.column_stack((levels, verdicts))
    patterns, counts = compress(flagged, [*sizes, 3][: flagged.shape[1]])
    return fit_patterns(
        patterns,
        counts,
        sizes,
        u_start,
        fix_u=fix_u,
        flagged=verdicts is not None,
        key_fields=key_fields,
        tops=tops,
        max_iterations=max_iterations,
        tolerance=tolerance,
        smoothing=smoothing,
        bounds=bounds,
    )


def fit_patterns(
    patterns: LevelMatrix,
    counts: npt.NDArray[np.int64],
    sizes: Sequence[int],
    u_start: Sequence[Floats],
    *,
    fix_u: bool,
    flagged: bool,
    key_fields: Sequence[int] = (),
    tops: Sequence[int] | None = None,
    max_iterations: int = 100,
    tolerance: float = 1e-5,
    smoothing: float = 0.5,
    bounds: Sequence[FieldBounds] | None = None,
) -> EMResult:
    """:func:`fit_em` over the pairs' distinct patterns and their counts, as :func:`compress`
    orders them (``flagged``: the last column is the verdict). Engines that count the patterns
    themselves (resolvers/spark) fit here, on the same numbers in the same order."""
    bounds = all_free(sizes) if bounds is None else bounds
    verdict = patterns[:, -1] if flagged else np.zeros(len(patterns), dtype=np.int8)
    anchored, excluded = verdict == 1, verdict == 2
    patterns = patterns[:, : len(sizes)]
    weights = counts.astype(np.float64)
    observed = tuple(
        np.bincount(patterns[:, i][patterns[:, i] >= 0], minlength=s)[:s] > 0 for i, s in enumerate(sizes)
    )
    start = _start_m(patterns, weights, anchored, sizes, smoothing, key_fields, tops)
    m = tuple(b.clip_m(x) for b, x in zip(bounds, start, strict=True))
    u = tuple(b.clip_u(np.asarray(x, float)) for b, x in zip(bounds, u_start, strict=True))
    raw_m, raw_u = start, tuple(np.asarray(x, float) for x in u_start)
    # With enough pairs known to match, they are labelled matches: m of the other fields is read
    # off them and kept, as Splink estimates m from labels. Left free, a two-class EM latches
    # onto whatever splits the undecided pairs most (licences without a code, say), not onto
    # "same entity". A key's own fields look different among the matches it did not link (the
    # code is missing or mistyped there, by construction), so their m is estimated from those
    # matches alone for scoring undecided pairs; the m reported is that of all matches.
    compared = level_counts(patterns, weights * anchored, sizes)
    labelled = [float(c.sum()) >= MIN_LABELLED and i not in key_fields for i, c in enumerate(compared)]
    free_m = m
    free = weights * (verdict == 0)
    share = _start_share(patterns, free, sizes)
    converged, iteration, posterior = False, 0, anchored.astype(float)
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (reported after the loop)
        scoring_m = tuple(free_m[i] if i in key_fields else m[i] for i in range(len(sizes)))
        log_match = np.log(share) + log_likelihoods(patterns, scoring_m)
        log_non = np.log1p(-share) + log_likelihoods(patterns, u)
        posterior = 1.0 / (1.0 + np.exp(np.clip(log_non - log_match, -700, 700)))
        posterior[anchored], posterior[excluded] = 1.0, 0.0
        match_weight = weights * posterior
        new_share = float((free * posterior).sum() / free.sum()) if free.sum() else share
        pooled = level_frequencies(patterns, match_weight, sizes, smoothing)
        raw_m = tuple(start[i] if labelled[i] else pooled[i] for i in range(len(sizes)))
        new_free = level_frequencies(patterns, free * posterior, sizes, smoothing) if key_fields else raw_m
        raw_u = raw_u if fix_u else level_frequencies(patterns, weights - match_weight, sizes, smoothing)
        new_m = tuple(b.clip_m(x) for b, x in zip(bounds, raw_m, strict=True))
        new_u = tuple(b.clip_u(x) for b, x in zip(bounds, raw_u, strict=True))
        change = max(
            abs(new_share - share),
            *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)),
            *(float(np.abs(a - b).max()) for a, b in zip(new_free, free_m, strict=True)),
            *(float(np.abs(a - b).max()) for a, b in zip(new_u, u, strict=True)),
        )
        share, m, free_m, u = min(max(new_share, 1e-9), 1 - 1e-9), new_m, new_free, new_u
        if change < tolerance:
            converged = True
            break
    overall = float(weights[anchored].sum() + share * free.sum()) / max(float(weights.sum()), 1.0)
    return EMResult(m, u, overall, iteration, converged, observed, patterns, weights, posterior, raw_m, raw_u)


def _start_m(
    patterns: LevelMatrix,
    weights: Floats,
    anchored: npt.NDArray[np.bool_],
    sizes: Sequence[int],
    smoothing: float,
    key_fields: Sequence[int],
    tops: Sequence[int] | None,
) -> tuple[Floats, ...]:
    """Pairs known to match show what matches look like: the best start for m when there are any,
    except for the key's own fields, which they agree on by construction."""
    generic = initial_m(sizes, tops)
    if not anchored.any():
        return generic
    from_anchors = level_frequencies(patterns, weights * anchored, sizes, smoothing)
    return tuple(generic[i] if i in key_fields else m for i, m in enumerate(from_anchors))


def _start_share(patterns: LevelMatrix, weights: Floats, sizes: Sequence[int]) -> float:
    """The share of pairs agreeing on the top level of most of their compared fields."""
    tops = np.stack([patterns[:, i] == s - 1 for i, s in enumerate(sizes)], axis=1)
    agreeing = (weights * (tops.mean(axis=1) > 0.5)).sum()
    return float(np.clip(agreeing / max(weights.sum(), 1.0), 1e-4, 0.5))


def u_from_random(levels: LevelMatrix, sizes: Sequence[int], smoothing: float) -> tuple[Floats, ...]:
    """u estimated from random pairs: nearly all are non-matches, whatever the blocking."""
    patterns, counts = compress(levels, sizes)
    return u_from_patterns(patterns, counts, sizes, smoothing)


def u_from_patterns(
    patterns: LevelMatrix, counts: npt.NDArray[np.int64], sizes: Sequence[int], smoothing: float
) -> tuple[Floats, ...]:
    """:func:`u_from_random` of pairs given as :func:`compress` gives them."""
    return level_frequencies(patterns, counts.astype(np.float64), sizes, smoothing)
