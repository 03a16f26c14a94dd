"""Room-level addresses of the library, stored compactly: a district has about a million of them.

A dict per building of per-room objects would cost some 300 bytes a room. Instead the rooms are
sorted by (building, room) into flat arrays: a sorted array of integer keys (building × room code),
the unit code of each, and every address id in one string with offsets. About 40 bytes a room
for 20-character ids; a lookup is one binary search.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable


class RoomTableBuilder:
    """Collects (building, room, unit, address id) rows; `freeze` sorts them into a RoomTable."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}  # room and unit tokens share one code table
        self._building = array("l")
        self._room = array("l")
        self._unit = array("l")
        self._ids: list[str] = []

    def _code(self, token: str) -> int:
        return self._codes.setdefault(token, len(self._codes))

    def add(self, building: int, room: str, unit: str, address_id: str) -> None:
        self._building.append(building)
        self._room.append(self._code(room))
        self._unit.append(self._code(unit))
        self._ids.append(address_id)

    def freeze(self) -> RoomTable:
        width = max(len(self._codes), 1)
        keys = [b * width + r for b, r in zip(self._building, self._room, strict=True)]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        offsets = array("q", [0])
        for i in order:
            offsets.append(offsets[-1] + len(self._ids[i]))
        return RoomTable(
            codes=self._codes,
            width=width,
            keys=array("q", (keys[i] for i in order)),
            units=array("l", (self._unit[i] for i in order)),
            ids="".join(self._ids[i] for i in order),
            offsets=offsets,
        )


class RoomTable:
    """Rooms by (building index, room token) → [(unit token, address id)]."""

    def __init__(
        self,
        codes: dict[str, int],
        width: int,
        keys: array[int],
        units: array[int],
        ids: str,
        offsets: array[int],
    ) -> None:
        self._codes = codes
        self._tokens = list(codes)  # code → token (dicts keep insertion order)
        self._width = width
        self._keys = keys
        self._units = units
        self._ids = ids
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._keys)

    def _id(self, i: int) -> str:
        return self._ids[self._offsets[i] : self._offsets[i + 1]]

    def find(self, building: int, room: str) -> list[tuple[str, str]]:
        """(unit, address id) of every room so numbered in the building (one per unit)."""
        code = self._codes.get(room)
        if code is None:
            return []
        key = building * self._width + code
        lo = bisect_left(self._keys, key)
        hi = bisect_right(self._keys, key, lo)
        return [(self._tokens[self._units[i]], self._id(i)) for i in range(lo, hi)]

    def count(self, buildings: Iterable[int]) -> int:
        """How many rooms the given buildings have (for reasons shown to stewards)."""
        total = 0
        for b in buildings:
            total += bisect_left(self._keys, (b + 1) * self._width) - bisect_left(self._keys, b * self._width)
        return total
