"""Everything that exists in the demo district, before any source writes about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from hub.demo.generator.district import District
from hub.demo.generator.planted import Planted
from hub.demo.generator.scale import Scale


@dataclass(frozen=True)
class World:
    seed: int
    as_of: date
    scale: Scale
    district: District
    people: pd.DataFrame
    companies: pd.DataFrame
    licences: pd.DataFrame
    workers: pd.DataFrame
    assignments: pd.DataFrame  # worker × grid
    rentals: pd.DataFrame
    planted: Planted = field(default_factory=Planted.nothing)  # cases planted for the task rules
