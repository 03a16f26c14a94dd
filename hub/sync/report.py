"""The run report every sync prints and stores."""

from __future__ import annotations

import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class SourceReport:
    source: str
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    retired: int = 0
    quarantined: int = 0
    mentions: int = 0
    entities_created: int = 0
    # Mentions that joined an entity already in the graph (or another mention of this run).
    mentions_merged: int = 0
    relationships: int = 0
    review_opened: int = 0
    # Address mentions by outcome: room, building, ambiguous, unknown, by code, no standard match.
    addresses: dict[str, int] = field(default_factory=dict)
    # … and by kind of reason within each outcome (hub.sync.addresses.reason_kind).
    address_reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    # Rows mapped and written by this run, and of them: those in which each mapped field
    # ("role.property") is non-empty after mapping, and those whose identifier field failed its
    # check (with the identifier's kind, "Type.property"). The quality report reads these.
    rows_written: int = 0
    filled: dict[str, int] = field(default_factory=dict)
    invalid_identifiers: dict[str, int] = field(default_factory=dict)
    identifier_kinds: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    # Why the source was refused (its export broke the data contract); empty when it was not.
    refused: str = ""
    # The declaration changed since the last sync: every record was re-mapped …
    redeclared: bool = False
    # … and these properties (per entity type), no longer mapped by any source, left the graph.
    unmapped: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class RunReport:
    run_id: str
    store: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"
    sources: list[SourceReport] = field(default_factory=list)
    graph_counts: dict[str, int] = field(default_factory=dict)
    # Per resolved entity type: mentions, candidate pairs, entities before/after, merges, review.
    resolution: list[dict[str, Any]] = field(default_factory=list)
    # Why a failed run failed (the error's type and message; `gridhub runs show RUN`).
    error: str | None = None
    # The process running it: a run left "running" by a process that is gone was interrupted.
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    # Source → why it was refused (the run goes on with the others, and ends "refused").
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.sources)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        """The report as to_dict() wrote it (a job the API server ran, sent back as JSON)."""
        fields = dict(data)
        fields["started_at"] = datetime.fromisoformat(fields["started_at"])
        finished = fields.get("finished_at")
        fields["finished_at"] = datetime.fromisoformat(finished) if finished else None
        fields["sources"] = [SourceReport(**s) for s in fields.get("sources", [])]
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data
