"""Writers for the population register (人口库) and the grid workers' visit records (网格采集)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hub.demo.generator import noise
from hub.demo.generator.addresses import Style, address_texts, county_address
from hub.demo.generator.files import DemoFile, write_csv, write_jsonl
from hub.demo.generator.rand import Bools, Strings, at_least, objects, stream
from hub.demo.generator.styles import WritingStyle, address_codes, writing_style
from hub.demo.generator.truth import Truth
from hub.demo.generator.world import World

REGISTER_ADDRESS = Style(prefix=(6, 2, 1, 0, 1), street=0.8, community=0.8, road=0.5, building=(90, 5, 0, 0, 0, 5, 0),
                         room=(80, 10, 10, 0, 0), no_unit=0.02, no_room=0.005, traditional=0.0, fullwidth=0.002,
                         spaces=0.01, remark=0.0)  # fmt: skip
VISIT_ADDRESS = Style()
REVISIT_RATE = 0.08  # people recorded twice, by two visits
STANDARD_STYLE = writing_style("standard")


def _base_kinds(people: pd.DataFrame) -> Strings:
    return objects(people.id_kind.where(people.id_kind != "clean", ""))


def _bad_rows(rng: np.random.Generator, n: int, rate: float) -> Bools:
    return at_least(rng, rng.random(n) < rate, np.ones(n, dtype=bool), 1 if n >= 20 else 0)


def _contact(
    people: pd.DataFrame, everyone: pd.DataFrame, old_rate: float, rng: np.random.Generator
) -> tuple[Strings, Strings]:
    """Children are reached on their mother's phone; some records still carry a previous number."""
    phone = objects(people.phone)
    kinds = objects([""] * len(people))
    mother = people.mother.to_numpy()
    child = (people.age < 14).to_numpy() & (mother >= 0)
    phone[child] = everyone.phone.to_numpy()[mother[child]]
    kinds[child & (phone != "")] = "guardian_phone"
    old = (people.old_phone != "").to_numpy() & (rng.random(len(people)) < old_rate)
    phone[old], kinds[old] = people.old_phone.to_numpy()[old], "old_phone"
    return phone, kinds


def write_population(
    world: World, out: Path, truth: Truth, log: noise.NoiseLog, style: WritingStyle = STANDARD_STYLE
) -> DemoFile:
    rng = stream(world.seed, "source:population")
    everyone, d = world.people, world.district
    registered = np.flatnonzero(everyone.registered.to_numpy())
    # A few people are registered twice (say, once under their old 15-digit number).
    twice = registered[rng.random(len(registered)) < 0.003]
    rows = rng.permutation(np.concatenate([registered, twice]))
    p = everyone.iloc[rows].reset_index(drop=True)
    n = len(p)
    ids = objects([f"RK{i + 1:09d}" for i in range(n)])
    ids[_bad_rows(rng, n, 0.0003)] = ""

    name, name_k = noise.person_names(
        rng, objects(p.surname), objects(p.given), {"traditional": 0.003, "space": 0.003, "homophone": 0.003}
    )
    idn, idn_k = noise.identity_numbers(
        rng, objects(p.id_number), _base_kinds(p),
        {"lower_x": 0.1, "legacy15": 0.005, "typo": 0.002, "transposed": 0.001, "missing": 0.002},
    )  # fmt: skip
    phone, phone_k = _contact(p, everyone, 0.05, rng)
    phone = np.where(rng.random(n) < 0.1, "", phone)
    phone, cut_k = noise.phones(rng, objects(phone), {"plain": 8, "dash": 1}, truncated=0.002)
    birth, birth_k = noise.dates(
        rng, pd.DatetimeIndex(p.birth), {"iso": 1} if style.standard else {"slash": 1}, swap=0.001
    )
    bad_date = _bad_rows(rng, n, 0.0005)
    birth[bad_date] = [noise.impossible_date(b) for b in birth[bad_date]]
    birth_k[bad_date] = "impossible_date"
    rooms = p.register_room.to_numpy()
    text, text_k = address_texts(
        rng, d, rooms, REGISTER_ADDRESS if style.standard else county_address(REGISTER_ADDRESS)
    )
    frame = pd.DataFrame(
        {
            "人员编号": ids,
            "姓名": name,
            "公民身份号码": idn,
            "性别": noise.genders(rng, objects(p.gender), {"cn": 1} if style.standard else {"num": 1}),
            "出生日期": birth,
            "联系电话": phone,
            "民族": p.ethnicity,
            "地址编码": address_codes(world.district, rooms, style),
            "居住地址": text,
            "人员类别": np.where(p.area.str.startswith("4403") & (p.region == 0), "户籍人口", "流动人口"),
        }
    )
    text_k = np.where(p.register_kind != "", p.register_kind, text_k).astype(object)
    for column, kinds in (("姓名", name_k), ("公民身份号码", idn_k), ("联系电话", np.where(cut_k != "", cut_k, phone_k)),
                          ("出生日期", birth_k), ("居住地址", text_k)):  # fmt: skip
        log.add("population", ids, column, objects(kinds))
    log.add("population", ids, "人员编号", objects(np.where(ids == "", "empty_record_id", "")))
    truth.add("population", ids, "self", "Person", objects(p.truth))
    truth.add_address("population", ids, "address", rooms)
    # Rows without a record id or with an impossible date are quarantined: the hub never reads them.
    truth.note("registered", rows[(ids != "") & ~bad_date])
    return write_csv(style.frame("population", frame), out / "population.csv", "population")


