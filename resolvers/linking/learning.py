"""Learning from stewards: which merge candidate to ask about, and what the answers change.

Active learning in the manner of dedupe, on top of the Fellegi–Sunter model:

* **Which pair to ask about.** A pair's *pattern* is its comparison vector (the level of every
  field, −1 where a value is missing). Every candidate pair with the same pattern gets the same
  level weights, so an answer about one pair says something about all of them. A candidate is
  worth asking about in proportion to how unsure the model is (:func:`uncertainty`, 1 at
  p = 0.5, 0 at p = 0 or 1) times how many candidate pairs share its pattern
  (:func:`pattern_sizes`). The review queue orders by that (``gridhub review list --order
  informative``, :mod:`hub.review.ordering`).
* **What the answers change**, on the next full pass (the one that fits the model), with the
  labelled pairs' patterns recomputed from the mentions as they are then:

  - the **thresholds** (:func:`fit_thresholds`): the merge cut moves to the match weight that
    misclassifies the fewest labelled pairs, when at least :data:`MIN_LABELS` pairs were
    labelled "same" and as many "different", by at most :data:`MAX_SHIFT` bits either way and
    never below the spec's review threshold; the review threshold moves by the same amount
    (the review band keeps its width). Pairs a key or decision rule decides are not labels
    here (no threshold decides them).
  - the **m probabilities** of a field (:func:`refit_m`), when at least :data:`MIN_SAME` pairs
    labelled "same" compare it: EM's estimate and the labelled pairs' level shares are blended,
    weighted ``strength`` (EM, :attr:`EMSettings.judgement_strength`) against the label count,
    then clipped into the field's priors (LevelPrior bounds).

  u is not refitted from labels: it refers to all pairs (nearly all of them strangers), and the
  pairs a steward is asked about are the look-alikes of the review band, so fifty "different"
  answers about namesakes would make a name's agreement nearly worthless.

What changed is kept with the model (:class:`~resolvers.linking.model.Learned`) and shown by
``gridhub model show``. The labelled pairs come from the review band, not at random, so their
level shares are a biased estimate of m (matches that disagree somewhere are over-represented):
hence the blend, the minimum counts and the bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from resolvers.linking.arrays import pattern_counts
from resolvers.linking.bounds import FieldBounds
from resolvers.linking.model import FSModel, LevelMatrix
from resolvers.linking.spec import LinkSpec

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

# Labelled pairs needed on each side ("same" and "different") before the thresholds move.
MIN_LABELS = 10
# Labelled "same" pairs comparing a field before its m is refitted from them.
MIN_SAME = 20
# How far (bits of match weight, i.e. a factor 2**MAX_SHIFT in odds) labels may move a threshold.
MAX_SHIFT = 8.0


def uncertainty(probability: float | Floats) -> Floats:
    """1 − |2p − 1|: 1 for a coin toss, 0 for a sure pair."""
    p = np.clip(np.asarray(probability, dtype=np.float64), 0.0, 1.0)
    return np.asarray(1.0 - np.abs(2.0 * p - 1.0))


def pattern_codes(levels: LevelMatrix) -> Ints:
    """One integer per comparison pattern (rows of ``levels``); levels run from −1 to 126."""
    code = np.zeros(len(levels), dtype=np.int64)
    for i in range(levels.shape[1]):
        code = code * 128 + (levels[:, i].astype(np.int64) + 1)
    return code


def pattern_sizes(levels: LevelMatrix, rows: Ints) -> Ints:
    """For each of ``rows``, how many rows of ``levels`` (the candidate pairs) share its pattern."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    codes = pattern_codes(levels)
    uniques, sizes = pattern_counts(codes)
    return sizes[np.searchsorted(uniques, codes[rows])].astype(np.int64)


def pattern_sizes_among(patterns: LevelMatrix, counts: Ints, levels: LevelMatrix) -> Ints:
    """:func:`pattern_sizes` from the candidate pairs' distinct ``patterns`` and their ``counts``
    (none repeated), for pairs with these ``levels``: what an engine that keeps only some pairs
    (resolvers/spark) can tell."""
    if len(levels) == 0:
        return np.zeros(0, dtype=np.int64)
    codes = pattern_codes(patterns)
    order = np.argsort(codes, kind="stable")
    where = np.searchsorted(codes[order], pattern_codes(levels))
    return np.asarray(counts, dtype=np.int64)[order][where]


