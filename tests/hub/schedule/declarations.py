"""Source declarations for the schedule's tests."""

from __future__ import annotations

from typing import Any

from connectors.config import SourceConfig


def source(name: str, schedule: str | dict[str, Any] | None = None) -> SourceConfig:
    raw: dict[str, Any] = {
        "name": name,
        "connector": {"kind": "csv", "path": f"{name}.csv"},
        "record_id": "编号",
        "entities": {"self": {"type": "Person", "properties": {"name": "姓名"}}},
    }
    if schedule is not None:
        raw["schedule"] = schedule
    return SourceConfig.model_validate(raw)
