"""Data contracts: what a source's export must be for a sync to trust it (config/README.md,
"Data contracts").

- The header (CSV, XLSX, Parquet, a SQL result) holds the record id and every mapped column;
  otherwise the source is refused (`SourceRefused`, exit 2) before a row is read.
- A row is malformed when it has the wrong number of fields, an unbalanced quote, a NUL byte, a
  field longer than `MAX_FIELD_CHARS`, or text that is not in the file's encoding, or is a broken
  JSON line: it is handed on as an ``__invalid__`` row naming the reason and the line, and goes
  to quarantine; the rows around it are read.
- A file is read only inside the data directory or a directory the settings allow.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from connectors.config import SourceConfig
from connectors.errors import SourceRefused

# The longest field value accepted, in characters: Excel's own cell limit, so no department
# spreadsheet holds more in one cell; a longer one is a broken export (an unbalanced quote that
# swallowed the rest of the file) or not data at all.
MAX_FIELD_CHARS = 32_767
# How much of an oversized value the quarantine keeps.
_KEPT = 200


def required_columns(config: SourceConfig) -> dict[str, str]:
    """Column → the declaration key that needs it: the record id, the cursor and every mapped column."""
    needed: dict[str, str] = {}
    for column in config.record_id:
        needed.setdefault(column, "record_id")
    if config.cursor_column:
        needed.setdefault(config.cursor_column, "cursor_column")
    for role, entity in config.entities.items():
        for group, values in (("properties", entity.properties), ("hints", entity.hints)):
            for prop, spec in values.items():
                if spec.column is not None:
                    needed.setdefault(spec.column, f"entities.{role}.{group}.{prop}")
    return needed


def check_header(source: str, location: str, header: Sequence[str], required: Mapping[str, str]) -> None:
    """Refuse the source when its header lacks a column the declaration needs, naming it."""
    present = set(header)
    missing = [column for column in required if column not in present]
    if missing:
        column = missing[0]
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise SourceRefused(
            source,
            f"{location}: the header has no column {column!r}, which {required[column]} needs{more}",
        )


def value_problem(values: Iterable[tuple[str, Any]]) -> str | None:
    """Why a row's values cannot be trusted (a NUL byte, an oversized field), or None."""
    for name, value in values:
        if isinstance(value, str):
            if "\x00" in value:
                return f"NUL byte in column {name!r}"
            if len(value) > MAX_FIELD_CHARS:
                return f"oversized field: column {name!r} holds {len(value):,} characters (at most {MAX_FIELD_CHARS:,})"
    return None


def row_problem(row: Mapping[str, Any]) -> str | None:
    """`value_problem` of a row's top-level values, with a cheap first scan (rows are clean)."""
    texts = [v for v in row.values() if isinstance(v, str)]
    joined = "".join(texts)
    if "\x00" not in joined and not any(len(t) > MAX_FIELD_CHARS for t in texts):
        return None
    return value_problem(row.items())


def kept(text: str) -> str:
    """A value as the quarantine keeps it: cut when oversized, NUL bytes shown as \\x00."""
    if len(text) > MAX_FIELD_CHARS:
        text = f"{text[:_KEPT]}… ({len(text):,} characters)"
    return text.replace("\x00", "\\x00")


def shortened(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row as the quarantine keeps it (see `kept`)."""
    return {name: kept(value) if isinstance(value, str) else value for name, value in row.items()}


def confine(source: str, path: Path, data_dir: Path, allowed: Sequence[Path] = ()) -> Path:
    """``path`` (relative ones under ``data_dir``) if it lies in the data directory or an allowed
    directory, symbolic links and ``..`` resolved; otherwise the source is refused."""
    full = path if path.is_absolute() else data_dir / path
    resolved = full.resolve()
    roots = [data_dir, *allowed]
    if any(resolved.is_relative_to(root.resolve()) for root in roots):
        return full
    raise SourceRefused(
        source,
        f"{path}: outside the data directory {data_dir}"
        + (f" and the allowed directories ({', '.join(map(str, allowed))})" if allowed else "")
        + "; set GRIDHUB_SOURCE_DIRS to read it",
    )


def declaration_fingerprint(config: SourceConfig) -> str:
    """A digest of the normalised declaration (its title, its schedule and where it was read from
    left out: none changes how a row maps): equal means every row maps as before. Values equal to
    their defaults are left out too, so that a new option with a default (a hub upgrade) does not
    re-map every source."""
    data = config.model_dump(
        mode="json", by_alias=True, exclude={"file", "title", "schedule"}, exclude_defaults=True
    )
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def mapped_properties(config: SourceConfig) -> dict[str, list[str]]:
    """Entity type → the properties the declaration maps onto it (sorted)."""
    props: dict[str, set[str]] = {}
    for entity in config.entities.values():
        props.setdefault(entity.type, set()).update(entity.properties)
    return {kind: sorted(names) for kind, names in sorted(props.items())}
