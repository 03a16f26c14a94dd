"""StateStore: read and commit sync state. Commits happen only after the graph write they describe."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import (
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from hub.errors import HubError
from hub.redact import redact_pii
from hub.state.api_keys import ApiKeyState
from hub.state.audit import AuditState
from hub.state.decisions import DecisionState
from hub.state.events import EventState
from hub.state.judgements import JudgementState
from hub.state.mentions import MentionState
from hub.state.pins import PinState
from hub.state.tables import (
    flags,
    golden_pins,
    judgements,
    mentions,
    metadata,
    models,
    quarantine,
    record_state,
    review_items,
    runs,
    source_cursor,
    source_declaration,
    steward_decisions,
)
from hub.state.tasks import TaskState


def _decided_items() -> Any:
    """The review items a standing decision answers: a judgement (merge candidates), a chosen
    value (conflicts) or another steward decision (a building picked, a skip), none revoked."""
    judged = select(judgements.c.review_item).where(
        judgements.c.review_item.is_not(None), judgements.c.revoked_at.is_(None)
    )
    pinned = select(golden_pins.c.review_item).where(
        golden_pins.c.review_item.is_not(None), golden_pins.c.revoked_at.is_(None)
    )
    decided = select(steward_decisions.c.review_item).where(
        steward_decisions.c.review_item.is_not(None), steward_decisions.c.revoked_at.is_(None)
    )
    return union(judged, pinned, decided)


def _review_item(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "subject": row.subject, "run_id": row.run_id,
            "payload": json.loads(row.payload)}  # fmt: skip


class StateError(HubError):
    pass


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    id: int
    run_id: str
    source: str
    record_id: str | None
    error: str
    raw: dict[str, Any]
    created_at: datetime
    replayed_run: str | None


def _quarantine_entry(row: Any) -> QuarantineEntry:
    return QuarantineEntry(
        id=row.id,
        run_id=row.run_id,
        source=row.source,
        record_id=row.record_id,
        error=row.error,
        raw=json.loads(row.raw),
        created_at=row.created_at,
        replayed_run=row.replayed_run,
    )


def encode_cursor(value: Any) -> str:
    """Keep the cursor's type, so `> since` compares like with like (a timestamp is not a string)."""
    if isinstance(value, datetime):
        return json.dumps({"type": "datetime", "value": value.isoformat()})
    if isinstance(value, date):
        return json.dumps({"type": "date", "value": value.isoformat()})
    if isinstance(value, int | float | str):
        return json.dumps({"type": type(value).__name__, "value": value})
    return json.dumps({"type": "str", "value": str(value)})


