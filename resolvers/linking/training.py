"""Fitting a model to the data: u from random pairs, m and the match share by EM, judgements last.

u (how often non-matches agree) is estimated from pairs drawn at random from all pairs, which
are nearly all non-matches whatever the blocking. EM then runs over the candidate pairs, where
the match share is high enough to estimate m; inside EM u is fitted to the candidates (their
non-matches agree more often than random pairs, on the blocking keys at least), but the model
keeps the random-pair u, so the weights and the prior refer to the same population: all pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.comparators import get_comparator
from resolvers.linking.compare import PreparedFields, compare_pairs, key_matches, level_sizes, random_pairs
from resolvers.linking.em import Floats, compress, fit_em, level_frequencies, log_likelihoods, u_from_random
from resolvers.linking.model import FieldModel, FitReport, FSModel, LevelMatrix
from resolvers.linking.spec import LinkSpec
from resolvers.linking.tf import count_terms


def train(
    spec: LinkSpec,
    prepared: PreparedFields,
    frames: tuple[pd.DataFrame, pd.DataFrame | None],
    levels: LevelMatrix,
    *,
    same: LevelMatrix | None = None,
    different: LevelMatrix | None = None,
    known: npt.NDArray[np.bool_] | None = None,
) -> FSModel:
    """A model fitted to the candidate pairs' ``levels``; ``frames`` is (records, None) when
    deduplicating one table, (left, right) when linking two; ``known`` marks the candidate pairs
    a key rule links outright."""
    settings = spec.em
    sizes = level_sizes(spec.fields)
    left, right = frames
    total_pairs = len(left) * (len(left) - 1) / 2 if right is None else len(left) * len(right)
    random_levels = _random_levels(spec, prepared, left, right, total_pairs)
    u_start = u_from_random(levels if random_levels is None else random_levels, sizes, settings.smoothing)
    fitted = fit_em(
        levels,
        sizes,
        u_start,
        fix_u=False,
        known=known,
        max_iterations=settings.max_iterations,
        tolerance=settings.tolerance,
        smoothing=settings.smoothing,
    )
    observed = list(fitted.observed)
    if random_levels is None:
        u_final, prior = fitted.u, fitted.match_share
    else:
        # Expected matches among the candidates, over all pairs: the prior of a random pair.
        prior = min(max(fitted.match_share * len(levels) / max(total_pairs, 1), 1e-12), 0.5)
        u_final = _without_matches(random_levels, sizes, fitted.m, u_start, prior, settings.smoothing)
        observed = [
            o | _seen(random_levels[:, i], s) for i, (o, s) in enumerate(zip(observed, sizes, strict=True))
        ]
    fields = tuple(
        FieldModel(
            name=f.name,
            levels=get_comparator(f.comparator).describe_levels(f.params),
            m=tuple(float(x) for x in m),
            u=tuple(float(x) for x in u),
            observed=tuple(bool(x) for x in seen),
        )
        for f, m, u, seen in zip(spec.fields, fitted.m, u_final, observed, strict=True)
    )
    random_count = 0 if random_levels is None else len(random_levels)
    report = FitReport(fitted.iterations, fitted.converged, len(levels), fitted.match_share, random_count)
    model = FSModel(spec.entity_type, float(min(max(prior, 1e-12), 1 - 1e-12)), fields, fit=report)
    judged_same = same if same is not None else np.zeros((0, len(sizes)), np.int8)
    judged_different = different if different is not None else np.zeros((0, len(sizes)), np.int8)
    if settings.learn_from_judgements and (len(judged_same) or len(judged_different)):
        model = model.apply_judgements(judged_same, judged_different, settings.judgement_strength)
    return model


def _random_levels(
    spec: LinkSpec,
    prepared: PreparedFields,
    left: pd.DataFrame,
    right: pd.DataFrame | None,
    total_pairs: float,
) -> LevelMatrix | None:
    """Levels of random record pairs (None when u is to come from EM), key matches left out:
    u describes non-matches, and a random pair that a checked key links is a match."""
    if spec.em.u_from != "random":
        return None
    count = int(min(spec.em.random_pairs, max(total_pairs, 1)))
    ra, rb = random_pairs(len(left), None if right is None else len(right), count, spec.em.seed)
    random_levels = compare_pairs(prepared, ra, rb)
    return random_levels[~key_matches(spec, random_levels, left, left if right is None else right, ra, rb)]


def _without_matches(
    random_levels: LevelMatrix,
    sizes: Sequence[int],
    m: Sequence[Floats],
    u: Sequence[Floats],
    prior: float,
    smoothing: float,
) -> tuple[Floats, ...]:
    """u re-estimated with each random pair weighted by its probability of being a non-match.

    Random pairs hold a few matches, and where entities have several mentions each (a company
    in the registry and in two licences) those few dominate the agreement on a unique name,
    making it look common. This is one M-step of EM over the random pairs with the fitted m
    and prior; it is not iterated, so that agreement cannot explain itself away.
    """
    patterns, counts = compress(random_levels, sizes)
    log_match = np.log(prior) + log_likelihoods(patterns, m)
    log_non = np.log1p(-prior) + log_likelihoods(patterns, u)
    non_match = 1.0 / (1.0 + np.exp(np.clip(log_match - log_non, -700, 700)))
    return level_frequencies(patterns, counts * non_match, sizes, smoothing)


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
    return FSModel(model.entity_type, model.prior, model.fields, tables, model.fit, model.judgements)
