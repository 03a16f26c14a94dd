"""Address resolution in the sync: each address a source mentions is linked to the standard
address library — its room when the text determines one, else its building — or filed for review.

The library is read from the graph (the standard address source wrote it) once per run, lazily,
and read again after a standard source changed it.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.config import SourceConfig
from connectors.records import Mention
from graph_schema import Schema
from hub.store import GraphStore
from resolvers.address import AddressLibrary, AddressMatch, StandardRoom, parse_address, resolve
from resolvers.address.parse import room_token
from resolvers.address.text import clean
from resolvers.ids import building_address_id, text_address_id

MentionKey = tuple[str, str, str]
# The free text a mapping hands over in `hints:` for the resolver.
TEXT_HINT = "address_text"
# The room number the text gives (501 for 5楼501), kept with the address mention for the people
# living there: evidence of the room where the library places the address only in its building.
ROOM_HINT = "room_number"
# Bumped whenever the pickled library's classes change, so that an old cache is not loaded.
LIBRARY_FORMAT = 3
# The properties of a standard address the library keeps (read by AddressBook._standard_rooms):
# a source's values of them never overwrite the library's.
LIBRARY_PROPERTIES = ("address_code", "full_text", "unit", "floor", "room")


def resolves_addresses(config: SourceConfig, schema: Schema) -> bool:
    """Whether the source's records name addresses to be resolved against the library."""
    address = schema.roles.standard_address
    return any(e.type == address and not e.standard for e in config.entities.values())


def feeds_library(config: SourceConfig, schema: Schema) -> bool:
    """Whether the source is part of the standard address library: it defines standard addresses,
    or writes the places they hang from (buildings with their names, roads and grids; grids,
    communities, streets) without resolving addresses of its own. Such sources are synced first,
    so that the library is whole before any address is resolved against it: a district that
    keeps its rooms and its buildings in two tables declares them as two sources."""
    if config.defines_standard:
        return True
    places = set(schema.roles.address_levels[1:])
    return any(e.type in places for e in config.entities.values()) and not resolves_addresses(config, schema)


@dataclass
class ResolvedAddresses:
    """What resolving a batch's address mentions adds to the batch."""

    entity_ids: dict[MentionKey, str] = field(default_factory=dict)
    # Non-standard address nodes (building-level or text-only) with their properties …
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # … and the building each building-level one belongs to.
    in_building: dict[str, str] = field(default_factory=dict)
    review: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    # Outcome → kind of reason (see reason_kind) → mentions: what the quality report shows.
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, outcome: str, reason: str = "") -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        kinds = self.reasons.setdefault(outcome, {})
        kind = reason_kind(outcome, reason)
        kinds[kind] = kinds.get(kind, 0) + 1


# The matcher's reasons name buildings, rooms and scores (resolvers/address/match.py); the report
# counts them by kind. First pattern found wins; the order puts the deciding phrase first.
_REASON_KINDS: tuple[tuple[str, str], ...] = (
    (r"buildings fit about equally", "several buildings fit about equally"),
    (r"fits only partly", "best building fits only partly"),
    (r"the text names no building;", "no building named, several fit"),
    (r"no estate, road or building could be read", "no estate, road or building readable"),
    (r"^estate .* is not in the standard address library", "estate not in the library"),
    (r" has no building ", "estate has no such building"),
    (r"^road .* is not in the standard address library", "road not in the library"),
    (r"names no building the library can single out", "no building singled out"),
    (r"is in units .* and the text names none", "room in several units, no unit given"),
    (r"no room \S+( in unit \S+)? in this building", "room not in the building"),
    (r"floor \S+ only, no room", "floor only, no room"),
    (r"no room in the text", "no room in the text"),
    (r"; no room$", "village house (no room)"),
    (r"read as the building number", "number read as the building"),
)


def reason_kind(outcome: str, reason: str) -> str:
    """The kind of a matcher's reason, without the names and numbers it quotes."""
    if outcome in ("by code", "no standard match"):
        return "standard address code" if outcome == "by code" else "no text and no standard code"
    for pattern, kind in _REASON_KINDS:
        if re.search(pattern, reason):
            return kind
    return "room determined" if outcome == "room" else (reason.split(";")[-1].strip() or "unspecified")


