"""How big each part of the district is for a given number of residents.

Ratios follow the article: ~1.5 million residents in 95 communities and 1,547 basic grids served by
1,630 grid-worker posts. Companies are about one per eight residents (Futian is a business district).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Generated data describes the district as it stands on this day; nothing reads the clock, so the
# same seed gives the same files on any day. Pass another `as_of` to move the district in time.
DEFAULT_AS_OF = date(2026, 11, 1)

STREETS = 10
MAX_COMMUNITIES = 95
RESIDENTS_PER_GRID = 1_500_000 / 1_547
WORKERS_PER_GRID = 1_630 / 1_547
COMPANIES_PER_RESIDENT = 0.12
# People who appear in the sources without living in the district: legal representatives and
# landlords who live elsewhere.
OUTSIDERS_PER_RESIDENT = 0.06


@dataclass(frozen=True)
class Scale:
    persons: int
    communities: int
    grids: int
    companies: int
    outsiders: int

    @classmethod
    def for_persons(cls, persons: int) -> Scale:
        if persons < 50:
            raise ValueError("a demo district needs at least 50 residents")
        communities = max(STREETS, min(MAX_COMMUNITIES, round(persons / 15_800)))
        grids = max(communities, round(persons / RESIDENTS_PER_GRID))
        return cls(
            persons=persons,
            communities=communities,
            grids=grids,
            companies=max(20, round(persons * COMPANIES_PER_RESIDENT)),
            outsiders=max(10, round(persons * OUTSIDERS_PER_RESIDENT)),
        )
