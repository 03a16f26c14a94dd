"""Fitting a model to the data: m and the match share by EM, u over all pairs, labels last.

EM runs over the candidate pairs, where matches are common enough to estimate m (pairs that a
checked key links are known matches and anchor it). u (how often non-matches agree) must refer
to all pairs, like the prior, since that is the population a new pair is drawn from: it counts
the candidates' non-matches (as EM weighs them) and the pairs outside the candidates (from a
random sample of those). Inside EM, u is fitted to the candidates themselves, whose
non-matches agree more often than strangers do, on the blocking keys at least.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.linking.arrays import Ints, isin_sorted
from resolvers.linking.bounds import BoundHit, FieldBounds, hits
from resolvers.linking.compare import PreparedFields, compare_pairs, key_verdicts, level_sizes, random_pairs
from resolvers.linking.em import (
    EMResult,
    Floats,
    compress,
    compress_counted,
    fit_patterns,
    level_counts,
    u_from_patterns,
    u_from_random,
)
from resolvers.linking.learning import refit_m
from resolvers.linking.model import FieldModel, FitReport, FSModel, Learned, LevelMatrix
from resolvers.linking.spec import LinkSpec
from resolvers.linking.tf import count_terms


@dataclass(frozen=True, slots=True)
class CandidatePatterns:
    """What fitting needs of the candidate pairs, whoever compared them: their distinct patterns
    (a level per field, then the key rules' verdict: 0 neither, 1 same, 2 different) with a count
    each, ordered as :func:`resolvers.linking.em.compress` orders them, and which pairs of records
    are candidates (to keep them out of the random sample that estimates u). Not the pairs
    themselves: a city's hundreds of millions of pairs have a few thousand patterns."""

    patterns: LevelMatrix
    counts: Ints
    is_candidate: Callable[[Ints, Ints], npt.NDArray[np.bool_]]

    @property
    def pairs(self) -> int:
        return int(self.counts.sum())

    def levels_only(self, sizes: Sequence[int]) -> tuple[LevelMatrix, Ints]:
        """The patterns without the verdict (counts of those differing only there summed)."""
        return compress_counted(self.patterns[:, : len(sizes)], self.counts, sizes)


def candidate_patterns(
    levels: LevelMatrix, candidates: tuple[Ints, Ints], verdicts: npt.NDArray[np.int8], sizes: Sequence[int]
) -> CandidatePatterns:
    """:class:`CandidatePatterns` of pairs held in memory (``candidates`` ascending by left, then
    right record, as blocking gives them)."""
    patterns, counts = compress(np.column_stack((levels, verdicts)), [*sizes, 3])
    left, right = candidates
    # Dedupe keys pairs by left * n + right with n the records; a link by the right records. Any
    # width above every right position keeps the keys ascending, so one wide enough for both.
    width = int(max(left.max(initial=-1), right.max(initial=-1))) + 1
    keys = left * width + right

    def is_candidate(a: Ints, b: Ints) -> npt.NDArray[np.bool_]:
        inside = (a < width) & (b < width)
        return inside & isin_sorted(np.where(inside, a * width + b, -1), keys)

    return CandidatePatterns(patterns, counts.astype(np.int64), is_candidate)


def train(
    spec: LinkSpec,
    prepared: PreparedFields,
    frames: tuple[pd.DataFrame, pd.DataFrame | None],
    levels: LevelMatrix,
    candidates: tuple[Ints, Ints],
    *,
    same: LevelMatrix | None = None,
    different: LevelMatrix | None = None,
    verdicts: npt.NDArray[np.int8] | None = None,
) -> FSModel:
    """A model fitted to the candidate pairs (positions ``candidates``, levels ``levels``).

    ``frames`` is (records, None) when deduplicating one table, (left, right) when linking two;
    ``verdicts`` marks the candidate pairs key rules decide (1 same, 2 different, 0 neither).
    """
    flags = np.zeros(len(levels), dtype=np.int8) if verdicts is None else verdicts
    compared = candidate_patterns(levels, candidates, flags, level_sizes(spec.fields))
    return train_patterns(spec, prepared, frames, compared, same=same, different=different)


def train_patterns(
    spec: LinkSpec,
    prepared: PreparedFields,
    frames: tuple[pd.DataFrame, pd.DataFrame | None],
    compared: CandidatePatterns,
    *,
    same: LevelMatrix | None = None,
    different: LevelMatrix | None = None,
) -> FSModel:
    """:func:`train` on the candidate pairs' patterns and counts."""
    settings = spec.em
    sizes = level_sizes(spec.fields)
    left, right = frames
    candidate_pairs = compared.pairs
    total_pairs = len(left) * (len(left) - 1) / 2 if right is None else len(left) * len(right)
    outside = _outside_levels(spec, prepared, left, right, compared.is_candidate, total_pairs)
    if outside is None:
        u_start = u_from_patterns(*compared.levels_only(sizes), sizes, settings.smoothing)
    else:
        u_start = u_from_random(outside, sizes, settings.smoothing)
    bounds = [FieldBounds.of(f) for f in spec.fields]
    fitted = fit_patterns(
        compared.patterns,
        compared.counts,
        sizes,
        u_start,
        fix_u=False,
        flagged=True,
        key_fields=spec.decided_fields,
        tops=[f.top_level for f in spec.fields],
        max_iterations=settings.max_iterations,
        tolerance=settings.tolerance,
        smoothing=settings.smoothing,
        bounds=bounds,
    )
    observed = list(fitted.observed)
    if outside is None:
        u_final, prior = fitted.u, fitted.match_share
    else:
        # Expected matches among the candidates, over all pairs: the prior of a random pair.
        prior = min(max(fitted.match_share * candidate_pairs / max(total_pairs, 1), 1e-12), 0.5)
        u_final = _u_over_all_pairs(fitted, outside, sizes, total_pairs - candidate_pairs, settings.smoothing)
        observed = [o | _seen(outside[:, i], s) for i, (o, s) in enumerate(zip(observed, sizes, strict=True))]
    found: dict[tuple[str, int, str], BoundHit] = {}
    # What the data said before the bounds: EM's last estimates, u over all pairs when counted here.
    unclipped_u = fitted.u_unclipped if outside is None else u_final
    for f, b, raw_m, raw_u in zip(spec.fields, bounds, fitted.m_unclipped, unclipped_u, strict=True):
        found.update({h[:3]: h for h in hits(f.name, "m", raw_m, b.m_low, b.m_high)})
        found.update({h[:3]: h for h in hits(f.name, "u", np.asarray(raw_u), b.u_low, b.u_high)})
    u_final = tuple(b.clip_u(np.asarray(u)) for b, u in zip(bounds, u_final, strict=True))
    fields = tuple(
        FieldModel(
            name=f.name,
            levels=f.level_descriptions(),
            m=tuple(float(x) for x in m),
            u=tuple(float(x) for x in u),
            observed=tuple(bool(x) for x in seen),
            ordered=f.ordered_levels,
        )
        for f, m, u, seen in zip(spec.fields, fitted.m, u_final, observed, strict=True)
    )
    sampled = 0 if outside is None else len(outside)
    judged_same = same if same is not None else np.zeros((0, len(sizes)), np.int8)
    judged_different = different if different is not None else np.zeros((0, len(sizes)), np.int8)
    model = FSModel(spec.entity_type, float(min(max(prior, 1e-12), 1 - 1e-12)), fields)
    if settings.learn_from_judgements and (len(judged_same) or len(judged_different)):
        # m of the fields enough labelled matches compare; u stays (see resolvers.linking.learning).
        fitted_m = model
        model, refitted = refit_m(model, judged_same, bounds, settings.judgement_strength)
        judged = (model.judgements[0] + len(judged_same), model.judgements[1] + len(judged_different))
        before = tuple(fitted_m.field(name).m for name in refitted)
        learned = Learned(judged, spec.thresholds.as_weights(), None, 0, 0, refitted, m_before=before)
        model = replace(model, judgements=judged, learned=learned)
    report = FitReport(
        fitted.iterations,
        fitted.converged,
        candidate_pairs,
        fitted.match_share,
        sampled,
        level_pairs=_level_pairs(*compared.levels_only(sizes), sizes),
        bound_hits=tuple(found[k] for k in sorted(found)),
    )
    return replace(model, fit=report)


def _level_pairs(patterns: LevelMatrix, counts: Ints, sizes: Sequence[int]) -> tuple[tuple[int, ...], ...]:
    """Per field, candidate pairs per level, then those with a value missing."""
    out = []
    for i, size in enumerate(sizes):
        column = patterns[:, i] if len(patterns) else np.zeros(0, dtype=np.int8)
        present = column >= 0
        per_level = np.bincount(column[present], weights=counts[present], minlength=size)[:size]
        out.append((*(int(c) for c in per_level), int(counts[~present].sum())))
    return tuple(out)


def _outside_levels(
    spec: LinkSpec,
    prepared: PreparedFields,
    left: pd.DataFrame,
    right: pd.DataFrame | None,
    is_candidate: Callable[[Ints, Ints], npt.NDArray[np.bool_]],
    total_pairs: float,
) -> LevelMatrix | None:
    """Levels of random pairs that blocking did not make candidates (None when u comes from EM).

    Matches are nearly all among the candidates, so these pairs are a sample of non-matches;
    a pair that a checked key links is left out all the same.
    """
    if spec.em.u_from != "random":
        return None
    count = int(min(spec.em.random_pairs, max(total_pairs, 1)))
    n_right = None if right is None else len(right)
    ra, rb = random_pairs(len(left), n_right, count, spec.em.seed)
    if n_right is None:
        ra, rb = np.minimum(ra, rb), np.maximum(ra, rb)
    keep = ~is_candidate(ra, rb)
    ra, rb = ra[keep], rb[keep]
    sampled = compare_pairs(prepared, ra, rb)
    same, _ = key_verdicts(spec, sampled, left, left if right is None else right, ra, rb)
    return sampled[~same]


def _u_over_all_pairs(
    fitted: EMResult, outside: LevelMatrix, sizes: Sequence[int], outside_pairs: float, smoothing: float
) -> tuple[Floats, ...]:
    """u of each level over all pairs: the candidates' non-matches (counted, weighted by EM's
    posterior) plus the pairs outside the candidates (estimated from the random sample).

    Random sampling alone cannot see a rare level: in a district of 75,000 company mentions no
    sample of a few hundred thousand pairs holds two different companies with one name, yet
    blocking on the name finds them all, and EM says which of them are not matches.
    """
    inside = level_counts(fitted.patterns, fitted.counts * (1 - fitted.posterior), sizes)
    sample = level_counts(outside, np.ones(len(outside)), sizes)
    scale = outside_pairs / max(len(outside), 1)
    return tuple(
        (c + s * scale + smoothing) / ((c + s * scale).sum() + smoothing * len(c))
        for c, s in zip(inside, sample, strict=True)
    )


def _seen(column: LevelMatrix, size: int) -> np.ndarray:
    present = column[column >= 0]
    return np.bincount(present, minlength=size)[:size] > 0


def with_term_frequencies(model: FSModel, spec: LinkSpec, frames: Sequence[pd.DataFrame]) -> FSModel:
    """The model with value frequencies counted in ``frames`` (they belong to the data, not the fit)."""
    tables = tuple(
        count_terms(f.name, level, column, frames)
        for f in spec.fields
        for level, column in f.term_frequency.items()
    )
    return replace(model, term_frequencies=tables)
