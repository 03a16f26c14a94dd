"""Resident identity numbers (GB 11643) and Unified Social Credit Codes (GB 32100)."""

from __future__ import annotations

import unicodedata

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidComponent, ValidationError

from resolvers.normalize.base import Normalized, register


def _compact(text: str) -> str:
    # NFKC folds full-width digits and letters (１２３Ｘ) to ASCII before stdnum sees them.
    return ric.compact(unicodedata.normalize("NFKC", text)).replace(" ", "")


def upgrade_15_to_18(number: str) -> str:
    """A legacy 15-digit number is the 18-digit one without the century '19' and the check character."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def _known_area(number: str) -> bool:
    """The area code exists in the national list, whatever the birth year.

    stdnum also requires the county to have existed in the birth year, but the code records where
    the number was issued, not where the holder was born: a resident born in 1956 who registered in
    Futian (440304, created 1990) holds a 440304 number. Real registers are full of them.
    """
    return any("county" in props for _, props in numdb.get("cn/loc").info(number[:6]))


@register("resident_id")
def resident_id(text: str) -> Normalized:
    number = _compact(text)
    if len(number) == 15 and number.isdigit():
        number = upgrade_15_to_18(number)
    try:
        return Normalized(ric.validate(number))
    except InvalidComponent as exc:
        if _valid_date(number) and _known_area(number):
            return Normalized(number)
        return Normalized(number, f"invalid resident identity number: {exc}")
    except ValidationError as exc:
        return Normalized(number, f"invalid resident identity number: {exc}")


def _valid_date(number: str) -> bool:
    try:
        ric.get_birth_date(number)
    except ValidationError:
        return False
    return True


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
