"""Linking a parsed address to the building (and room) of the standard library it denotes.

Candidate buildings come from the estate (exact, contained, homophone or fuzzy) and from the road and
door number; each is scored by how many of the parts the text gives it agrees with. A link needs a
clear winner: two buildings that fit about equally go to review rather than to a coin toss, because a
wrong link sends a task to the wrong grid worker, which costs more than a steward's minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from resolvers.address.library import AddressLibrary, StandardBuilding
from resolvers.address.parse import ParsedAddress, parse_address
from resolvers.address.scoring import Evidence, score_building

Status = Literal["room", "building", "ambiguous", "unknown"]
ACCEPT = 0.7  # the best building needs this share of the evidence the text offers …
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


def _rooms(library: AddressLibrary, b: StandardBuilding, p: ParsedAddress) -> list[tuple[str, str]]:
    """The rooms of the building the text may mean: the written room, in the written unit if any."""
    if p.room is None:
        return []
    rooms = library.rooms.find(b.index, p.room)
    if p.unit is not None and b.units:
        return [r for r in rooms if r[0] == p.unit]
    return rooms


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
    ev = Evidence.of(library, parsed)
    scored = sorted(
        ((score_building(library, library.buildings[i], parsed, ev), i) for i in _pool(library, parsed, ev)),
        key=lambda s: (-s[0], s[1]),
    )
    candidates = tuple(
        Candidate(b.building_id, _sole(library, b, parsed), round(s, 3))
        for s, b in ((s, library.buildings[i]) for s, i in scored[:MAX_CANDIDATES])
    )
    if not scored or scored[0][0] < PLAUSIBLE:
        return AddressMatch("unknown", reason=_nothing(parsed, ev), candidates=candidates)
    best_score, best = scored[0][0], library.buildings[scored[0][1]]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best_score < ACCEPT or best_score - runner_up < MARGIN:
        return AddressMatch("ambiguous", score=best_score, reason=_tie(library, scored), candidates=candidates)
    if parsed.building is None and len(scored) > 1 and best.road_number != parsed.road_number:
        # Only the room (or nothing) told the buildings of the estate apart: too thin for a link.
        reason = f"the text names no building; {len(scored)} buildings of {best.estate or best.road} fit"
        return AddressMatch("ambiguous", score=best_score, reason=reason, candidates=candidates)
    return _link(library, best, best_score, parsed, ev, candidates)


def _tie(library: AddressLibrary, scored: list[tuple[float, int]]) -> str:
    close = [library.buildings[i].label for s, i in scored[:3] if scored[0][0] - s < MARGIN]
    if len(close) > 1:
        return f"{len(close)} buildings fit about equally: {'; '.join(close)}"
    return f"{close[0]} fits only partly (score {scored[0][0]:.2f})"


def _sole(library: AddressLibrary, b: StandardBuilding, p: ParsedAddress) -> str | None:
    rooms = _rooms(library, b, p)
    return rooms[0][1] if len(rooms) == 1 else None


def _link(
    library: AddressLibrary,
    b: StandardBuilding,
    score: float,
    p: ParsedAddress,
    ev: Evidence,
    candidates: tuple[Candidate, ...],
) -> AddressMatch:
    notes = [b.label]
    notes += [f"{kind} read as {known} (written {written})" for kind, written, known in ev.guesses(b)]
    rooms = _rooms(library, b, p)
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

