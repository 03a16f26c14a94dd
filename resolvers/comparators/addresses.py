"""Standard addresses: the same room, the same building, the same estate.

Free-text addresses are resolved to the district's standard address library before entity
resolution, so what is compared here are library identifiers: the room (standard address id),
its building and its estate (小区). A value is the triple (room, building, estate); any part may
be unknown (a record that names only the building), and the closest level both sides know wins.
"""

from __future__ import annotations

import numpy as np

from resolvers.comparators.base import (
    MISSING,
    Comparator,
    Levels,
    Values,
    codes,
    column,
    is_missing,
    levels_from,
)

ADDRESS_LEVELS = (
    "different estates or buildings",
    "same estate, different buildings",
    "same building, different or unknown rooms",
    "same room",
)


def _part(value: object, index: int) -> object:
    if isinstance(value, (tuple, list)) and len(value) > index:
        return None if is_missing(value[index]) else value[index]
    return None


def address(a: object, b: object) -> int:
    """The addresses are the same room, in the same building, or in the same estate."""
    room_a, room_b = _part(a, 0), _part(b, 0)
    if room_a is not None and room_a == room_b:
        return 3
    building_a, building_b = _part(a, 1), _part(b, 1)
    if building_a is not None and building_b is not None:
        if building_a == building_b:
            return 2
        estate_a, estate_b = _part(a, 2), _part(b, 2)
        return 1 if estate_a is not None and estate_a == estate_b else 0
    estate_a, estate_b = _part(a, 2), _part(b, 2)
    if estate_a is not None and estate_b is not None:
        return 1 if estate_a == estate_b else 0
    return MISSING


def prepare_addresses(values: Values) -> Values:
    """(n, 3) integer codes of room, building and estate, −1 when unknown."""
    return np.stack([codes(column(values, i)) for i in range(3)], axis=1)


def compare_addresses(a: Values, b: Values) -> Levels:
    """:func:`address` over prepared (room, building, estate) codes."""
    known = (a >= 0) & (b >= 0)
    same = known & (a == b)
    comparable = same[:, 0] | known[:, 1] | known[:, 2]
    return levels_from({1: same[:, 2], 2: same[:, 1], 3: same[:, 0], MISSING: ~comparable}, len(a))


COMPARATORS = (Comparator("address", address, prepare_addresses, compare_addresses, ADDRESS_LEVELS, arity=3),)
