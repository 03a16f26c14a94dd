"""Standard addresses: the same room, the same building (rooms different or unknown), the same estate.

Free-text addresses are resolved to the district's standard address library before entity
resolution, so what is compared here are library identifiers: the room (standard address id),
its building and its estate (小区), plus the room number the address gives (501 for 5楼501),
for an address the library could place only in its building (a library kept at building level,
or a text naming no unit where the building has several). A value is the quadruple (room,
building, estate, room number); any part may be unknown, and the closest level both sides know
wins. Two different standard rooms are different rooms whatever their numbers (501 of unit 1
and 501 of unit 2); otherwise the same number in the same building is the same room. A room
unknown on one side is told apart from two different rooms: only the latter is evidence
against a match.
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
    "same building, different rooms",
    "same building, the room unknown on one side",
    "same room",
)


def _part(value: object, index: int) -> object:
    if isinstance(value, (tuple, list)) and len(value) > index:
        return None if is_missing(value[index]) else value[index]
    return None


def address(a: object, b: object) -> int:
    """The addresses are the same room, in the same building (rooms different or unknown), or in the same estate."""
    room_a, room_b = _part(a, 0), _part(b, 0)
    if room_a is not None and room_a == room_b:
        return 4
    building_a, building_b = _part(a, 1), _part(b, 1)
    if building_a is not None and building_b is not None:
        if building_a == building_b:
            if room_a is not None and room_b is not None:
                return 2  # two standard rooms of the building
            number_a, number_b = _part(a, 3), _part(b, 3)
            if number_a is None or number_b is None:
                return 3
            return 4 if number_a == number_b else 2
        estate_a, estate_b = _part(a, 2), _part(b, 2)
        return 1 if estate_a is not None and estate_a == estate_b else 0
    estate_a, estate_b = _part(a, 2), _part(b, 2)
    if estate_a is not None and estate_b is not None:
        return 1 if estate_a == estate_b else 0
    return MISSING


def prepare_addresses(values: Values) -> Values:
    """(n, 4) integer codes of room, building, estate and room number, −1 when unknown."""
    return np.stack([codes(column(values, i)) for i in range(4)], axis=1)


def compare_addresses(a: Values, b: Values) -> Levels:
    """:func:`address` over prepared (room, building, estate, room number) codes."""
    known = (a >= 0) & (b >= 0)
    same = known & (a == b)
    same_building = same[:, 1]
    standard_rooms = known[:, 0]
    by_number = same_building & ~standard_rooms & same[:, 3]
    room_unknown = same_building & ~standard_rooms & ~known[:, 3]
    comparable = same[:, 0] | known[:, 1] | known[:, 2]
    return levels_from(
        {
            1: same[:, 2],
            2: same_building,
            3: room_unknown,
            4: same[:, 0] | by_number,
            MISSING: ~comparable,
        },
        len(a),
    )


COMPARATORS = (Comparator("address", address, prepare_addresses, compare_addresses, ADDRESS_LEVELS, arity=4),)
