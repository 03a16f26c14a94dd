"""Small helpers shared by the connectors: JSON-friendly values, dotted paths, env references,
and the cursor a connector keeps."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
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


def later(current: Any, candidate: Any) -> Any:
    """The larger of two cursor values; None and incomparable values never move the cursor."""
    if candidate is None:
        return current
    if current is None:
        return candidate
    try:
        return candidate if candidate > current else current
    except TypeError:
        return current
