"""Cases planted for the task rules (issue 15), so that even a small district has work for each.

build_world ends here. The world already has such cases by chance (licences expire, migrants do not register, the rental
register lags behind); planting makes sure each rule has at least a few, whatever the size of the
district. Planting changes values only, never the number of rows, and draws from its own stream:
every other draw, and every record not planted on, stays as it was for the same seed.

- ``elderly_70``: a resident aged 68–70 gets a birth date whose 70th anniversary falls 1–29 days
  after ``as_of`` (the identity number is rewritten to match, its check character recomputed);
- ``licence_expiring``: a current licence of an active holder runs out 5–55 days after ``as_of``;
- ``licence_expired_active``: a current licence of an active holder ran out 15–300 days before
  ``as_of`` and was not renewed (which also leaves its holder without a valid licence of that kind);
- ``rental_unoccupied``: the household in a let room is registered at an earlier home instead;
- ``rental_overcrowded``: a let room where three or more people are registered is on the rental
  register for one occupant;
- ``newborn_mother_elsewhere``: the mother of a baby (two years old or younger) is registered at an
  earlier home in another building.

The complete truth (planted and chance cases together) is computed afterwards: task_truth.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
from stdnum.cn import ric

from hub.demo.generator import ids
from hub.demo.generator.licences import LICENCE_TYPES
from hub.demo.generator.planted import Planted
from hub.demo.generator.rand import Ints, objects, stream
from hub.demo.generator.world import World

PER_PERSONS = 2000  # one planted case per rule per this many residents …
MINIMUM = 3  # … and never fewer than this


def _pick(rng: np.random.Generator, eligible: np.ndarray, count: int) -> Ints:
    candidates = np.flatnonzero(eligible)
    chosen = rng.choice(candidates, size=min(count, len(candidates)), replace=False)
    return np.sort(chosen).astype(np.int64)


def plant_task_cases(world: World) -> World:
    """The world with the planted cases (``world.planted`` says which they are)."""
    rng = stream(world.seed, "plant:tasks")
    count = max(MINIMUM, world.scale.persons // PER_PERSONS)
    people = world.people.copy()
    licences = world.licences.copy()
    rentals = world.rentals.copy()
    elderly = _elderly(rng, people, world.as_of, count)
    expiring, expired = _licences(rng, licences, world.companies, world.as_of, count)
    unoccupied, overcrowded = _rentals(rng, rentals, people, world, count)
    mothers = _mothers_elsewhere(rng, people, world, count)
    planted = Planted(elderly, expiring, expired, unoccupied, overcrowded, mothers)
    return replace(world, people=people, licences=licences, rentals=rentals, planted=planted)


def _elderly(rng: np.random.Generator, people: pd.DataFrame, as_of: date, count: int) -> Ints:
    age = people.age.to_numpy()
    eligible = people.resident.to_numpy() & (age >= 68) & (age <= 70) & ~people.twin.to_numpy()
    chosen = _pick(rng, eligible, count)
    days = rng.integers(1, 30, size=len(chosen))
    taken = set(people.id_number)
    births, numbers = people.birth.to_numpy().copy(), people.id_number.to_numpy().copy()
    for i, d in zip(chosen, days, strict=True):
        seventy = as_of + timedelta(days=int(d))
        if seventy.month == 2 and seventy.day == 29:  # no 29 February seventy years before
            seventy -= timedelta(days=1)
        birth = seventy.replace(year=seventy.year - 70)
        births[i] = np.datetime64(birth).astype(births.dtype)
        numbers[i] = _renumbered(str(numbers[i]), birth, taken)
    people["birth"] = pd.DatetimeIndex(births)
    people["id_number"] = numbers
    people.loc[chosen, "age"] = 69
    years = pd.DatetimeIndex(people.birth.to_numpy()[chosen]).year.to_numpy().astype(np.int64)
    after = ids.area_after_birth(objects(people.area.to_numpy()[chosen]), years)
    people.loc[chosen, "id_kind"] = np.where(after, "area_after_birth", "clean")
    return chosen


def _renumbered(number: str, birth: date, taken: set[str]) -> str:
    """The same area and sequence (so the same sex) with the new birth date; the next free sequence
    of that sex when another person holds the number already."""
    area, seq = number[:6], int(number[14:17])
    for step in range(0, 1000, 2):
        body = f"{area}{birth:%Y%m%d}{(seq + step) % 1000:03d}"
        candidate = body + ric.calc_check_digit(body + "0")
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise RuntimeError(f"no free identity number for a person born {birth}")  # pragma: no cover


def _licences(
    rng: np.random.Generator, lic: pd.DataFrame, companies: pd.DataFrame, as_of: date, count: int
) -> tuple[Ints, Ints]:
    """Current licences (no renewal on file, so no chain of validity to keep) of active holders."""
    today = pd.Timestamp(as_of)
    alone = ~lic.duplicated(["holder", "type"], keep=False).to_numpy()
    active = companies.status.to_numpy()[lic.holder.to_numpy()] == "存续"
    far = (lic.valid_until > today + pd.Timedelta(days=60)).to_numpy()
    eligible = alone & active & far & (lic.status == "有效").to_numpy()
    expiring = _pick(rng, eligible, count)
    eligible[expiring] = False
    expired = _pick(rng, eligible, count)
    term = lic.type.map(lambda t: round(LICENCE_TYPES[t].years * 365.25)).to_numpy()
    ends = np.concatenate(
        [
            rng.integers(5, 56, size=len(expiring)),
            -rng.integers(15, 301, size=len(expired)),
        ]
    )
    rows = np.concatenate([expiring, expired])
    until = np.datetime64(as_of, "D") + ends.astype("timedelta64[D]")
    start = until - (term[rows] - 1).astype("timedelta64[D]")
    valid_from, valid_until = lic.valid_from.to_numpy().copy(), lic.valid_until.to_numpy().copy()
    valid_from[rows], valid_until[rows] = start.astype("datetime64[ns]"), until.astype("datetime64[ns]")
    lic["valid_from"], lic["valid_until"] = pd.DatetimeIndex(valid_from), pd.DatetimeIndex(valid_until)
    lic.loc[expired, "status"] = "已过期"
    return expiring, expired


def registered_count(people: pd.DataFrame, rooms: int) -> Ints:
    """People the population register places in each room."""
    at = people.register_room.to_numpy()[
        people.registered.to_numpy() & (people.register_room >= 0).to_numpy()
    ]
    return np.bincount(at, minlength=rooms).astype(np.int64)


def _rentals(
    rng: np.random.Generator, rentals: pd.DataFrame, people: pd.DataFrame, world: World, count: int
) -> tuple[Ints, Ints]:
    rooms = len(world.district.rooms)
    homes = np.flatnonzero(
        world.district.rooms.standard.to_numpy() & (world.district.rooms.use == "home").to_numpy()
    )
    let = (rentals.tenant >= 0).to_numpy()
    registered = registered_count(people, rooms)[rentals.room.to_numpy()]
    unoccupied = _pick(rng, let & (registered >= 1), count)
    # Everyone registered in those rooms is registered at an earlier home instead.
    room_of = rentals.room.to_numpy()
    emptied = np.isin(people.register_room.to_numpy(), room_of[unoccupied]) & people.registered.to_numpy()
    people.loc[emptied, "register_room"] = rng.choice(homes, size=int(emptied.sum()))
    people.loc[emptied, "register_kind"] = "stale_address"
    registered = registered_count(people, rooms)[room_of]
    eligible = let & (registered >= 3)
    eligible[unoccupied] = False
    overcrowded = _pick(rng, eligible, count)
    rentals.loc[overcrowded, "occupants"] = 1
    return unoccupied, overcrowded


def _mothers_elsewhere(rng: np.random.Generator, people: pd.DataFrame, world: World, count: int) -> Ints:
    """Babies whose mothers are registered at home now registered elsewhere; a few more than the
    others, since not every baby is on the hospitals' file (write_newborns decides)."""
    building = world.district.rooms.building.to_numpy()
    mother = people.mother.to_numpy()
    room, register_room = people.room.to_numpy(), people.register_room.to_numpy()
    baby = people.resident.to_numpy() & (people.age <= 2).to_numpy() & (mother >= 0)
    m = np.maximum(mother, 0)
    at_home = people.registered.to_numpy()[m] & (register_room[m] >= 0)
    at_home &= building[np.maximum(register_room[m], 0)] == building[np.maximum(room, 0)]
    eligible = baby & at_home
    # One baby per mother: twins share her.
    eligible &= ~pd.Series(np.where(eligible, mother, -1 - np.arange(len(people)))).duplicated().to_numpy()
    chosen = _pick(rng, eligible, count + 2)
    homes = np.flatnonzero(
        world.district.rooms.standard.to_numpy() & (world.district.rooms.use == "home").to_numpy()
    )
    if len(np.unique(building[homes])) < 2:
        return chosen[:0]
    for i in chosen:
        elsewhere = homes[rng.integers(0, len(homes))]
        while building[elsewhere] == building[room[i]]:
            elsewhere = homes[rng.integers(0, len(homes))]
        people.loc[mother[i], "register_room"] = int(elsewhere)
        people.loc[mother[i], "register_kind"] = "stale_address"
    return chosen
