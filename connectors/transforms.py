"""Value transforms named in mappings: dates, gender codes, trimming, full-width → half-width.

A value a transform cannot read is a `RowError` saying what is wrong without the value itself:
the reason is shown and logged where the row's values must not be (the quarantine keeps the
raw row for the data steward beside it)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from connectors.errors import RowError

Transform = Callable[[Any], Any]

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),  # 19460417
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),  # 1946-04-17, 1946/4/17, with time
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),  # 1946年4月17日
)
_GENDERS = {"m": "M", "male": "M", "男": "M", "男性": "M", "1": "M",
            "f": "F", "female": "F", "女": "F", "女性": "F", "2": "F"}  # fmt: skip
_DATE_FORMATS = "19460417, 1946-04-17, 1946/4/17, 1946年4月17日"
_GENDER_CODES = "M/F, male/female, 男/女, 男性/女性, 1/2"


def trim(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def halfwidth(value: Any) -> Any:
    """Full-width letters, digits and punctuation（ＡＢ１２，）to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = halfwidth(str(value)).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return date(year, month, day)
            except ValueError:  # newer Pythons quote the day and year: not in the reason
                raise RowError("date", "not a calendar date (no such month or day)") from None
    raise RowError("date", f"not a date in a known format ({_DATE_FORMATS})")


def gender(value: Any) -> str:
    code = _GENDERS.get(halfwidth(str(value)).strip().lower())
    if code is None:
        raise RowError("gender", f"not a known gender code ({_GENDER_CODES})")
    return code


def to_int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise RowError("int", "not an integer") from None


def to_text(value: Any) -> str:
    # Spreadsheet and JSON sources hand over numbers for code columns; codes are text here.
    return str(value)


TRANSFORMS: dict[str, Transform] = {
    "trim": trim,
    "halfwidth": halfwidth,
    "date": to_date,
    "gender": gender,
    "int": to_int,
    "text": to_text,
}
