"""The sync pipeline: connector → mapping → resolver → graph store, batch by batch."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import structlog

from connectors.base import open_connector
from connectors.config import SourceConfig
from connectors.errors import RowError
from connectors.mapping import Mapper
from connectors.records import SourceRow
from hub.settings import Settings
from hub.store import GraphStore
from hub.sync.quarantine import Quarantine, QuarantinedRow
from hub.sync.report import RunReport, SourceReport
from hub.sync.writer import build_batch, write_batch
from resolvers.exact import ExactLinker

log = structlog.get_logger(__name__)
Progress = Callable[[str, int], None]


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(rows, size)):
        yield batch


def sync_source(
    store: GraphStore,
    config: SourceConfig,
    settings: Settings,
    run_id: str,
    quarantine: Quarantine,
    progress: Progress | None = None,
) -> SourceReport:
    report = SourceReport(source=config.name)
    started = time.perf_counter()
    mapper = Mapper(config, store.schema)
    linker = ExactLinker(store.schema)
    connector = open_connector(config, settings.data_dir)
    for raw_rows in _batches(connector.rows(), settings.write_batch_size):
        mapped: list[SourceRow] = []
        for raw in raw_rows:
            try:
                mapped.append(mapper.map_row(raw))
            except RowError as exc:
                record_id = _safe_record_id(mapper, raw)
                quarantine.add(QuarantinedRow(run_id, config.name, record_id, str(exc), raw))
                report.quarantined += 1
        mentions = [m for row in mapped for m in row.mentions]
        entity_ids = linker.link(mentions)
        batch = build_batch(store.schema, mapped, entity_ids, run_id, datetime.now(UTC))
        _, rels = write_batch(store, batch)
        report.read += len(raw_rows)
        report.written += len(mapped)
        report.mentions += len(mentions)
        report.entities += len(set(entity_ids.values()))
        report.relationships += rels
        if progress:
            progress(config.name, len(raw_rows))
    if config.mode == "snapshot":
        # Every current record was touched by this run; the ones that were not are gone upstream.
        report.retired = store.retire_records(config.name, unless_seen_in=run_id, at=datetime.now(UTC))
    report.seconds = round(time.perf_counter() - started, 3)
    log.info(
        "source synced",
        run_id=run_id,
        **{k: v for k, v in vars(report).items() if k != "source"},
        source=config.name,
    )
    return report


def _safe_record_id(mapper: Mapper, raw: dict[str, Any]) -> str | None:
    try:
        return mapper.record_id(raw)
    except RowError:
        return None


def sync_sources(
    store: GraphStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    progress: Progress | None = None,
) -> RunReport:
    """Sync each source in turn; a source that cannot be read is reported and stops the run."""
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    report = RunReport(run_id=run_id, store=store.uri, started_at=started_at)
    quarantine = Quarantine(settings.data_dir / "quarantine", run_id)
    store.apply_schema()
    for config in configs:
        report.sources.append(sync_source(store, config, settings, run_id, quarantine, progress))
    report.finished_at = datetime.now(UTC)
    counts = store.counts()
    report.graph_counts = {**counts.nodes, **counts.relationships}
    report.save(settings.data_dir / "runs")
    return report
