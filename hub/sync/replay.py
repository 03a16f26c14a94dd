"""Replay quarantined rows: map them again (after a mapping or data fix) and write those that pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.config import SourceConfig
from connectors.errors import RowError
from connectors.records import SourceRow
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync.pipeline import DUPLICATE, SourceSync, new_run_id


@dataclass
class ReplayReport:
    run_id: str
    replayed: dict[str, int] = field(default_factory=dict)
    still_failing: dict[str, int] = field(default_factory=dict)


def replay_quarantine(
    store: GraphStore, state: StateStore, configs: list[SourceConfig], settings: Settings
) -> ReplayReport:
    run_id = new_run_id(datetime.now(UTC))
    report = ReplayReport(run_id=run_id)
    store.apply_schema()
    for config in configs:
        entries = state.quarantined(source=config.name)
        if not entries:
            continue
        sync = SourceSync(store, state, config, settings, run_id)
        passed: list[tuple[int, SourceRow]] = []
        for entry in entries:
            if entry.error.startswith(DUPLICATE, entry.error.find(": ") + 2):
                # The read kept another row of this record: writing this one would overwrite it.
                report.still_failing[config.name] = report.still_failing.get(config.name, 0) + 1
                continue
            try:
                passed.append((entry.id, sync.mapper.map_row(entry.raw)))
            except RowError:
                report.still_failing[config.name] = report.still_failing.get(config.name, 0) + 1
        write_replayed(sync, passed)
        report.replayed[config.name] = len(passed)
    return report


def write_replayed(sync: SourceSync, passed: list[tuple[int, SourceRow]]) -> None:
    """Write rows that now map, commit their hashes, and mark their quarantine entries replayed
    (also the steward's fix-and-replay, hub/review/quarantine.py)."""
    if not passed:
        return
    rows = [row for _, row in passed]
    asserted = sync.write(rows)
    sync.state.commit_batch(
        sync.config.name, sync.run_id, {r.record_id: r.content_hash for r in rows}, None, asserted
    )
    sync.state.mark_replayed([entry_id for entry_id, _ in passed], sync.run_id)