def decode_cursor(text: str) -> Any:
    data = json.loads(text)
    kind, value = data["type"], data["value"]
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    return value


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # WAL lets the API read while a sync writes; NORMAL sync is durable at checkpoint, enough here.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class StateStore(
    MentionState, JudgementState, PinState, DecisionState, ApiKeyState, AuditState, TaskState, EventState
):
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            # A failed statement's message leaves out its parameters (quarantined rows, mentions).
            self.engine: Engine = create_engine(url, hide_parameters=True)
            if self.engine.dialect.name == "sqlite":
                database = self.engine.url.database
                if database and database != ":memory:":
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
                event.listen(self.engine, "connect", _sqlite_pragmas)
            metadata.create_all(self.engine)
            # create_all makes missing tables only: an index added since goes on existing ones.
            for table in metadata.sorted_tables:
                for index in table.indexes:
                    index.create(self.engine, checkfirst=True)
            self._add_missing_columns()
        except (SQLAlchemyError, OSError) as exc:
            safe = self.engine.url.render_as_string(hide_password=True) if hasattr(self, "engine") else url
            raise StateError(f"state database {safe} is unavailable: {exc}") from exc

    def _add_missing_columns(self) -> None:
        """Nullable columns added to a table since the database was made (additive migration)."""
        inspector = inspect(self.engine)
        with self.engine.begin() as conn:
            for table in metadata.sorted_tables:
                present = {c["name"] for c in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name not in present and column.nullable:
                        kind = column.type.compile(dialect=self.engine.dialect)
                        conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))

    def _upsert(self) -> Any:
        return pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert

    # -- record hashes and cursors -------------------------------------------------------------

    def hashes(self, source: str, only: Collection[str] | None = None) -> dict[str, str]:
        """Record id → content hash of the source's current records (``only`` those, if given)."""
        query = select(record_state.c.record_id, record_state.c.content_hash).where(
            record_state.c.source == source
        )
        with self.engine.connect() as conn:
            if only is None:
                return {row.record_id: row.content_hash for row in conn.execute(query)}
            ids, found = list(only), {}
            for start in range(0, len(ids), 500):
                part = query.where(record_state.c.record_id.in_(ids[start : start + 500]))
                found.update({row.record_id: row.content_hash for row in conn.execute(part)})
            return found

    def assertions(self, source: str, record_ids: Iterable[str]) -> dict[str, str]:
        """Record id → what it asserts in the graph, as written (records written before this
        was kept, or whose mentions a split moved, have none)."""
        found: dict[str, str] = {}
        wanted = sorted(set(record_ids))
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                query = select(record_state.c.record_id, record_state.c.assertions).where(
                    record_state.c.source == source,
                    record_state.c.record_id.in_(wanted[start : start + 500]),
                    record_state.c.assertions.is_not(None),
                )
                found.update({row.record_id: row.assertions for row in conn.execute(query)})
        return found

    def cursor(self, source: str) -> Any:
        with self.engine.connect() as conn:
            text = conn.execute(
                select(source_cursor.c.cursor).where(source_cursor.c.source == source)
            ).scalar()
        return None if text is None else decode_cursor(text)

    def commit_batch(
        self,
        source: str,
        run_id: str,
        hashes: Mapping[str, str],
        cursor: Any = None,
        assertions: Mapping[str, str] | None = None,
    ) -> None:
        """Record what a written batch wrote, in one transaction: hashes (and what the records
        assert in the graph), then the cursor."""
        assertions = assertions or {}
        rows = [
            {"source": source, "record_id": r, "content_hash": h, "last_run": run_id,
             "assertions": assertions.get(r)}
            for r, h in hashes.items()
        ]  # fmt: skip
        with self.engine.begin() as conn:
            if rows:
                # executemany with one small statement: a multi-VALUES insert of 10k rows spends
                # seconds just being compiled.
                stmt = self._upsert()(record_state)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["source", "record_id"],
                    set_={
                        "content_hash": stmt.excluded.content_hash,
                        "last_run": stmt.excluded.last_run,
                        "assertions": stmt.excluded.assertions,
                    },
                )
                conn.execute(stmt, rows)
            if cursor is not None:
                values = {"source": source, "cursor": encode_cursor(cursor), "updated_at": datetime.now(UTC)}
                cur = self._upsert()(source_cursor).values(values)
                conn.execute(cur.on_conflict_do_update(index_elements=["source"], set_=values))

    def forget(self, source: str, record_ids: Iterable[str]) -> None:
        """Retired records leave the hash and mention tables; if one comes back it is new again."""
        ids = list(record_ids)
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                conn.execute(
                    delete(record_state).where(
                        record_state.c.source == source, record_state.c.record_id.in_(chunk)
                    )
                )
            # A retired record no longer speaks for any entity.
            self._remove_mentions(conn, source, ids, "")

    def asserted_entities(self, source: str, entity_type: str) -> list[tuple[str, str]]:
        """(record id, entity id) of every entity of ``entity_type`` the source's records assert
        (records written before assertions were kept have none)."""
        query = select(record_state.c.record_id, record_state.c.assertions).where(
            record_state.c.source == source, record_state.c.assertions.is_not(None)
        )
        found = []
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                ends, _ = json.loads(row.assertions)
                found += [(row.record_id, end[1]) for _, end in ends if end[0] == entity_type]
        return found

    def redo_records(self, source: str, record_ids: Iterable[str], *, reread: bool) -> None:
        """The next sync of ``source`` treats these records as changed (maps, resolves and writes
        them again) even though their rows are not; with ``reread``, it also reads a snapshot
        file that has not changed since (its fingerprint is forgotten)."""
        ids = list(record_ids)
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):
                conn.execute(
                    update(record_state)
                    .where(
                        record_state.c.source == source,
                        record_state.c.record_id.in_(ids[start : start + 500]),
                    )
                    .values(content_hash="")
                )
            if reread and ids:
                conn.execute(delete(source_cursor).where(source_cursor.c.source == source))

    def declaration(self, source: str) -> tuple[str, dict[str, list[str]]] | None:
        """The fingerprint of the declaration ``source`` was last synced with, and the properties
        it mapped per entity type; None before the first sync that kept them."""
        query = select(source_declaration.c.fingerprint, source_declaration.c.properties).where(
            source_declaration.c.source == source
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else (str(row.fingerprint), json.loads(row.properties))

    def declarations(self) -> dict[str, tuple[str, dict[str, list[str]]]]:
        """Every source's last declaration (see `declaration`), by source."""
        query = select(
            source_declaration.c.source, source_declaration.c.fingerprint, source_declaration.c.properties
        )
        with self.engine.connect() as conn:
            return {
                str(r.source): (str(r.fingerprint), json.loads(r.properties)) for r in conn.execute(query)
            }

    def reset_cursor(self, source: str) -> None:
        """The next sync of an incremental source reads every row again."""
        with self.engine.begin() as conn:
            conn.execute(delete(source_cursor).where(source_cursor.c.source == source))

    def save_declaration(self, source: str, fingerprint: str, properties: Mapping[str, list[str]]) -> None:
        values = {
            "source": source,
            "fingerprint": fingerprint,
            "properties": json.dumps(dict(properties), ensure_ascii=False, sort_keys=True),
            "updated_at": datetime.now(UTC),
        }
        with self.engine.begin() as conn:
            stmt = self._upsert()(source_declaration).values(values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["source"], set_=values))

    def reset_source(self, source: str) -> None:
        """Forget hashes and cursor: the next sync re-reads and rewrites everything (`--full`)."""
        with self.engine.begin() as conn:
            conn.execute(delete(record_state).where(record_state.c.source == source))
            conn.execute(delete(source_cursor).where(source_cursor.c.source == source))

    # -- mentions and aliases ------------------------------------------------------------------

    def save_model(
        self, entity_type: str, run_id: str, model_json: str, diagnostics_json: str | None = None
    ) -> None:
        values = {
            "entity_type": entity_type,
            "run_id": run_id,
            "model": model_json,
            "diagnostics": diagnostics_json,
            "fitted_at": datetime.now(UTC),
        }
        with self.engine.begin() as conn:
            stmt = self._upsert()(models).values(values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["entity_type"], set_=values))

    def model(self, entity_type: str) -> str | None:
        with self.engine.connect() as conn:
            text = conn.execute(select(models.c.model).where(models.c.entity_type == entity_type)).scalar()
        return None if text is None else str(text)

    def model_diagnostics(self) -> dict[str, str | None]:
        """Entity type → its saved model's diagnostics (JSON; None when saved without), by type."""
        query = select(models.c.entity_type, models.c.diagnostics).order_by(models.c.entity_type)
        with self.engine.connect() as conn:
            return {str(row.entity_type): row.diagnostics for row in conn.execute(query)}

    def model_run(self, entity_type: str) -> str | None:
        """The run that fitted the saved model (mentions written after it are not resolved yet
        unless a later pass left a snapshot)."""
        with self.engine.connect() as conn:
            run = conn.execute(select(models.c.run_id).where(models.c.entity_type == entity_type)).scalar()
        return None if run is None else str(run)

    # -- quarantine ----------------------------------------------------------------------------

    def quarantine(
        self,
        run_id: str,
        source: str,
        record_id: str | None,
        error: str,
        raw: Mapping[str, Any],
        content_hash: str,
    ) -> None:
        values = {
            "content_hash": content_hash,
            "run_id": run_id,
            "source": source,
            "record_id": record_id,
            "error": error,
            "raw": json.dumps(dict(raw), ensure_ascii=False, default=str),
            "created_at": datetime.now(UTC),
        }
        with self.engine.begin() as conn:
            conn.execute(insert(quarantine).values(values))

    def pending_quarantine(self, source: str) -> set[tuple[str | None, str]]:
        """(record id, content hash) of the source's rows waiting in quarantine."""
        query = select(quarantine.c.record_id, quarantine.c.content_hash).where(
            quarantine.c.source == source, quarantine.c.replayed_run.is_(None)
        )
        with self.engine.connect() as conn:
            return {(row.record_id, row.content_hash) for row in conn.execute(query)}

    def quarantined(
        self, source: str | None = None, run_id: str | None = None, *, pending_only: bool = True
    ) -> list[QuarantineEntry]:
        query = select(quarantine).order_by(quarantine.c.id)
        if source is not None:
            query = query.where(quarantine.c.source == source)
        if run_id is not None:
            query = query.where(quarantine.c.run_id == run_id)
        if pending_only:
            query = query.where(quarantine.c.replayed_run.is_(None))
        with self.engine.connect() as conn:
            return [_quarantine_entry(row) for row in conn.execute(query)]

    def quarantine_entry(self, entry_id: int) -> QuarantineEntry | None:
        """One quarantined row, replayed or not."""
        with self.engine.connect() as conn:
            row = conn.execute(select(quarantine).where(quarantine.c.id == entry_id)).one_or_none()
        return None if row is None else _quarantine_entry(row)

    def mark_replayed(self, entry_ids: Iterable[int], run_id: str) -> None:
        ids = list(entry_ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(update(quarantine).where(quarantine.c.id.in_(ids)).values(replayed_run=run_id))

    def reopen_quarantine(self, entry_ids: Iterable[int]) -> None:
        """The entries wait in quarantine again (a steward's fix of them was revoked)."""
        ids = list(entry_ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(update(quarantine).where(quarantine.c.id.in_(ids)).values(replayed_run=None))

    # -- review items --------------------------------------------------------------------------

    def open_review_items(self, kind: str, run_id: str, items: Mapping[str, Mapping[str, Any]]) -> int:
        """File one item per subject not filed before; returns how many were new."""
        subjects = list(items)
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            filed: set[str] = set()
            for start in range(0, len(subjects), 500):
                chunk = subjects[start : start + 500]
                filed.update(
                    conn.execute(
                        select(review_items.c.subject).where(review_items.c.subject.in_(chunk))
                    ).scalars()
                )
            rows = [
                {"kind": kind, "subject": subject, "run_id": run_id, "created_at": now,
                 "payload": json.dumps(dict(items[subject]), ensure_ascii=False, default=str)}
                for subject in subjects
                if subject not in filed
            ]  # fmt: skip
            if rows:
                conn.execute(insert(review_items), rows)
        return len(rows)

    def review_queue(
        self, kind: str | None = None, limit: int = 100, *, open_only: bool = True
    ) -> list[dict[str, Any]]:
        """Review items, oldest first; by default only those no steward has decided yet (an item
        is decided by an unrevoked judgement that names it)."""
        query = select(review_items).order_by(review_items.c.id).limit(limit)
        if kind is not None:
            query = query.where(review_items.c.kind == kind)
        if open_only:
            query = query.where(review_items.c.id.not_in(_decided_items()))
        with self.engine.connect() as conn:
            return [_review_item(r) for r in conn.execute(query)]

    def open_review_counts(self) -> dict[str, int]:
        """Open review items (no unrevoked judgement names them) per kind."""
        decided = _decided_items()
        query = (
            select(review_items.c.kind, func.count())
            .where(review_items.c.id.not_in(decided))
            .group_by(review_items.c.kind)
        )
        pending = select(func.count()).select_from(quarantine).where(quarantine.c.replayed_run.is_(None))
        with self.engine.connect() as conn:
            counts = {kind: int(n) for kind, n in conn.execute(query)}
            # Quarantined rows wait for a steward too (a fix and a replay): a kind of the queue.
            waiting = int(conn.execute(pending).scalar() or 0)
        if waiting:
            counts["quarantine"] = waiting
        return counts

    def run(self, run_id: str) -> dict[str, Any] | None:
        """One run: status, times and its whole report (a failed run's error included)."""
        with self.engine.connect() as conn:
            r = conn.execute(select(runs).where(runs.c.run_id == run_id)).one_or_none()
        if r is None:
            return None
        return {"run_id": r.run_id, "status": r.status, "started_at": r.started_at,
                "finished_at": r.finished_at, "report": json.loads(r.report or "{}")}  # fmt: skip

    def review_item(self, item_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(review_items).where(review_items.c.id == item_id)).one_or_none()
        return None if row is None else _review_item(row)

    # -- flags ------------------------------------------------------------------------------------

    def set_flag(self, name: str, value: str) -> None:
        values = {"name": name, "value": value, "updated_at": datetime.now(UTC)}
        stmt = self._upsert()(flags).values(values)
        with self.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))

    def flag(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            value: str | None = conn.execute(select(flags.c.value).where(flags.c.name == name)).scalar()
        return value

    _PSEUDONYM_KEY, _UNKEYED = "pseudonym_key", "unkeyed"

    def pseudonym_key(self, configured: str = "") -> bytes:
        """The installation's secret key of the ids derived from personal data
        (:mod:`resolvers.ids`). ``configured`` (GRIDHUB_PSEUDONYM_KEY, hex) is kept the first
        time; without it a key is made at random. A database that already holds records made
        its ids without a key and keeps doing so (empty key): a key now would give every person
        a second id; a sync into a new data directory starts with one. A configured key other
        than the one kept is refused, for the same reason."""
        wanted = configured.strip().lower()
        if wanted:
            try:
                if len(bytes.fromhex(wanted)) != 32:
                    raise ValueError
            except ValueError:
                raise StateError("GRIDHUB_PSEUDONYM_KEY must be 64 hex digits (32 bytes)") from None
        with self.engine.begin() as conn:
            value = conn.execute(select(flags.c.value).where(flags.c.name == self._PSEUDONYM_KEY)).scalar()
            if value is None:
                synced = conn.execute(select(record_state.c.source).limit(1)).first() is not None
                made = {
                    "name": self._PSEUDONYM_KEY,
                    "value": self._UNKEYED if synced else (wanted or secrets.token_hex(32)),
                    "updated_at": datetime.now(UTC),
                }
                # Two processes asking at once: the first key written is everyone's.
                conn.execute(
                    self._upsert()(flags).values(made).on_conflict_do_nothing(index_elements=["name"])
                )
                value = conn.execute(
                    select(flags.c.value).where(flags.c.name == self._PSEUDONYM_KEY)
                ).scalar()
        if wanted and value != wanted:
            raise StateError(
                "GRIDHUB_PSEUDONYM_KEY is not the key the ids in this state database were made with "
                f"({'none: its records are older than keys' if value == self._UNKEYED else 'another key'}): "
                "unset it, or sync into a new state database"
            )
        return b"" if value in (None, self._UNKEYED) else bytes.fromhex(str(value))

    def clear_flags(self, *names: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(flags).where(flags.c.name.in_(names)))

    # Per entity type: the last run whose resolution pass finished the type, and a full
    # clustering of the type that began and has not finished (what a pass killed half-way left).
    _RESOLVED, _FULL_PASS, _TARGETED = "resolved:", "full_pass:", "targeted_pass:"

    def begin_full_pass(self, entity_type: str, run_id: str) -> None:
        """A full clustering of the type begins: from here on, it changes the model, the entities
        and the snapshot, so killed before it finishes, it must be done again in full."""
        self.set_flag(self._FULL_PASS + entity_type, run_id)

    def finish_type_pass(self, entity_type: str, run_id: str) -> None:
        """The pass over the type's mentions finished (in one transaction with clearing its mark)."""
        values = {"name": self._RESOLVED + entity_type, "value": run_id, "updated_at": datetime.now(UTC)}
        stmt = self._upsert()(flags).values(values)
        with self.engine.begin() as conn:
            conn.execute(delete(flags).where(flags.c.name == self._FULL_PASS + entity_type))
            conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))

    def begin_targeted_pass(self, entity_type: str, run_id: str) -> None:
        """A pass over a few entities of the type (a steward's judgement) begins: killed before it
        ends, its merges may be in the state and not in the graph, or half made; the next pass
        finishes its graph merges and clusters the type in full (see hub.sync.owed_resolution)."""
        self.set_flag(self._TARGETED + entity_type, run_id)

    def end_targeted_pass(self, entity_type: str) -> None:
        self.clear_flags(self._TARGETED + entity_type)

    def targeted_passes_under_way(self) -> dict[str, str]:
        """Entity type → the run whose pass over a few of its entities began and never ended."""
        return self._flags_of(self._TARGETED)

    def full_passes_under_way(self) -> dict[str, str]:
        """Entity type → the run whose full clustering of it began and never finished."""
        return self._flags_of(self._FULL_PASS)

    def resolved_runs(self) -> dict[str, str]:
        """Entity type → the last run whose resolution pass finished it."""
        return self._flags_of(self._RESOLVED)

    def _flags_of(self, prefix: str) -> dict[str, str]:
        query = select(flags.c.name, flags.c.value).where(flags.c.name.startswith(prefix, autoescape=True))
        with self.engine.connect() as conn:
            return {str(r.name).removeprefix(prefix): str(r.value) for r in conn.execute(query)}

    def mark_interrupted_runs(self, host: str, alive: Callable[[int], bool]) -> list[str]:
        """Runs still "running" whose process is gone (on this host: ``alive(pid)`` false; runs
        recorded without a process are from before it was kept) become "interrupted"."""
        found = []
        with self.engine.connect() as conn:
            running = conn.execute(select(runs).where(runs.c.status == "running")).all()
        for r in running:
            report = json.loads(r.report or "{}")
            pid, where = report.get("pid"), report.get("host")
            if where not in (None, host) or (pid is not None and alive(int(pid))):
                continue
            report["error"] = "the process ended before the run finished (killed or crashed)"
            with self.engine.begin() as conn:
                conn.execute(
                    update(runs)
                    .where(runs.c.run_id == r.run_id, runs.c.status == "running")
                    .values(status="interrupted", report=json.dumps(report, default=str))
                )
            found.append(r.run_id)
        return found

    def adopt_unfinished_mentions(self, run_id: str) -> dict[str, list[str]]:
        """The mentions no finished pass has resolved that runs which did not finish
        (interrupted or failed) wrote since the last run that did are taken over by ``run_id``,
        the run that finishes their work; returns, per entity type, the runs taken over.

        A mention's run orders it in time, and the resolution pass reads that order: of two
        entities it merges, the one known longest keeps its id, and survivorship prefers recent
        values. The records an interrupted run wrote and committed are not written again by the
        run after it (their rows are unchanged), so without this they would keep the dead run's
        id while the rest of its work carries the next run's, and the pass would choose other
        survivors than one uninterrupted run does (the ids would depend on where the run died).
        Left alone: the mentions of runs before the last finished one, and those of a type whose
        pass the dead run finished (resolved, they are as an uninterrupted run left them)."""
        resolved = self.resolved_runs()
        with self.engine.begin() as conn:
            last = conn.execute(
                select(func.max(runs.c.run_id)).where(runs.c.status.in_(("succeeded", "refused")))
            ).scalar()
            unfinished = conn.execute(
                select(runs.c.run_id).where(
                    runs.c.status.in_(("interrupted", "failed")), runs.c.run_id != run_id
                )
            ).scalars()
            candidates = sorted(r for r in unfinished if last is None or r > last)
            if not candidates:
                return {}
            adopted: dict[str, list[str]] = {}
            for entity_type in conn.execute(select(mentions.c.entity_type).distinct()).scalars():
                since = resolved.get(entity_type)
                taken = [r for r in candidates if since is None or r > since]
                if not taken:
                    continue
                # By type: the (entity_type, run_id) index finds them without a table scan.
                done = conn.execute(
                    update(mentions)
                    .where(mentions.c.entity_type == entity_type, mentions.c.run_id.in_(taken))
                    .values(run_id=run_id)
                )
                if done.rowcount:
                    adopted[str(entity_type)] = taken
        return adopted

    # -- run reports ---------------------------------------------------------------------------

    def save_run(
        self,
        run_id: str,
        started_at: datetime,
        status: str,
        report: Mapping[str, Any],
        finished_at: datetime | None,
    ) -> None:
        report = dict(report)
        if isinstance(report.get("error"), str):  # a failed run's exception, shown by `runs show`
            report["error"] = redact_pii(report["error"])
        values = {
            "run_id": run_id,
            "started_at": started_at,
            "finished_at": finished_at,
            "status": status,
            "report": json.dumps(report, ensure_ascii=False, default=str),
        }
        with self.engine.begin() as conn:
            stmt = self._upsert()(runs).values(values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["run_id"], set_=values))

    def recent_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        query = select(runs).order_by(runs.c.started_at.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [
                {
                    "run_id": r.run_id,
                    "status": r.status,
                    "started_at": r.started_at,
                    "finished_at": r.finished_at,
                    "report": json.loads(r.report or "{}"),
                }
                for r in conn.execute(query)
            ]

    def run_reports(self, status: str = "succeeded") -> Iterator[dict[str, Any]]:
        """Reports of the runs with this status, newest first (run ids sort by start time)."""
        query = (
            select(runs.c.run_id, runs.c.report).where(runs.c.status == status).order_by(runs.c.run_id.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            yield {"run_id": row.run_id, **json.loads(row.report or "{}")}

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
