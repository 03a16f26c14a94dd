"""Rentals (出租屋): who owns each rented room's building, who rents it, how many live there.

Village houses belong to one villager each (often several houses to one family); flats in estates
belong to many different landlords, a few of whom let several flats. Not every rented home is on
file, and some vacant village rooms are listed with no tenant.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from hub.demo.generator.district import District
from hub.demo.generator.people import HEAD
from hub.demo.generator.rand import stream

FILED = 0.85  # rented homes registered with the rental office
VACANT_LISTED = 0.4  # vacant village rooms on file without a tenant


def build_rentals(district: District, people: pd.DataFrame, seed: int, as_of: date) -> pd.DataFrame:
    rng = stream(seed, "housing")
    rooms, buildings = district.rooms, district.buildings
    resident = people.resident.to_numpy()
    heads = np.flatnonzero(resident & (people.role.to_numpy() == HEAD) & (people.tenure == "rent").to_numpy())
    heads = heads[rng.random(len(heads)) < FILED]
    size = people[resident].groupby("hh").size()
    room_of = people.room.to_numpy()
    kind = buildings.kind.to_numpy()[rooms.building.to_numpy()]
    occupied = np.zeros(len(rooms), dtype=bool)
    occupied[room_of[resident]] = True
    vacant = np.flatnonzero(
        ~occupied & rooms.standard.to_numpy() & (rooms.use == "home").to_numpy() & (kind == "village")
    )
    vacant = vacant[rng.random(len(vacant)) < VACANT_LISTED]

    room = np.concatenate([room_of[heads], vacant])
    tenant = np.concatenate([heads, np.full(len(vacant), -1)])
    recorded = size.reindex(people.hh.to_numpy()[heads]).to_numpy()
    # The recorded head count lags behind: a birth or a departure is not always reported.
    recorded = np.maximum(1, recorded + rng.choice([-1, 0, 0, 0, 0, 0, 0, 0, 1], size=len(recorded)))
    occupants = np.concatenate([recorded, np.zeros(len(vacant), dtype=np.int64)])
    building = rooms.building.to_numpy()[room]

    age = people.age.to_numpy()
    villagers = np.flatnonzero((people.region == 0).to_numpy() & (age >= 35))
    landlords = np.flatnonzero(age >= 30)
    landlords = rng.choice(landlords, size=max(1, len(landlords) // 4), replace=False)
    village_owner = rng.choice(villagers, size=len(buildings))  # a villager may own several houses
    flat_owner = rng.choice(landlords, size=len(room))
    owner = np.where(buildings.kind.to_numpy()[building] == "village", village_owner[building], flat_owner)
    # A tenant never rents from themselves.
    owner = np.where(owner == tenant, rng.choice(landlords, size=len(room)), owner)

    start = np.datetime64(as_of, "D") - rng.integers(0, 3 * 365, size=len(room)).astype("timedelta64[D]")
    years = rng.choice([1, 1, 2, 3], size=len(room))
    end = start + (years * 365 - 1).astype("timedelta64[D]")
    rentals = pd.DataFrame(
        {
            "room": room,
            "building": building,
            "owner": owner,
            "tenant": tenant,
            "occupants": occupants,
            "start": pd.DatetimeIndex(start),
            "end": pd.DatetimeIndex(end),
            "status": np.where(tenant >= 0, "在租", "空置"),
        }
    )
    order = rng.permutation(len(rentals))  # filed in no particular order
    return rentals.iloc[order].reset_index(drop=True)
