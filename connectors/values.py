"""Small helpers shared by the connectors: JSON-friendly values, dotted paths, env references,
and the cursor a connector keeps."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

# Values the mapper and the quarantine can take as they are. datetime/date/time stay typed:
# the mapper hashes rows with json.dumps(default=str) and its `date` transform wants them.
_AS_IS = (str, int, float, bool, datetime, date, time)
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def plain(value: Any) -> Any:
    """A database/Parquet value as a JSON-friendly Python value."""
    if value is None or isinstance(value, _AS_IS):
        return value
    if isinstance(value, Decimal):
        # Whole numbers become int (IDs kept in NUMERIC columns); fractions stay exact as text,
        # because float would change the content hash of an unchanged row after a round trip.
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, uuid.UUID | timedelta):
        return str(value)
    return str(value)


def plain_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(key): plain(value) for key, value in row.items()}


class PathMissing(LookupError):
    """A dotted path (``records_path``, ``next_cursor_path``) names nothing in a document."""


def dig(document: Any, path: str) -> Any:
    """``dig({"data": {"items": [..]}}, "data.items")``; a digit segment indexes a list."""
    value = document
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise PathMissing(part)
    return value


def expand_env(text: str) -> str:
    """Replace each ``${NAME}`` by that environment variable, so secrets stay out of the YAML.

    Raises KeyError naming the first variable that is not set.
    """

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise KeyError(name)
        return os.environ[name]

    return _ENV_REF.sub(lookup, text)


_CURSOR_DATETIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.(\d{1,6}))?秒?)?)?$"
)
_CURSOR_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$")  # 20240105[093000]
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")


def _cursor_datetime(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        match = _CURSOR_DATETIME.match(text) or _CURSOR_COMPACT.match(text)
        if match is None:
            return None
        groups = [*match.groups(), None][:7]
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in groups[:6])
        micro = int(groups[6].ljust(6, "0")) if groups[6] else 0  # a fraction of a second
        try:
            parsed = datetime(year, month, day, hour, minute, second, micro)
        except ValueError:  # 20241399: digits, not a calendar day
            return None
    return _naive(parsed)


def _naive(moment: datetime) -> datetime:
    # Aware and naive datetimes do not compare; an offset is applied, then dropped (UTC).
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def cursor_order(value: Any) -> Any:
    """What a cursor value is compared as. Files and JSON hand over text: "2024/1/10" sorts
    before "2024/1/9" as text, so an incremental file source compared as text would skip the
    tenth's rows as already synced. Text that reads as a date or time (ISO, 2024/1/9 9:05,
    2024年1月9日, 20240109) compares as a datetime, text that reads as a number as a number,
    other text as text; a date is the datetime of its midnight. Values of different kinds
    (a date against a word) stay incomparable: comparing them raises TypeError."""
    if isinstance(value, datetime):
        return _naive(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, Decimal):
        return (
            value
            if not value.is_finite()
            else float(value)
            if value != value.to_integral_value()
            else int(value)
        )
    if not isinstance(value, str):
        return value
    text = value.strip()
    moment = _cursor_datetime(text)
    if moment is not None:
        return moment
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    return text


def cursor_after(value: Any, since: Any) -> bool:
    """Whether ``value`` lies past the cursor ``since``. A value that cannot be compared with it
    counts as past: a row is read again rather than skipped (reading it again is harmless, the
    pipeline skips unchanged rows by their hash)."""
    try:
        return bool(cursor_order(value) > cursor_order(since))
    except TypeError:
        return True


def later(current: Any, candidate: Any) -> Any:
    """The larger of two cursor values (compared by :func:`cursor_order`, kept as they came);
    None, empty and incomparable values never move the cursor."""
    if candidate is None or (isinstance(candidate, str) and not candidate.strip()):
        return current
    if current is None:
        return candidate
    try:
        return candidate if cursor_order(candidate) > cursor_order(current) else current
    except TypeError:
        return current
