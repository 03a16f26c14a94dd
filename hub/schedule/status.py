"""What the scheduler says of one scheduled source: listed by `gridhub schedule list`, served
as Prometheus metrics (hub/schedule/metrics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.schedule.retry import Outcome


@dataclass(frozen=True)
class ScheduledJob:
    """One scheduled source: its schedule, when it runs next, and how its last run ended."""

    source: str
    cron: str
    timezone: str | None
    retries: int
    next_run: datetime | None
    # When the retry of a failed run is due (None: no retry waiting).
    retry_at: datetime | None
    running: bool
    # Attempts of the last finished run (or of the one under way).
    attempts: int
    last_outcome: Outcome | None
    last_exit_code: int | None
    last_error: str | None
    last_finished_at: datetime | None
    # Runs that ended failed or refused after all their retries, since the server started.
    failures: int

    def to_dict(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "source": self.source, "cron": self.cron, "timezone": self.timezone, "retries": self.retries,
            "next_run": iso(self.next_run), "retry_at": iso(self.retry_at), "running": self.running,
            "attempts": self.attempts, "last_outcome": self.last_outcome, "last_exit_code": self.last_exit_code,
            "last_error": self.last_error, "last_finished_at": iso(self.last_finished_at),
            "failures": self.failures,
        }  # fmt: skip
