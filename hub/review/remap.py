"""Writing some records again from the rows the graph keeps of them, without reading their source.

A steward's pick (hub/review/addresses.py) changes how a few records resolve, not what their
sources hold. Syncing the sources again for them (the first way of making a pick hold) re-read
and hashed a whole snapshot file: seconds that grow with the district. Each record's current
row is in the graph already (its RecordVersion's ``raw``, under the content hash the state
keeps), so the records are mapped again from those rows and written by the sync's own code
(SourceSync.write, as `quarantine replay` writes): the graph gets what the next sync would
write, at a cost that grows with the records concerned, not with the source.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import structlog

from connectors.config import SourceConfig
from connectors.errors import RowError
from connectors.records import SourceRow
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync.addresses import AddressBook
from hub.sync.pipeline import SourceSync, new_run_id, owed_resolution
from hub.sync.report import RunReport
from resolvers.ids import record_node_id, version_id

log = structlog.get_logger(__name__)


class AliasesAsked(Mapping[str, str]):
    """Merged-away id → survivor, asked of the state for the ids a few records name (reading
    every alias, as a sync does once for a whole source, costs more than the remap itself)."""

    def __init__(self, state: StateStore) -> None:
        self._state = state
        self._known: dict[str, str] = {}

    def __getitem__(self, entity_id: str) -> str:
        if entity_id not in self._known:
            self._known[entity_id] = self._state.resolve_alias(entity_id)
        survivor = self._known[entity_id]
        if survivor == entity_id:
            raise KeyError(entity_id)
        return survivor

    def __iter__(self) -> Iterator[str]:
        return (k for k, v in self._known.items() if k != v)

    def __len__(self) -> int:
        return sum(1 for k, v in self._known.items() if k != v)


@dataclass
class Remapped:
    run_id: str
    written: int = 0
    # Source → records whose kept row could not be used (no version kept, or it no longer maps):
    # the caller has them read from the source instead.
    unread: dict[str, set[str]] = field(default_factory=dict)


def current_rows(
    store: GraphStore, sync: SourceSync, record_ids: Iterable[str], versions: Mapping[str, str] | None = None
) -> tuple[list[SourceRow], set[str]]:
    """The records' current rows (or, with ``versions``, record id → content hash, those
    versions), mapped again with the source's declaration as it is now; and the records that
    have none to map (not current, no version kept, or the row now fails)."""
    source = sync.config.name
    hashes = sync.known if versions is None else versions
    asked = set(record_ids)
    wanted = {r: hashes[r] for r in asked if hashes.get(r)}
    missing = asked - set(wanted)
    nodes = {version_id(record_node_id(source, r), digest): r for r, digest in wanted.items()}
    kept = store.get_nodes(store.schema.roles.record_version, nodes)
    rows = []
    for node_id, record_id in nodes.items():
        node = kept.get(node_id)
        raw = node.properties.get("raw") if node is not None else None
        if raw is None:
            missing.add(record_id)
            continue
        try:
            row = sync.mapper.map_row(json.loads(raw))
        except RowError as exc:
            # A declaration changed since the row was read: the source's own read files it.
            log.warning("kept row no longer maps", source=source, record=record_id, error=str(exc))
            missing.add(record_id)
            continue
        # The hash the state keeps is the source row's: a row kept as JSON (a SQL source's dates
        # become text) may hash otherwise, and must not look changed to the next sync.
        rows.append(replace(row, content_hash=wanted[record_id]))
    return rows, missing


def remap_records(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    records: Mapping[str, set[str]],
    addresses: AddressBook,
) -> Remapped:
    """Write ``records`` (source → record ids) again from their kept rows, as one recorded run,
    then resolve what changed as a sync does (incremental pass)."""
    started = datetime.now(UTC)
    result = Remapped(new_run_id(started))
    report = RunReport(run_id=result.run_id, store=store.uri, started_at=started)
    state.save_run(result.run_id, started, "running", report.to_dict(), None)
    store.apply_schema()
    try:
        for config in configs:
            wanted = records.get(config.name)
            if not wanted:
                continue
            sync = SourceSync(
                store, state, config, settings, result.run_id, addresses, AliasesAsked(state), only=wanted
            )
            rows, missing = current_rows(store, sync, wanted)
            if missing:
                result.unread[config.name] = missing
            if rows:
                asserted = sync.write(rows)
                state.commit_batch(
                    config.name, result.run_id, {r.record_id: r.content_hash for r in rows}, None, asserted
                )
                sync.report.changed = len(rows)
                result.written += len(rows)
            report.sources.append(sync.report)
        if result.written and settings.resolve_after_sync:
            report.resolution = owed_resolution(store, state, result.run_id, settings)
    except BaseException as exc:
        report.status, report.error = "failed", f"{type(exc).__name__}: {exc}"
        report.finished_at = datetime.now(UTC)
        state.save_run(result.run_id, started, report.status, report.to_dict(), report.finished_at)
        raise
    report.status, report.finished_at = "succeeded", datetime.now(UTC)
    state.save_run(result.run_id, started, report.status, report.to_dict(), report.finished_at)
    return result
