"""Personal identifiers kept out of logs and error output: the last line of defence.

Messages are written not to carry a row's values (they name the column, the record id, a count);
what slips through anyway (a driver's error quoting a parameter, an exception of a library that
quotes its input) has its resident identity numbers and mainland mobile numbers masked here,
as the API masks them for callers without the pii scope: ``4403**********7311``,
``139****4321``. Names and addresses cannot be recognised this way; the messages themselves
must leave them out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

_MASK = "*"
# An 18-character identity number, or a legacy 15-digit one, not inside a longer run of digits
# or letters (an entity id's hex digest, a USCC).
_IDENTITY_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
# A mainland mobile number starts 13–19 and has eleven digits: no need to look for one
# (phonenumbers' matcher is slow) in a text without such a start.
_MOBILE_START = re.compile(r"1[3-9][0-9]")
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
_CHINA = 86


def _keep_ends(text: str, head: int, tail: int) -> str:
    return text[:head] + _MASK * (len(text) - head - tail) + text[len(text) - tail :]


def _birth_date_valid(number: str) -> bool:
    try:
        ric.get_birth_date(number)
    except (ValidationError, ValueError):
        return False
    return True


def _is_identity_number(candidate: str) -> bool:
    """An 18-character number with a valid check character or a calendar birth date (a number
    with one wrong digit is still a person's), or a 15-digit one with a calendar birth date."""
    number = candidate.upper()
    if len(number) == 15:
        # The legacy number is the 18-digit one without the century and the check character.
        return _birth_date_valid(number[:6] + "19" + number[6:] + "0")
    return ric.calc_check_digit(number) == number[-1] or _birth_date_valid(number)


def _mask_identity(match: re.Match[str]) -> str:
    text = match.group(0)
    return _keep_ends(text, 4, 4) if _is_identity_number(text) else text


def _mask_mobiles(text: str) -> str:
    if _MOBILE_START.search(text) is None:
        return text
    parts: list[str] = []
    end = 0
    for match in PhoneNumberMatcher(text, "CN", leniency=Leniency.VALID):
        number = match.number
        if number.country_code != _CHINA or phonenumbers.number_type(number) not in _MOBILE_TYPES:
            continue
        national = _keep_ends(phonenumbers.national_significant_number(number), 3, 4)
        shown = f"+86 {national}" if match.raw_string.startswith("+") else national
        parts += [text[end : match.start], shown]
        end = match.end
    return "".join(parts) + text[end:] if parts else text


def redact_pii(text: str) -> str:
    """``text`` with every resident identity number and mainland mobile number in it masked."""
    return _mask_mobiles(_IDENTITY_LIKE.sub(_mask_identity, text))


def redact_value(value: Any) -> Any:
    """``value`` with :func:`redact_pii` applied to its text: strings, the digits of integers
    (an identity number read from a spreadsheet as a number), exceptions' messages, and the
    items of dicts, lists and tuples. Anything else is returned as it is."""
    if isinstance(value, str):
        return redact_pii(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        text = str(value)
        masked = redact_pii(text)
        return value if masked == text else masked
    if isinstance(value, BaseException):
        text = str(value)
        masked = redact_pii(text)
        return value if masked == text else f"{type(value).__name__}: {masked}"
    if isinstance(value, Mapping):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        items = [redact_value(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value
