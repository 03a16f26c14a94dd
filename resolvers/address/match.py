"""Linking a parsed address to the building (and room) of the standard library it denotes.

Candidate buildings come from the estate (exact, contained, homophone or fuzzy) and from the road and
door number; each is scored by how many of the parts the text gives it agrees with. A link needs a
clear winner: two buildings that fit about equally go to review rather than to a coin toss, because a
wrong link sends a task to the wrong grid worker, which costs more than a steward's minute.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

from resolvers.address.library import AddressLibrary, StandardBuilding
from resolvers.address.parse import ParsedAddress, parse_address
from resolvers.address.scoring import Evidence, Fit, score_building

Status = Literal["room", "building", "ambiguous", "unknown"]
# Calibrated on the weights in scoring.py: an exact estate and building survive one contradiction
# (a wrong community, no such room) but not two (a wrong street and no such room: 0.71), which is
# what a typo that spells another real estate tends to look like.
ACCEPT = 0.75  # the best building needs this share of the evidence the text offers …
MARGIN = 0.1  # … and this much more than the next building, or it goes to review
PLAUSIBLE = 0.45  # below this nothing fits: unknown, not review
MAX_CANDIDATES = 5


class Candidate(NamedTuple):
    building_id: str
    address_id: str | None  # the room, when the text determines it in that building
    score: float


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """The outcome of matching one address, with what a steward needs to review it."""

    status: Status
    building_id: str | None = None
    address_id: str | None = None
    score: float = 0.0
    reason: str = ""
    candidates: tuple[Candidate, ...] = ()


def _pool(library: AddressLibrary, p: ParsedAddress, ev: Evidence) -> list[int]:
    """Candidate buildings: by estate and building token, and by road and door number."""
    pool: dict[int, None] = {}  # an ordered set
    loose = p.road_number if p.road is None else None  # 华强花园28号: building 28, or a village door
    for estate in ev.estates:
        if p.building is not None:
            pool.update(dict.fromkeys(library.in_estate(estate, p.building)))
        elif loose is not None:
            pool.update(dict.fromkeys(library.in_estate(estate, loose.removesuffix("号"))))
            doors = [b for b in library.in_estate(estate) if library.buildings[b].road_number == loose]
            pool.update(dict.fromkeys(doors))
        else:
            pool.update(dict.fromkeys(library.in_estate(estate)))
    for road in ev.roads:
        pool.update(dict.fromkeys(library.on_road(road, p.road_number, p.building)))
    return list(pool)


class _Option(NamedTuple):
    fit: Fit
    building: StandardBuilding
    rooms: list[tuple[str, str]]  # (unit, address id): the written room, in the written unit if any


def _options(library: AddressLibrary, p: ParsedAddress, ev: Evidence) -> list[_Option]:
    """The candidate buildings, scored, best first (ties in library order, so results are stable)."""
    options = []
    for i in _pool(library, p, ev):
        b = library.buildings[i]
        found = library.rooms.find(i, p.room) if p.room is not None else []
        rooms = [r for r in found if r[0] == p.unit] if p.unit is not None and b.units else found
        options.append(_Option(score_building(b, p, ev, found), b, rooms))
    if len(options) > 1:
        options.sort(key=lambda o: (-o.fit.score, -o.fit.core, o.building.index))
    return options


def _nothing(p: ParsedAddress, ev: Evidence) -> str:
    """Why no building fits, in a steward's words."""
    if not p.has_place:
        return "no estate, road or building could be read"
    if p.estate and not ev.estates:
        return f"estate {p.estate} is not in the standard address library"
    if ev.estates and p.building:
        return f"{'/'.join(ev.estates)} has no building {p.building}"
    if p.road and not ev.roads:
        return f"road {p.road} is not in the standard address library"
    return "the address names no building the library can single out"


