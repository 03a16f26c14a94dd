"""The sync pipeline: connector → mapping → resolver → graph store, batch by batch.

Incremental and crash-safe by construction: each batch is written to the graph first (idempotent
MERGEs), and only then are its record hashes and cursor committed to the state database. A crash
between the two means the next run writes the batch again, which converges to the same graph.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import structlog

from connectors.base import open_connector
from connectors.config import SourceConfig
from connectors.errors import RowError
from connectors.mapping import Mapper, content_hash
from connectors.records import SourceRow
from hub.resolution.passes import resolve_entities
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync.addresses import AddressBook, ResolvedAddresses, feeds_library, resolves_addresses
from hub.sync.mentions import mention_rows
from hub.sync.report import RunReport, SourceReport
from hub.sync.writer import assertions, build_batch, follow_aliases, write_batch
from resolvers.exact import ExactLinker
from resolvers.ids import record_node_id

log = structlog.get_logger(__name__)
Progress = Callable[[str, int], None]


def new_run_id(now: datetime) -> str:
    # Microseconds: run ids order mentions in time (a snapshot holds those up to its run), and
    # two runs can start within one second.
    return f"{now:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:6]}"


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(rows, size)):
        yield batch


def _filled(value: Any) -> bool:
    return value is not None and value != ""


class SourceSync:
    """One source's sync within a run."""

    def __init__(
        self,
        store: GraphStore,
        state: StateStore,
        config: SourceConfig,
        settings: Settings,
        run_id: str,
        addresses: AddressBook | None = None,
        aliases: dict[str, str] | None = None,
    ) -> None:
        self.store = store
        self.state = state
        self.config = config
        # The relationship types this source's records can assert (what a change can retract).
        self.asserted = frozenset(link.type for link in config.relationships)
        self.settings = settings
        self.run_id = run_id
        self.mapper = Mapper(config, store.schema)
        self.linker = ExactLinker(store.schema)
        self.addresses = addresses or AddressBook(store)
        self.report = SourceReport(source=config.name)
        self.known = state.hashes(config.name)
        self.pending = state.pending_quarantine(config.name)
        # Merged-away id → survivor. Only a resolution pass adds aliases, and it runs after the
        # sources: one read serves every source of a run.
        self.aliases = state.aliases() if aliases is None else aliases
        self.seen: set[str] = set()
        # Changed rows wait here until a full write batch has gathered: with few changes spread
        # over a large source, writing per read batch would mean many tiny (and slow) writes.
        self.buffer: list[SourceRow] = []
        self.cursor: Any = None

    def run(self, progress: Progress | None = None) -> SourceReport:
        started = time.perf_counter()
        since = self.state.cursor(self.config.name) if self.config.mode == "incremental" else None
        connector = open_connector(self.config, self.settings.data_dir)
        fingerprint = self._unchanged_snapshot(connector)
        if fingerprint is None:
            self.report.unchanged = len(self.known)
            self.report.seconds = round(time.perf_counter() - started, 3)
            return self.report
        for raw_rows in _batches(connector.rows(since), self.settings.write_batch_size):
            self._sync_batch(raw_rows, since)
            if progress:
                progress(self.config.name, len(raw_rows))
        self._flush()
        if self.config.mode == "snapshot":
            self._retire_unseen()
            if fingerprint:
                # Only now that every row of this version is in the graph.
                self.state.commit_batch(self.config.name, self.run_id, {}, fingerprint)
        self.report.seconds = round(time.perf_counter() - started, 3)
        # The per-field figures are for the quality report (`gridhub report`), not the log line.
        quiet = ("address_reasons", "filled", "invalid_identifiers", "identifier_kinds")
        log.info(
            "source synced",
            run_id=self.run_id,
            **{k: v for k, v in vars(self.report).items() if k not in quiet},
        )
        return self.report

    def _unchanged_snapshot(self, connector: Any) -> str | None:
        """The snapshot file's fingerprint ("" when not a file), or None when it is the one synced last."""
        fingerprint = getattr(connector, "fingerprint", None)
        if self.config.mode != "snapshot" or fingerprint is None:
            return ""
        current = fingerprint()
        if current is not None and current == self.state.cursor(self.config.name):
            return None
        return current or ""

    def _sync_batch(self, raw_rows: list[dict[str, Any]], since: Any) -> None:
        changed: list[SourceRow] = []
        cursor_column = self.config.cursor_column
        for raw in raw_rows:
            # Connectors that cannot push the cursor down (files) hand over every row.
            if (
                since is not None
                and cursor_column
                and raw.get(cursor_column) is not None
                and raw[cursor_column] <= since
            ):
                continue
            self.report.read += 1
            row = self._changed_row(raw)
            if row is not None:
                changed.append(row)
        self.buffer.extend(changed)
        self.cursor = self._batch_cursor(raw_rows) or self.cursor
        if len(self.buffer) >= self.settings.write_batch_size:
            self._flush()

    def _flush(self) -> None:
        """Write the buffered rows, then commit their hashes and the cursor of every row read so far."""
        rows, self.buffer = self.buffer, []
        asserted = self.write(rows) if rows else {}
        # Committed only now that the graph holds the rows (see the module docstring).
        self.state.commit_batch(
            self.config.name, self.run_id, {r.record_id: r.content_hash for r in rows}, self.cursor, asserted
        )
        self.known.update((r.record_id, r.content_hash) for r in rows)

    def _changed_row(self, raw: dict[str, Any]) -> SourceRow | None:
        """The mapped row if it is new or changed; None if unchanged or quarantined.

        The hash is taken of the raw row before mapping, so an unchanged row costs a hash, not a
        mapping: that is what keeps a re-sync of unchanged sources a small fraction of the first.
        """
        digest = content_hash(raw)
        try:
            record_id = self.mapper.record_id(raw)
        except RowError as exc:
            self._quarantine(raw, None, digest, exc)
            return None
        self.seen.add(record_id)  # a bad row, too, must not retire the record it is a version of
        previous = self.known.get(record_id)
        if previous == digest:
            self.report.unchanged += 1
            return None
        try:
            row = self.mapper.map_row(raw)
        except RowError as exc:
            self._quarantine(raw, record_id, digest, exc)
            return None
        if previous is None:
            self.report.new += 1
        else:
            self.report.changed += 1
        return row

    def _quarantine(self, raw: dict[str, Any], record_id: str | None, digest: str, error: RowError) -> None:
        self.report.quarantined += 1
        # The same bad row read again is counted, not filed again.
        if (record_id, digest) not in self.pending:
            self.state.quarantine(self.run_id, self.config.name, record_id, str(error), raw, digest)
            self.pending.add((record_id, digest))

    def write(self, rows: Sequence[SourceRow]) -> dict[str, str]:
        """Write the rows to the graph; returns what each record written asserts there."""
        schema = self.store.schema
        # Before address resolution, which clears what the standard library decides.
        self._profile(rows)
        mentions = [m for row in rows for m in row.mentions]
        # An identifier's entity may have been merged into another since: follow the alias.
        entity_ids = {k: self.aliases.get(v, v) for k, v in self.linker.link(mentions).items()}
        to_resolve = [
            m
            for m in mentions
            if m.entity_type == schema.roles.standard_address and not self.config.entities[m.role].standard
        ]
        resolved = self.addresses.resolve(to_resolve, entity_ids) if to_resolve else ResolvedAddresses()
        entity_ids.update(resolved.entity_ids)
        existing: set[str] = set()
        for label in {m.entity_type for m in mentions}:
            existing |= self.store.existing_ids(
                label, {entity_ids[m.key] for m in mentions if m.entity_type == label}
            )
        created = set(entity_ids.values()) - existing
        now = datetime.now(UTC)
        new_records = {r.record_id for r in rows if r.record_id not in self.known}
        asserts = {r.record_id: assertions(r, entity_ids) for r in rows}
        # A changed record that asserts what it did (a new phone number, say) keeps its
        # relationships and provenance: rewriting them costs, on the embedded store, a rewrite
        # of every relationship table it touches at the next checkpoint.
        before = self.state.assertions(
            self.config.name, (r.record_id for r in rows if r.record_id not in new_records)
        )
        settled = {
            record_id
            for record_id, text in before.items()
            if follow_aliases(text, self.aliases) == asserts[record_id]
        }
        changed_records = [
            record_node_id(self.config.name, r.record_id)
            for r in rows
            if r.record_id not in new_records and r.record_id not in settled
        ]
        if changed_records:
            # A changed record says afresh what it asserts: its old assertions (a move takes the
            # old LIVES_AT with it, unless another record still says so) and provenance go.
            self.store.retract_records(changed_records, self.asserted)
            self.store.delete_relationships(
                schema.roles.provenance, schema.roles.source_record, changed_records
            )
        batch = build_batch(
            schema,
            rows,
            entity_ids,
            self.run_id,
            now,
            new_records,
            settled,
            department=self.config.department,
        )
        address, building = schema.roles.standard_address, schema.roles.building
        for node_id, props in resolved.nodes.items():
            batch.add_node(address, node_id, props)
        for node_id, building_id in resolved.in_building.items():
            batch.add_rel(schema.roles.address_links[0], (address, node_id), (building, building_id), {})
        _, rels = write_batch(self.store, batch)
        self.state.replace_mentions(
            self.config.name,
            [r.record_id for r in rows],
            mention_rows(
                schema,
                rows,
                entity_ids,
                lambda address_id: self.addresses.building_of(address_id, resolved),
                self.config.trust,
                self.run_id,
                room_of=self.addresses.room_of,
            ),
        )
        if feeds_library(self.config, schema):
            self.addresses.invalidate()
        self.report.review_opened += self.state.open_review_items("address", self.run_id, resolved.review)
        for outcome, count in resolved.counts.items():
            self.report.addresses[outcome] = self.report.addresses.get(outcome, 0) + count
        for outcome, kinds in resolved.reasons.items():
            mine = self.report.address_reasons.setdefault(outcome, {})
            for kind, count in kinds.items():
                mine[kind] = mine.get(kind, 0) + count
        self.report.mentions += len(mentions)
        self.report.entities_created += len(created)
        self.report.mentions_merged += len(mentions) - len(created)
        self.report.relationships += rels
        return asserts

    def _profile(self, rows: Sequence[SourceRow]) -> None:
        """Count, per mapped field, the rows in which it is non-empty, and the invalid identifiers."""
        report = self.report
        fields = [
            (role, prop)
            for role, entity in self.config.entities.items()
            for prop in (*entity.properties, *entity.hints)
        ]
        identifiers = {n.name: [p.name for p in n.identifiers] for n in self.store.schema.node_types}
        for name in (f"{role}.{prop}" for role, prop in fields):
            report.filled.setdefault(name, 0)
        for row in rows:
            report.rows_written += 1
            by_role = {m.role: m for m in row.mentions}
            for role, prop in fields:
                mention = by_role.get(role)
                if mention is not None and _filled(mention.properties.get(prop, mention.hints.get(prop))):
                    report.filled[f"{role}.{prop}"] += 1
            for mention in row.mentions:
                for prop in identifiers.get(mention.entity_type, ()):
                    if prop in mention.problems:
                        name = f"{mention.role}.{prop}"
                        report.invalid_identifiers[name] = report.invalid_identifiers.get(name, 0) + 1
                        report.identifier_kinds[name] = f"{mention.entity_type}.{prop}"

    def _batch_cursor(self, raw_rows: list[dict[str, Any]]) -> Any:
        column = self.config.cursor_column
        if self.config.mode != "incremental" or column is None:
            return None
        values = [raw[column] for raw in raw_rows if raw.get(column) not in (None, "")]
        if self.cursor is not None:
            values.append(self.cursor)
        return max(values) if values else None

    def _retire_unseen(self) -> None:
        gone = sorted(set(self.known) - self.seen)
        if not gone:
            return
        ids = [record_node_id(self.config.name, record_id) for record_id in gone]
        # A retired record is history: it stays, but what only it asserted is no longer so.
        self.store.retract_records(ids, self.asserted)
        self.report.retired = self.store.retire_records(ids, datetime.now(UTC))
        self.state.forget(self.config.name, gone)


