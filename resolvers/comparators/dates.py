"""Dates (of birth): same day, day and month swapped, one digit mistyped, same year only.

Sources write 19460417, 1946-04-17, 1946/4/17, 1946年4月17日 or 1946.04.17; forms filled in by
hand swap day and month (4/7 for 7/4); some registers know only the year. A date is read as
year, month and day (0 when unknown); an impossible date such as 0231 is still compared as
digits, since the typo that made it is evidence too.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from resolvers.comparators.base import (
    MISSING,
    Comparator,
    Levels,
    Values,
    is_missing,
    levels_from,
    map_unique,
)

DATE_LEVELS = (
    "different dates",
    "same year only (or only the year is known)",
    "one digit differs (a typing error)",
    "day and month swapped (e.g. 04-07 against 07-04)",
    "same date",
)
_FULL = re.compile(r"^\D*(\d{4})\D{0,2}(\d{1,2})\D{0,2}(\d{1,2})\D*$")
_YEAR = re.compile(r"^\D*(\d{4})(?:\D{1,2}\d{1,2})?\D*$")


@lru_cache(maxsize=500_000)
def _parse_text(text: str) -> int:
    digits = re.sub(r"\s", "", text)
    if digits.isdigit() and len(digits) == 8:
        return int(digits)
    full = _FULL.match(digits)
    if full:
        year, month, day = (int(g) for g in full.groups())
        return year * 10_000 + month * 100 + day
    year_only = _YEAR.match(digits)
    return int(year_only.group(1)) * 10_000 if year_only else -1


def date_key(value: object) -> int:
    """The date as the number yyyymmdd (mm and dd 0 when only the year is known), −1 if unreadable."""
    if is_missing(value):
        return -1
    year = getattr(value, "year", None)
    if isinstance(year, int):  # date, datetime, pandas Timestamp
        return year * 10_000 + int(getattr(value, "month", 0)) * 100 + int(getattr(value, "day", 0))
    if isinstance(value, (int, float, np.integer, np.floating)) and float(value).is_integer():
        # A date read as a number (19460417, or 19460417.0 from a column with gaps).
        return _parse_text(str(int(value)))
    return _parse_text(str(value))


def _split(key: int) -> tuple[int, int, int]:
    return key // 10_000, key // 100 % 100, key % 100


def birth_date(a: object, b: object) -> int:
    """The dates are the same, have day and month swapped, differ in one digit, or share the year."""
    ka, kb = date_key(a), date_key(b)
    if ka < 0 or kb < 0:
        return MISSING
    (ya, ma, da), (yb, mb, db) = _split(ka), _split(kb)
    if ma == 0 or mb == 0:  # only the year is known on one side
        return 1 if ya == yb else 0
    if ka == kb:
        return 4
    if ya == yb and ma == db and da == mb:
        return 3
    if sum(x != y for x, y in zip(f"{ka:08d}", f"{kb:08d}", strict=True)) == 1:
        return 2
    return 1 if ya == yb else 0


def date_keys(values: Values) -> npt.NDArray[np.int64]:
    """Vectorised :func:`date_key` (one parse per distinct value): the prepared form of dates."""
    if values.dtype.kind == "M":
        as_days = values.astype("datetime64[D]")
        years = as_days.astype("datetime64[Y]").astype(np.int64) + 1970
        months = as_days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        days = (as_days - as_days.astype("datetime64[M]")).astype(np.int64) + 1
        return np.where(np.isnat(values), -1, years * 10_000 + months * 100 + days)
    return np.asarray(map_unique(values, date_key, missing=-1), dtype=np.int64)


def _one_digit_apart(ka: npt.NDArray[np.int64], kb: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """yyyymmdd numbers differing in exactly one digit: their difference is d × 10^p (0 < |d| < 10)
    and digit p accounts for all of it (19460419 against 19460421 differs by 2 in two digits)."""
    diff = ka - kb
    size = np.abs(diff)
    power = (10 ** np.floor(np.log10(np.maximum(size, 1)))).astype(np.int64)
    step = diff // power
    digit_step = ka // power % 10 - kb // power % 10
    one: npt.NDArray[np.bool_] = (size > 0) & (size % power == 0) & (np.abs(step) < 10) & (digit_step == step)
    return one


def compare_dates(ka: npt.NDArray[np.int64], kb: npt.NDArray[np.int64]) -> Levels:
    """:func:`birth_date` over prepared dates (yyyymmdd numbers)."""
    ya, ma, da = ka // 10_000, ka // 100 % 100, ka % 100
    yb, mb, db = kb // 10_000, kb // 100 % 100, kb % 100
    full = (ma != 0) & (mb != 0)
    return levels_from(
        {
            1: ya == yb,
            2: full & _one_digit_apart(ka, kb),
            3: full & (ya == yb) & (ma == db) & (da == mb) & (ka != kb),
            4: full & (ka == kb),
            MISSING: (ka < 0) | (kb < 0),
        },
        len(ka),
    )


COMPARATORS = (Comparator("birth_date", birth_date, date_keys, compare_dates, DATE_LEVELS),)
