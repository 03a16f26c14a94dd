"""The sync pipeline: connector → mapping → resolver → graph store, batch by batch.

Incremental and crash-safe by construction: each batch is written to the graph first (idempotent
MERGEs), and only then are its record hashes and cursor committed to the state database. A crash
between the two means the next run writes the batch again, which converges to the same graph.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Protocol

import structlog

from connectors.base import open_connector
from connectors.config import SourceConfig
from connectors.contracts import declaration_fingerprint, mapped_properties, row_problem, shortened
from connectors.errors import RowError, SourceRefused
from connectors.mapping import Mapper
from connectors.records import SourceRow
from connectors.values import cursor_after, later
from hub.errors import HubError
from hub.redact import redact_pii
from hub.resolution.engines import Dedupe, Engine, full_pass_engine
from hub.resolution.merges import finish_graph_merges
from hub.resolution.passes import resolve_entities
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync.addresses import AddressBook, ResolvedAddresses, feeds_library, resolves_addresses
from hub.sync.mentions import mention_rows
from hub.sync.report import RunReport, SourceReport
from hub.sync.writer import MentionKey, assertions, build_batch, follow_aliases, write_batch
from resolvers.exact import ExactLinker
from resolvers.ids import record_node_id
from resolvers.linking import dedupe

log = structlog.get_logger(__name__)
# The first rows of a read whose record ids are looked at for identity or mobile numbers.
PERSONAL_ID_SAMPLE = 200
# How the quarantine reason of a duplicate record id begins (after the column names).
DUPLICATE = "duplicate record id"


class Progress(Protocol):
    """Told as work advances: ``rows`` more of ``task`` (a source, or "resolution") done, and
    once more with ``finished`` when the task ends, so a progress bar can end at its total."""

    def __call__(self, task: str, rows: int, finished: bool = False) -> None: ...


RESOLUTION_TASK = "resolution"


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
        aliases: Mapping[str, str] | None = None,
        *,
        allow_retire: bool = False,
        only: Collection[str] | None = None,
    ) -> None:
        """``only``: the sync writes just these records, from rows it is given (a steward's
        remap, hub/review/remap.py): the other records' hashes are not read, and it cannot run."""
        self.store = store
        self.only = only
        self.state = state
        self.config = config
        # The relationship types this source's records can assert (what a change can retract).
        self.asserted = frozenset(link.type for link in config.relationships)
        self.settings = settings
        self.run_id = run_id
        key = state.pseudonym_key(settings.pseudonym_key.get_secret_value())
        self.mapper = Mapper(config, store.schema, key)
        self.linker = ExactLinker(store.schema, key)
        if not key and config.record_id_is_pii(store.schema):
            log.warning(
                "record ids are personal data but kept as they are",
                source=config.name,
                why="the state database holds records from before pseudonym keys; sync into a new "
                "data directory (or state database) to key them",
            )
        self.addresses = addresses or AddressBook(store, aliases=state.address_aliases())
        self.report = SourceReport(source=config.name)
        self.known = state.hashes(config.name, only)
        # The source's current records before this read: what the retirement guard measures by.
        self.current = len(self.known)
        self.allow_retire = allow_retire
        # Record id → the row of this read that first had it (a later row with it is a duplicate).
        self.first_row: dict[str, int] = {}
        self.pending = state.pending_quarantine(config.name)
        # Rows a steward fixed (hub/review/quarantine.py): the source's row, by its hash, is read
        # as the fixed one for as long as the source sends it unchanged and the fix stands.
        self.fixes = state.row_fixes(config.name)
        # Merged-away id → survivor. Only a resolution pass adds aliases, and it runs after the
        # sources: one read serves every source of a run.
        self.aliases = state.aliases() if aliases is None else aliases
        self.seen: set[str] = set()
        self.warned_personal = False
        self._resolution_owed = False
        # Changed rows wait here until a full write batch has gathered: with few changes spread
        # over a large source, writing per read batch would mean many tiny (and slow) writes.
        self.buffer: list[SourceRow] = []
        self.cursor: Any = None

    def run(self, progress: Progress | None = None) -> SourceReport:
        """Read, map and write the source. Raises `SourceRefused` when its export breaks the data
        contract (a missing column, a read that would retire too much): nothing is retired then."""
        if self.only is not None:
            raise HubError(
                f"a sync of some records of {self.config.name} writes rows it is given; it reads nothing"
            )
        started = time.perf_counter()
        unmapped = self._redeclared()
        since = self.state.cursor(self.config.name) if self.config.mode == "incremental" else None
        connector = open_connector(self.config, self.settings.data_dir, self.settings.source_dirs)
        fingerprint = self._unchanged_snapshot(connector)
        if fingerprint is None:
            self.report.unchanged = len(self.known)
            self.report.seconds = round(time.perf_counter() - started, 3)
            return self.report
        for raw_rows in _batches(connector.rows(since), self.settings.write_batch_size):
            self._sync_batch(raw_rows, since)
            if progress:
                progress(self.config.name, len(raw_rows))
        if progress:
            progress(self.config.name, 0, finished=True)
        self._flush()
        if self.config.mode == "snapshot":
            self._guard_retirement(
                str(getattr(connector, "path", None) or getattr(connector, "location", ""))
            )
            self._retire_unseen()
            if fingerprint:
                # Only now that every row of this version is in the graph.
                self.state.commit_batch(self.config.name, self.run_id, {}, fingerprint)
        if unmapped:
            self._clear_unmapped(unmapped)
        # Only now that every record is mapped with it: a failed run re-maps again next time.
        self.state.save_declaration(
            self.config.name, declaration_fingerprint(self.config), mapped_properties(self.config)
        )
        self.report.seconds = round(time.perf_counter() - started, 3)
        # The per-field figures are for the quality report (`gridhub report`), not the log line.
        quiet = ("address_reasons", "filled", "invalid_identifiers", "identifier_kinds")
        log.info(
            "source synced",
            run_id=self.run_id,
            **{k: v for k, v in vars(self.report).items() if k not in quiet},
        )
        return self.report

    def _redeclared(self) -> dict[str, tuple[list[str], set[str]]]:
        """When the declaration changed since the last sync, every record of the source is marked
        changed (re-read and re-mapped by this run); returns, per entity type, the properties it
        mapped before and maps no more, with the entities its records named before the change
        (a role dropped from the declaration names none after it)."""
        name = self.config.name
        previous = self.state.declaration(name)
        current = declaration_fingerprint(self.config)
        if previous is None:
            # Never recorded (a first sync, or state from before declarations were kept).
            self.state.save_declaration(name, current, mapped_properties(self.config))
            return {}
        fingerprint, before = previous
        if fingerprint == current:
            return {}
        self.report.redeclared = True
        if self.known:
            # Changed rather than new: their first-seen time and fixed properties stay.
            self.state.redo_records(name, list(self.known), reread=True)
            self.known = dict.fromkeys(self.known, "")
        if self.config.mode == "incremental":
            self.state.reset_cursor(name)  # every row again, not only those past the cursor
        now = mapped_properties(self.config)
        gone = {kind: sorted(set(props) - set(now.get(kind, ()))) for kind, props in before.items()}
        log.info("declaration changed: re-mapping the source", source=name, records=len(self.known))
        return {
            kind: (props, {entity for _, entity in self.state.asserted_entities(name, kind)})
            for kind, props in gone.items()
            if props
        }

    def _clear_unmapped(self, unmapped: dict[str, tuple[list[str], set[str]]]) -> None:
        """Take the properties the declaration no longer maps off the entities its records name,
        unless another source's declaration still maps them (their values stay: which source
        wrote a node property is not kept)."""
        others: set[tuple[str, str]] = set()
        for source, (_, mapped) in self.state.declarations().items():
            if source != self.config.name:
                others |= {(kind, prop) for kind, names in mapped.items() for prop in names}
        nodes = {node.name: node for node in self.store.schema.node_types}
        for kind, (props, named_before) in unmapped.items():
            if kind not in nodes:
                continue
            alone = [p for p in props if (kind, p) not in others and p in nodes[kind].property_names]
            if not alone:
                continue
            named = named_before | {e for _, e in self.state.asserted_entities(self.config.name, kind)}
            ids = sorted({self.aliases.get(e, e) for e in named})
            self.store.clear_properties(kind, ids, alone)
            self.report.unmapped[kind] = alone

    def _guard_retirement(self, location: str) -> None:
        """Refuse a snapshot read that reads no rows, or would retire more than the set share of
        the source's current records (a truncated or wrong export), unless allowed."""
        if self.allow_retire:
            return
        where = f"{location}: " if location else ""
        if self.report.read == 0:
            raise SourceRefused(
                self.config.name,
                f"{where}the read has no rows; nothing retired (sync with --allow-retire if the "
                "source is really empty now)",
            )
        gone = len(set(self.known) - self.seen)
        share = self.settings.max_retire_share
        if self.current and gone > share * self.current:
            raise SourceRefused(
                self.config.name,
                f"{where}the read would retire {gone:,} of {self.current:,} current records "
                f"({gone / self.current:.0%}, more than GRIDHUB_MAX_RETIRE_SHARE={share:.0%}); "
                "nothing retired (sync with --allow-retire to accept it)",
            )

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
                and not cursor_after(raw[cursor_column], since)
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
        digest = self.mapper.content_hash(raw)
        fixed = self.fixes.get(digest)
        if fixed is not None:
            raw, digest = dict(fixed), self.mapper.content_hash(fixed)
        # A malformed row (the connector's reason, with its line) or a NUL byte or oversized field.
        problem = raw.get("__invalid__")
        if problem is None and (problem := row_problem(raw)) is not None:
            problem = f"row {self.report.read} of the read: {problem}"
            raw = shortened(raw)
        try:
            record_id = self.mapper.record_id(raw)
        except RowError as exc:
            self._quarantine(raw, None, digest, RowError("(row)", str(problem)) if problem else exc)
            return None
        self.seen.add(record_id)  # a bad row, too, must not retire the record it is a version of
        if self.report.read <= PERSONAL_ID_SAMPLE and not self.mapper.pseudonymous:
            self._warn_personal_id(record_id)
        if problem is not None:
            self._quarantine(raw, record_id, digest, RowError("(row)", str(problem)))
            return None
        first = self.first_row.setdefault(record_id, self.report.read)
        if first != self.report.read:
            message = (
                f"{DUPLICATE} {record_id!r} in this read: row {self.report.read} "
                f"repeats row {first}, which is kept"
            )
            self._quarantine(raw, record_id, digest, RowError(", ".join(self.config.record_id), message))
            return None
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

    def _warn_personal_id(self, record_id: str) -> None:
        """Once a run: the record ids look like identity or mobile numbers the declaration does
        not call personal data (``gridhub sources check`` counts them)."""
        if not self.warned_personal and redact_pii(record_id) != record_id:
            self.warned_personal = True
            log.warning(
                "record ids look like identity or mobile numbers",
                source=self.config.name,
                record_id=redact_pii(record_id),
                hint="declare `record_id_pii: true` in the source so that its rows are kept under pseudonyms",
            )

    def _quarantine(self, raw: dict[str, Any], record_id: str | None, digest: str, error: RowError) -> None:
        self.report.quarantined += 1
        # The same bad row read again is counted, not filed again.
        if (record_id, digest) not in self.pending:
            self.state.quarantine(self.run_id, self.config.name, record_id, str(error), raw, digest)
            self.pending.add((record_id, digest))

    def write(self, rows: Sequence[SourceRow]) -> dict[str, str]:
        """Write the rows to the graph; returns what each record written asserts there."""
        if not self._resolution_owed:
            # Before the first graph write: killed anywhere after it, the next run still
            # resolves what this one wrote, whether or not its sources changed again.
            self.state.set_flag(RESOLUTION_OWED, self.run_id)
            self._resolution_owed = True
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
            streets=self._streets(rows, entity_ids, resolved),
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

    def _streets(
        self, rows: Sequence[SourceRow], entity_ids: Mapping[MentionKey, str], resolved: ResolvedAddresses
    ) -> dict[str, str]:
        """Record id → the street of the row's standard address (the first in street order, for a
        row with several): the order its writes go in. A source of the address library itself
        is left in its order: its batches change the library, which would be read anew each time."""
        if feeds_library(self.config, self.store.schema):
            return {}
        address = self.store.schema.roles.standard_address
        streets: dict[str, str] = {}
        for row in rows:
            found = [
                street
                for m in row.mentions
                if m.entity_type == address
                and (street := self.addresses.street_of(entity_ids[m.key], resolved)) is not None
            ]
            if found:
                streets[row.record_id] = min(found)
        return streets

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
        cursor = self.cursor
        for raw in raw_rows:
            cursor = later(cursor, raw.get(column))
        return cursor

    def _retire_unseen(self) -> None:
        self.retire(sorted(set(self.known) - self.seen))

    def retire(self, record_ids: Sequence[str]) -> None:
        """The records are no longer current (also a revoked quarantine fix's record, whose
        source row does not map)."""
        if not record_ids:
            return
        ids = [record_node_id(self.config.name, record_id) for record_id in record_ids]
        # A retired record is history: it stays, but what only it asserted is no longer so.
        self.store.retract_records(ids, self.asserted)
        self.report.retired += self.store.retire_records(ids, datetime.now(UTC))
        self.state.forget(self.config.name, record_ids)


