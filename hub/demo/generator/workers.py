"""Grid workers (网格员) and the grids they cover.

Every grid has a worker; the article's 1,630 posts for 1,547 grids leave some grids with a second
worker, and a few workers also stand in for a neighbouring grid of their community.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hub.demo.generator import names
from hub.demo.generator.district import District
from hub.demo.generator.phones import mobile_numbers
from hub.demo.generator.rand import stream
from hub.demo.generator.scale import WORKERS_PER_GRID

STAND_IN_RATE = 0.03


def build_workers(district: District, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(workers, assignments): workers with code, name and phone; one assignment per worker and grid."""
    rng = stream(seed, "workers")
    grids = len(district.grids)
    count = max(grids, round(grids * WORKERS_PER_GRID))
    male = rng.random(count) < 0.45
    years = rng.integers(1970, 2001, size=count)
    workers = pd.DataFrame(
        {
            "code": [f"FTWG{i + 1:05d}" for i in range(count)],
            "name": names.sample_surnames(rng, count)
            + names.sample_given(rng, np.where(male, "M", "F").astype(object), names.era_of(years)),
            "phone": mobile_numbers(rng, count),
            "post": np.where(rng.random(count) < 0.9, "专职网格员", "兼职网格员"),
            "truth": [f"GW-{i + 1:05d}" for i in range(count)],
        }
    )
    worker = np.arange(count)
    grid = np.concatenate([np.arange(grids), rng.integers(0, grids, size=count - grids)])
    # Stand-ins: the next grid of the same community, when there is one.
    community = district.grids.community.to_numpy()
    stand_in = np.flatnonzero(rng.random(count) < STAND_IN_RATE)
    neighbour = grid[stand_in] + 1
    ok = (neighbour < grids) & (community[np.minimum(neighbour, grids - 1)] == community[grid[stand_in]])
    worker = np.concatenate([worker, stand_in[ok]])
    grid = np.concatenate([grid, neighbour[ok]])
    assignments = pd.DataFrame({"worker": worker, "grid": grid}).drop_duplicates()
    assignments = assignments.sort_values(["grid", "worker"], kind="stable").reset_index(drop=True)
    return workers, assignments
