"""Ground truth for the task rules: every case in the district, planted or by chance.

``tasks_truth.csv`` has one row per case: ``rule, entity_type, entity_id, key, related_id,
due_date, planted, detail``. ``entity_id`` is the generator's id of the subject (as in truth.csv:
``P-`` person, ``L-`` legal entity, ``LC-`` licence, ``A-`` room-level address), ``key`` its
identifier as the sources write it (identity number, licence number, USCC, address code, birth
certificate number), ``related_id`` a second entity where the rule has one, ``planted`` whether
plant.py put it there. The rules, on the district as it stands on ``as_of`` (the generation date):

- ``elderly_70`` (Person): a resident the population register or a grid visit knows turns 70 within
  [as_of, as_of + 30 days]; due on the birthday. Born 29 February: the birthday is 28 February.
- ``licence_expiring`` (License): valid until a day in [as_of, as_of + 60 days], its holder active
  (登记状态 存续 in a business-registry row the hub reads); due on that day.
- ``licence_expired_active`` (License): expired before as_of, its holder active, and the holder has
  no other licence of the same kind valid on as_of (a renewed licence is no case).
- ``unlicensed_business`` (LegalEntity): an active business of the district whose industry needs a
  licence kind (licences.NEEDS) of which it holds none valid on as_of (never issued, expired or
  cancelled); ``detail`` names the kinds, ``related_id`` its business address (the room).
- ``rental_unoccupied`` (Address): a room the rental register has let to a tenant where no one is
  registered in the population register.
- ``rental_overcrowded`` (Address): a let room where more people are registered in the population
  register than the rental register's 居住人数 (``detail``: both numbers).
- ``newborn_mother_elsewhere`` (Person, the baby): on the hospitals' birth file, with a mother
  registered in the population register in another building than the birth record's home
  address; ``related_id`` the mother.

"Registered" means a population row the hub can read (one with a record id and a possible birth
date: the others are quarantined); likewise a company's status and industry come from a business
registry row the hub reads. Deliberate noise can still hide a case from a rule: a
day/month-swapped birth date, a licence whose holder the licence system names too badly to link.
The rental register's 居住人数 is mapped to the room (Address.registered_occupants): the
rental-crowded rule compares the residents registered at the room (the population register's rows
naming it, each person once) with it, so the planted crowded rooms (on the register for one
occupant, three or more registered) and those by chance (a head count the register has not kept up
with) are exactly the let rooms registered beyond the register's number. People linked to the room
by other records (a grid visit, a birth, the tenant) do not count, as they do not here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hub.demo.generator.files import DemoFile, write_csv
from hub.demo.generator.licences import NEEDS
from hub.demo.generator.planted import Planted
from hub.demo.generator.rand import Bools
from hub.demo.generator.truth import Truth
from hub.demo.generator.world import World

COLUMNS = ["rule", "entity_type", "entity_id", "key", "related_id", "due_date", "planted", "detail"]
RULES = (
    "elderly_70",
    "licence_expiring",
    "licence_expired_active",
    "unlicensed_business",
    "rental_unoccupied",
    "rental_overcrowded",
    "newborn_mother_elsewhere",
)
BIRTHDAY_DAYS = 30
EXPIRY_DAYS = 60


def _rows(rule: str, entity_type: str, **columns: object) -> pd.DataFrame:
    frame = pd.DataFrame({"rule": rule, "entity_type": entity_type, **columns})
    for column in COLUMNS:
        if column not in frame:
            frame[column] = ""
    return frame[COLUMNS]


def _dates(values: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(values).strftime("%Y-%m-%d"), dtype=object)


def _registered(world: World, truth: Truth) -> Bools:
    """Per person: registered in a population row the hub reads (register_room says where)."""
    people = world.people
    readable = np.zeros(len(people), dtype=bool)
    readable[truth.notes.get("registered", np.zeros(0, dtype=np.int64)).astype(np.int64)] = True
    registered: Bools = readable & people.registered.to_numpy() & (people.register_room >= 0).to_numpy()
    return registered


def elderly(world: World, truth: Truth, planted: Planted) -> pd.DataFrame:
    p = world.people
    known = np.zeros(len(p), dtype=bool)
    for key in ("registered", "visited"):
        known[truth.notes.get(key, np.zeros(0, dtype=np.int64)).astype(np.int64)] = True
    near = np.flatnonzero(p.resident.to_numpy() & known & p.age.isin([69, 70]).to_numpy())
    birthday = pd.DatetimeIndex(p.birth.to_numpy()[near]) + pd.DateOffset(years=70)
    start = pd.Timestamp(world.as_of)
    hit = (birthday >= start) & (birthday <= start + pd.Timedelta(days=BIRTHDAY_DAYS))
    rows = near[hit]
    return _rows(
        "elderly_70",
        "Person",
        entity_id=p.truth.to_numpy()[rows],
        key=p.id_number.to_numpy()[rows],
        due_date=_dates(birthday[hit]),
        planted=np.isin(rows, planted.elderly_70),
        detail="turns 70",
    )


def _valid_on(lic: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    return ((lic.valid_from <= day) & (lic.valid_until >= day) & (lic.status != "注销")).to_numpy()


def _active(world: World, truth: Truth) -> Bools:
    """Per company: active (存续) as a business-registry row the hub reads says."""
    c = world.companies
    read = np.zeros(len(c), dtype=bool)
    read[truth.notes.get("in_registry", np.zeros(0, dtype=np.int64)).astype(np.int64)] = True
    active: Bools = read & (c.status == "存续").to_numpy()
    return active


def licences(world: World, truth: Truth, planted: Planted) -> list[pd.DataFrame]:
    lic, c = world.licences, world.companies
    today = pd.Timestamp(world.as_of)
    active = _active(world, truth)[lic.holder.to_numpy()]
    until = lic.valid_until
    expiring = np.flatnonzero(
        active & (until >= today).to_numpy() & (until <= today + pd.Timedelta(days=EXPIRY_DAYS)).to_numpy()
    )
    valid = _valid_on(lic, today)
    covered = set(zip(lic.holder[valid], lic.type[valid], strict=True))
    expired = np.flatnonzero(
        active
        & (until < today).to_numpy()
        & np.array([(h, t) not in covered for h, t in zip(lic.holder, lic.type, strict=True)], dtype=bool)
    )
    holder = c.truth.to_numpy()[lic.holder.to_numpy()]
    return [
        _rows(
            "licence_expiring",
            "License",
            entity_id=lic.truth.to_numpy()[expiring],
            key=lic.number.to_numpy()[expiring],
            related_id=holder[expiring],
            due_date=_dates(until.iloc[expiring]),
            planted=np.isin(expiring, planted.licence_expiring),
            detail=lic.type.to_numpy()[expiring],
        ),
        _rows(
            "licence_expired_active",
            "License",
            entity_id=lic.truth.to_numpy()[expired],
            key=lic.number.to_numpy()[expired],
            related_id=holder[expired],
            planted=np.isin(expired, planted.licence_expired_active),
            detail=lic.type.to_numpy()[expired],
        ),
    ]


def unlicensed(world: World, truth: Truth, planted: Planted) -> pd.DataFrame:
    lic, c = world.licences, world.companies
    valid = _valid_on(lic, pd.Timestamp(world.as_of))
    held = pd.DataFrame({"company": lic.holder.to_numpy()[valid], "kind": lic.type.to_numpy()[valid]})
    candidates = _active(world, truth) & (c.room >= 0).to_numpy() & (c.kind != "parent").to_numpy()
    rows = np.flatnonzero(candidates & c.industry.isin(list(NEEDS)).to_numpy())
    needs = pd.DataFrame({"company": rows, "kind": c.industry.to_numpy()[rows]})
    needs["kind"] = needs.kind.map(NEEDS)
    needs = needs.explode("kind")
    needs = needs.merge(held.drop_duplicates(), how="left", on=["company", "kind"], indicator=True)
    missing = needs[needs["_merge"] == "left_only"]
    # The kinds in the order the industry needs them (NEEDS), one row per company.
    per_company = missing.groupby("company", sort=True).kind.agg("、".join)
    rows = per_company.index.to_numpy().astype(np.int64)
    planted_holders = lic.holder.to_numpy()[planted.licence_expired_active]
    rooms = world.district.rooms.truth.to_numpy()
    return _rows(
        "unlicensed_business",
        "LegalEntity",
        entity_id=c.truth.to_numpy()[rows],
        key=c.uscc.to_numpy()[rows],
        related_id=rooms[c.op_room.to_numpy()[rows]],
        planted=np.isin(rows, planted_holders),
        detail=per_company.to_numpy(),
    )


def rentals(world: World, truth: Truth, planted: Planted) -> list[pd.DataFrame]:
    r, rooms = world.rentals, world.district.rooms
    registered = _registered(world, truth)
    # Distinct people per room (a person registered twice is one person).
    count = np.bincount(world.people.register_room.to_numpy()[registered], minlength=len(rooms))
    let = (r.tenant >= 0).to_numpy()
    at = count[r.room.to_numpy()]
    unoccupied = np.flatnonzero(let & (at == 0))
    overcrowded = np.flatnonzero(let & (at > r.occupants.to_numpy()))
    room_id, code = rooms.truth.to_numpy()[r.room.to_numpy()], rooms.code.to_numpy()[r.room.to_numpy()]
    return [
        _rows(
            "rental_unoccupied",
            "Address",
            entity_id=room_id[unoccupied],
            key=code[unoccupied],
            planted=np.isin(unoccupied, planted.rental_unoccupied),
            detail="let, no one registered",
        ),
        _rows(
            "rental_overcrowded",
            "Address",
            entity_id=room_id[overcrowded],
            key=code[overcrowded],
            planted=np.isin(overcrowded, planted.rental_overcrowded),
            detail=[
                f"registered {a}, rental register {b}"
                for a, b in zip(at[overcrowded], r.occupants.to_numpy()[overcrowded], strict=True)
            ],
        ),
    ]


def newborns(world: World, truth: Truth, planted: Planted) -> pd.DataFrame:
    p, building = world.people, world.district.rooms.building.to_numpy()
    babies = truth.notes.get("born", np.zeros(0, dtype=np.int64)).astype(np.int64)
    certificates = truth.notes.get("birth_certificates", np.zeros(0, dtype=object))
    mother = p.mother.to_numpy()[babies]
    registered = _registered(world, truth)[mother]
    elsewhere = registered & (
        building[np.maximum(p.register_room.to_numpy()[mother], 0)] != building[p.room.to_numpy()[babies]]
    )
    rows = np.flatnonzero(elsewhere)
    return _rows(
        "newborn_mother_elsewhere",
        "Person",
        entity_id=p.truth.to_numpy()[babies[rows]],
        key=certificates[rows],
        related_id=p.truth.to_numpy()[mother[rows]],
        planted=np.isin(babies[rows], planted.newborn_mother_elsewhere),
        detail="mother registered in another building",
    )


def write_task_truth(world: World, truth: Truth, out: Path) -> DemoFile:
    """Every case of every rule, in RULES order, then by entity id."""
    planted = world.planted
    parts = [
        elderly(world, truth, planted),
        *licences(world, truth, planted),
        unlicensed(world, truth, planted),
        *rentals(world, truth, planted),
        newborns(world, truth, planted),
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame["planted"] = frame.planted.map({True: "1", False: "0"})
    frame = frame.sort_values(
        ["rule", "entity_id"], key=lambda s: s.map(RULES.index) if s.name == "rule" else s
    )
    return write_csv(frame.reset_index(drop=True), out / "tasks_truth.csv", "tasks_truth")