def sync_sources(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    progress: Progress | None = None,
    *,
    allow_retire: bool = False,
) -> RunReport:
    """Sync each source in turn. A source that cannot be read stops the run (the error propagates,
    the run is recorded as failed); bad rows never do. A source whose export breaks its data
    contract (`SourceRefused`) stops alone: the others are synced, and the run ends "refused"
    with the reasons in ``report.refused`` (the CLI exits 2). ``allow_retire`` lifts the
    retirement guard (GRIDHUB_MAX_RETIRE_SHARE)."""
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    report = RunReport(run_id=run_id, store=store.uri, started_at=started_at)
    mark_interrupted_runs(state)
    state.save_run(run_id, started_at, "running", report.to_dict(), None)
    adopt_unfinished_writes(state, run_id)
    store.apply_schema()
    schema = store.schema
    library_sources = [c for c in configs if feeds_library(c, schema)]
    standard = [c.name for c in library_sources]

    def library_version() -> str | None:
        cursors = [state.cursor(name) for name in standard]
        return None if not cursors or None in cursors else repr(cursors)

    # A building a steward picked for an address text holds on every sync (hub/review/addresses.py).
    addresses = AddressBook(store, settings.data_dir / "cache", library_version, state.address_aliases())
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
            sync = SourceSync(
                store, state, config, settings, run_id, addresses, aliases, allow_retire=allow_retire
            )
            try:
                report.sources.append(sync.run(progress))
            except SourceRefused as exc:
                log.warning("source refused", source=config.name, reason=exc.reason)
                sync.report.refused = exc.reason
                report.sources.append(sync.report)
                report.refused[config.name] = exc.reason
    except BaseException as exc:
        report.status = "failed"
        report.error = f"{type(exc).__name__}: {exc}"
        report.finished_at = datetime.now(UTC)
        state.save_run(run_id, started_at, report.status, report.to_dict(), report.finished_at)
        raise
    changed = any(s.new or s.changed or s.retired for s in report.sources)
    if settings.resolve_after_sync and (changed or state.flag(RESOLUTION_OWED) is not None):
        # Fuzzy resolution over all current mentions, now that every source of the run is written
        # (or an earlier run's writes were never resolved: it was killed before).
        try:
            if progress:
                progress(RESOLUTION_TASK, 0)
            report.resolution = owed_resolution(store, state, run_id, settings)
            if progress:
                progress(RESOLUTION_TASK, 0, finished=True)
        except BaseException as exc:
            report.status = "failed"
            report.error = f"resolution: {type(exc).__name__}: {exc}"
            report.finished_at = datetime.now(UTC)
            state.save_run(run_id, started_at, report.status, report.to_dict(), report.finished_at)
            raise
    report.status = "refused" if report.refused else "succeeded"
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


