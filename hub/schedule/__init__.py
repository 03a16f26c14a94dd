"""Scheduled syncs: per-source cron schedules (`schedule:` in a declaration) run by the server,
with retries (:mod:`hub.schedule.scheduler`), listed by `gridhub schedule list`
(:mod:`hub.schedule.plan`) and exported to Prometheus (:mod:`hub.schedule.metrics`).

An external orchestrator runs `gridhub sync --json` instead: docs/orchestration.md.
"""

from __future__ import annotations

import threading
from pathlib import Path

from prometheus_client.registry import CollectorRegistry

from connectors.config import load_source_configs
from graph_schema import Schema
from hub.schedule.retry import RetryPolicy, Submit
from hub.schedule.scheduler import LastSynced, SyncScheduler
from hub.schedule.status import ScheduledJob

__all__ = ["RetryPolicy", "ScheduledJob", "Submit", "SyncScheduler", "scheduler_for"]


def scheduler_for(
    config_dir: Path,
    schema: Schema,
    submit: Submit,
    registry: CollectorRegistry | None = None,
    *,
    last_synced: LastSynced | None = None,
    lock: threading.Lock | None = None,
) -> SyncScheduler | None:
    """The scheduler of the sources declared in ``config_dir`` that have a `schedule:`, not yet
    started, its metrics registered on ``registry``; None when no source has a schedule (or
    there is no such directory). A broken declaration raises MappingError naming file and key.

    ``submit(sources)`` syncs those sources and returns `gridhub sync`'s exit code (0, 2
    refused, 1 failed) or raises (:mod:`hub.schedule.submit` has two). ``last_synced`` (source
    → when last synced, e.g. ``lambda: history.last_synced(state)``) lets the scheduler run once,
    at start, what it missed while the server was down. ``lock`` is held around every sync.
    """
    if not config_dir.is_dir():
        return None
    configs = load_source_configs(config_dir, schema)
    if not any(c.schedule is not None for c in configs):
        return None
    scheduler = SyncScheduler(configs, submit, lock=lock, last_synced=last_synced)
    if registry is not None:
        scheduler.register(registry)
    return scheduler
