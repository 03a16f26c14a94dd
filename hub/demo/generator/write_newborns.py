"""Writer for hospital birth records (医院出生): the baby, the mother (with her identity number), the
father when given, and the family's address."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hub.demo.generator import noise
from hub.demo.generator.addresses import Style, address_texts, county_address
from hub.demo.generator.files import DemoFile, write_csv
from hub.demo.generator.places import HOSPITALS
from hub.demo.generator.rand import objects, pick_kinds, stream
from hub.demo.generator.styles import WritingStyle, address_codes, writing_style
from hub.demo.generator.truth import Truth, nonempty
from hub.demo.generator.world import World

HOME_ADDRESS = Style(street=0.2, community=0.1, road=0.3, no_unit=0.2, no_room=0.03)
BORN_HERE = 0.92  # babies of the district born in a district hospital
STANDARD_STYLE = writing_style("standard")


def write_newborns(
    world: World, out: Path, truth: Truth, log: noise.NoiseLog, style: WritingStyle = STANDARD_STYLE
) -> DemoFile:
    rng = stream(world.seed, "source:newborns")
    p, d = world.people, world.district
    babies = np.flatnonzero(p.resident.to_numpy() & (p.age <= 2).to_numpy() & (p.mother >= 0).to_numpy())
    # Decided per mother, so siblings are both on file or both missing; twins are always on file
    # (multiple births go to the district's large hospitals).
    here = rng.random(len(p))[p.mother.to_numpy()[babies]] < BORN_HERE
    babies = babies[here | p.twin.to_numpy()[babies]]
    b = p.iloc[babies].reset_index(drop=True)
    n = len(b)
    mother = p.iloc[b.mother].reset_index(drop=True)
    has_father = (b.father >= 0).to_numpy() & (rng.random(n) < 0.75)
    father = p.iloc[np.maximum(b.father, 0)].reset_index(drop=True)
    births = pd.DatetimeIndex(b.birth)
    # 出生医学证明 numbers: a series letter by year and nine digits.
    ids = objects([f"{'PQRSTU'[y % 6]}44{i + 1:08d}" for i, y in enumerate(births.year)])

    # At birth the name is often not chosen yet: "李娜之女", or nothing.
    how = pick_kinds(rng, n, {"placeholder": 0.3, "missing": 0.2})
    m_name = mother.surname + mother.given
    placeholder = m_name + np.where(b.gender == "M", "之子", "之女")
    baby_name = np.select([how == "placeholder", how == "missing"], [placeholder, ""], b.surname + b.given)
    minutes = rng.integers(0, 24 * 60, size=n)
    day = "{t:%Y-%m-%d}" if style.standard else "{t.year}/{t.month}/{t.day}"
    born_at = objects(
        [f"{day.format(t=t)} {m // 60:02d}:{m % 60:02d}" for t, m in zip(births, minutes, strict=True)]
    )
    twin = b.twin.to_numpy()
    weight = rng.normal(np.where(twin, 2500, 3300), 350).round().astype(np.int64)
    mname, mname_k = noise.person_names(
        rng, objects(mother.surname), objects(mother.given), {"traditional": 0.005, "space": 0.005}
    )
    midn, midn_k = noise.identity_numbers(
        rng, objects(mother.id_number), objects(mother.id_kind.where(mother.id_kind != "clean", "")),
        {"lower_x": 0.3, "legacy15": 0.01, "typo": 0.005, "missing": 0.02},
    )  # fmt: skip
    mphone, _ = noise.phones(rng, objects(mother.phone), {"plain": 5, "dash": 1, "space": 1})
    fname, _ = noise.person_names(rng, objects(father.surname), objects(father.given), {"space": 0.005})
    fidn, fidn_k = noise.identity_numbers(
        rng, objects(father.id_number), objects(father.id_kind.where(father.id_kind != "clean", "")),
        {"lower_x": 0.3, "typo": 0.005, "missing": 0.1},
    )  # fmt: skip
    fname, fidn = np.where(has_father, fname, ""), np.where(has_father, fidn, "")
    rooms = b.room.to_numpy()
    text, text_k = address_texts(
        rng, d, rooms, HOME_ADDRESS if style.standard else county_address(HOME_ADDRESS)
    )
    frame = pd.DataFrame(
        {
            "出生医学证明编号": ids,
            "新生儿姓名": baby_name,
            "性别": noise.genders(
                rng, objects(b.gender), {"num": 2, "cn": 1} if style.standard else {"mf": 1}
            ),
            "出生时间": born_at,
            "出生体重": weight,
            "胎数": np.where(twin, "双胎", "单胎"),
            "出生医院": rng.choice(HOSPITALS, size=n),
            "母亲姓名": mname,
            "母亲证件号码": midn,
            "母亲联系电话": mphone,
            "父亲姓名": fname,
            "父亲证件号码": fidn,
            "家庭住址": text,
            "地址编码": np.where(rng.random(n) < 0.3, address_codes(d, rooms, style), ""),
        }
    )
    for column, kinds in (("新生儿姓名", how), ("母亲姓名", mname_k), ("母亲证件号码", midn_k),
                          ("父亲证件号码", np.where(has_father, fidn_k, "")), ("家庭住址", text_k)):  # fmt: skip
        log.add("newborns", ids, column, objects(kinds))
    truth.add("newborns", ids, "self", "Person", objects(b.truth))
    truth.note("born", babies)
    truth.note("birth_certificates", ids)
    truth.add("newborns", ids, "mother", "Person", objects(mother.truth), nonempty(mname, midn, mphone))
    truth.add(
        "newborns", ids, "father", "Person", objects(father.truth), nonempty(objects(fname), objects(fidn))
    )
    truth.add_address("newborns", ids, "address", rooms)
    return write_csv(style.frame("newborns", frame), out / "newborns.csv", "newborns")
