"""Buildings grid by grid: estates of towers, walk-up blocks, village houses and office towers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from hub.demo.generator.places import ESTATE_PREFIXES, ESTATE_SUFFIXES, OFFICE_SUFFIXES, STREETS


class Kind(NamedTuple):
    floors: tuple[int, int]
    per_floor: tuple[int, int]
    units: tuple[int, int]
    estate_size: tuple[int, int]  # buildings per estate
    usage: str


KINDS: dict[str, Kind] = {
    "village": Kind((5, 9), (2, 6), (1, 1), (1, 1), "商住"),
    "tower": Kind((16, 34), (4, 8), (1, 2), (3, 12), "住宅"),
    "walkup": Kind((5, 8), (2, 4), (1, 3), (4, 12), "住宅"),
    "office": Kind((12, 45), (6, 16), (1, 1), (1, 3), "办公"),
}


@dataclass
class _Estate:
    name: str
    road: str
    number: str
    left: int  # buildings still to be placed in it
    next_label: int = 1


class BuildingPlanner:
    """Adds buildings to grids until each has its homes and offices; `rows` is the result."""

    def __init__(
        self, rng: np.random.Generator, streets: pd.DataFrame, communities: pd.DataFrame, grids: pd.DataFrame
    ) -> None:
        self.rng = rng
        self.communities = communities
        self.grids = grids
        self.rows: list[dict[str, Any]] = []
        self._names: set[str] = set()
        self._numbers: dict[str, int] = {}  # road → last door number given
        self._villages: dict[str, _Estate] = {}  # villages span grids: numbering goes on
        self._seq: dict[int, int] = {}  # community → last building sequence number

    def _door(self, road: str) -> str:
        number = self._numbers.get(road, 0) + int(self.rng.integers(2, 40))
        self._numbers[road] = number
        return f"{number}号"

    def _unique_name(self, suffixes: tuple[str, ...]) -> str:
        for _ in range(30):
            name = str(self.rng.choice(ESTATE_PREFIXES)) + str(self.rng.choice(suffixes))
            if name not in self._names:
                break
        phase = 2
        while name in self._names:  # the district has outgrown the name list: later phases
            name = f"{name.rstrip('0123456789期')}{phase}期"
            phase += 1
        self._names.add(name)
        return name

    def _estate(self, kind: str, street: int) -> _Estate:
        road = str(self.rng.choice(STREETS[street].roads))
        lo, hi = KINDS[kind].estate_size
        suffixes = OFFICE_SUFFIXES if kind == "office" else ESTATE_SUFFIXES
        return _Estate(
            self._unique_name(suffixes), road, self._door(road), int(self.rng.integers(lo, hi + 1))
        )

    def _village(self, name: str, street: int) -> _Estate:
        if name not in self._villages:
            self._villages[name] = _Estate(name, str(self.rng.choice(STREETS[street].roads)), "", 10**9)
        return self._villages[name]

    def _add(self, grid: int, kind: str, estate: _Estate, rooms_wanted: int, demolished: bool = False) -> int:
        spec, rng = KINDS[kind], self.rng
        floors = int(rng.integers(spec.floors[0], spec.floors[1] + 1))
        per_floor = int(rng.integers(spec.per_floor[0], spec.per_floor[1] + 1))
        units = int(rng.integers(spec.units[0], spec.units[1] + 1))
        shop_floor = 1 if kind == "village" else 0
        # The last building of a small grid is cut down to what the grid still needs, so that tiny
        # demo districts do not end up mostly empty.
        needed_floors = math.ceil(rooms_wanted / (per_floor * units)) + shop_floor
        floors = max(min(floors, needed_floors), 2 + shop_floor)
        community = int(self.grids.community[grid])
        self._seq[community] = seq = self._seq.get(community, 0) + 1
        label = estate.next_label
        estate.next_label += 1
        estate.left -= 1
        self.rows.append(
            {
                "grid": grid,
                "kind": kind,
                "estate": estate.name,
                "road": estate.road,
                # Village houses have their own door numbers; estate buildings share the gate's.
                "road_number": self._door(estate.road) if kind == "village" else estate.number,
                "label": label,
                "name": f"{label}栋",
                "code": f"{self.communities.code[community]}{seq:04d}",
                "floors": floors,
                "units": units,
                "per_floor": per_floor,
                "usage": spec.usage,
                "demolished": demolished,
            }
        )
        return (floors - shop_floor) * per_floor * units

    def fill_grid(self, grid: int, homes: int, offices: int) -> None:
        street = int(self.grids.street[grid])
        spec = STREETS[street]
        village = None
        if spec.villages and self.rng.random() < 0.5:
            community = int(self.grids.community[grid])
            village = spec.villages[community % len(spec.villages)]
        kinds = ["village", "walkup", "tower"] if village else ["walkup", "tower"]
        p = np.array([0.6, 0.2, 0.2] if village else [0.45, 0.55])
        estates: dict[str, _Estate] = {}
        while homes > 0:
            kind = str(self.rng.choice(kinds, p=p))
            if kind == "village" and village is not None:
                estate = self._village(village, street)
            else:
                estate = estates.get(kind) or self._estate(kind, street)
                estates[kind] = estate
            homes -= self._add(grid, kind, estate, homes)
            if estate.left <= 0:
                estates.pop(kind, None)
        while offices > 0:
            estate = estates.get("office") or self._estate("office", street)
            estates["office"] = estate
            offices -= self._add(grid, "office", estate, offices)
            if estate.left <= 0:
                estates.pop("office")

    def demolish(self, count: int) -> None:
        """Add buildings that were pulled down: old village houses (or walk-ups) of random grids."""
        for grid in self.rng.choice(len(self.grids), size=count, replace=True):
            street = int(self.grids.street[grid])
            spec = STREETS[street]
            if spec.villages:
                community = int(self.grids.community[grid])
                self._add(
                    int(grid),
                    "village",
                    self._village(spec.villages[community % len(spec.villages)], street),
                    20,
                    True,
                )
            else:
                self._add(int(grid), "walkup", self._estate("walkup", street), 20, True)
