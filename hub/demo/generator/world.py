"""Everything that exists in the demo district, before any source writes about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from hub.demo.generator.companies import build_companies
from hub.demo.generator.district import District, build_district
from hub.demo.generator.housing import build_rentals
from hub.demo.generator.licences import build_licences
from hub.demo.generator.people import build_people, plan_households
from hub.demo.generator.plant import Planted, plant_task_cases
from hub.demo.generator.scale import Scale
from hub.demo.generator.workers import build_workers

OFFICE_ROOMS_PER_COMPANY = 0.35  # several companies share a registered office room


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


def build_world(persons: int, seed: int, as_of: date) -> World:
    scale = Scale.for_persons(persons)
    plan = plan_households(seed, persons)
    district = build_district(scale, len(plan.size), round(scale.companies * OFFICE_ROOMS_PER_COMPANY), seed)
    people = build_people(plan, district, scale.outsiders, seed, as_of)
    companies = build_companies(scale.companies, district, people, seed, as_of)
    workers, assignments = build_workers(district, seed)
    world = World(
        seed=seed,
        as_of=as_of,
        scale=scale,
        district=district,
        people=people,
        companies=companies,
        licences=build_licences(companies, seed, as_of),
        workers=workers,
        assignments=assignments,
        rentals=build_rentals(district, people, seed, as_of),
    )
    return plant_task_cases(world)
