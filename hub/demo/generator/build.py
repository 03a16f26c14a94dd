"""The demo district's world built: places, people, companies, licences, workers, rentals, then
the planted cases of the task rules."""

from __future__ import annotations

from datetime import date

from hub.demo.generator.companies import build_companies
from hub.demo.generator.district import build_district
from hub.demo.generator.housing import build_rentals
from hub.demo.generator.licences import build_licences
from hub.demo.generator.people import build_people, plan_households
from hub.demo.generator.plant import plant_task_cases
from hub.demo.generator.scale import Scale
from hub.demo.generator.workers import build_workers
from hub.demo.generator.world import World

OFFICE_ROOMS_PER_COMPANY = 0.35  # several companies share a registered office room


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
