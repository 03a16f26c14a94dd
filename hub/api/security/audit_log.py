"""The durable audit log of who looked up whom: recorded per request, written in batches.

A request only appends its entry to a list in memory; a background thread writes what has
gathered at least every half second (sooner when much has gathered) in one transaction, so the
database is not on any request's path. :meth:`AuditLog.close` writes everything still pending
before it returns: stopping the API loses no entry. A failed write keeps the entries for the
next attempt and logs the error; only ``close`` gives up on them (loudly).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from hub.api.security.principal import Principal
from hub.state import AuditEntry, StateStore

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.5
# Entries that wake the writer before its interval is up (one INSERT of this many is cheap).
_BATCH = 500
# Entries kept in memory while the database fails, beyond which the oldest are dropped (and
# counted in the log) rather than the API running out of memory.
_MAX_PENDING = 100_000


class AuditLog:
    """Audit entries of one API process, written to the state database at ``state_url``."""

    def __init__(self, state_url: str, *, flush_interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.state = StateStore(state_url)
        self.flush_interval_s = flush_interval_s
        self._pending: list[AuditEntry] = []
        self._lock = threading.Lock()  # guards _pending
        self._write_lock = threading.Lock()  # one writer at a time: entries stay in order
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._writer = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._writer.start()

    def record(
        self,
        principal: Principal,
        operation: str,
        entity_type: str | None,
        entity_ids: Iterable[str],
        fields: Iterable[str],
        client: str | None,
    ) -> None:
        """Note that ``principal`` was shown ``fields`` of ``entity_ids``. Does not block on the
        database (except after :meth:`close`, when the entry is written at once)."""
        entry = AuditEntry(
            at=datetime.now(UTC), principal=principal.audit_name, key_id=principal.key_id,
            method=principal.method, operation=operation, entity_type=entity_type,
            entity_ids=tuple(entity_ids), fields=tuple(fields), client=client,
        )  # fmt: skip
        with self._lock:  # closing takes this lock too: no entry slips in after the last flush
            closed = self._closed.is_set()
            if not closed:
                self._pending.append(entry)
                if len(self._pending) > _MAX_PENDING:
                    dropped = len(self._pending) - _MAX_PENDING
                    del self._pending[:dropped]
                    log.error("audit log: the database is failing; %d oldest entries dropped", dropped)
            full = len(self._pending) >= _BATCH
        if closed:
            self.state.insert_audit_entries([entry])
        elif full:
            self._wake.set()

    def flush(self) -> None:
        """Write every entry recorded so far; raises if the database fails (entries are kept)."""
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            try:
                self.state.insert_audit_entries(batch)
            except Exception:
                with self._lock:
                    self._pending[:0] = batch  # back in front, in order, for the next attempt
                raise

    def query(
        self,
        since: datetime | None = None,
        principal: str | None = None,
        entity_id: str | None = None,
        limit: int = 100,
        *,
        key_id: str | None = None,
    ) -> list[AuditEntry]:
        """The newest entries matching the filters, newest first, including those just recorded."""
        self.flush()
        return self.state.audit_entries(since, principal, entity_id, key_id, limit)

    def close(self) -> None:
        """Stop the writer and write everything pending. Idempotent."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
        self._wake.set()
        self._writer.join()
        try:
            self.flush()
        except Exception:
            log.exception("audit log: %d entries could not be written at shutdown", len(self._pending))
        self.state.close()

    def _run(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(self.flush_interval_s)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                log.exception("audit log: writing entries failed; retrying in %.1f s", self.flush_interval_s)