# Flags (hub/state): a sync wrote mentions no pass has resolved yet; a pass began and has not
# finished. The first makes the next sync resolve even if nothing changed since; the second says
# the pass was interrupted (which types it finished, and which full clusterings it left half
# done, the state keeps per type: see owed_resolution).
RESOLUTION_OWED = "resolution_owed"
RESOLUTION_RUNNING = "resolution_running"


def process_alive(pid: int) -> bool:
    """Whether a process of this host runs with ``pid`` (a run's, a server's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def mark_interrupted_runs(state: StateStore) -> None:
    """Runs a killed process left "running" are marked "interrupted" (with why)."""
    for run_id in state.mark_interrupted_runs(socket.gethostname(), process_alive):
        log.warning("run interrupted", run_id=run_id)


def adopt_unfinished_writes(state: StateStore, run_id: str) -> None:
    """What runs that died (or failed) since the last finished one wrote is this run's to finish:
    their mentions are recorded as this run's (see StateStore.adopt_unfinished_mentions), so the
    resolution pass orders them as one uninterrupted run would have. After the run is recorded
    as running: if it dies too, the next run takes both over."""
    for entity_type, runs in state.adopt_unfinished_mentions(run_id).items():
        log.warning(
            "taking over the mentions of unfinished runs", run_id=run_id, entity_type=entity_type, runs=runs
        )


def owed_resolution(
    store: GraphStore,
    state: StateStore,
    run_id: str,
    settings: Settings,
    *,
    full: bool = False,
    full_dedupe: Dedupe = dedupe,
) -> list[dict[str, Any]]:
    """The resolution pass, recorded as under way while it runs and as done when it finished.

    After an interrupted pass, each type is resolved as an uninterrupted pass would have left
    it. First, the merges the interrupted pass recorded in the state are made in the graph
    (the graph folds its nodes beside the state's bookkeeping: it may lag behind). Then a type
    the interrupted pass finished is left as it is (its snapshot holds its mentions: nothing
    is new to it); a type it had not begun is resolved as the state says (nothing of it
    changed); an incremental pass it had begun is done again the same way (the snapshot it
    starts from is written last, and the merges it made are in the aliases the snapshot is read
    through); and a full clustering it had begun is done again in full, every golden value
    recomputed (its model, merges and splits may be half made, the entities they touched are
    not known)."""
    interrupted = state.flag(RESOLUTION_RUNNING)
    redo = state.full_passes_under_way()
    targeted = state.targeted_passes_under_way()
    for entity_type, judged in sorted(targeted.items()):
        # A steward's judgement killed in its pass: its merges finished in the graph, its type
        # clustered again in full (which entities it had touched is not known).
        log.warning("a judgement's pass was interrupted", run_id=judged, entity_type=entity_type)
        finish_graph_merges(store, state, judged)
        redo.setdefault(entity_type, judged)
    if interrupted is not None:
        log.warning(
            "an earlier resolution pass was interrupted", run_id=interrupted, redo_in_full=sorted(redo)
        )
        finish_graph_merges(store, state, interrupted)
        if not state.resolved_runs():
            # Interrupted before the state kept what a pass did per type: all again, in full.
            redo = {n.name: interrupted for n in store.schema.node_types if n.resolver}
    state.set_flag(RESOLUTION_RUNNING, run_id)
    resolved = resolve_entities(
        store, state, run_id, settings.data_dir / "cache", full, redo=redo, full_dedupe=full_dedupe
    )
    reports = [asdict(r) for r in resolved]
    for entity_type in targeted:
        state.end_targeted_pass(entity_type)
    state.clear_flags(RESOLUTION_RUNNING, RESOLUTION_OWED)
    return reports


def resolve_pass(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    *,
    full: bool = False,
    engine: Engine = Engine.INPROCESS,
) -> list[dict[str, Any]]:
    """The resolution pass on its own, recorded as a run of its own. ``engine``: what computes
    its full clusterings (Spark only with ``full``: an incremental pass stays in process)."""
    if engine is not Engine.INPROCESS and not full:
        raise HubError(f"the {engine.value} engine runs the full pass only: add --full")
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    process = {"pid": os.getpid(), "host": socket.gethostname()}
    mark_interrupted_runs(state)
    # Which engine computed the pass is kept with it: a merge's explanation names the run.
    kind = {"kind": "resolve", "full": full, "engine": engine.value}
    state.save_run(run_id, started_at, "running", {**kind, **process}, None)
    adopt_unfinished_writes(state, run_id)
    try:
        with full_pass_engine(engine, settings, store) as full_dedupe:
            reports = owed_resolution(store, state, run_id, settings, full=full, full_dedupe=full_dedupe)
    except BaseException as exc:
        failed = {**kind, **process, "error": f"{type(exc).__name__}: {exc}"}
        state.save_run(run_id, started_at, "failed", failed, datetime.now(UTC))
        raise
    state.save_run(run_id, started_at, "succeeded", {**kind, "resolution": reports}, datetime.now(UTC))
    return reports
