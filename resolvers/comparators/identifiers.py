"""Identity numbers and credit codes: same number, or a one-character slip in an invalid one.

A valid resident identity number (GB 11643) or credit code (GB 32100) is a key and is linked
deterministically before any scoring. What reaches the scorer is weaker evidence: a number that
fails its check character and differs from the other by one mistyped character or two swapped
neighbours is probably the same number typed badly. Two valid numbers cannot be one slip apart
(both check systems catch every single substitution and adjacent swap), so "different" between
valid numbers is strong evidence of two people or two companies: twins share everything else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import OSA
from stdnum.cn import ric, uscc

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
from resolvers.normalize.identifiers import upgrade_15_to_18

ID_LEVELS = (
    "different numbers",
    "one character mistyped or two neighbours swapped, in a number that fails its check character",
    "same number (a legacy 15-digit number counts as its 18-digit form)",
)
USCC_LEVELS = (
    "different codes",
    "one character mistyped or two neighbours swapped, in a code that fails its check character",
    "same code",
)
_SPACES = re.compile(r"[\s\-]+")


def _compact(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).upper()


@lru_cache(maxsize=500_000)
def resident_number(text: str) -> str:
    """Compact upper-case form; a 15-digit legacy number is rewritten as its 18-digit form."""
    number = _compact(text)
    return upgrade_15_to_18(number) if len(number) == 15 and number.isdigit() else number


@lru_cache(maxsize=500_000)
def resident_number_valid(number: str) -> bool:
    """The check character matches (the area code is not checked: this is about typing errors)."""
    return len(number) == 18 and number[:17].isdigit() and ric.calc_check_digit(number) == number[-1]


@lru_cache(maxsize=200_000)
def credit_code(text: str) -> str:
    return _compact(text)


@lru_cache(maxsize=200_000)
def credit_code_valid(code: str) -> bool:
    return len(code) == 18 and bool(uscc.is_valid(code))


def _level(a: str, b: str, valid: Callable[[str], bool]) -> int:
    if a == b:
        return 2
    one_slip = OSA.distance(a, b, score_cutoff=1) <= 1
    return 1 if one_slip and not (valid(a) and valid(b)) else 0


def resident_id(a: object, b: object) -> int:
    """The identity numbers are the same, or one fails its check character and is one slip from the other."""
    if is_missing(a) or is_missing(b):
        return MISSING
    return _level(resident_number(str(a)), resident_number(str(b)), resident_number_valid)


def social_credit_code(a: object, b: object) -> int:
    """The credit codes are the same, or one fails its check character and is one slip from the other."""
    if is_missing(a) or is_missing(b):
        return MISSING
    ca, cb = credit_code(str(a)), credit_code(str(b))
    if len(ca) != len(cb) and 15 in (len(ca), len(cb)):
        return MISSING  # an old 15-digit registration number is another kind of number, not a typo
    return _level(ca, cb, credit_code_valid)


def _levels(na: Values, nb: Values, valid: Callable[[str], bool]) -> Levels:
    missing = (na == "") | (nb == "")
    exact = na == nb
    slips = ~exact & ~missing & (score_rows(~exact & ~missing, na, nb, OSA.distance, score_cutoff=2) <= 1)
    # Few pairs are one slip apart, so the check characters are read only for those.
    for i in np.flatnonzero(slips):
        slips[i] = not (valid(na[i]) and valid(nb[i]))
    return levels_from({1: slips, 2: exact, MISSING: missing}, len(na))


def prepare_resident_ids(values: Values) -> Values:
    """Compact 18-character numbers ("" when missing)."""
    return as_text(values, resident_number)[0]


def compare_resident_ids(a: Values, b: Values) -> Levels:
    """:func:`resident_id` over prepared numbers."""
    return _levels(a, b, resident_number_valid)


def prepare_credit_codes(values: Values) -> Values:
    return as_text(values, credit_code)[0]


def compare_credit_codes(a: Values, b: Values) -> Levels:
    """:func:`social_credit_code` over prepared codes."""
    out = _levels(a, b, credit_code_valid)
    differ = np.flatnonzero(out == 0)
    la, lb = text_lengths(a[differ]), text_lengths(b[differ])
    out[differ[(la != lb) & ((la == 15) | (lb == 15))]] = MISSING
    return out


COMPARATORS = (
    Comparator("resident_id", resident_id, prepare_resident_ids, compare_resident_ids, ID_LEVELS),
    Comparator(
        "social_credit_code", social_credit_code, prepare_credit_codes, compare_credit_codes, USCC_LEVELS
    ),
)
