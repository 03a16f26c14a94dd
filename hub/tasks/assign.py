"""Who does a task, and why.

An item handled by a department goes to that department. An item handled by the grid goes to a
worker covering the subject's grid, the one with the fewest open tasks (ties: the smaller id);
a grid without a worker (or whose workers all returned the task) hands it to a worker of another
grid of its community, then to the office of its street (属地兜底); a subject with no grid on
record goes to the item's responsible unit. Every assignment says why, as the path it took:
``Person P-1 → Address A-9 → Building B-3 → Grid G-12 → GridWorker GW-4 FTWG00004 (2 open,
fewest of 3)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hub.tasks.catalog import GRID, ItemDef
from hub.tasks.places import Assignee, Directory, Place

GRID_LEVEL, COMMUNITY_LEVEL, STREET_LEVEL, DEPARTMENT_LEVEL = "grid", "community", "street", "department"
MANUAL_LEVEL = "manual"  # a dispatcher chose


@dataclass(frozen=True, slots=True)
class Assignment:
    assignee: Assignee
    level: str
    why: str


def _who(a: Assignee) -> str:
    return f"{a.label} {a.id} {a.code}" + (f" {a.name}" if a.label != "GridWorker" and a.name else "")


class Assigner:
    """Chooses assignees from a directory, keeping every assignee's open load up to date as it
    goes (a batch of new tasks spreads over a grid's workers)."""

    def __init__(self, directory: Directory, load: Mapping[str, int]) -> None:
        self.directory = directory
        self.load = dict(load)

    def assign(
        self, item: ItemDef, place: Place | None, exclude: Mapping[str, str] | None = None
    ) -> Assignment | None:
        """The assignment of a task of ``item`` lying at ``place``; ``exclude``: assignees who
        returned it (id → reason), not chosen again. None: nobody is left to take it."""
        exclude = exclude or {}
        found = self._choose(item, place, exclude)
        if found is not None:
            self.load[found.assignee.id] = self.load.get(found.assignee.id, 0) + 1
            if exclude:
                returned = ", ".join(f"{who} ({reason})" for who, reason in sorted(exclude.items()))
                found = Assignment(found.assignee, found.level, f"{found.why}; returned by {returned}")
        return found

    def _choose(self, item: ItemDef, place: Place | None, exclude: Mapping[str, str]) -> Assignment | None:
        depts = self.directory.departments
        where = place.text() if place is not None else "no subject"
        if item.handling_unit != GRID:
            dept = depts[item.handling_unit]
            if dept.id in exclude:
                return None
            return Assignment(
                dept, DEPARTMENT_LEVEL, f"{where}: {item.code} is handled by a department → {_who(dept)}"
            )
        if place is None or place.grid is None:
            return self._responsible(item, f"{where}: no grid on record", exclude)
        grid = self.directory.grids.get(place.grid)
        if place.others:
            where += f" (the first of {place.others + 1} grids on record)"
        workers = [w for w in self.directory.grid_workers.get(place.grid, ()) if w not in exclude]
        if workers:
            return self._balanced(workers, GRID_LEVEL, f"{where} → ")
        why = f"{where} (no worker{' left' if exclude else ''})"
        if grid is None or grid.community is None:
            return self._responsible(item, why, exclude)
        others: dict[str, str] = {}  # worker → the (first) grid of the community it covers
        for g in self.directory.community_grids.get(grid.community, ()):
            for w in self.directory.grid_workers.get(g, ()) if g != grid.id else ():
                if w not in exclude:
                    others.setdefault(w, g)
        if others:
            return self._balanced(
                sorted(others), COMMUNITY_LEVEL, f"{why} → Community {grid.community} → ", others
            )
        why += f" → Community {grid.community} (no worker)"
        office = self.directory.street_offices.get(grid.street or "")
        if office is not None and depts[office].id not in exclude:
            return Assignment(
                depts[office], STREET_LEVEL, f"{why} → Street {grid.street} → {_who(depts[office])}"
            )
        return self._responsible(item, f"{why} → Street {grid.street} (no street office)", exclude)

    def _balanced(
        self, candidates: Sequence[str], level: str, why: str, grid_of: Mapping[str, str] | None = None
    ) -> Assignment:
        chosen = min(candidates, key=lambda w: (self.load.get(w, 0), w))
        worker = self.directory.workers[chosen]
        grids = f" of Grid {grid_of[chosen]}" if grid_of else ""
        count = self.load.get(chosen, 0)
        share = "the only one" if len(candidates) == 1 else f"fewest of {len(candidates)}"
        return Assignment(worker, level, f"{why}{_who(worker)}{grids} ({count} open, {share})")

    def _responsible(self, item: ItemDef, why: str, exclude: Mapping[str, str]) -> Assignment | None:
        dept = self.directory.departments[item.responsible_unit]
        if dept.id in exclude:
            return None
        return Assignment(dept, DEPARTMENT_LEVEL, f"{why} → {_who(dept)} (responsible unit of {item.code})")
