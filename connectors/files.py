"""File connectors: CSV and JSON Lines, read as dictionaries of strings (or JSON values)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from connectors.errors import SourceUnavailable
from connectors.specs import FileConnectorSpec


class FileConnector:
    def __init__(self, source: str, spec: FileConnectorSpec, data_dir: Path) -> None:
        self.source = source
        self.spec = spec
        path = Path(spec.path)
        self.path = path if path.is_absolute() else data_dir / path

    def rows(self, since: Any = None) -> Iterator[dict[str, Any]]:
        if not self.path.is_file():
            raise SourceUnavailable(self.source, str(self.path), "file not found")
        try:
            with self.path.open(encoding=self.spec.encoding, newline="") as handle:
                if self.spec.kind == "csv":
                    yield from csv.DictReader(handle, delimiter=self.spec.delimiter)
                else:
                    for number, line in enumerate(handle, start=1):
                        if line.strip():
                            yield _json_object(line, self.path, number)
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceUnavailable(self.source, str(self.path), str(exc)) from exc


def _json_object(line: str, path: Path, number: int) -> dict[str, Any]:
    # A broken line is still a row: it reaches the mapper as a raw value and is quarantined there.
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"__invalid__": f"{path.name}:{number}: {exc}", "__line__": line.rstrip("\n")}
    return value if isinstance(value, dict) else {"__invalid__": f"{path.name}:{number}: not an object"}