def match_address(library: AddressLibrary, parsed: ParsedAddress) -> AddressMatch:
    """Link a parsed address to its building and room, or explain why it goes to review."""
    match = _match(library, parsed)
    room = parsed.room
    if (
        match.building_id is None
        and parsed.building is None
        and parsed.unit is None
        and room
        and room.isdigit()
    ):
        # 竹子林村176: an urban-village house is known by its number (here a dash form 176- whose room
        # was left out). The parser cannot tell it from a room; the library can, so try that reading.
        house = _match(library, replace(parsed, building=room, room=None, floor=None))
        if house.building_id is not None:
            return replace(house, reason=f"{house.reason}; {room} read as the building number")
    return match


def _match(library: AddressLibrary, parsed: ParsedAddress) -> AddressMatch:
    """One reading of the address: candidates, scores and the decision."""
    ev = Evidence.of(library, parsed)
    options = _options(library, parsed, ev)
    candidates = tuple(
        Candidate(o.building.building_id, o.rooms[0][1] if len(o.rooms) == 1 else None, round(o.fit.score, 3))
        for o in options[:MAX_CANDIDATES]
    )
    if not options or options[0].fit.score < PLAUSIBLE:
        return AddressMatch("unknown", reason=_nothing(parsed, ev), candidates=candidates)
    best = options[0]
    rival = max((o.fit.core for o in options[1:]), default=0.0)
    if best.fit.score < ACCEPT or best.fit.core - rival < MARGIN:
        return AddressMatch("ambiguous", score=best.fit.score, reason=_tie(options), candidates=candidates)
    if parsed.building is None and len(options) > 1 and best.building.road_number != parsed.road_number:
        # Only the room (or nothing) told the buildings of the estate apart: too thin for a link.
        place = best.building.estate or best.building.road
        reason = f"the text names no building; {len(options)} buildings of {place} fit"
        return AddressMatch("ambiguous", score=best.fit.score, reason=reason, candidates=candidates)
    return _link(best, parsed, ev, candidates)


def _tie(options: list[_Option]) -> str:
    best = options[0].fit
    close = [o.building.label for o in options[:3] if best.core - o.fit.core < MARGIN]
    if len(close) > 1:
        return f"{len(close)} buildings fit about equally: {'; '.join(close)}"
    return f"{close[0]} fits only partly (score {best.score:.2f})"


def _link(best: _Option, p: ParsedAddress, ev: Evidence, candidates: tuple[Candidate, ...]) -> AddressMatch:
    """The link to the best building, and to its room when the text determines one."""
    b, score, rooms = best.building, best.fit.score, best.rooms
    notes = [b.label, *ev.notes(b, p)]
    if p.building is None and p.room == b.token:
        # 农林路2282号竹子林村101 found village house 101 by its door: the 101 is the house, not a room.
        return AddressMatch(
            "building", b.building_id, None, score, "; ".join([*notes, "no room"]), candidates
        )
    if not b.has_rooms:
        # A library kept at building level: the link is to the building's own standard address.
        notes.append("the library lists this building without rooms")
        return AddressMatch("building", b.building_id, b.address_id, score, "; ".join(notes), candidates)
    if len(rooms) == 1:
        unit = f" ({rooms[0][0]}单元)" if rooms[0][0] else ""
        reason = "; ".join([*notes[:1], f"room {p.room}{unit}", *notes[1:]])
        return AddressMatch("room", b.building_id, rooms[0][1], score, reason, candidates)
    if len(rooms) > 1:
        units = ", ".join(u for u, _ in rooms)
        notes.append(f"room {p.room} is in units {units} and the text names none")
    elif p.room is not None:
        unit = f" in unit {p.unit}" if p.unit and b.units else ""
        notes.append(f"no room {p.room}{unit} in this building")
    elif p.floor is not None:
        notes.append(f"floor {p.floor} only, no room")
    else:
        notes.append("no room in the text")
    return AddressMatch("building", b.building_id, None, score, "; ".join(notes), candidates)


def resolve(library: AddressLibrary, text: str) -> AddressMatch:
    """Parse and match one free-text address."""
    return match_address(library, parse_address(text))
