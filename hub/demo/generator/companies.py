"""Legal entities: companies, branches (分公司, distinct entities with their own USCC), individual
businesses (个体工商户), and the out-of-district parents some branches belong to.

Names are 字号 + industry + legal form. Like the real registry (企业名称登记管理规定), the generator
refuses a trade name already taken in the same industry by the same registration authority, however
the city or the legal form is written: 深圳市鑫海餐饮管理有限公司 and 鑫海餐饮管理（深圳）有限公司 can
only be one company (other systems write it both ways, see write_business.name_variant). A later
applicant whose 字号 is taken gets one more character (华信科技 → 华信达科技). Hard negatives are put in
on purpose: companies whose names differ by one homophone (华信科技 / 华鑫科技), by industry
(华信科技 / 华信电子) or by one extra character, and branches whose names are their parent's plus
分公司.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from hub.demo.generator import ids
from hub.demo.generator.company_names import (
    INDUSTRIES,
    SHOP_TRADES,
    TRADE_CHARS,
    company_name,
    near_duplicates,
    trade_names,
)
from hub.demo.generator.district import District
from hub.demo.generator.places import STREETS
from hub.demo.generator.rand import at_least, objects, stream, weighted_choice

KIND_SHARES = {"company": 0.64, "individual": 0.26, "branch": 0.10}
NEAR_RATE = 0.03
PARENT_CITIES = {"广州市": "440100", "北京": "110000", "上海": "310000", "深圳市": "440300"}  # region codes


def build_companies(n: int, district: District, people: pd.DataFrame, seed: int, as_of: date) -> pd.DataFrame:
    rng = stream(seed, "companies")
    kind = weighted_choice(rng, KIND_SHARES, n)
    kind[at_least(rng, kind == "branch", kind == "company", 3)] = "branch"
    c = pd.DataFrame(
        {"kind": kind, "trade": trade_names(rng, n), "industry": weighted_choice(rng, INDUSTRIES, n)}
    )
    near_duplicates(rng, c)
    shop = kind == "individual"
    c.loc[shop, "industry"] = weighted_choice(rng, SHOP_TRADES, int(shop.sum()))
    # The registry's names so far (字号 + industry, as the normaliser's name core sees them); branches
    # take their parent's in _branches. Renames draw from their own stream: the rest stays put.
    registry = _Registry(stream(seed, "companies:renames"))
    c["trade"] = [
        t if k == "branch" else registry.register("", t, i)
        for k, t, i in zip(kind, c.trade, c.industry, strict=True)
    ]
    style = weighted_choice(rng, {"city": 0.8, "bracket": 0.1, "short": 0.1}, n)
    form = np.where(rng.random(n) < 0.05, "股份有限公司", "有限公司").astype(object)
    # A near-duplicate is spelled like the name it imitates (in order: it may imitate an imitation).
    for i in np.flatnonzero(c.near_of.to_numpy() >= 0):
        style[i], form[i] = style[c.near_of[i]], form[c.near_of[i]]
    names = [
        f"深圳市福田区{t}{i}" if k == "individual" else company_name(t, i, s, f)
        for k, t, i, s, f in zip(kind, c.trade, c.industry, style, form, strict=True)
    ]
    c["name"], c["style"], c["form"] = names, style, form
    c["legal_form"] = np.select(
        [shop, kind == "branch", form == "股份有限公司"],
        ["个体工商户", "有限责任公司分公司", "股份有限公司"],
        "有限责任公司",
    )
    c = _branches(rng, c, registry)
    days = (as_of - date(1995, 1, 1)).days
    start = np.where(c.kind == "individual", (date(2005, 1, 1) - date(1995, 1, 1)).days, 0)
    registered = np.datetime64(date(1995, 1, 1), "D") + rng.integers(start, days).astype("timedelta64[D]")
    c["registered_on"] = pd.DatetimeIndex(registered)
    recent = (c.registered_on.dt.year >= 2015).to_numpy()
    external = (c.kind == "parent").to_numpy()
    region = np.where(c.kind == "individual", "440304", np.where(external, c.parent_region, "440300"))
    c["uscc"] = ids.usccs(rng, objects(np.where(c.kind == "individual", "2", "1")), objects(region), recent)
    c["reg_no"] = np.where(recent | external, "", ids.registration_numbers(rng, len(c)))
    c["status"] = weighted_choice(rng, {"存续": 86, "注销": 8, "吊销": 6}, len(c))
    _representatives(rng, c, people)
    _addresses(rng, c, district, people)
    c["truth"] = [f"L-{i + 1:06d}" for i in range(len(c))]
    return c


class _Registry:
    """Trade names taken per industry and registration authority (a city; Shenzhen is '')."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng, self.chars = rng, list(TRADE_CHARS)
        self.taken: set[str] = set()

    def register(self, authority: str, trade: str, industry: str) -> str:
        """The trade name as registered: one more character while it is taken (华信 → 华信达)."""
        while f"{authority}{trade}{industry}" in self.taken:
            trade += str(self.rng.choice(self.chars))
        self.taken.add(f"{authority}{trade}{industry}")
        return trade


