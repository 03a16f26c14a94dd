"""Identifiers: clean ones pass stdnum; each noisy one is exactly the defect the noise log names."""

from __future__ import annotations

from collections import Counter
from typing import Any

import phonenumbers
import pytest
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_10

from hub.demo.generator import World
from resolvers.normalize import get_normalizer
from resolvers.normalize.identifiers import upgrade_15_to_18

ID_COLUMNS = [
    ("population", "公民身份号码", "self"),
    ("grid_collection", "sfzh", "self"),
    ("business_registry", "法定代表人证件号码", "legal_representative"),
    ("housing", "出租人证件号码", "owner"),
    ("housing", "承租人证件号码", "tenant"),
    ("newborns", "母亲证件号码", "mother"),
    ("newborns", "父亲证件号码", "father"),
]
RECORD_ID = {"population": "人员编号", "grid_collection": "cjbh", "business_registry": "记录编号",
             "housing": "备案编号", "newborns": "出生医学证明编号", "licenses": "recordId"}  # fmt: skip
Rows = dict[str, list[dict[str, Any]]]
Truth = list[dict[str, Any]]
Noise = dict[tuple[str, str, str], str]


def _entity(truth: Truth) -> dict[tuple[str, str, str], str]:
    return {(t["source"], t["record_id"], t["role"]): t["entity_id"] for t in truth}


def _check_resident_id(value: str, true: str, kind: str) -> None:
    normalized = get_normalizer("resident_id")(value) if value else None
    if kind == "":
        assert value == true
        assert ric.is_valid(value)
    elif kind == "area_after_birth":  # issued under a county created after the birth year
        assert value == true
        assert not ric.is_valid(value)
        assert normalized is not None
        assert normalized.valid
    elif kind == "lower_x":
        assert value.endswith("x")
        assert value.upper() == true
    elif kind == "legacy15":
        assert len(value) == 15
        assert upgrade_15_to_18(value) == true
    elif kind in ("typo", "transposed"):
        assert len(value) == 18
        assert value != true
        assert not ric.is_valid(value)
        assert normalized is not None
        assert not normalized.valid
    elif kind in ("spaced", "fullwidth"):
        assert value != true
        assert normalized is not None
        assert normalized.value == true
    else:
        assert kind == "missing"
        assert value == ""


def test_resident_ids_are_valid_or_carry_the_logged_defect(
    world: World, rows: Rows, truth: Truth, noise: Noise
) -> None:
    entity = _entity(truth)
    true_id = dict(zip(world.people.truth, world.people.id_number, strict=True))
    seen: Counter[str] = Counter()
    for source, column, role in ID_COLUMNS:
        for row in rows[source]:
            record_id = row[RECORD_ID[source]]
            person = entity.get((source, record_id, role))
            if person is None:  # unkeyed row, or no such person (a baby without a father on file)
                continue
            kind = noise.get((source, record_id, column), "")
            _check_resident_id(row[column], true_id[person], kind)
            seen[kind] += 1
    intended = {
        "",
        "area_after_birth",
        "lower_x",
        "legacy15",
        "typo",
        "transposed",
        "spaced",
        "fullwidth",
        "missing",
    }
    assert set(seen) == intended, seen
    assert seen[""] > 3 * sum(v for k, v in seen.items() if k not in ("", "area_after_birth"))


def test_every_uscc_and_registration_number_is_valid(world: World, rows: Rows) -> None:
    for row in rows["business_registry"]:
        assert uscc.is_valid(row["统一社会信用代码"]), row
        assert row["隶属企业统一社会信用代码"] == "" or uscc.is_valid(row["隶属企业统一社会信用代码"])
        assert row["注册号"] == "" or (len(row["注册号"]) == 15 and mod_11_10.is_valid(row["注册号"]))
    assert world.companies.uscc.is_unique


def test_licence_holder_codes_carry_the_logged_defect(
    world: World, rows: Rows, truth: Truth, noise: Noise
) -> None:
    entity = _entity(truth)
    company = world.companies.set_index("truth")
    seen: Counter[str] = Counter()
    for row in rows["licenses"]:
        holder = company.loc[entity[("licenses", row["recordId"], "holder")]]
        code, kind = row["holderCode"], noise.get(("licenses", row["recordId"], "holderCode"), "")
        seen[kind] += 1
        if kind == "":
            assert code == holder.uscc
            assert uscc.is_valid(code)
        elif kind == "lowercase":
            assert code != holder.uscc
            assert code.upper() == holder.uscc
        elif kind == "typo":
            assert len(code) == 18
            assert not uscc.is_valid(code)
        elif kind == "registration_number":
            assert code == holder.reg_no
            assert mod_11_10.is_valid(code)
        else:
            assert kind == "missing"
            assert code == ""
    assert seen[""] > len(rows["licenses"]) // 2


@pytest.mark.parametrize(
    ("source", "column"),
    [("population", "联系电话"), ("grid_collection", "lxdh"), ("housing", "出租人联系电话"),
     ("newborns", "母亲联系电话"), ("grid_workers", "手机号码")],
)  # fmt: skip
def test_phones_read_as_valid_chinese_mobiles_unless_truncated(
    rows: Rows, noise: Noise, source: str, column: str
) -> None:
    normalize = get_normalizer("phone")
    checked = 0
    for row in rows[source]:
        value = row[column]
        if value in ("", None):
            continue
        record_id = row.get(RECORD_ID.get(source, ""), "")
        result = normalize(str(value))
        if noise.get((source, record_id, column)) == "truncated":
            assert not result.valid
        else:
            assert result.valid, value
            assert phonenumbers.parse(result.value).country_code == 86
            checked += 1
    assert checked


def test_grid_collection_writes_phones_in_many_formats(rows: Rows) -> None:
    values = [r["lxdh"] for r in rows["grid_collection"] if r["lxdh"] not in ("", None)]
    assert any(isinstance(v, int) for v in values)  # JSON numbers
    for fragment in ("-", " ", "+86", "0086", "(+86)", "."):
        assert any(fragment in str(v) for v in values), fragment
    assert any(str(v).startswith("86") for v in values)
