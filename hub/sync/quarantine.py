"""Bad rows go here with the raw row, the source, the record id, the error and the run id."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    run_id: str
    source: str
    record_id: str | None
    error: str
    raw: dict[str, Any]


class Quarantine:
    """An append-only JSON Lines file per run under ``<data_dir>/quarantine``."""

    def __init__(self, directory: Path, run_id: str) -> None:
        self.path = directory / f"{run_id}.jsonl"
        self.run_id = run_id

    def add(self, row: QuarantinedRow) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(row), ensure_ascii=False, default=str) + "\n")
