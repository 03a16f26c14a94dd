"""The check every comparator test makes: scalar level as expected, vectorised twin agrees."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from resolvers.comparators import get_comparator


def _array(values: Sequence[Any], arity: int) -> np.ndarray:
    if arity == 1:
        out = np.empty(len(values), dtype=object)
        out[:] = list(values)
        return out
    return np.array([list(v) for v in values], dtype=object).reshape(len(values), arity)


def check_levels(name: str, cases: Sequence[tuple[Any, Any, int]], **params: Any) -> None:
    """Each (a, b, level): compare(a, b) == level, and compare_many over all cases agrees."""
    comparator = get_comparator(name)
    scalar = [comparator.compare(a, b, **params) for a, b, _ in cases]
    assert scalar == [level for _, _, level in cases], scalar
    a = _array([a for a, _, _ in cases], comparator.arity)
    b = _array([b for _, b, _ in cases], comparator.arity)
    vector = comparator.compare_many(a, b, **params)
    assert vector.dtype == np.int8
    assert vector.tolist() == scalar
    # Symmetric: a comparison does not depend on which record comes first.
    assert comparator.compare_many(b, a, **params).tolist() == scalar
