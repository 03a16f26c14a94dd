"""Prometheus metrics of the hub's work, read from the state database when scraped: per source the
last successful sync and what its last run did, the last resolution pass per entity type, the
review queue per kind, and the last run's outcome. Alerts then fire on a source that stopped
syncing, a run that failed, or a queue that grows, without anything pushing metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from hub.state import StateStore

log = logging.getLogger(__name__)
# How many recent runs are read per scrape: enough to find every source's last success.
RUNS_READ = 200
SOURCE_COUNTS = ("read", "new", "changed", "unchanged", "retired", "quarantined")
RESOLUTION_COUNTS = ("mentions", "merged", "review_opened", "conflicts_opened", "split")


def _timestamp(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value).timestamp()
    return None


class StateCollector(Collector):
    """Collects from the state database on each scrape (a few small queries)."""

    def __init__(self, state: Callable[[], StateStore]) -> None:
        self._state = state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            state = self._state()
            recent = state.recent_runs(RUNS_READ)
            queue = state.open_review_counts()
        except SQLAlchemyError as exc:  # a scrape must not fail: say the state is unreadable
            log.warning("metrics: the state database could not be read: %s", exc)
            up = GaugeMetricFamily("gridhub_state_up", "Whether the state database could be read.")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("gridhub_state_up", "Whether the state database could be read.")
        up.add_metric([], 1)
        yield up
        yield from self._sources(recent)
        yield from self._resolution(recent)
        review = GaugeMetricFamily("gridhub_review_open", "Open review items per kind.", labels=["kind"])
        for kind, count in sorted(queue.items()):
            review.add_metric([kind], count)
        yield review
        last = GaugeMetricFamily(
            "gridhub_last_run_success", "Whether the newest finished run succeeded (1) or failed (0)."
        )
        finished = [r for r in recent if r["status"] != "running"]
        if finished:
            last.add_metric([], 1 if finished[0]["status"] == "succeeded" else 0)
        yield last

    def _sources(self, recent: list[dict[str, Any]]) -> Iterator[GaugeMetricFamily]:
        success = GaugeMetricFamily(
            "gridhub_source_last_success_timestamp_seconds",
            "When the newest successful run that synced the source finished.",
            labels=["source"],
        )
        rows = GaugeMetricFamily(
            "gridhub_source_rows",
            "Rows of the source's newest run, by outcome.",
            labels=["source", "outcome"],
        )
        seconds = GaugeMetricFamily(
            "gridhub_source_duration_seconds", "How long the source's newest run took.", labels=["source"]
        )
        latest: set[str] = set()
        succeeded: set[str] = set()
        for run in recent:  # newest first
            for source in run["report"].get("sources", []):
                name = str(source["source"])
                if name not in latest:
                    latest.add(name)
                    for outcome in SOURCE_COUNTS:
                        rows.add_metric([name, outcome], float(source.get(outcome, 0)))
                    seconds.add_metric([name], float(source.get("seconds", 0.0)))
                if name not in succeeded and run["status"] == "succeeded":
                    at = _timestamp(run.get("finished_at")) or _timestamp(run["report"].get("finished_at"))
                    if at is not None:
                        succeeded.add(name)
                        success.add_metric([name], at)
        yield from (success, rows, seconds)

    def _resolution(self, recent: list[dict[str, Any]]) -> Iterator[GaugeMetricFamily]:
        figures = GaugeMetricFamily(
            "gridhub_resolution",
            "The newest resolution pass per entity type, by figure.",
            labels=["entity_type", "figure"],
        )
        seen: set[str] = set()
        for run in recent:
            for entry in run["report"].get("resolution", []):
                entity_type = str(entry.get("entity_type"))
                if entity_type in seen:
                    continue
                seen.add(entity_type)
                for figure in RESOLUTION_COUNTS:
                    figures.add_metric([entity_type, figure], float(entry.get(figure, 0)))
        yield figures


def last_sync(state: StateStore) -> dict[str, Any]:
    """For /health: the newest run's status and the age of the newest successful one."""
    recent = state.recent_runs(RUNS_READ)
    out: dict[str, Any] = {"last_run_status": recent[0]["status"] if recent else None}
    for run in recent:
        if run["status"] == "succeeded":
            at = _timestamp(run.get("finished_at")) or _timestamp(run["started_at"])
            if at is not None:
                out["last_success_age_s"] = round(datetime.now().timestamp() - at, 1)
            break
    else:
        out["last_success_age_s"] = None
    return out
