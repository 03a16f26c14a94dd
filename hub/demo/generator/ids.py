"""Identifiers with correct check characters, and their legacy forms.

- Resident identity numbers (GB 11643): area code + birth date + sequence (odd for men) + the ISO 7064
  MOD 11-2 check character from ``stdnum.cn.ric``.
- Unified Social Credit Codes (GB 32100): authority + type + region + organisation code (with its
  GB 11714 check) + the mod-31 check character from ``stdnum.cn.uscc``.
- 工商注册号, the 15-digit business registration number that preceded the USCC (ISO 7064 MOD 11,10).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_10

from hub.demo.generator.rand import Bools, Ints, Strings, objects

# Where residents' numbers were issued. Region 0 is Shenzhen (Futian first), 1 the rest of Guangdong,
# 2 the provinces Futian's migrants come from. Codes abolished long ago (440320 深圳市区, 442326
# 揭阳县, 362101 赣州市…) are only drawn for people born while they existed.
AREA_POOLS: tuple[dict[str, float], ...] = (
    {"440304": 40, "440303": 12, "440305": 8, "440301": 6, "440306": 5, "440307": 5, "440308": 1,
     "440309": 2, "440320": 8, "440300": 1},
    {"440104": 4, "440106": 3, "440111": 2, "440507": 3, "441402": 5, "445102": 4, "445202": 5,
     "441302": 4, "441481": 3, "440982": 3, "441621": 3, "440882": 3, "441881": 2, "440100": 1,
     "440500": 1, "442326": 3, "442421": 3, "442501": 2, "442424": 2, "442328": 2, "442924": 2},
    {"430421": 5, "430524": 4, "431021": 3, "433122": 1, "360121": 3, "362101": 3, "362132": 2,
     "360102": 2, "450102": 3, "450821": 3, "452524": 2, "510121": 2, "512921": 2, "511321": 2,
     "420102": 3, "421087": 2, "350102": 2, "350583": 2, "410102": 3, "411522": 3, "430121": 3,
     "110101": 1, "310101": 1, "432721": 2, "432822": 2, "140121": 1, "120101": 1},
)  # fmt: skip
_PERIOD = re.compile(r"\[(\d*)-(\d*)\]")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@lru_cache(maxsize=256)
def area_periods(code: str) -> tuple[tuple[int, int], ...]:
    """Years in which the county code existed, from the list stdnum checks against."""
    counties = [p["county"] for _, p in numdb.get("cn/loc").info(code) if "county" in p]
    periods = []
    for part in ",".join(counties).split(","):
        match = _PERIOD.match(part)
        start, end = (match.group(1), match.group(2)) if match else ("", "")
        periods.append((int(start or 0), int(end or 9999)))
    return tuple(periods)


def area_valid_in(code: str, year: int) -> bool:
    return any(start <= year <= end for start, end in area_periods(code))


def sample_area_codes(rng: np.random.Generator, regions: Ints, birth_years: Ints) -> Strings:
    """Area codes by region, never one abolished before the holder's birth year.

    Codes created after the birth year are kept (a 1956-born Futian resident holds 440304…): stdnum
    rejects those, the hub's normaliser accepts them; see ``area_after_birth``.
    """
    out = np.empty(len(regions), dtype=object)
    for region, pool in enumerate(AREA_POOLS):
        codes = list(pool)
        weights = np.array([pool[c] for c in codes], dtype=float)
        ends = np.array([max(end for _, end in area_periods(c)) for c in codes])
        in_region = regions == region
        for year in np.unique(birth_years[in_region]):
            mask = in_region & (birth_years == year)
            w = np.where(ends >= year, weights, 0.0)
            out[mask] = np.array(codes, dtype=object)[
                rng.choice(len(codes), size=int(mask.sum()), p=w / w.sum())
            ]
    return out


def area_after_birth(areas: Strings, birth_years: Ints) -> Bools:
    """The number was issued under a county created after the birth year (valid, but stdnum says no)."""
    table = {(a, int(y)) for a, y in zip(areas, birth_years, strict=True)}
    invalid = {key for key in table if not area_valid_in(*key)}
    return np.array([(a, int(y)) in invalid for a, y in zip(areas, birth_years, strict=True)], dtype=bool)


def resident_ids(rng: np.random.Generator, areas: Strings, births: pd.DatetimeIndex, males: Bools) -> Strings:
    """Unique 18-character numbers: the sequence is redrawn until no two people share one."""
    dates = objects(births.strftime("%Y%m%d"))
    prefix = areas + dates
    seq = rng.integers(0, 500, size=len(areas)) * 2 + males
    for _ in range(50):
        bodies = prefix + objects([f"{s:03d}" for s in seq])
        clash = pd.Series(bodies).duplicated().to_numpy()
        if not clash.any():
            break
        seq[clash] = rng.integers(0, 500, size=int(clash.sum())) * 2 + males[clash]
    else:  # pragma: no cover - needs ~500 people of one sex born on one day in one county
        raise RuntimeError("could not draw unique resident identity numbers")
    return objects([b + ric.calc_check_digit(b + "0") for b in bodies])


def legacy_15(number: str) -> str:
    """The 15-digit form issued before 1999: no century, no check character."""
    return number[:6] + number[8:17]


def with_typo(number: str, position: int, delta: int) -> str:
    """Change one digit of the body. A single wrong digit always breaks MOD 11-2 (11 is prime)."""
    digit = (int(number[position]) + delta) % 10
    return number[:position] + str(digit) + number[position + 1 :]


def transposed(number: str, position: int) -> str | None:
    """Swap two adjacent, different body digits (also always caught by the check character)."""
    for i in [*range(position, 16), *range(0, position)]:
        if number[i] != number[i + 1]:
            return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    return None


def _org_code(body: str) -> str:
    """GB 11714 organisation code: 8 characters and a check character (digits, then X for 10)."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def usccs(rng: np.random.Generator, types: Strings, regions: Strings, recent: Bools) -> Strings:
    """Unique USCCs. `types` is '1' (enterprise) or '2' (individual business); recent ones (since
    2015) carry the MA-series organisation codes that new Shenzhen companies get."""
    n = len(types)
    letters = np.array(list(_USCC_ALPHABET), dtype=object)
    result: list[str] = [""] * n
    seen: set[str] = set()
    todo = np.arange(n)
    while len(todo):
        chars = letters[rng.integers(0, len(letters), size=(len(todo), 5))]
        digits = rng.integers(0, 10, size=(len(todo), 8))
        for row, i in enumerate(todo):
            body = "MA5" + "".join(chars[row]) if recent[i] else "".join(map(str, digits[row]))
            code = "9" + types[i] + regions[i] + _org_code(body)
            code += uscc.calc_check_digit(code + "0")
            if code not in seen:
                seen.add(code)
                result[i] = code
        todo = np.array([i for i in todo if not result[i]], dtype=np.int64)
    return objects(result)


def registration_numbers(rng: np.random.Generator, n: int) -> Strings:
    """工商注册号: 440301 + 8 digits + ISO 7064 MOD 11,10 check digit (Shenzhen, before 2015)."""
    bodies = [f"440301{x:08d}" for x in rng.choice(100_000_000, size=n, replace=False)]
    return objects([b + mod_11_10.calc_check_digit(b) for b in bodies])
