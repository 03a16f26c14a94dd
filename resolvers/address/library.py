"""The standard address library, indexed for matching free-text addresses against it.

Names are folded with the parser's own functions (width, script, numerals, canonical building/unit/
room tokens), so a parsed address and a standard one meet in plain dict lookups. Buildings (tens of
thousands) are objects; rooms (about a million) live in a compact RoomTable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from resolvers.address.names import NameIndex
from resolvers.address.parse import (
    DISTRICT_NAMES,
    building_token,
    door_token,
    place_key,
    room_token,
    unit_token,
)
from resolvers.address.rooms import RoomTable, RoomTableBuilder
from resolvers.address.text import clean


@dataclass(frozen=True, slots=True)
class StandardRoom:
    """One room-level standard address, as the library source gives it."""

    address_id: str
    building_id: str
    street: str
    community: str
    road: str
    road_number: str
    estate: str
    building_name: str
    unit: str
    floor: int | None
    room: str
    full_text: str

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> StandardRoom:
        """A row of the 标准地址库 source (columns as in hub/demo/sources/address_library.yaml)."""
        floor = (row.get("楼层") or "").strip()
        return cls(
            address_id=row["地址编码"],
            building_id=row["楼栋编码"],
            street=row.get("街道名称") or "",
            community=row.get("社区名称") or "",
            road=row.get("道路") or "",
            road_number=row.get("门牌号") or "",
            estate=row.get("小区") or "",
            building_name=row.get("楼栋名称") or "",
            unit=row.get("单元") or "",
            floor=int(floor) if floor.lstrip("-").isdigit() else None,
            room=row.get("房号") or "",
            full_text=row.get("标准地址") or "",
        )


@dataclass(frozen=True, slots=True)
class StandardBuilding:
    """A building of the library; names are in their folded (comparable) form."""

    index: int
    building_id: str
    token: str  # canonical building token: 12 for 12栋
    estate: str
    road: str
    road_number: str
    street: str  # without 街道
    community: str  # without 社区
    units: frozenset[str]
    label: str  # how stewards read it: 下沙路28号 下沙村 12栋
    # False when the library lists the building without rooms (a library kept at building
    # level): a room in the text is then no evidence against it.
    has_rooms: bool = True
    # The library's own address of a building listed without rooms, when it has one.
    address_id: str | None = None


def _add(index: dict[tuple[str, ...], list[int]], key: tuple[str, ...], building: int) -> None:
    index.setdefault(key, []).append(building)


class AddressLibrary:
    """Buildings and rooms of the standard address library, with the lookups the matcher needs."""

    def __init__(self, buildings: list[StandardBuilding], rooms: RoomTable) -> None:
        self.buildings = buildings
        self.rooms = rooms
        self._by_estate: dict[tuple[str, ...], list[int]] = {}
        self._by_estate_token: dict[tuple[str, ...], list[int]] = {}
        self._by_door: dict[tuple[str, ...], list[int]] = {}
        self._by_road_token: dict[tuple[str, ...], list[int]] = {}
        for b in buildings:
            if b.estate:
                _add(self._by_estate, (b.estate,), b.index)
                _add(self._by_estate_token, (b.estate, b.token), b.index)
            if b.road:
                _add(self._by_door, (b.road, b.road_number), b.index)
                _add(self._by_road_token, (b.road, b.token), b.index)
        # Street and community names (with and without their suffix) may be glued before an estate.
        places = {p for b in buildings for p in (b.street, b.community)}
        places |= {p + suffix for p in places for suffix in ("街道", "社区")} | set(DISTRICT_NAMES)
        self.estates = NameIndex((b.estate for b in buildings), places)
        self.roads = NameIndex(b.road for b in buildings)

    @classmethod
    def build(cls, rooms: Iterable[StandardRoom]) -> AddressLibrary:
        """Index the library's rooms; each building's details are taken from its first room."""
        buildings: list[StandardBuilding] = []
        seen: dict[str, int] = {}
        units: list[set[str]] = []
        with_rooms: set[int] = set()
        whole: dict[int, list[str]] = {}  # rows that name no room: the building's own addresses
        table = RoomTableBuilder()
        for r in rooms:
            index = seen.get(r.building_id)
            if index is None:
                index = seen[r.building_id] = len(buildings)
                buildings.append(_building(index, r))
                units.append(set())
            unit = unit_token(r.unit) if r.unit else ""
            units[index].add(unit)
            room = room_token(r.room) if r.room else ""
            if room:
                with_rooms.add(index)
            elif not unit:
                whole.setdefault(index, []).append(r.address_id)
            table.add(index, room, unit, r.address_id)
        shared: dict[frozenset[str], frozenset[str]] = {}  # most buildings have the same few unit sets
        final = [
            replace(
                b,
                units=shared.setdefault(frozenset(u - {""}), frozenset(u - {""})),
                has_rooms=b.index in with_rooms,
                address_id=own[0] if (own := whole.get(b.index)) and len(own) == 1 else None,
            )
            for b, u in zip(buildings, units, strict=True)
        ]
        return cls(final, table.freeze())

    def in_estate(self, estate: str, token: str | None = None) -> list[int]:
        """Buildings of an estate (with that token, when given)."""
        if token is None:
            return self._by_estate.get((estate,), [])
        return self._by_estate_token.get((estate, token), [])

    def on_road(self, road: str, number: str | None = None, token: str | None = None) -> list[int]:
        """Buildings at a door number of a road, or with a token on the road."""
        if number is not None:
            at_door = self._by_door.get((road, number), [])
            return [b for b in at_door if token is None or self.buildings[b].token == token]
        if token is not None:
            return self._by_road_token.get((road, token), [])
        return []


def _building(index: int, r: StandardRoom) -> StandardBuilding:
    estate, road, number = clean(r.estate), clean(r.road), door_token(r.road_number)
    place = " ".join(p for p in (road + number, estate, clean(r.building_name)) if p)
    return StandardBuilding(
        index=index,
        building_id=r.building_id,
        token=building_token(r.building_name),
        estate=estate,
        road=road,
        road_number=number,
        street=place_key(r.street),
        community=place_key(r.community),
        units=frozenset(),
        label=place,
    )