def sync_sources(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    progress: Progress | None = None,
) -> RunReport:
    """Sync each source in turn. A source that cannot be read stops the run (the error propagates,
    the run is recorded as failed); bad rows never do."""
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    report = RunReport(run_id=run_id, store=store.uri, started_at=started_at)
    state.save_run(run_id, started_at, "running", report.to_dict(), None)
    store.apply_schema()
    schema = store.schema
    library_sources = [c for c in configs if feeds_library(c, schema)]
    standard = [c.name for c in library_sources]

    def library_version() -> str | None:
        cursors = [state.cursor(name) for name in standard]
        return None if not cursors or None in cursors else repr(cursors)

    addresses = AddressBook(store, settings.data_dir / "cache", library_version)
    aliases = state.aliases()
    try:
        # The sources the address library is made of first: the others resolve against it.
        # Then least trusted first: until survivorship lands, the last write of a value wins,
        # so the most trusted source's values are the ones that stay.
        redone = False
        for config in sorted(configs, key=lambda c: (not feeds_library(c, schema), c.trust)):
            if not redone and resolves_addresses(config, schema) and _library_changed(report, standard):
                _redo_unresolved_addresses(state, addresses, configs, schema.roles.standard_address)
                redone = True
            sync = SourceSync(store, state, config, settings, run_id, addresses, aliases)
            report.sources.append(sync.run(progress))
    except BaseException:
        report.status = "failed"
        report.finished_at = datetime.now(UTC)
        state.save_run(run_id, started_at, report.status, report.to_dict(), report.finished_at)
        raise
    if settings.resolve_after_sync and any(s.new or s.changed or s.retired for s in report.sources):
        # Fuzzy resolution over all current mentions, now that every source of the run is written.
        report.resolution = [
            asdict(r) for r in resolve_entities(store, state, run_id, settings.data_dir / "cache")
        ]
    report.status = "succeeded"
    report.finished_at = datetime.now(UTC)
    counts = store.counts()
    report.graph_counts = {**counts.nodes, **counts.relationships}
    state.save_run(run_id, started_at, report.status, report.to_dict(), report.finished_at)
    return report


