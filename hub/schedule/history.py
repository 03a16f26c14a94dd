"""When each source was last synced, from the run reports in the state database: the server's
scheduler runs once, at start, a firing missed while it was down."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.state import StateStore

# Enough recent runs to find every source's last sync (as the /metrics state collector reads).
RUNS_READ = 200
# A run still "running" may be this very process's; an "interrupted" one did not finish.
_UNFINISHED = frozenset({"running", "interrupted"})


def last_synced(state: StateStore, limit: int = RUNS_READ) -> dict[str, datetime]:
    """Source → when the newest finished run that synced it (or refused it) started, in UTC.
    A source that stopped a failed run is not in that run's report: its firing counts as missed."""
    found: dict[str, datetime] = {}
    for run in state.recent_runs(limit):  # newest first
        if run["status"] in _UNFINISHED:
            continue
        started = run["started_at"]
        if isinstance(started, str):
            started = datetime.fromisoformat(started)
        if started.tzinfo is None:  # SQLite keeps no zone; the hub writes UTC
            started = started.replace(tzinfo=UTC)
        for source in run["report"].get("sources", []):
            found.setdefault(str(source["source"]), started)
    return found
