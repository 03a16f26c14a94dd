"""Measured on a generated district: free-text addresses of six department sources against truth.csv.

The generator writes each source's addresses in its own style (prefixes, 12栋/12号楼/十二栋/12座/
12-, 501房/5楼501/5层01号, units left out, traditional characters, full-width digits, remarks). On
top of that, this test adds the slips the generator does not make — estate names mistyped
(homophones, a wrong or missing character), 小区 appended, the community glued on — so that the
resolver is tuned for real addresses rather than for the generator's templates.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypinyin import lazy_pinyin

from resolvers.address import AddressLibrary, StandardRoom, resolve
from resolvers.address.parse import clear_parse_cache

generator = pytest.importorskip("hub.demo.generator")

# (source file, record id field, address field)
SOURCES = {
    "population": ("population.csv", "人员编号", "居住地址"),
    "grid_collection": ("grid_collection.jsonl", "cjbh", "jzdz"),
    "housing": ("housing.csv", "备案编号", "房屋地址"),
    "newborns": ("newborns.csv", "出生医学证明编号", "家庭住址"),
    "business_registry": ("business_registry.csv", "记录编号", "住所"),
    "licenses": ("licenses.jsonl", "recordId", "address"),
}


@dataclass(frozen=True)
class Case:
    text: str
    building: str | None  # the true 楼栋编码; None when the building is not in the library (demolished)
    address: str | None  # the true 地址编码


@dataclass(frozen=True)
class District:
    library: AddressLibrary
    cases: list[Case]
    estates: list[str]


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        if path.suffix == ".jsonl":
            yield from (json.loads(line) for line in f)
        else:
            yield from csv.DictReader(f)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    out = tmp_path_factory.mktemp("district")
    generator.generate_district(out, persons=10_000, seed=11)
    library_rows = list(_rows(out / "address_library.csv"))
    library = AddressLibrary.build(StandardRoom.from_row(r) for r in library_rows)
    building_of = {r["地址编码"]: r["楼栋编码"] for r in library_rows}
    code_of: dict[str, str] = {}  # truth's room id → 地址编码
    truth: dict[tuple[str, str], str] = {}  # (source, record id) → truth's room id
    for t in _rows(out / "truth.csv"):
        if t["source"] == "address_library" and t["role"] == "self":
            code_of[t["address_id"]] = t["record_id"]
        elif t["role"] == "address":
            truth[t["source"], t["record_id"]] = t["address_id"]
    cases = []
    for source, (file, key, field) in SOURCES.items():
        for row in _rows(out / file):
            room = truth.get((source, row[key] or ""))
            if row[field] and room is not None:
                code = code_of.get(room)
                cases.append(Case(row[field], building_of.get(code or ""), code))
    return District(library, cases, sorted({r["小区"] for r in library_rows}))


def _outcomes(library: AddressLibrary, cases: list[Case]) -> Counter[str]:
    tally: Counter[str] = Counter()
    for case in cases:
        match = resolve(library, case.text)
        if case.building is None:
            tally["demolished_linked" if match.building_id else "demolished_kept_apart"] += 1
            continue
        tally["total"] += 1
        if match.building_id is None:
            tally[match.status] += 1
        else:
            tally["right" if match.building_id == case.building else "wrong"] += 1
        if match.address_id is not None:
            tally["room_right" if match.address_id == case.address else "room_wrong"] += 1
    return tally


def test_generated_addresses_resolve_to_the_true_building(district: District) -> None:
    tally = _outcomes(district.library, district.cases)
    total = tally["total"]
    assert total > 15_000
    assert tally["right"] / total >= 0.98, tally
    assert tally["wrong"] / total <= 0.005, tally
    assert tally["room_wrong"] <= 0.005 * (tally["room_right"] + tally["room_wrong"]), tally
    assert tally["demolished_linked"] == 0, tally  # a building that is gone is never replaced by another


# Characters that share a reading, as a pinyin input method offers them in place of one another.
_SOUNDS = "园元苑源颂松宋华花化强墙庭亭景井新心欣信星村存湾万碧必福富府名明铭民城成诚沙莎田甜天林琳岭领怡宜梅美嘉家佳雅亚香乡祥蜜密翠脆荔丽利"


def _homophone(name: str, rng: random.Random) -> str:
    by_sound: dict[str, list[str]] = {}
    for ch in _SOUNDS:
        by_sound.setdefault(lazy_pinyin(ch)[0], []).append(ch)
    spots = [i for i, c in enumerate(name) if len(by_sound.get(lazy_pinyin(c)[0], [])) > 1]
    if not spots:
        return name
    i = rng.choice(spots)
    return (
        name[:i] + rng.choice([c for c in by_sound[lazy_pinyin(name[i])[0]] if c != name[i]]) + name[i + 1 :]
    )


def _wrong_character(name: str, rng: random.Random) -> str:
    i = rng.randrange(len(name))
    return name[:i] + rng.choice(_SOUNDS) + name[i + 1 :]


def _missing_character(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name
    i = rng.randrange(len(name))
    return name[:i] + name[i + 1 :]


SLIPS: dict[str, Callable[[str, random.Random], str]] = {
    "homophone": _homophone,
    "wrong_character": _wrong_character,
    "missing_character": _missing_character,
    "xiaoqu_appended": lambda name, _: name + "小区",
    "community_glued": lambda name, _: "福田" + name,  # 福田社区 written without 社区
}


def test_mistyped_estates_are_found_or_sent_to_review_never_misled(district: District) -> None:
    rng = random.Random(7)
    known = set(district.estates)
    slipped, tally = [], Counter[str]()
    for case in district.cases[::4]:
        estate = next((e for e in district.estates if e in case.text), None)
        if case.building is None or estate is None:
            continue
        kind = rng.choice(list(SLIPS))
        written = SLIPS[kind](estate, rng)
        if written == estate or written in known:  # a slip that spells another estate cannot be caught
            continue
        slipped.append(Case(case.text.replace(estate, written, 1), case.building, case.address))
        tally[kind] += 1
    outcome = _outcomes(district.library, slipped)
    assert outcome["total"] > 2_000
    assert len(tally) == len(SLIPS)
    assert outcome["right"] / outcome["total"] >= 0.9, outcome
    assert outcome["wrong"] / outcome["total"] <= 0.005, outcome


def test_parse_and_match_throughput(district: District) -> None:
    texts = list(dict.fromkeys(c.text for c in district.cases))
    clear_parse_cache()
    start = time.perf_counter()
    for text in texts:
        resolve(district.library, text)
    rate = len(texts) / (time.perf_counter() - start)
    # The target is 20k/s on one core (measured ~24k/s on distinct texts); the bound here only catches
    # a pathological slowdown without making the suite flaky on a loaded CI machine.
    assert rate > 5_000, f"{rate:,.0f} addresses/s"
