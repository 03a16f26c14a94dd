"""The hard cases put in on purpose: namesakes, twins, fathers and sons with one name at one address,
near-identical company names, branches, demolished buildings, licences about to expire."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from rapidfuzz.distance import Levenshtein

from hub.demo.generator import World

Rows = dict[str, list[dict[str, Any]]]
Truth = list[dict[str, Any]]


def _entity(truth: Truth, source: str, role: str) -> dict[str, str]:
    return {t["record_id"]: t["entity_id"] for t in truth if t["source"] == source and t["role"] == role}


def test_different_people_share_a_name(rows: Rows, truth: Truth) -> None:
    person = _entity(truth, "population", "self")
    by_name: dict[str, set[str]] = defaultdict(set)
    for row in rows["population"]:
        if row["人员编号"]:
            by_name[row["姓名"]].add(person[row["人员编号"]])
    shared = {name: people for name, people in by_name.items() if len(people) > 1}
    assert len(shared) >= 3, shared


def test_twins_share_mother_and_birth_date(world: World, rows: Rows, truth: Truth) -> None:
    p = world.people
    twins = p[p.twin]
    assert len(twins) >= 4
    for _, pair in twins.groupby(["mother", "birth"]):
        assert len(pair) == 2
        assert pair.truth.nunique() == 2
        assert pair.surname.nunique() == 1
    baby, mother = _entity(truth, "newborns", "self"), _entity(truth, "newborns", "mother")
    births: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows["newborns"]:
        if row["胎数"] == "双胎":
            births[(mother[row["出生医学证明编号"]], row["出生时间"][:10])].add(baby[row["出生医学证明编号"]])
    assert births
    assert all(len(babies) == 2 for babies in births.values())


def test_a_father_and_son_share_name_and_address(world: World) -> None:
    p = world.people
    sons = p[p.father_namesake]
    assert len(sons) >= 2
    for _, son in sons.iterrows():
        father = p.loc[son.father]
        assert (son["name"], son.room) == (father["name"], father.room)
        assert son.truth != father.truth
        assert son.id_number != father.id_number
        assert father.birth.year - son.birth.year <= -18


def test_near_identical_company_names_are_different_companies(world: World, rows: Rows) -> None:
    c = world.companies
    near = c[c.near_of >= 0]
    assert len(near) >= 3
    for _, company in near.iterrows():
        original = c.loc[company.near_of]
        assert company.uscc != original.uscc
        assert 1 <= Levenshtein.distance(company["name"], original["name"]) <= 6
    registered = {r["企业名称"] for r in rows["business_registry"]}
    assert set(near.name) <= registered


def test_branches_are_distinct_entities_with_their_own_uscc(rows: Rows, truth: Truth) -> None:
    company, parent = (
        _entity(truth, "business_registry", "self"),
        _entity(truth, "business_registry", "parent"),
    )
    branches = [r for r in rows["business_registry"] if r["隶属企业名称"]]
    assert len(branches) >= 3
    for row in branches:
        assert row["企业名称"].endswith("分公司")
        assert row["企业类型"] == "有限责任公司分公司"
        assert row["统一社会信用代码"] != row["隶属企业统一社会信用代码"]
        assert company[row["记录编号"]] != parent[row["记录编号"]]
    local = [r for r in branches if r["企业名称"].startswith(r["隶属企业名称"])]
    assert local, "some branches belong to a company of the district"


def test_stale_registrations_point_at_demolished_buildings(
    rows: Rows, noise: dict[tuple[str, str, str], str]
) -> None:
    standard = {r["地址编码"] for r in rows["address_library"]}
    gone = [
        r
        for r in rows["population"]
        if noise.get(("population", r["人员编号"], "居住地址")) == "demolished_building"
    ]
    assert gone
    assert all(r["地址编码"] not in standard for r in gone)
    assert all(r["地址编码"] in standard for r in rows["population"] if r not in gone)


def test_some_licences_are_expired_and_some_expire_soon(world: World) -> None:
    until = world.licences.valid_until.dt.date
    assert (until < world.as_of).any()
    assert ((until >= world.as_of) & (until <= world.as_of + timedelta(days=90))).any()
    assert (world.licences.status == "有效").any()