def pattern_text(pattern: Sequence[int], fields: Sequence[str]) -> str:
    """``name:3 birth_date:2 phone:–`` (– where a value is missing)."""
    return " ".join(f"{f}:{'–' if level < 0 else level}" for f, level in zip(fields, pattern, strict=True))


def refit_m(
    model: FSModel, same: LevelMatrix, bounds: Sequence[FieldBounds], strength: float, minimum: int = MIN_SAME
) -> tuple[FSModel, tuple[str, ...]]:
    """The model with m of each field that at least ``minimum`` labelled matches (``same``, their
    levels) compare blended with those matches' level shares: (strength · m_EM + n · m_labels)
    / (strength + n), clipped into the field's bounds. Returns the model and the fields refitted."""
    fields, refitted = [], []
    for i, (f, b) in enumerate(zip(model.fields, bounds, strict=True)):
        column = same[:, i] if len(same) else np.zeros(0, dtype=np.int8)
        column = column[column >= 0]
        if len(column) < minimum:
            fields.append(f)
            continue
        counts = np.bincount(column, minlength=len(f.m))[: len(f.m)].astype(np.float64)
        blended = (np.asarray(f.m) * strength + counts) / (strength + counts.sum())
        m = b.clip_m(blended)
        observed = tuple(bool(o or c > 0) for o, c in zip(f.observed, counts, strict=True))
        fields.append(replace(f, m=tuple(float(x) for x in m), observed=observed))
        refitted.append(f.name)
    return replace(model, fields=tuple(fields)), tuple(refitted)


@dataclass(frozen=True, slots=True)
class ThresholdFit:
    """Where the labelled pairs put the thresholds (match weights), and the labelled errors."""

    lower: float
    upper: float
    errors_before: int  # labelled pairs the spec's merge cut gets wrong
    errors_after: int
    moved: bool
    reason: str


def labelled_errors(cut: float, same: Floats, different: Floats) -> int:
    """Labelled pairs a merge cut gets wrong: "same" below it, "different" at or above it."""
    return int((same < cut).sum() + (different >= cut).sum())


def fit_thresholds(
    same: Floats, different: Floats, lower: float, upper: float, minimum: int = MIN_LABELS
) -> ThresholdFit:
    """The merge cut (a match weight) that misclassifies the fewest labelled pairs (weights of the
    pairs labelled "same" and "different"), within ``MAX_SHIFT`` bits of ``upper`` and not below
    ``lower``; of equally good cuts, the nearest to ``upper``. It moves only when there are
    ``minimum`` labels on each side and it makes fewer errors; ``lower`` moves with it."""
    same, different = np.asarray(same, np.float64), np.asarray(different, np.float64)
    before = labelled_errors(upper, same, different)
    if len(same) < minimum or len(different) < minimum:
        reason = f"{len(same)} same / {len(different)} different labels: thresholds move from {minimum} each"
        return ThresholdFit(lower, upper, before, before, False, reason)
    low, high = max(lower, upper - MAX_SHIFT), upper + MAX_SHIFT
    values = np.unique(np.concatenate((same, different)))
    # Midway between neighbouring labels (a cut on a label's own weight fits that label, not the
    # pairs like it), and the spec's own cut.
    cuts = np.concatenate(((values[1:] + values[:-1]) / 2, [upper]))
    cuts = np.unique(np.clip(cuts, low, high))
    errors = np.asarray([labelled_errors(float(c), same, different) for c in cuts])
    best = cuts[errors == errors.min()]
    cut = float(best[np.argmin(np.abs(best - upper))])
    after = int(errors.min())
    if after >= before:
        return ThresholdFit(lower, upper, before, before, False, "no cut separates the labels better")
    shift = cut - upper
    new_lower = min(lower + shift, cut)
    reason = f"merge cut moved {shift:+.2f} bits: {before} → {after} labelled pairs misclassified"
    return ThresholdFit(new_lower, cut, before, after, True, reason)


def thresholds(model: FSModel, spec: LinkSpec) -> tuple[float, float]:
    """(lower, upper) match weights a pass decides with: those the labels set, else the spec's."""
    learned = model.learned
    if learned is not None and learned.thresholds_after is not None:
        return learned.thresholds_after
    return spec.thresholds.as_weights()
