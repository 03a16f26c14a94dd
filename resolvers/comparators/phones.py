"""Phone numbers: the same number, or one slip away (a digit mistyped, swapped or cut off).

Values normally arrive in E.164 (+8613812345678) from the phone normaliser; anything else
(138-1234-5678, 8613812345678, 0086…) is reduced to its national digits here so that the
comparator also holds on raw columns. A shared number (a household landline, a guardian's
mobile) is common; the model learns how little an agreement then says, and the engine can
scale it by how often the number occurs.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import OSA

from resolvers.comparators.base import (
    MISSING,
    Comparator,
    Levels,
    Values,
    as_text,
    is_missing,
    levels_from,
    score_rows,
    text_lengths,
)

PHONE_LEVELS = (
    "different numbers",
    "one digit mistyped, two swapped, or one number cut short of the other",
    "same number",
)
_NON_DIGITS = re.compile(r"\D+")
# A number cut short still identifies the line when at least this many digits survive.
MIN_PREFIX = 7


@lru_cache(maxsize=500_000)
def national_digits(text: str) -> str:
    """Digits of the number without the Chinese country code (+86, 0086, 86 before 11 digits)."""
    digits = _NON_DIGITS.sub("", text)
    if digits.startswith("0086"):
        return digits[4:]
    if digits.startswith("86") and len(digits) == 13:
        return digits[2:]
    return digits


def phone(a: object, b: object) -> int:
    """The phone numbers are the same, or one is a single slip or a truncation of the other."""
    if is_missing(a) or is_missing(b):
        return MISSING
    da, db = national_digits(str(a)), national_digits(str(b))
    if not da or not db:
        return MISSING
    if da == db:
        return 2
    short = min(len(da), len(db))
    cut_short = short >= MIN_PREFIX and (da.startswith(db) or db.startswith(da))
    return 1 if cut_short or OSA.distance(da, db, score_cutoff=1) <= 1 else 0


def prepare_phones(values: Values) -> Values:
    """National digits ("" when missing)."""
    return as_text(values, lambda v: national_digits(str(v)))[0]


def compare_phones(da: Values, db: Values) -> Levels:
    """:func:`phone` over prepared numbers."""
    missing = (da == "") | (db == "")
    exact = da == db
    differ = ~missing & ~exact
    slip = differ & (score_rows(differ, da, db, OSA.distance, score_cutoff=2) <= 1)
    # A number cut short by more than one digit: the shorter one starts the longer one.
    rows = np.flatnonzero(differ & ~slip)
    la, lb = text_lengths(da[rows]), text_lengths(db[rows])
    maybe = rows[(np.minimum(la, lb) >= MIN_PREFIX) & (la != lb)]
    for i in maybe:
        slip[i] = da[i].startswith(db[i]) or db[i].startswith(da[i])
    return levels_from({1: slip, 2: exact, MISSING: missing}, len(da))


COMPARATORS = (Comparator("phone", phone, prepare_phones, compare_phones, PHONE_LEVELS),)