def write_grid_collection(
    world: World, out: Path, truth: Truth, log: noise.NoiseLog, style: WritingStyle = STANDARD_STYLE
) -> DemoFile:
    """What grid workers typed on their visits: the noisiest source, keyed by pinyin abbreviations."""
    rng = stream(world.seed, "source:grid_collection")
    everyone, d = world.people, world.district
    residents = np.flatnonzero(everyone.resident.to_numpy() & (rng.random(len(everyone)) < 0.85))
    again = residents[rng.random(len(residents)) < REVISIT_RATE]
    rows = rng.permutation(np.concatenate([residents, again]))
    p = everyone.iloc[rows].reset_index(drop=True)
    n = len(p)
    ids = objects([f"CJ{i + 1:010d}" for i in range(n)])

    name, name_k = noise.person_names(
        rng, objects(p.surname), objects(p.given),
        {"traditional": 0.03, "homophone": 0.025, "space": 0.03, "wide_space": 0.005},
    )  # fmt: skip
    idn, idn_k = noise.identity_numbers(
        rng, objects(p.id_number), _base_kinds(p),
        {"lower_x": 0.5, "legacy15": 0.03, "typo": 0.012, "transposed": 0.005, "spaced": 0.01, "fullwidth": 0.01,
         "missing": 0.08},
    )  # fmt: skip
    phone, phone_k = _contact(p, everyone, 0.08, rng)
    phone = np.where(rng.random(n) < 0.15, "", phone)
    phone, cut_k = noise.phones(rng, objects(phone), truncated=0.005)
    # A JSON export keeps some phone numbers as numbers.
    as_number = objects([int(x) if x.isdigit() and len(x) == 11 and u < 0.5 else x
                         for x, u in zip(phone, rng.random(n), strict=True)])  # fmt: skip
    date_styles = noise.DATE_STYLES if style.standard else {"compact": 2, "cn": 1}
    birth, birth_k = noise.dates(rng, pd.DatetimeIndex(p.birth), date_styles, swap=0.005)
    bad_date = _bad_rows(rng, n, 0.0005)
    birth[bad_date] = [noise.impossible_date(b) for b in birth[bad_date]]
    birth_k[bad_date] = "impossible_date"
    birth = np.where((rng.random(n) < 0.25) & ~bad_date, "", birth)
    rooms = p.room.to_numpy()
    text, text_k = address_texts(
        rng, d, rooms, VISIT_ADDRESS if style.standard else county_address(VISIT_ADDRESS)
    )
    code = address_codes(world.district, rooms, style)
    # A mistyped code points at another room of the same building; the text is still right.
    wrong = rng.random(n) < 0.005
    code[wrong] = address_codes(world.district, np.maximum(rooms[wrong] - 1, 0), style)
    code = np.where(rng.random(n) < 0.85, code, "")
    text_k = np.where(wrong & (code != ""), "code_wrong_room", text_k).astype(object)
    grid = d.buildings.grid.to_numpy()[d.rooms.building.to_numpy()[rooms]]
    first_worker = world.assignments.drop_duplicates("grid").set_index("grid").worker
    worker = first_worker.reindex(grid).to_numpy()
    visit = pd.DatetimeIndex(
        np.datetime64(world.as_of, "D") - rng.integers(1, 700, n).astype("timedelta64[D]")
    )
    visit_s, _ = noise.dates(rng, visit, date_styles)
    frame = pd.DataFrame(
        {
            "cjbh": ids,
            "wgybh": world.workers.code.to_numpy()[worker],
            "cjrq": visit_s,
            "xm": name,
            "sfzh": idn,
            "xb": noise.genders(
                rng, objects(p.gender), {"mf": 2, "num": 1} if style.standard else {"cn_long": 1}
            ),
            "csrq": birth,
            "lxdh": as_number,
            "jzdz": text,
            "dzbm": code,
            "wgbm": d.grids.code.to_numpy()[grid],
            "rylx": np.where(p.region == 0, "户籍人口", "流动人口"),
            "jzlx": np.where(p.tenure == "rent", "租住", "自住"),
        }
    )
    for column, kinds in (("xm", name_k), ("sfzh", idn_k), ("lxdh", np.where(cut_k != "", cut_k, phone_k)),
                          ("csrq", birth_k), ("jzdz", text_k)):  # fmt: skip
        log.add("grid_collection", ids, column, objects(kinds))
    truth.add("grid_collection", ids, "self", "Person", objects(p.truth))
    truth.note("visited", rows[~bad_date])
    truth.add_address("grid_collection", ids, "address", rooms)
    truth.add(
        "grid_collection", ids, "collector", "GridWorker", objects(world.workers.truth.to_numpy()[worker])
    )
    return write_jsonl(
        style.frame("grid_collection", frame), out / "grid_collection.jsonl", "grid_collection"
    )
