"""The run report every sync prints and stores."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass
class SourceReport:
    source: str
    read: int = 0
    written: int = 0
    quarantined: int = 0
    retired: int = 0
    mentions: int = 0
    entities: int = 0
    relationships: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class RunReport:
    run_id: str
    store: str
    started_at: datetime
    finished_at: datetime | None = None
    sources: list[SourceReport] = field(default_factory=list)
    graph_counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(s.error for s in self.sources)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.run_id}.json"
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        return path
