"""Residents in households, and outsiders who appear in the sources without living in the district.

Households follow a few templates (a single migrant worker, a couple, parents with one or two
children, three generations…). Ages, surnames and hukou regions are drawn per household and passed
on, so children carry their father's surname and are younger than their mother by 21 years or more.
Hard cases are put in on purpose: twins (same mother, same birth date, same surname), and fathers
and sons with the same full name at the same address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from hub.demo.generator import ids, names
from hub.demo.generator.district import District
from hub.demo.generator.phones import mobile_numbers
from hub.demo.generator.places import ETHNICITIES
from hub.demo.generator.rand import Ints, at_least, objects, stream, weighted_choice

HEAD, SPOUSE, CHILD, ELDER = 0, 1, 2, 3
# roles, weight, head's age range (inclusive)
TEMPLATES: tuple[tuple[tuple[int, ...], float, tuple[int, int]], ...] = (
    ((HEAD,), 26, (19, 45)),  # migrant worker on their own
    ((HEAD,), 4, (65, 92)),  # elderly person living alone
    ((HEAD, SPOUSE), 16, (22, 80)),
    ((HEAD, CHILD), 4, (30, 55)),  # single parent
    ((HEAD, SPOUSE, CHILD), 24, (25, 50)),
    ((HEAD, SPOUSE, ELDER), 3, (30, 55)),
    ((HEAD, SPOUSE, CHILD, CHILD), 10, (30, 50)),
    ((HEAD, SPOUSE, CHILD, ELDER), 6, (28, 50)),
    ((HEAD, SPOUSE, CHILD, CHILD, ELDER), 5, (30, 50)),
    ((HEAD, SPOUSE, CHILD, CHILD, ELDER, ELDER), 2, (32, 50)),
)
TWIN_RATE = 0.04  # of households with two children
SAME_NAME_SON_RATE = 0.004  # of households with a father and a son
# Shenzhen hukou, rest of Guangdong, other provinces (ids.AREA_POOLS).
REGION_SHARES = np.array([0.35, 0.25, 0.40])
RENTED = {"village": 0.95, "walkup": 0.5, "tower": 0.4}


@dataclass(frozen=True)
class HouseholdPlan:
    template: Ints  # per household
    size: Ints


def plan_households(seed: int, persons: int) -> HouseholdPlan:
    """How many households of which shape make up `persons` residents (the last one may be cut short)."""
    rng = stream(seed, "households")
    weights = np.array([t[1] for t in TEMPLATES])
    sizes_by_template = np.array([len(t[0]) for t in TEMPLATES])
    template = rng.choice(len(TEMPLATES), size=persons // 2 + 10, p=weights / weights.sum())
    size = sizes_by_template[template]
    count = int(np.searchsorted(np.cumsum(size), persons)) + 1
    template, size = template[:count], size[:count].copy()
    size[-1] -= int(size.sum()) - persons
    return HouseholdPlan(template.astype(np.int64), size.astype(np.int64))


def _draw_people(
    rng: np.random.Generator, genders: np.ndarray, ages: Ints, regions: Ints, as_of: date
) -> pd.DataFrame:
    """Birth dates, given names, identity numbers, phones and ethnicity for people of known sex/age."""
    n = len(genders)
    days = (ages * 365.2425).astype(np.int64) + rng.integers(0, 365, size=n)
    births = pd.DatetimeIndex(np.datetime64(as_of, "D") - days.astype("timedelta64[D]"))
    years = births.year.to_numpy().astype(np.int64)
    area = ids.sample_area_codes(rng, regions, years)
    phone = np.where(ages >= 14, mobile_numbers(rng, n), "")
    phone = np.where(rng.random(n) < 0.97, phone, "")
    return pd.DataFrame(
        {
            "gender": genders,
            "birth": births,
            "age": ages,
            "region": regions,
            "area": area,
            "given": names.sample_given(rng, genders, names.era_of(years)),
            "phone": phone,
            # A previous number that older records still carry.
            "old_phone": np.where((phone != "") & (rng.random(n) < 0.12), mobile_numbers(rng, n), ""),
            "ethnicity": weighted_choice(rng, dict(ETHNICITIES), n),
        }
    )


def _identities(rng: np.random.Generator, people: pd.DataFrame) -> None:
    births = pd.DatetimeIndex(people.birth)
    people["id_number"] = ids.resident_ids(
        rng, objects(people.area), births, (people.gender == "M").to_numpy()
    )
    after = ids.area_after_birth(objects(people.area), births.year.to_numpy().astype(np.int64))
    people["id_kind"] = np.where(after, "area_after_birth", "clean")
    people["name"] = people.surname + people.given


def build_people(
    plan: HouseholdPlan, district: District, outsiders: int, seed: int, as_of: date
) -> pd.DataFrame:
    """One row per person: residents (household by household), then outsiders."""
    rng = stream(seed, "people")
    roles_table = np.full((len(TEMPLATES), 6), -1)
    for i, (roles, _, _) in enumerate(TEMPLATES):
        roles_table[i, : len(roles)] = roles
    hh_count = len(plan.template)
    slots = roles_table[plan.template]
    keep = (slots >= 0) & (np.arange(6) < plan.size[:, None])
    role = slots[keep]
    hh = np.repeat(np.arange(hh_count), keep.sum(axis=1))
    start = np.concatenate([[0], np.cumsum(plan.size)[:-1]])
    n = len(role)

    lo = np.array([t[2][0] for t in TEMPLATES])[plan.template]
    hi = np.array([t[2][1] for t in TEMPLATES])[plan.template]
    head_age = rng.integers(lo, hi + 1)
    single_parent = np.array([t[0] == (HEAD, CHILD) for t in TEMPLATES])[plan.template]
    head_male = rng.random(hh_count) < np.where(single_parent, 0.2, 0.6)
    has_spouse = np.array([SPOUSE in t[0] for t in TEMPLATES])[plan.template]
    region = rng.choice(3, size=hh_count, p=REGION_SHARES)

    random_male = rng.random(n) < 0.5
    male = np.select([role == HEAD, role == SPOUSE], [head_male[hh], ~head_male[hh]], random_male)
    ha = head_age[hh]
    age = np.select(
        [role == HEAD, role == SPOUSE, role == CHILD],
        [ha, np.maximum(20, ha + rng.integers(-4, 5, size=n)), (rng.random(n) * (ha - 23)).astype(np.int64)],
        np.minimum(100, ha + rng.integers(24, 34, size=n)),
    )
    # Twins are a second child sharing the first one's birth; make sure some first child is a
    # baby, so that even a small district has newborn twins in the hospital records.
    second_child = (role == CHILD) & (np.roll(role, 1) == CHILD) & (np.roll(hh, 1) == hh)
    if second_child.any() and not (second_child & (np.roll(age, 1) <= 2)).any():
        age[int(rng.choice(np.flatnonzero(second_child))) - 1] = int(rng.integers(0, 3))
    own_region = rng.choice(3, size=n, p=REGION_SHARES)
    born_here = (role == CHILD) & (age < 30) & (rng.random(n) < 0.6)
    person_region = np.select(
        [born_here, (role == SPOUSE) & (rng.random(n) < 0.3)], [0, own_region], region[hh]
    )
    people = _draw_people(rng, np.where(male, "M", "F"), age, person_region.astype(np.int64), as_of)

    surname_head, surname_spouse = names.sample_surnames(rng, hh_count), names.sample_surnames(rng, hh_count)
    father_surname = np.where(head_male | ~has_spouse, surname_head, surname_spouse)
    people["surname"] = np.select(
        [role == HEAD, role == SPOUSE, role == CHILD, male & head_male[hh]],
        [surname_head[hh], surname_spouse[hh], father_surname[hh], surname_head[hh]],
        names.sample_surnames(rng, n),
    )
    father = np.where(has_spouse | head_male, start + np.where(head_male, 0, 1), -1)[hh]
    mother = np.where(has_spouse | ~head_male, start + np.where(head_male, 1, 0), -1)[hh]
    people["father"] = _parent(np.where(role == CHILD, father, -1), male, True)
    people["mother"] = _parent(np.where(role == CHILD, mother, -1), male, False)

    # Twins: the second child of a two-child household takes the first one's birth date.
    twin = at_least(rng, second_child & (rng.random(n) < TWIN_RATE), second_child & (np.roll(age, 1) <= 2), 1)
    twin = at_least(rng, twin, second_child, 2)  # small districts still get twins, one pair newborn
    for column in ("birth", "area", "region"):  # born together, registered together
        values = people[column].to_numpy().copy()
        values[twin] = values[np.flatnonzero(twin) - 1]
        people[column] = values
    people["age"] = np.where(twin, np.roll(people.age.to_numpy(), 1), people.age.to_numpy())
    people["twin"] = twin | np.roll(twin, -1)

    # A son named exactly like his father, living with him: a classic false merge.
    son = (role == CHILD) & male & (people.father.to_numpy() >= 0)
    same = at_least(rng, son & (rng.random(n) < SAME_NAME_SON_RATE), son, 2)
    given = people.given.to_numpy().copy()
    given[same] = given[people.father.to_numpy()[same]]
    people["given"] = given
    people["father_namesake"] = same

    people["hh"], people["role"], people["resident"] = hh, role, True
    _place(rng, people, district, hh_count)
    everyone = pd.concat([people, _outsiders(rng, outsiders, as_of)], ignore_index=True)
    _identities(rng, everyone)  # together, so that no two people share a number
    everyone["truth"] = [f"P-{i + 1:07d}" for i in range(len(everyone))]
    return everyone


def _parent(index: Ints, male: np.ndarray, want_male: bool) -> Ints:
    """Drop parent links that the cut-short last household leaves dangling or of the wrong sex."""
    ok = (index >= 0) & (index < len(male))
    ok[ok] &= male[index[ok]] == want_male
    return np.where(ok, index, -1)


def _place(rng: np.random.Generator, people: pd.DataFrame, district: District, hh_count: int) -> None:
    rooms, buildings = district.rooms, district.buildings
    homes = np.flatnonzero((rooms.use == "home").to_numpy() & rooms.standard.to_numpy())
    order = rng.permutation(homes)
    hh_room = order[np.arange(hh_count) % len(order)]
    kind = buildings.kind.to_numpy()[rooms.building.to_numpy()[hh_room]]
    rented = rng.random(hh_count) < pd.Series(kind).map(RENTED).to_numpy(dtype=float)
    hh = people.hh.to_numpy()
    people["room"] = hh_room[hh]
    people["tenure"] = np.where(rented, "rent", "own")[hh]
    # Registered (户籍 or 居住登记) in the population register: nearly all locals, most migrants.
    local = (people.region == 0).to_numpy()
    people["registered"] = rng.random(len(people)) < np.where(local, 0.99, 0.86)
    # The register lags behind moves: some adults are still registered at an earlier home, a few
    # at a building that has since been demolished.
    stale = (people.age >= 18).to_numpy() & (rng.random(len(people)) < 0.05)
    gone = np.flatnonzero(~rooms.standard.to_numpy() & (rooms.use == "home").to_numpy())
    register_room = people.room.to_numpy().copy()
    register_room[stale] = rng.choice(homes, size=int(stale.sum()))
    moved_out = stale & (rng.random(len(people)) < 0.05) & (len(gone) > 0)
    if len(gone):
        moved_out = at_least(rng, moved_out, stale | (people.age >= 18).to_numpy(), 1)
        register_room[moved_out] = rng.choice(gone, size=int(moved_out.sum()))
    people.loc[moved_out, "registered"] = True
    people["register_room"] = register_room
    people["register_kind"] = np.select([moved_out, stale], ["demolished_building", "stale_address"], "")


def _outsiders(rng: np.random.Generator, n: int, as_of: date) -> pd.DataFrame:
    male = rng.random(n) < 0.65
    people = _draw_people(
        rng,
        np.where(male, "M", "F"),
        rng.integers(25, 71, size=n),
        rng.choice(3, size=n, p=[0.5, 0.2, 0.3]),
        as_of,
    )
    people["surname"] = names.sample_surnames(rng, n)
    people["father"] = people["mother"] = -1
    people["twin"] = people["father_namesake"] = people["resident"] = people["registered"] = False
    people["hh"] = people["role"] = people["room"] = people["register_room"] = -1
    people["tenure"] = people["register_kind"] = ""
    return people
