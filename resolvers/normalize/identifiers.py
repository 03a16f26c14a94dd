"""Resident identity numbers (GB 11643) and Unified Social Credit Codes (GB 32100)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from resolvers.normalize.base import Normalized, register

_COMPACT_RIC = re.compile(r"^[0-9]{17}[0-9X]$")


def _compact(text: str) -> str:
    # Most values arrive already compact; stdnum's compact() (a Unicode clean-up per character)
    # costs ~80 µs a call, which is minutes over a million-row register, so it is the slow path.
    stripped = text.strip().upper()
    if _COMPACT_RIC.match(stripped):
        return stripped
    # NFKC folds full-width digits and letters (１２３Ｘ) to ASCII before stdnum sees them.
    return ric.compact(unicodedata.normalize("NFKC", text)).replace(" ", "")


def upgrade_15_to_18(number: str) -> str:
    """A legacy 15-digit number is the 18-digit one without the century '19' and the check character."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


@lru_cache(maxsize=8192)
def _known_area(area: str) -> bool:
    """The area code exists in the national list, whatever the birth year.

    stdnum also requires the county to have existed in the birth year, but the code records where
    the number was issued, not where the holder was born: a resident born in 1956 who registered in
    Futian (440304, created 1990) holds a 440304 number. Real registers are full of them.
    """
    return any("county" in props for _, props in numdb.get("cn/loc").info(area))


def _problem(number: str) -> str | None:
    """Why ``number`` (compact) is not a valid resident identity number, or None."""
    if len(number) != 18:
        return "wrong length"
    if not _COMPACT_RIC.match(number):
        return "not 17 digits and a check character"
    if ric.calc_check_digit(number) != number[-1]:
        return "the check character does not match"
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "the birth date is not a calendar date"
    if not _known_area(number[:6]):
        return "unknown area code"
    return None


@register("resident_id")
def resident_id(text: str) -> Normalized:
    number = _compact(text)
    if len(number) == 15 and number.isdigit():
        number = upgrade_15_to_18(number)
    problem = _problem(number)
    return Normalized(number, f"invalid resident identity number: {problem}" if problem else None)


@register("uscc")
def social_credit_code(text: str) -> Normalized:
    code = uscc.compact(unicodedata.normalize("NFKC", text))
    try:
        return Normalized(uscc.validate(code))
    except ValidationError as exc:
        return Normalized(code, f"invalid unified social credit code: {exc}")


@register("code")
def plain_code(text: str) -> Normalized:
    """Licence numbers, building and grid codes: no checksum, so only case and width are folded."""
    code = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    return Normalized(code) if code else Normalized(text, "empty code")
