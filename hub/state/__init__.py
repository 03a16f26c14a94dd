"""The hub's own bookkeeping (not the graph): sync cursors, record hashes, quarantine, run reports.

Kept in a SQL database through SQLAlchemy — a SQLite file under the data directory by default,
any SQLAlchemy URL (PostgreSQL in production) with GRIDHUB_STATE_URL.
"""

from hub.state.api_keys import ApiKeyError, ApiKeyRecord
from hub.state.audit import AuditEntry
from hub.state.judgements import Judgement, JudgementError, Verdict
from hub.state.store import QuarantineEntry, StateStore

__all__ = [
    "ApiKeyError",
    "ApiKeyRecord",
    "AuditEntry",
    "Judgement",
    "JudgementError",
    "QuarantineEntry",
    "StateStore",
    "Verdict",
]
