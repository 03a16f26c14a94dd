"""Domain priors: bounds on m and u that EM respects, and what happens without them."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from resolvers.linking import FieldSpec, person_spec
from resolvers.linking.bounds import FieldBounds, clip, hits
from resolvers.linking.em import fit_em
from resolvers.linking.spec import LevelPrior

SIZES = [3, 2, 2]  # an identifier (different, slip, same), a phone, an address
ID_BOUNDS = FieldBounds(np.array([0.0, 0.0, 0.6]), np.ones(3), np.zeros(3), np.array([1.0, 1.0, 1e-3]))


def households(n: int = 40_000, seed: int = 0) -> np.ndarray:
    """10% matches (same identity number 95%), 40% households (different people sharing a phone
    and an address), 50% strangers. A two-class EM takes "shares a phone and an address" for
    "same person", which makes the identity number nearly worthless."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(3, size=n, p=[0.1, 0.4, 0.5])
    levels = np.zeros((n, 3), np.int8)
    probabilities = {
        0: ([0.02, 0.03, 0.95], [0.5, 0.5], [0.5, 0.5]),
        1: ([0.999, 0.0005, 0.0005], [0.05, 0.95], [0.05, 0.95]),
        2: ([0.999, 0.0005, 0.0005], [0.9, 0.1], [0.9, 0.1]),
    }
    for k, per_field in probabilities.items():
        chosen = kind == k
        for i, p in enumerate(per_field):
            levels[chosen, i] = rng.choice(len(p), size=int(chosen.sum()), p=p)
    return levels


def test_without_a_prior_em_drives_the_same_identifier_implausibly_low() -> None:
    u_start = tuple(np.full(s, 1 / s) for s in SIZES)
    fitted = fit_em(households(), SIZES, u_start, fix_u=False)
    assert fitted.m[0][2] < 0.1  # 95% of true matches share the number
    assert fitted.m[0][2] < fitted.u[0][2]  # the same number even counts against a match


def test_with_a_prior_em_stays_within_the_bounds() -> None:
    u_start = tuple(np.full(s, 1 / s) for s in SIZES)
    bounds = [ID_BOUNDS, FieldBounds.free(2), FieldBounds.free(2)]
    fitted = fit_em(households(), SIZES, u_start, fix_u=False, bounds=bounds, max_iterations=1000)
    assert fitted.converged
    assert fitted.m[0][2] >= 0.6 - 1e-12
    assert fitted.u[0][2] <= 1e-3 + 1e-12
    for probabilities in (*fitted.m, *fitted.u):
        assert abs(probabilities.sum() - 1) < 1e-9
    # The bound held against the data: EM's own estimate was outside it, and is reported.
    assert fitted.m_unclipped[0][2] < 0.6
    assert hits("id", "m", fitted.m_unclipped[0], ID_BOUNDS.m_low, ID_BOUNDS.m_high)[0][:3] == ("id", 2, "m")
    # And the match share comes closer to the truth (10%) than the unbounded fit's 37%.
    assert fitted.match_share < 0.2


def test_clip_rescales_the_free_levels_and_keeps_their_ratios() -> None:
    clipped = clip(np.array([0.6, 0.3, 0.1]), np.array([0.0, 0.0, 0.5]), np.ones(3))
    np.testing.assert_allclose(clipped, [1 / 3, 1 / 6, 0.5])
    unchanged = np.array([0.2, 0.2, 0.6])
    assert clip(unchanged, np.array([0.0, 0.0, 0.5]), np.ones(3)) is unchanged


def test_fixed_values_are_bounds_on_both_sides() -> None:
    fixed = LevelPrior.fixed(1, m=0.2)
    assert (fixed.m_min, fixed.m_max, fixed.u_min, fixed.u_max) == (0.2, 0.2, 0.0, 1.0)
    u_start = tuple(np.full(s, 1 / s) for s in SIZES)
    field = FieldSpec(
        name="id", comparator="resident_id", columns=("x",), priors=(LevelPrior.fixed(2, m=0.9),)
    )
    bounds = [FieldBounds.of(field), FieldBounds.free(2), FieldBounds.free(2)]
    fitted = fit_em(households(5_000), SIZES, u_start, fix_u=False, bounds=bounds)
    assert fitted.m[0][2] == pytest.approx(0.9)


def test_priors_are_checked_and_top_follows_the_comparator() -> None:
    with pytest.raises(ValidationError):
        LevelPrior(level=1, m_min=0.8, m_max=0.5)
    with pytest.raises(ValidationError):
        FieldSpec(name="id", comparator="resident_id", columns=("x",), priors=(LevelPrior(level=7),))
    top = FieldSpec(
        name="id", comparator="resident_id", columns=("x",), priors=(LevelPrior(level="top", m_min=0.5),)
    )
    assert top.bounds()[0][0] == [0.0, 0.0, 0.5]


def test_the_presets_bound_identical_identifiers_and_names() -> None:
    from resolvers.linking import legal_entity_spec

    person = {f.name: f for f in person_spec().fields}
    assert person["identity_number"].bounds()[0][0][2] > 0
    company = {f.name: f for f in legal_entity_spec().fields}
    assert company["uscc"].bounds()[0][0][2] > 0
    name = company["name"]
    assert name.bounds()[0][0][name.top_level] > 0