def _library_changed(report: RunReport, library_sources: Sequence[str]) -> bool:
    """Whether this run has written anything new into the address library so far."""
    return any(s.new or s.changed or s.retired for s in report.sources if s.source in library_sources)


def _redo_unresolved_addresses(
    state: StateStore, addresses: AddressBook, configs: Sequence[SourceConfig], address_label: str
) -> None:
    """The library changed: records whose addresses matched nothing before are synced again,
    as if changed, so that their addresses are resolved against the library as it is now (and
    the persons living there gain the building as evidence). A snapshot source is read again
    for them; an incremental one redoes them when it next reads them."""
    resolved = addresses.resolved_ids()
    for config in configs:
        if not resolves_addresses(config, addresses.schema):
            continue
        asserted = state.asserted_entities(config.name, address_label)
        records = {record for record, entity in asserted if entity not in resolved}
        if records:
            state.redo_records(config.name, records, reread=config.mode == "snapshot")
            log.info("addresses to resolve again", source=config.name, records=len(records))


def resolve_pass(
    store: GraphStore, state: StateStore, settings: Settings, *, full: bool = False
) -> list[dict[str, Any]]:
    """The resolution pass on its own, recorded as a run of its own."""
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    state.save_run(run_id, started_at, "running", {"kind": "resolve", "full": full}, None)
    try:
        reports = [
            asdict(r) for r in resolve_entities(store, state, run_id, settings.data_dir / "cache", full)
        ]
    except BaseException:
        state.save_run(run_id, started_at, "failed", {"kind": "resolve", "full": full}, datetime.now(UTC))
        raise
    state.save_run(
        run_id,
        started_at,
        "succeeded",
        {"kind": "resolve", "full": full, "resolution": reports},
        datetime.now(UTC),
    )
    return reports
