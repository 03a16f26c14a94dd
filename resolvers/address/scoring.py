"""How well one candidate building fits a parsed address: the share of the text's evidence it agrees with.

Each part the text gives is worth a weight: the estate and the building token identify a building,
so they weigh most; road, door number, community and street mostly confirm (or refute) it; the room
existing in the building is a small extra. A part that contradicts the candidate costs points, so
that a building which merely shares a number with the text does not win by default. The score is
points over the weight the text offers, in [0, 1]: a terse address is not punished for being terse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from resolvers.address.library import AddressLibrary, StandardBuilding
from resolvers.address.parse import ParsedAddress, place_key

W_ESTATE = 4.0
W_BUILDING = 3.0
W_ROAD = 1.0
W_DOOR = 1.5
W_COMMUNITY = 1.0
W_STREET = 0.5
W_ROOM = 1.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the text says, looked up once in the library before scoring the candidates."""

    estates: dict[str, float]  # known estate name → similarity to the written one
    roads: dict[str, float]
    community: str | None  # written community without 社区
    street: str | None
    written_estate: str | None
    written_road: str | None

    @classmethod
    def of(cls, library: AddressLibrary, p: ParsedAddress) -> Evidence:
        """Look up the written estate and road names among the library's."""
        estate = p.estate
        if estate and p.road and p.road + estate in library.estates:
            estate = p.road + estate  # 福华路小区: the parser took the estate's first words for a road
        return cls(
            estates=dict(library.estates.lookup(estate)) if estate else {},
            roads=dict(library.roads.lookup(p.road)) if p.road else {},
            community=place_key(p.community) if p.community else None,
            street=place_key(p.street) if p.street else None,
            written_estate=estate,
            written_road=p.road,
        )

    def notes(self, b: StandardBuilding, p: ParsedAddress) -> list[str]:
        """For stewards: names of the building read from a differently written text, and conflicts."""
        out = []
        if self.written_estate and b.estate and self.written_estate != b.estate and b.estate in self.estates:
            out.append(f"estate read as {b.estate} (written {self.written_estate})")
        if self.written_road and b.road and self.written_road != b.road and b.road in self.roads:
            out.append(f"road read as {b.road} (written {self.written_road})")
        if self.written_road and b.road not in self.roads:
            out.append(f"written road {self.written_road} differs from the library's {b.road or 'none'}")
        if p.road and p.road_number and p.road_number != b.road_number:
            out.append(
                f"written door number {p.road_number} differs from the library's {b.road_number or 'none'}"
            )
        if self.community is not None and self.community != b.community:
            out.append(f"written community {self.community} differs from the library's {b.community}")
        if self.street is not None and self.street != b.street:
            out.append(f"written street {self.street} differs from the library's {b.street}")
        return out


def _name(weight: float, similarity: float | None) -> float:
    """A known name earns its similarity; a different one costs (half the weight: names get misread)."""
    return weight * similarity if similarity else -weight / 2


def _same(weight: float, agrees: bool) -> float:
    return weight if agrees else -weight


class Fit(NamedTuple):
    """How well a building fits: with the room's evidence, and without it (`core`).

    The room existing in a building is weak evidence (most towers have a 1206), so it may rank
    buildings but not, alone, tell two of them apart: the matcher's margin is taken on `core`.
    """

    score: float
    core: float


def score_building(b: StandardBuilding, p: ParsedAddress, ev: Evidence, rooms: list[tuple[str, str]]) -> Fit:
    """The share of the text's evidence that building `b` agrees with, in [0, 1].

    `rooms` are the building's rooms numbered as the text's room, as (unit, address id), any unit.
    """
    points = offered = 0.0
    if p.estate:
        offered += W_ESTATE
        points += _name(W_ESTATE, ev.estates.get(b.estate))
    if p.building is not None:
        offered += W_BUILDING
        points += _same(W_BUILDING, b.token == p.building)
    if p.road:
        offered += W_ROAD
        points += _name(W_ROAD, ev.roads.get(b.road))
    if p.road_number:
        offered += W_DOOR
        # Without a road, 28号 after an estate is a village door number or the building itself.
        loose = p.road is None and b.token == p.road_number.removesuffix("号")
        # A wrong door number costs half its weight: door plates get renumbered and misremembered,
        # so it should not, alone, overrule an estate and a building that agree.
        points += W_DOOR if b.road_number == p.road_number or loose else -W_DOOR / 2
    if ev.community is not None:
        offered += W_COMMUNITY
        points += _same(W_COMMUNITY, ev.community == b.community)
    if ev.street is not None:
        offered += W_STREET
        points += _same(W_STREET, ev.street == b.street)
    core = max(points, 0.0) / offered if offered else 0.0
    if p.room is not None and b.has_rooms:  # a library without rooms cannot confirm nor refute one
        offered += W_ROOM
        in_unit = p.unit is None or not b.units or any(u == p.unit for u, _ in rooms)
        # The room in another unit than written still says something; no such room says less.
        points += W_ROOM if rooms and in_unit else (W_ROOM / 2 if rooms else -W_ROOM / 2)
    return Fit(max(points, 0.0) / offered if offered else 0.0, core)
