"""Resident identity numbers (GB 11643) and Unified Social Credit Codes (GB 32100)."""

from __future__ import annotations

import unicodedata

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from resolvers.normalize.base import Normalized, register


def _compact(text: str) -> str:
    # NFKC folds full-width digits and letters (１２３Ｘ) to ASCII before stdnum sees them.
    return ric.compact(unicodedata.normalize("NFKC", text)).replace(" ", "")


def upgrade_15_to_18(number: str) -> str:
    """A legacy 15-digit number is the 18-digit one without the century '19' and the check character."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


@register("resident_id")
def resident_id(text: str) -> Normalized:
    number = _compact(text)
    if len(number) == 15 and number.isdigit():
        number = upgrade_15_to_18(number)
    try:
        return Normalized(ric.validate(number))
    except ValidationError as exc:
        return Normalized(number, f"invalid resident identity number: {exc}")


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
