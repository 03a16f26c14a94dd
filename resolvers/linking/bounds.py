"""Domain priors as bounds on m and u that EM may not leave (see :class:`~resolvers.linking.spec.LevelPrior`).

A probability vector over a field's levels is clipped level by level into its bounds; when a
level moves, the unbounded levels are rescaled to take up the rest, keeping their ratios, so
the vector still sums to 1. EM clips its m and u after every iteration, training clips the
final model (u over all pairs, judgements applied) again, and a bound that changed an estimate
is reported (:data:`BoundHit`): a sign that the data disagree with what the field knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from resolvers.linking.spec import FieldSpec

Floats = npt.NDArray[np.float64]
# An estimate this far outside its bound counts as clipped (not floating-point noise).
TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class FieldBounds:
    """Lower and upper bounds of m and u per level of one field (0 and 1: unbounded)."""

    m_low: Floats
    m_high: Floats
    u_low: Floats
    u_high: Floats

    @classmethod
    def of(cls, field: FieldSpec) -> FieldBounds:
        (m_low, m_high), (u_low, u_high) = field.bounds()
        return cls(np.asarray(m_low), np.asarray(m_high), np.asarray(u_low), np.asarray(u_high))

    @classmethod
    def free(cls, size: int) -> FieldBounds:
        return cls(np.zeros(size), np.ones(size), np.zeros(size), np.ones(size))

    @property
    def bounded(self) -> bool:
        return bool((self.m_low > 0).any() or (self.m_high < 1).any() or self.u_bounded)

    @property
    def u_bounded(self) -> bool:
        return bool((self.u_low > 0).any() or (self.u_high < 1).any())

    def clip_m(self, m: Floats) -> Floats:
        return clip(m, self.m_low, self.m_high)

    def clip_u(self, u: Floats) -> Floats:
        return clip(u, self.u_low, self.u_high)


def clip(p: Floats, low: Floats, high: Floats) -> Floats:
    """``p`` with each level in [low, high] and the unbounded levels rescaled to sum to 1."""
    p = np.asarray(p, dtype=np.float64)
    clipped = np.clip(p, low, high)
    if np.array_equal(clipped, p):
        return p
    bounded = (low > 0) | (high < 1)
    free = ~bounded
    rest = 1.0 - float(clipped[bounded].sum())
    if free.any() and float(p[free].sum()) > 0 and rest >= 0:
        clipped[free] = p[free] * rest / float(p[free].sum())
        return clipped
    return clipped / float(clipped.sum())  # every level bounded: as close as a distribution gets


# A prior that moved an estimate: (field, level, "m" or "u", what the data said, the bound kept).
BoundHit = tuple[str, int, str, float, float]


def hits(field: str, parameter: str, raw: Floats, low: Floats, high: Floats) -> list[BoundHit]:
    """The levels whose estimate ``raw`` lies outside its bounds."""
    out = []
    for level, (value, lo, hi) in enumerate(zip(raw.tolist(), low.tolist(), high.tolist(), strict=True)):
        if value < lo - TOLERANCE or value > hi + TOLERANCE:
            out.append((field, level, parameter, float(value), lo if value < lo else hi))
    return out


def all_free(sizes: Sequence[int]) -> tuple[FieldBounds, ...]:
    return tuple(FieldBounds.free(s) for s in sizes)
