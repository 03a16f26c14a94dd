"""What a search returns: ranked hits with the reasons a steward or clerk can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# How an address hit relates to the text (see addresses.py): the matcher's decision for the hit
# it links (exact: the room; partial: the building, the room undetermined), ambiguous when no
# candidate wins clearly, unknown when none fits; a runner-up beside a clear link is an
# alternative.
Outcome = Literal["exact", "partial", "ambiguous", "unknown", "alternative"]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A person or company found by name. ``score`` in [0, 1]: 1 for the shown name itself."""

    entity_id: str
    label: str  # the name the entity is shown under (its golden name)
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AddressHit:
    """A standard address (room) and its building for a free-text address, or why there is none."""

    address_id: str | None
    building_id: str | None
    score: float
    outcome: Outcome
    reasons: list[str] = field(default_factory=list)
