"""Where an event happened, from the vague place a resident names: the building when the words
single one out, else the grid when they fix it, else no place with the reason.

Residents name places the way they know them: a full address now and then, more often an estate
and a building (景田花园3栋楼下), an estate alone (XX小区门口), a door number, two roads meeting
(XX路和YY路交叉口), a community's office, or nothing usable (我家楼下). The names are found in the
text among the standard address library's own (estates, roads, communities), and each stretch
that reads as an address is handed to the project's address resolver (resolvers.address) — no
matcher of its own. What the resolver cannot pin to a building is placed in a grid when every
building the words allow lies in one grid: an estate, the buildings at a door, the grids two roads
share, a community with a single grid.

Build a :class:`Gazetteer` from the graph (:meth:`Gazetteer.from_store`) or from the address
library's rows and each building's grid (:meth:`Gazetteer.build`); ids are whatever those give
(graph ids from the store, library codes from a file).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import opencc

from hub.store import GraphStore
from hub.sync.addresses import AddressBook
from resolvers.address import AddressLibrary, AddressMatch, StandardRoom, resolve
from resolvers.address.parse import BARE_DISTRICTS
from resolvers.address.text import clean
from resolvers.pinyin import lazy_pinyin

Level = Literal["room", "building", "grid"]
HOME_DISTRICT = "福田"  # the district the library covers; others named in a text are outside it
# After a place name, the rest of an address: building, unit, floor, room (on cleaned text, where
# numerals before markers are digits already).
_TAIL = re.compile(
    r"(?:\d+号(?!楼|栋|房|室))?(?:第?[0-9A-Z]+(?:号楼|栋楼|号栋|栋|幢|座|号|#)?-?)?(?:[0-9A-Z]+(?:单元|-))?"
    r"(?:[0-9]+[楼层F])?(?:[0-9A-Z]+(?:号房|房间|房|室|号)?)?"
)
_DOOR = re.compile(r"\d+(?:-\d+)?号")
# Clauses end at punctuation; spaces stay (clean() drops them): 渔农村 第6栋 205室 is one address.
_CLAUSES = re.compile(r"[,，。;；:：!！?？、()（）\[\]【】“”\"'…~～]+")
_OTHER_DISTRICT = re.compile(
    rf"(?:{'|'.join(d for d in BARE_DISTRICTS.split('|') if d != HOME_DISTRICT)})区|大鹏新区"
)


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """Where an event happened, as far as its words tell; ``level`` None: not placed (``reason``)."""

    level: Level | None
    grid_id: str | None = None
    building_id: str | None = None
    address_id: str | None = None
    reason: str = ""
    # What a repeated report names again, for duplicate detection: the building, or the estate,
    # door, crossing, community or road in its grid.
    spot: str | None = None
    estate_spot: str | None = None  # the estate of a building or door, when it has one
    outside: bool = False  # the text names another district


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def clauses(text: str) -> list[str]:
    """The text cut at punctuation, each clause folded as the address library folds names."""
    folded = str(_t2s().convert(unicodedata.normalize("NFKC", text)))
    return [c for c in (clean(part) for part in _CLAUSES.split(folded)) if c]


class Gazetteer:
    """The standard address library, with the grid of every building and the names to look for."""

    def __init__(self, library: AddressLibrary, grid_of: Mapping[str, str]) -> None:
        self.library = library
        self.grid_of = dict(grid_of)
        self._estate_grids: dict[str, set[str]] = defaultdict(set)
        self._road_grids: dict[str, set[str]] = defaultdict(set)
        self._community_grids: dict[str, set[str]] = defaultdict(set)
        self._estate_of: dict[str, str] = {}
        for b in library.buildings:
            grid = self.grid_of.get(b.building_id)
            if grid is None:
                continue
            if b.estate:
                self._estate_grids[b.estate].add(grid)
                self._estate_of[b.building_id] = b.estate
            if b.road:
                self._road_grids[b.road].add(grid)
            if b.community:
                self._community_grids[b.community].add(grid)
        names = sorted({*self._estate_grids, *self._road_grids}, key=lambda n: (-len(n), n))
        self._names = re.compile("|".join(re.escape(n) for n in names)) if names else None
        # Names by their pinyin, to read a name typed with a homophone (百花小去 for 百花小区).
        self._sounds: dict[tuple[str, ...], str] = {}
        for name in names:
            if len(name) >= 3:
                self._sounds.setdefault(tuple(lazy_pinyin(name)), name)
        self._lengths = sorted({len(k) for k in self._sounds}, reverse=True)
        places = sorted(self._community_grids, key=lambda n: (-len(n), n))
        self._communities = (
            re.compile("(" + "|".join(re.escape(c) for c in places) + ")社区") if places else None
        )

    @classmethod
    def build(cls, rooms: Iterable[StandardRoom], grid_of: Mapping[str, str]) -> Gazetteer:
        """From the library's rooms and each building's grid (building id → grid id)."""
        return cls(AddressLibrary.build(rooms), grid_of)

    @classmethod
    def from_store(cls, store: GraphStore) -> Gazetteer:
        """The graph's standard address library (as the sync reads it) and its buildings' grids."""
        schema = store.schema
        levels, links, key = schema.roles.address_levels, schema.roles.address_links, schema.id_property
        library = AddressBook(store).library
        rows = store.read(
            f"MATCH (b:{levels[1]})-[:{links[1]}]->(g:{levels[2]}) RETURN b.{key} AS building, g.{key} AS grid"
        )
        return cls(library, {str(r["building"]): str(r["grid"]) for r in rows})

    # -- locating -------------------------------------------------------------------------------

    def locate(self, address_text: str, text: str) -> PlaceMatch:
        """The place of an event: its address field first (an operator or an app wrote it), then
        its text."""
        notes: list[str] = []
        found: PlaceMatch | None = None
        for source in (address_text, text):
            if not source or not source.strip():
                continue
            match = self._locate(source, notes)
            if match.level is not None and (found is None or _finer(match, found)):
                found = match
            if found is not None and found.level in ("room", "building"):
                break
        if found is not None:
            return found
        outside = any(_OTHER_DISTRICT.search("".join(clauses(s))) for s in (address_text, text) if s)
        if outside:
            return PlaceMatch(None, reason="the place is outside the district", outside=True)
        reason = "; ".join(dict.fromkeys(notes)) or "no place the standard address library knows"
        return PlaceMatch(None, reason=reason)

    def _locate(self, text: str, notes: list[str]) -> PlaceMatch:
        best: PlaceMatch | None = None
        roads: list[str] = []
        for clause in clauses(text):
            for match in self._runs(clause, roads, notes):
                if best is None or _finer(match, best):
                    best = match
                if best.level in ("room", "building"):
                    return best
        if best is not None:
            return best
        for fallback in (
            self._crossing(roads, notes),
            self._community(text, notes),
            self._road(roads, notes),
        ):
            if fallback is not None:
                return fallback
        return PlaceMatch(None)

    def _heard(self, clause: str, notes: list[str]) -> str:
        """The clause with names typed with a homophone written as the library writes them."""
        if not self._sounds or not any("\u4e00" <= c <= "\u9fff" for c in clause):
            return clause
        syllables = _syllables(clause)
        out, i = [], 0
        while i < len(clause):
            for size in self._lengths:
                name = self._sounds.get(tuple(syllables[i : i + size])) if i + size <= len(clause) else None
                written = clause[i : i + size]
                # One character at least as written: a slip changes a character, not a name.
                if name and name != written and any(a == b for a, b in zip(name, written, strict=True)):
                    notes.append(f"{written} read as {name}")
                    out.append(name)
                    i += size
                    break
            else:
                out.append(clause[i])
                i += 1
        return "".join(out)

    def _runs(self, clause: str, roads: list[str], notes: list[str]) -> Iterable[PlaceMatch]:
        """Each stretch of the clause that reads as an address: known names, the door numbers
        between them and the building and room after them."""
        if self._names is None:
            return
        hits = list(self._names.finditer(clause))
        if not hits:
            clause = self._heard(clause, notes)
            hits = list(self._names.finditer(clause))
        i = 0
        while i < len(hits):
            start, end = hits[i].start(), hits[i].end()
            names = [hits[i].group()]
            while i + 1 < len(hits) and _joined(clause[end : hits[i + 1].start()]):
                i += 1
                end = hits[i].end()
                names.append(hits[i].group())
            i += 1
            tail = _TAIL.match(clause, end)
            stretch = clause[start : tail.end() if tail else end]
            estates = [n for n in names if n in self._estate_grids]
            if not estates and not _DOOR.match(clause, end) and not (tail and tail.end() > end):
                roads.extend(n for n in names if n in self._road_grids and n not in roads)
                continue
            yield self._resolved(stretch, estates, notes)

    def _resolved(self, stretch: str, estates: list[str], notes: list[str]) -> PlaceMatch:
        match = resolve(self.library, stretch)
        if match.status in ("room", "building") and match.building_id in self.grid_of:
            return self._at_building(match)
        ids = {c.building_id for c in match.candidates}
        door = _DOOR.search(stretch)
        if door is not None and not estates:
            road = stretch[: door.start()]
            at = {self.library.buildings[b].building_id for b in self.library.on_road(road, door.group())}
            ids = at or ids
        else:
            ids = set()
        for estate in estates:
            ids |= {self.library.buildings[b].building_id for b in self.library.in_estate(estate)}
        if door is not None and not estates and len(ids) == 1 and next(iter(ids)) in self.grid_of:
            # The one building at the door (a village house, a single-building estate), though the
            # text around it reads oddly (园岭东路19号楼道里: the 19号楼 is the door and 楼道).
            only = next(iter(ids))
            return self._at_building(AddressMatch("building", only, reason=f"the one building at {stretch}"))
        grids = {self.grid_of[b] for b in ids if b in self.grid_of}
        if len(grids) == 1:
            grid = next(iter(grids))
            where = estates[-1] if estates else stretch
            owners = {self._estate_of.get(b) for b in ids}
            only_estate = next(iter(owners)) if len(owners) == 1 else None
            estate_spot = f"E:{grid}:{only_estate}" if only_estate else None
            spot = f"E:{grid}:{estates[-1]}" if estates else f"D:{grid}:{stretch}"
            reason = f"{where}: {len(ids)} buildings, all in grid {grid} ({match.reason})"
            return PlaceMatch("grid", grid, reason=reason, spot=spot, estate_spot=estate_spot)
        if grids:
            notes.append(f"{stretch} lies in {len(grids)} grids ({match.reason})")
        else:
            notes.append(f"{stretch}: {match.reason}")
        return PlaceMatch(None)

    def _at_building(self, match: AddressMatch) -> PlaceMatch:
        assert match.building_id is not None
        grid = self.grid_of[match.building_id]
        estate = self._estate_of.get(match.building_id)
        return PlaceMatch(
            "room" if match.status == "room" else "building",
            grid,
            match.building_id,
            match.address_id if match.status == "room" else None,
            reason=match.reason,
            spot=f"B:{match.building_id}",
            estate_spot=f"E:{grid}:{estate}" if estate else None,
        )

    def _crossing(self, roads: list[str], notes: list[str]) -> PlaceMatch | None:
        if len(roads) < 2:
            return None
        a, b = roads[0], roads[1]
        grids = self._road_grids[a] & self._road_grids[b]
        if len(grids) == 1:
            grid = next(iter(grids))
            pair = "|".join(sorted((a, b)))
            return PlaceMatch(
                "grid", grid, reason=f"{a} and {b} meet only in grid {grid}", spot=f"X:{grid}:{pair}"
            )
        notes.append(f"{a} and {b} share {len(grids)} grids" if grids else f"{a} and {b} share no grid")
        return None

    def _community(self, text: str, notes: list[str]) -> PlaceMatch | None:
        if self._communities is None:
            return None
        for clause in clauses(text):
            found = self._communities.search(clause)
            if found is None:
                continue
            community = found.group(1)
            grids = self._community_grids[community]
            if len(grids) == 1:
                grid = next(iter(grids))
                return PlaceMatch(
                    "grid", grid, reason=f"{community}社区 has one grid, {grid}", spot=f"C:{grid}:{community}"
                )
            notes.append(f"{community}社区 has {len(grids)} grids")
        return None

    def _road(self, roads: list[str], notes: list[str]) -> PlaceMatch | None:
        if len(roads) != 1:
            return None
        grids = self._road_grids[roads[0]]
        if len(grids) == 1:
            grid = next(iter(grids))
            return PlaceMatch(
                "grid", grid, reason=f"{roads[0]} runs in grid {grid} only", spot=f"R:{grid}:{roads[0]}"
            )
        notes.append(f"{roads[0]} runs through {len(grids)} grids")
        return None


_RANK = {"room": 3, "building": 2, "grid": 1}


def _finer(a: PlaceMatch, b: PlaceMatch) -> bool:
    return _RANK.get(a.level or "", 0) > _RANK.get(b.level or "", 0)


def _syllables(text: str) -> list[str]:
    """One pinyin syllable per character ("#" where a character has none)."""
    out: list[str] = []
    for item in lazy_pinyin(text):
        if text.startswith(item, len(out)):  # a run without pinyin: digits, letters
            out.extend("#" * len(item))
        else:
            out.append(item)
    return out


def _joined(gap: str) -> bool:
    """Whether two names belong to one address: nothing between them, or a door number."""
    return gap == "" or _DOOR.fullmatch(gap) is not None
