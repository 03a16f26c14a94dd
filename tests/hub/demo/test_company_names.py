"""Company names as a registry allows them: one trade name (字号) per industry and registration
authority among distinct companies, whatever the city marker or legal form; the city and form
variants are noise on mentions of one company, branches keep their parent's name."""

from __future__ import annotations

from collections import defaultdict

import pytest

from hub.demo.generator import DEFAULT_AS_OF, World, build_world
from hub.demo.generator.write_business import name_variant
from resolvers.normalize.names import org_name

# Big enough that unchecked random trade names clash (13 groups at this size and seed before the
# registry refused them), small enough to build in about half a second (no files are written).
PERSONS, SEED = 30_000, 11


@pytest.fixture(scope="module")
def large() -> World:
    return build_world(PERSONS, SEED, DEFAULT_AS_OF)


def _key(name: str) -> tuple[str | None, str | None]:
    derived = org_name(name).derived
    return derived.get("name_core"), derived.get("branch")


@pytest.mark.parametrize("size", ["small", "large"])
def test_distinct_companies_never_share_a_name_core(world: World, large: World, size: str) -> None:
    c = world.companies if size == "small" else large.companies
    entities: dict[tuple[str | None, str | None], set[str]] = defaultdict(set)
    for name, truth in zip(c.name, c.truth, strict=True):
        entities[_key(name)].add(truth)
    shared = {key: e for key, e in entities.items() if len(e) > 1}
    assert not shared
    assert c.name.is_unique


def test_city_and_form_variants_stay_names_of_the_same_company(large: World) -> None:
    c = large.companies[large.companies.kind == "company"]
    assert (c["style"] != "city").any()
    assert (c["form"] == "股份有限公司").any()
    for row in c.itertuples():
        core = _key(row.name)
        for how in ("short_city", "bracket", "halfwidth_bracket", "llc"):
            assert _key(name_variant(row.kind, row.name, row.trade, row.industry, row.form, how)) == core


def test_branches_carry_their_parents_name(large: World) -> None:
    c = large.companies
    branches = c[c.parent >= 0]
    assert len(branches) > 100
    parents = c.loc[branches.parent]
    for branch, parent in zip(branches.itertuples(), parents.itertuples(), strict=True):
        assert branch.name.startswith(parent.name)
        assert branch.name.endswith("分公司")
        assert branch.trade == parent.trade
        assert _key(branch.name)[0] == _key(parent.name)[0]


def test_near_identical_trade_names_remain(large: World) -> None:
    c = large.companies
    near = c[c.near_of >= 0]
    assert len(near) > 20
    original = c.loc[near.near_of]
    same_trade = near.trade.to_numpy() == original.trade.to_numpy()
    assert same_trade.any()  # another industry
    assert (~same_trade).any()  # a homophone or one character more