def _branches(rng: np.random.Generator, c: pd.DataFrame, registry: _Registry) -> pd.DataFrame:
    """Each branch belongs to a district company (40%) or to a parent outside the district.

    A branch keeps its parent's trade name; an outside parent registers its own with its city's
    authority (a Shenzhen parent with the same one as the district's companies).
    """
    keys = ("kind", "trade", "industry", "name", "style", "form", "legal_form", "near_of")
    cols = {k: c[k].tolist() for k in keys}
    parent, parent_region = [-1] * len(c), [""] * len(c)
    local = np.flatnonzero(c.kind == "company")
    branches = np.flatnonzero(c.kind == "branch")
    m = len(branches)
    # Drawn up front: one call per column, not one per branch.
    industries = rng.choice(["餐饮管理", "医药", "酒店管理", "物流", "贸易", "美容", "科技"], size=m)
    streets = rng.choice([s.name[:-2] for s in STREETS], size=m)
    of_local = at_least(rng, rng.random(m) < 0.4, np.ones(m, dtype=bool), 1) & (len(local) > 0)
    local_parent = rng.choice(local, size=m) if len(local) else np.zeros(m, dtype=np.int64)
    cities = rng.choice(list(PARENT_CITIES), size=m)
    for k, i in enumerate(branches):
        where = str(streets[k])
        if of_local[k]:
            p = int(local_parent[k])
            parent[i], cols["trade"][i], cols["industry"][i] = p, cols["trade"][p], cols["industry"][p]
            cols["name"][i] = f"{cols['name'][p]}{where}分公司"
            continue
        city, cols["industry"][i] = str(cities[k]), str(industries[k])
        authority = "" if city == "深圳市" else city
        cols["trade"][i] = registry.register(authority, cols["trade"][i], cols["industry"][i])
        parent_name = f"{city}{cols['trade'][i]}{cols['industry'][i]}有限公司"
        parent[i] = len(parent)
        cols["name"][i] = f"{parent_name}{'深圳' if city != '深圳市' else ''}{where}分公司"
        for key, value in (
            ("kind", "parent"),
            ("trade", cols["trade"][i]),
            ("industry", cols["industry"][i]),
            ("name", parent_name),
            ("style", "city"),
            ("form", "有限公司"),
            ("legal_form", "有限责任公司"),
            ("near_of", -1),
        ):
            cols[key].append(value)  # fmt: skip
        parent.append(-1)
        parent_region.append(PARENT_CITIES[city])
    _number_branches(cols["name"])
    return pd.DataFrame({**cols, "parent": parent, "parent_region": parent_region})


def _number_branches(names: list[str]) -> None:
    """Two branches of one parent in one street: the registry numbers the second (…第2分公司).

    Other names cannot clash: their trade names are unique per industry and authority (_Registry).
    """
    seen: set[str] = set()
    for i, name in enumerate(names):
        number = 2
        while name in seen:
            if not name.endswith("分公司"):
                raise AssertionError(f"company name registered twice: {name}")
            name = names[i].removesuffix("分公司") + f"第{number}分公司"
            number += 1
        names[i] = name
        seen.add(name)


def _representatives(rng: np.random.Generator, c: pd.DataFrame, people: pd.DataFrame) -> None:
    """Legal representatives (负责人 for branches, 经营者 for individual businesses).

    They come from a pool smaller than the number of companies, so many people represent several
    companies; about 40% of company bosses live outside the district.
    """
    adult = ((people.age >= 25) & (people.age <= 70)).to_numpy()
    residents = np.flatnonzero(adult & people.resident.to_numpy())
    outsiders = np.flatnonzero(adult & ~people.resident.to_numpy())
    size = max(5, round(0.75 * len(c)))
    pool = np.concatenate(
        [
            rng.choice(residents, size=min(len(residents), round(size * 0.6)), replace=False),
            rng.choice(outsiders, size=min(len(outsiders), round(size * 0.4)), replace=False),
        ]
    )
    rep = pool[rng.integers(0, len(pool), size=len(c))]
    shopkeeper = (c.kind == "individual").to_numpy()
    rep[shopkeeper] = rng.choice(residents, size=int(shopkeeper.sum()))
    c["rep"] = rep


def _addresses(rng: np.random.Generator, c: pd.DataFrame, district: District, people: pd.DataFrame) -> None:
    """Registered address (room) and business address (where licences are valid)."""
    rooms = district.rooms
    standard = rooms.standard.to_numpy()
    homes = np.flatnonzero(standard & (rooms.use == "home").to_numpy())
    # A tiny district may have no village shops (or offices): businesses then use homes.
    shops = np.flatnonzero(standard & (rooms.use == "shop").to_numpy())
    shops = shops if len(shops) else homes
    offices = np.flatnonzero(standard & (rooms.use == "office").to_numpy())
    offices = offices if len(offices) else homes
    # Some office rooms are registration addresses for dozens of companies (集群注册).
    popularity = rng.pareto(1.2, size=len(offices)) + 1
    n = len(c)

    def draw(kind: str, size: int) -> np.ndarray:
        if kind == "office":
            return rng.choice(offices, size=size, p=popularity / popularity.sum())
        return rng.choice(shops if kind == "shop" else homes, size=size)

    use = np.select(
        [c.kind == "company", c.kind == "individual", c.kind == "branch"],
        [
            weighted_choice(rng, {"office": 0.7, "home": 0.2, "shop": 0.1}, n),
            weighted_choice(rng, {"shop": 0.7, "home": 0.3}, n),
            weighted_choice(rng, {"office": 0.6, "shop": 0.4}, n),
        ],
        "none",
    )
    room = np.full(n, -1)
    for kind in ("office", "shop", "home"):
        mask = use == kind
        room[mask] = draw(kind, int(mask.sum()))
    # Small companies and shops register at the boss's home when the boss lives in the district.
    rep_home = people.room.to_numpy()[c.rep.to_numpy()]
    own_home = (use == "home") & (rep_home >= 0) & (rng.random(n) < 0.7)
    room[own_home] = rep_home[own_home]
    moved = (room >= 0) & (rng.random(n) < 0.15)
    operating = room.copy()
    operating[moved] = draw("shop", int(moved.sum()))
    c["room"], c["op_room"] = room, operating
