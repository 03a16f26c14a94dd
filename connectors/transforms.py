"""Value transforms named in mappings: dates, gender codes, trimming, full-width → half-width."""

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
            except ValueError as exc:
                raise RowError("date", f"{text!r} is not a calendar date: {exc}") from None
    raise RowError("date", f"{text!r} is not a date in a known format")


def gender(value: Any) -> str:
    code = _GENDERS.get(halfwidth(str(value)).strip().lower())
    if code is None:
        raise RowError("gender", f"{value!r} is not a known gender code")
    return code


def to_int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise RowError("int", f"{value!r} is not an integer") from None


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
