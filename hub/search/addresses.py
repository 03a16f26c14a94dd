"""Address search: free text → the standard address (room) and its building, by the resolver's
own matcher (resolvers/address), against the standard address library the graph holds.

The library is read and indexed exactly as the sync does it (hub/sync/addresses.py AddressBook:
the standard hierarchy read from the graph, AddressLibrary.build over its rooms), so a text found
here is the text a source would have linked. The matcher gives one decision (a room, a building,
a tie for review, or nothing) and the candidate buildings it weighed; the decision comes first,
the other candidates follow as alternatives, each with the share of the text's evidence it fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.search.hits import AddressHit, Outcome
from hub.store import GraphStore
from hub.sync.addresses import AddressBook
from resolvers.address import AddressLibrary, AddressMatch, StandardBuilding, resolve

# The matcher's statuses in search's words: "room" is an exact standard address, "building" a
# partial one (the building is certain, the room is not).
OUTCOMES: dict[str, Outcome] = {"room": "exact", "building": "partial", "ambiguous": "ambiguous",
                                "unknown": "unknown"}  # fmt: skip


def _score(value: float) -> float:
    return round(min(max(value, 0.0), 1.0), 4)


@dataclass(frozen=True)
class AddressIndex:
    library: AddressLibrary
    buildings: dict[str, StandardBuilding]

    @classmethod
    def of(cls, library: AddressLibrary) -> AddressIndex:
        return cls(library, {b.building_id: b for b in library.buildings})

    @property
    def rooms(self) -> int:
        return len(self.library.rooms)

    def search(self, text: str, limit: int = 5) -> list[AddressHit]:
        if not text.strip() or limit <= 0:
            return []
        match = resolve(self.library, text)
        return self._hits(match)[:limit]

    def _label(self, building_id: str) -> str:
        building = self.buildings.get(building_id)
        return building.label if building else building_id

    def _hits(self, match: AddressMatch) -> list[AddressHit]:
        outcome = OUTCOMES[match.status]
        if match.status == "ambiguous":
            # A tie for review: every candidate is one of the answers a steward would weigh.
            return [
                AddressHit(c.address_id, c.building_id, _score(c.score), outcome,
                           [self._label(c.building_id), match.reason])
                for c in match.candidates
            ]  # fmt: skip
        decided = AddressHit(
            match.address_id, match.building_id, _score(match.score), outcome, [match.reason]
        )
        others = [
            AddressHit(c.address_id, c.building_id, _score(c.score), "alternative",
                       [f"{self._label(c.building_id)}: fits {c.score:.2f} of the evidence the text gives, "
                        f"{'not the linked building' if match.building_id else 'too little for a link'}"])
            for c in match.candidates
            if c.building_id != match.building_id
        ]  # fmt: skip
        return [decided, *others]


def build_address_index(store: GraphStore) -> AddressIndex:
    """The standard address library as the sync reads and indexes it (no on-disk cache: the
    sync's cache is keyed by its sources' cursors, which search does not know)."""
    return AddressIndex.of(AddressBook(store).library)
