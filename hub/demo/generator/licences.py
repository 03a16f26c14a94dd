"""Licences (证照) held by companies whose business needs one.

Validity is spread evenly over the licence term, so some expire within weeks of `as_of` and a few
have already expired without renewal; some holders have an older, expired licence beside the
current one (a renewal); some businesses that need a licence have none (a task for the grid).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

from hub.demo.generator.rand import at_least, stream


class LicenceType(NamedTuple):
    issuer: str
    years: int
    number: str  # format with {year} and {seq}


LICENCE_TYPES: dict[str, LicenceType] = {
    "食品经营许可证": LicenceType("深圳市市场监督管理局福田监管局", 5, "JY1440304{seq:07d}"),
    "烟草专卖零售许可证": LicenceType("深圳市烟草专卖局福田分局", 5, "4403040{seq:05d}"),
    "药品经营许可证": LicenceType("深圳市市场监督管理局", 5, "粤CB755{seq:05d}"),
    "医疗器械经营许可证": LicenceType("深圳市市场监督管理局", 5, "粤深食药监械经营许{year}{seq:05d}号"),
    "公共场所卫生许可证": LicenceType("深圳市福田区卫生健康局", 4, "粤卫公证字〔{year}〕第0304{seq:05d}号"),
    "特种行业许可证": LicenceType("深圳市公安局福田分局", 6, "深公特字第{seq:06d}号"),
    "人力资源服务许可证": LicenceType("深圳市福田区人力资源局", 5, "440304{year}{seq:05d}"),
    "道路运输经营许可证": LicenceType("深圳市交通运输局", 4, "粤交运管许可深字440300{seq:06d}号"),
    "民办学校办学许可证": LicenceType("深圳市福田区教育局", 5, "教民144030470{seq:05d}号"),
}
NEEDS: dict[str, tuple[str, ...]] = {
    "餐饮管理": ("食品经营许可证",), "食品": ("食品经营许可证",), "医药": ("药品经营许可证",),
    "医疗器械": ("医疗器械经营许可证",), "酒店管理": ("特种行业许可证", "公共场所卫生许可证"),
    "人力资源": ("人力资源服务许可证",), "物流": ("道路运输经营许可证",), "美容": ("公共场所卫生许可证",),
    "教育科技": ("民办学校办学许可证",), "餐饮店": ("食品经营许可证",), "茶餐厅": ("食品经营许可证",),
    "便利店": ("食品经营许可证", "烟草专卖零售许可证"), "士多店": ("食品经营许可证", "烟草专卖零售许可证"),
    "水果店": ("食品经营许可证",), "美发店": ("公共场所卫生许可证",), "药店": ("药品经营许可证",),
}  # fmt: skip
UNLICENSED = 0.12  # businesses that operate without the licence they need
UNRENEWED = 0.06  # current licence already expired
RENEWAL_HISTORY = 0.15  # an older licence is still on file


def build_licences(companies: pd.DataFrame, seed: int, as_of: date) -> pd.DataFrame:
    rng = stream(seed, "licences")
    holder, kind = [], []
    active = companies.status.to_numpy() == "存续"
    in_district = companies.room.to_numpy() >= 0
    for i, industry in enumerate(companies.industry):
        if in_district[i] and (active[i] or rng.random() < 0.3):
            for licence in NEEDS.get(industry, ()):
                holder.append(i)
                kind.append(licence)
    lic = pd.DataFrame({"holder": np.array(holder, dtype=np.int64), "type": kind})
    missing = at_least(rng, rng.random(len(lic)) < UNLICENSED, np.ones(len(lic), dtype=bool), 1)
    lic = lic[~missing].reset_index(drop=True)
    n = len(lic)
    years = lic.type.map(lambda t: LICENCE_TYPES[t].years).to_numpy()
    term = (years * 365.25).astype(np.int64)
    stale = at_least(rng, rng.random(n) < UNRENEWED, np.ones(n, dtype=bool), 1)
    # Issued within the term (still valid: some expire soon) or before it (expired, not renewed).
    age = np.where(stale, term + rng.integers(1, 700, size=n), (rng.random(n) * term).astype(np.int64))
    # At least one licence runs out within two months, so the expiry task always has work.
    soon = at_least(rng, np.zeros(n, dtype=bool), ~stale, 1)
    age = np.where(soon, term - rng.integers(10, 60, size=n), age)
    issued = np.datetime64(as_of, "D") - age.astype("timedelta64[D]")
    lic["valid_from"] = pd.DatetimeIndex(issued)
    lic["valid_until"] = pd.DatetimeIndex(issued + (term - 1).astype("timedelta64[D]"))
    lic["renewal"] = False
    old = lic[rng.random(n) < RENEWAL_HISTORY].copy()
    old["valid_until"] = old.valid_from - pd.Timedelta(days=1)
    old["valid_from"] = old.valid_until - pd.to_timedelta(
        (years[old.index] * 365.25).astype(np.int64) - 1, unit="D"
    )
    old["renewal"] = True
    lic = pd.concat([lic, old], ignore_index=True)
    lic = lic.sort_values(["holder", "type", "valid_from"], kind="stable").reset_index(drop=True)
    lic["number"] = _numbers(rng, lic)
    expired = (lic.valid_until < pd.Timestamp(as_of)).to_numpy()
    gone = companies.status.to_numpy()[lic.holder.to_numpy()] != "存续"
    lic["status"] = np.select([gone, expired], ["注销", "已过期"], "有效")
    lic["truth"] = [f"LC-{i + 1:06d}" for i in range(len(lic))]
    return lic


def _numbers(rng: np.random.Generator, lic: pd.DataFrame) -> list[str]:
    """Numbers unique per type: a per-type sequence, started at a random offset."""
    counters = {t: int(rng.integers(1, 5000)) for t in LICENCE_TYPES}
    out = []
    for t, issued in zip(lic.type, lic.valid_from, strict=True):
        counters[t] += int(rng.integers(1, 9))
        out.append(LICENCE_TYPES[t].number.format(year=issued.year, seq=counters[t]))
    return out
