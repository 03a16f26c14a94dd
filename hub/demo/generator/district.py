"""The district's places: streets → communities → grids → buildings → rooms.

Buildings come in four kinds: 城中村 village houses (six to nine floors, shops on the ground floor),
residential towers in estates, older walk-up blocks, and office towers where most companies
register. Each grid gets enough homes for its share of households (with some vacancy) and offices
in proportion to how commercial its street is. A few buildings are demolished: they have codes and
rooms, are missing from the standard address library, and stale records still point at them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hub.demo.generator.buildings import BuildingPlanner
from hub.demo.generator.places import CITY, DISTRICT, DISTRICT_CODE, PROVINCE, STREETS
from hub.demo.generator.rand import stream
from hub.demo.generator.scale import Scale

VACANCY = 1.12  # residential rooms per household
OFFICE_BLOCK = 40  # office rooms


@dataclass(frozen=True)
class District:
    streets: pd.DataFrame  # code, name, truth
    communities: pd.DataFrame  # street, code, name, truth
    grids: pd.DataFrame  # community, street, code, name, truth
    buildings: pd.DataFrame  # grid, kind, estate, road, road_number, label, name, code, floors, …
    rooms: pd.DataFrame  # building, unit, floor, pos, room, code, text, truth, use, standard


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _hierarchy(scale: Scale, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    streets = pd.DataFrame(
        {
            "code": [f"{DISTRICT_CODE}{i + 1:03d}" for i in range(len(STREETS))],
            "name": [s.name for s in STREETS],
            "truth": [f"S-{i + 1:02d}" for i in range(len(STREETS))],
        }
    )
    community_rows: list[dict[str, Any]] = []
    for s, count in enumerate(_split(scale.communities, len(STREETS))):
        spec = STREETS[s]
        for j in range(count):
            stem = spec.communities[j] if j < len(spec.communities) else f"{spec.name[:2]}{j + 1}"
            community_rows.append(
                {"street": s, "code": f"{streets.code[s]}{j + 1:03d}", "name": stem + "社区"}
            )
    communities = pd.DataFrame(community_rows)
    communities["truth"] = [f"C-{i + 1:03d}" for i in range(len(communities))]
    grid_rows: list[dict[str, Any]] = []
    for c, count in enumerate(_split(scale.grids, len(communities))):
        for k in range(count):
            grid_rows.append(
                {
                    "community": c,
                    "street": int(communities.street[c]),
                    "code": f"{communities.code[c]}{k + 1:03d}",
                    "name": f"{communities.name[c]}第{k + 1:02d}网格",
                }
            )
    grids = pd.DataFrame(grid_rows)
    grids["truth"] = [f"G-{i + 1:04d}" for i in range(len(grids))]
    return streets, communities, grids


def build_district(scale: Scale, households: int, office_rooms: int, seed: int) -> District:
    rng = stream(seed, "district")
    streets, communities, grids = _hierarchy(scale, rng)
    planner = BuildingPlanner(rng, streets, communities, grids)
    commerce = np.array([STREETS[s].commerce for s in grids.street]) * rng.lognormal(0, 0.5, len(grids))
    homes_per_grid = households * VACANCY / len(grids)
    # Offices come in blocks of about one building, drawn by how commercial each grid is, so a
    # small district gets a few real office towers instead of a sliver of one in every grid.
    blocks = rng.multinomial(max(1, round(office_rooms / OFFICE_BLOCK)), commerce / commerce.sum())
    for g in range(len(grids)):
        planner.fill_grid(
            g, math.ceil(homes_per_grid * rng.uniform(0.85, 1.15)), int(blocks[g]) * OFFICE_BLOCK
        )
    planner.demolish(max(1, round(len(planner.rows) * 0.004)))
    buildings = pd.DataFrame(planner.rows)
    buildings["truth"] = [f"B-{i + 1:06d}" for i in range(len(buildings))]
    return District(streets, communities, grids, buildings, _rooms(buildings, grids, communities, streets))


def _rooms(
    buildings: pd.DataFrame, grids: pd.DataFrame, communities: pd.DataFrame, streets: pd.DataFrame
) -> pd.DataFrame:
    """Every room of every building, vectorised: units × floors × rooms per floor."""
    per_unit = (buildings.floors * buildings.per_floor).to_numpy()
    counts = per_unit * buildings.units.to_numpy()
    building = np.repeat(np.arange(len(buildings)), counts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    j = np.arange(len(building)) - offsets[building]
    per_floor = buildings.per_floor.to_numpy()[building]
    unit, rest = np.divmod(j, per_unit[building])
    floor, pos = rest // per_floor + 1, rest % per_floor + 1
    b = buildings.iloc[building].reset_index(drop=True)
    units = np.where(b.units.to_numpy() > 1, pd.Series(unit + 1).astype(str).to_numpy() + "单元", "")
    room = pd.Series(floor).astype(str) + pd.Series(pos).map("{:02d}".format)
    kind = b.kind.to_numpy()
    use = np.where(kind == "office", "office", np.where((kind == "village") & (floor == 1), "shop", "home"))
    grid = b.grid.to_numpy()
    community = grids.community.to_numpy()[grid]
    street = grids.street.to_numpy()[grid]
    text = (
        f"{PROVINCE}{CITY}{DISTRICT}"
        + streets.name.to_numpy()[street]
        + communities.name.to_numpy()[community]
        + b.road.to_numpy()
        + b.road_number.to_numpy()
        + b.estate.to_numpy()
        + b.name.to_numpy()
        + units
        + room.to_numpy()
    )
    return pd.DataFrame(
        {
            "building": building,
            "unit": units,
            "floor": floor,
            "pos": pos,
            "room": room.to_numpy(),
            "code": b.code.to_numpy() + pd.Series(j + 1).map("{:04d}".format).to_numpy(),
            "text": text,
            "truth": [f"A-{i + 1:07d}" for i in range(len(building))],
            "use": use,
            "standard": ~b.demolished.to_numpy(),
        }
    )