class AddressBook:
    """The standard address library of the graph, and the resolution of mentions against it."""

    def __init__(
        self,
        store: GraphStore,
        cache_dir: Path | None = None,
        cache_key: Callable[[], str | None] | None = None,
        aliases: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """``cache_key`` names the library's current version (e.g. the standard sources' cursors):
        a library built for that version is kept under ``cache_dir`` and reloaded next time,
        since reading and indexing half a million rooms costs most of a small re-sync.
        ``aliases``: cleaned address text → the building (and room) a steward picked for it
        (hub/review/addresses.py), consulted before the matcher."""
        self.store = store
        self._aliases = dict(aliases or {})
        self._cache_dir = cache_dir
        self._cache_key = cache_key
        self.schema: Schema = store.schema
        self._library: AddressLibrary | None = None
        self._room_buildings: dict[str, str] = {}
        self._room_numbers: dict[str, str] = {}  # standard room → its room number
        self._building_labels: dict[str, str] = {}
        self._building_streets: dict[str, str] | None = None
        self._prefix = self.schema.node(self.schema.roles.standard_address).id_prefix

    def use_aliases(self, aliases: Mapping[str, Mapping[str, Any]]) -> None:
        """Resolve by these steward picks from now on (the state's, after a pick changed them)."""
        self._aliases = dict(aliases)

    def invalidate(self) -> None:
        self._library = None
        self._building_streets = None

    @property
    def library(self) -> AddressLibrary:
        if self._library is None:
            cache = self._cache_file()
            if cache is not None and cache.is_file():
                with cache.open("rb") as handle:
                    self._library, self._room_buildings, self._room_numbers = pickle.load(handle)  # noqa: S301  (our own file)
            else:
                rooms = list(self._standard_rooms())
                self._room_buildings = {r.address_id: r.building_id for r in rooms}
                self._room_numbers = {r.address_id: room_token(r.room) for r in rooms if r.room}
                self._library = AddressLibrary.build(rooms)
                if cache is not None:
                    self._save(cache)
            self._building_labels = {b.building_id: b.label for b in self._library.buildings}
        return self._library

    def _cache_file(self) -> Path | None:
        key = self._cache_key() if self._cache_key else None
        if self._cache_dir is None or key is None:
            return None
        version = f"{self.store.uri}|{key}|{LIBRARY_FORMAT}"
        digest = hashlib.blake2b(version.encode(), digest_size=12).hexdigest()
        return self._cache_dir / f"address-library-{digest}.pickle"

    def _save(self, cache: Path) -> None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        for old in cache.parent.glob("address-library-*.pickle"):
            old.unlink(missing_ok=True)
        partial = cache.with_suffix(".partial")
        with partial.open("wb") as handle:
            pickle.dump(
                (self._library, self._room_buildings, self._room_numbers),
                handle,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        partial.replace(cache)

    def _standard_rooms(self) -> Iterator[StandardRoom]:
        levels, links, key = (
            self.schema.roles.address_levels,
            self.schema.roles.address_links,
            self.schema.id_property,
        )
        address, building, grid, community, street = (*levels, None, None, None)[:5]
        query = (
            f"MATCH (a:{address})-[:{links[0]}]->(b:{building}) "
            + (
                f"OPTIONAL MATCH (b)-[:{links[1]}]->(:{grid})-[:{links[2]}]->(c:{community})-[:{links[3]}]->(s:{street}) "
                if len(links) >= 4
                else ""
            )
            + f"RETURN a.{key} AS address_id, b.{key} AS building_id, a.unit AS unit, a.floor AS floor, a.room AS room, "
            "a.full_text AS full_text, b.name AS building_name, b.road AS road, b.road_number AS road_number, "
            "b.estate AS estate" + (", c.name AS community, s.name AS street" if len(links) >= 4 else "")
        )
        for row in self.store.read(query):
            yield StandardRoom(
                address_id=row["address_id"],
                building_id=row["building_id"],
                street=row.get("street") or "",
                community=row.get("community") or "",
                road=row["road"] or "",
                road_number=row["road_number"] or "",
                estate=row["estate"] or "",
                building_name=row["building_name"] or "",
                unit=row["unit"] or "",
                floor=row["floor"],
                room=row["room"] or "",
                full_text=row["full_text"] or "",
            )

    def resolve(self, mentions: Iterable[Mention], linked: dict[MentionKey, str]) -> ResolvedAddresses:
        """Entity ids for the address mentions (``linked`` holds what exact linking gave them)."""
        out = ResolvedAddresses()
        for mention in mentions:
            text = mention.hints.get(TEXT_HINT)
            coded = linked.get(mention.key)
            standard_room = coded if coded in self._rooms() else None
            if text is None:
                out.count("by code" if standard_room else "no standard match")
                continue
            match = self._picked(str(text)) or resolve(self.library, str(text))
            room = parse_address(str(text)).room
            if room:
                mention.hints[ROOM_HINT] = room_token(room)
            self._place(mention, str(text), match, standard_room, out)
        return out

    def _picked(self, text: str) -> AddressMatch | None:
        """The steward's pick for this text, if one stands and its building is still in the
        library (a building gone from it leaves the text to the matcher again)."""
        picked = self._aliases.get(clean(text)) if self._aliases else None
        if picked is None:
            return None
        building = str(picked["building_id"])
        self.library  # noqa: B018  (the building labels are read with it)
        if building not in self._building_labels:
            return None
        room = picked.get("address_id")
        reason = f"picked by a steward (decision {picked.get('decision', '?')})"
        if room and self._room_buildings.get(str(room)) == building:
            return AddressMatch("room", building, str(room), 1.0, reason)
        return AddressMatch("building", building, None, 1.0, reason)

    def resolved_ids(self) -> set[str]:
        """Every address entity id that is a resolved one: the library's own addresses and the
        building-level addresses of its buildings (anything else is a text matched to nothing)."""
        ids = set(self._rooms())
        ids.update(building_address_id(self._prefix, b.building_id) for b in self.library.buildings)
        return ids

    def building_of(self, address_id: str, resolved: ResolvedAddresses | None = None) -> str | None:
        """The building a standard room or a building-level address belongs to."""
        if resolved is not None and address_id in resolved.in_building:
            return resolved.in_building[address_id]
        return self._rooms().get(address_id)

    def street_of(self, address_id: str, resolved: ResolvedAddresses | None = None) -> str | None:
        """The street (folded name) of a standard room or a building-level address: what the sync
        orders its writes by (hub/sync/writer.py, write_batch)."""
        building = self.building_of(address_id, resolved)
        if building is None:
            return None
        if self._building_streets is None:
            self._building_streets = {b.building_id: b.street for b in self.library.buildings}
        return self._building_streets.get(building) or None

    def room_of(self, address_id: str) -> str | None:
        """The room number of a standard room (None for anything else: a building's own address,
        an address placed only in its building, a text matched to nothing)."""
        self._rooms()
        return self._room_numbers.get(address_id)

    def _rooms(self) -> dict[str, str]:
        self.library  # noqa: B018  (builds the room index on first use)
        return self._room_buildings

    def _place(
        self,
        mention: Mention,
        text: str,
        match: AddressMatch,
        standard_room: str | None,
        out: ResolvedAddresses,
    ) -> None:
        if standard_room and (
            match.status not in ("room", "building")
            or match.building_id == self._room_buildings[standard_room]
        ):
            out.count("by code")  # the code and the text agree, or the text says nothing sure
            return  # placed at its room by the code: its values stand
        if standard_room:
            mention.problems["address_code"] = "the standard address code disagrees with the address text"
            mention.properties.pop("address_code", None)
        at_room = False
        if match.status == "room" and match.address_id:
            out.entity_ids[mention.key] = match.address_id
            out.count("room", match.reason)
            at_room = True
        elif match.status == "building" and match.address_id:
            # A library kept at building level: the building's own standard address.
            out.entity_ids[mention.key] = match.address_id
            out.count("building", match.reason)
        elif match.status in ("room", "building") and match.building_id:
            node_id = building_address_id(self._prefix, match.building_id)
            out.entity_ids[mention.key] = node_id
            out.nodes[node_id] = {"full_text": self._building_text(match.building_id)}
            out.in_building[node_id] = match.building_id
            out.count("building", match.reason)
        else:
            node_id = text_address_id(self._prefix, clean(text))
            out.entity_ids[mention.key] = node_id
            out.nodes[node_id] = {"full_text": clean(text)}
            out.count(match.status, match.reason)
            # Ambiguous (two buildings fit) and unknown (none does) alike wait for a steward to
            # pick the building (hub/review/addresses.py): a pick places every later mention of
            # the text.
            if match.status in ("ambiguous", "unknown"):
                # The text's own Address node is what the item is about (a task about a waiting
                # item, the entity-type filter of the queue): named with it.
                out.review[f"address:{mention.source}:{mention.record_id}:{mention.role}"] = {
                    "source": mention.source, "record_id": mention.record_id, "role": mention.role, "text": text,
                    "reason": match.reason, "candidates": [c._asdict() for c in match.candidates],
                    "entity_type": self.schema.roles.standard_address, "entity_id": node_id,
                }  # fmt: skip
        self._keep_own(mention, room=at_room)

    @staticmethod
    def _keep_own(mention: Mention, room: bool) -> None:
        """The standard library is the authority on standard addresses: a source's own values of
        the library's properties (a wrong code, say) must not overwrite them. What the library
        does not keep (a rental register's head count of the room) stays the source's where the
        mention is placed at its room; an address placed only in its building (or nowhere) is
        not the room those values describe, and keeps none."""
        for name in list(mention.properties):
            if name in LIBRARY_PROPERTIES or not room:
                mention.properties.pop(name, None)

    def _building_text(self, building_id: str) -> str:
        return self._building_labels.get(building_id, "")
