"""Two comparators read as one field, for evidence that is not independent.

Fellegi–Sunter adds the weights of fields as if they were independent given the match status.
A phone number and a room are not: the members of one household share both, so two relatives
agreeing on phone and room would be credited twice for what is one fact (they live together).
Compared as one field, each combination of levels gets its own m and u, and u (estimated from
random pairs) shows how often strangers share a household.

``get_comparator("phone*address")`` builds the combination. Its level for part levels (i, j),
either of which may be −1 (unknown), is (i + 1) × (levels of the second part + 1) + j; the
pair is missing only when both parts are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from resolvers.comparators.base import MISSING, Comparator, Levels, Prepared, Values, take

Parts = tuple[dict[str, Any], dict[str, Any]]
NO_PARAMS: Parts = ({}, {})


def _halves(value: Any, first_arity: int, second_arity: int) -> tuple[Any, Any]:
    """A combined value (a tuple of the parts' columns) split into the two parts' values."""
    one, two = tuple(value[:first_arity]), tuple(value[first_arity:])
    return (one[0] if first_arity == 1 else one), (two[0] if second_arity == 1 else two)


def combine(first: Comparator, second: Comparator) -> Comparator:
    width = len(second.describe_levels()) + 1

    def code(l1: Any, l2: Any) -> Any:
        return np.where((l1 == MISSING) & (l2 == MISSING), MISSING, (l1 + 1) * width + l2)

    def describe(parts: Parts = NO_PARAMS) -> tuple[str, ...]:
        d1 = ("unknown", *first.describe_levels(parts[0]))
        d2 = ("unknown", *second.describe_levels(parts[1]))
        return tuple(f"{a}; {b}" for a in d1 for b in d2)[1:]

    def compare(a: Any, b: Any, parts: Parts = NO_PARAMS) -> int:
        a1, a2 = _halves(a, first.arity, second.arity)
        b1, b2 = _halves(b, first.arity, second.arity)
        return int(code(first.compare(a1, b1, **parts[0]), second.compare(a2, b2, **parts[1])))

    compare.__doc__ = (
        f"{first.explanation.rstrip('.')}; {second.explanation[:1].lower()}{second.explanation[1:]}"
    )

    def prepare(values: Values) -> Prepared:
        one = values[:, 0] if first.arity == 1 else values[:, : first.arity]
        two = values[:, first.arity] if second.arity == 1 else values[:, first.arity :]
        p1, p2 = first.prepare(np.asarray(one)), second.prepare(np.asarray(two))
        if isinstance(p1, tuple) or isinstance(p2, tuple):
            raise TypeError("a combined comparator cannot contain another combination")
        return (p1, p2)

    def compare_prepared(a: Prepared, b: Prepared, parts: Parts = NO_PARAMS) -> Levels:
        l1 = first.compare_prepared(take(a, 0), take(b, 0), **parts[0]).astype(np.int16)
        l2 = second.compare_prepared(take(a, 1), take(b, 1), **parts[1]).astype(np.int16)
        return np.asarray(code(l1, l2), dtype=np.int8)

    name = f"{first.name}*{second.name}"
    arity = first.arity + second.arity
    return Comparator(name, compare, prepare, compare_prepared, describe, arity, ordered=False)
