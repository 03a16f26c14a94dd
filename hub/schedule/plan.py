"""When the declared schedules fire, read off the declarations alone (no server needed):
`gridhub schedule list`, and the server's catch-up of firings missed while it was down."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.config import ScheduleSpec, SourceConfig
from connectors.cron import cron_trigger


def next_fire(spec: ScheduleSpec, after: datetime) -> datetime | None:
    """The first time after ``after`` the schedule fires (before jitter), in its time zone;
    None when it never fires again."""
    trigger = cron_trigger(spec.cron, spec.timezone)
    fire: datetime | None = trigger.get_next_fire_time(None, after)
    return fire


def missed_since(spec: ScheduleSpec, last_sync: datetime, now: datetime) -> datetime | None:
    """The first firing after ``last_sync`` when it is already past at ``now`` (the server was
    down then), else None. Naive times are UTC (as the state database may return them)."""
    if last_sync.tzinfo is None:
        last_sync = last_sync.replace(tzinfo=UTC)
    fire = next_fire(spec, last_sync)
    return fire if fire is not None and fire <= now else None


@dataclass(frozen=True)
class Planned:
    """One scheduled source as declared: its cron expression, time zone and retry policy, and when
    it fires next."""

    source: str
    cron: str
    timezone: str | None
    next_run: datetime | None
    retries: int
    retry_delay_s: float
    jitter_s: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "cron": self.cron,
            "timezone": self.timezone,
            "next_run": self.next_run.isoformat() if self.next_run else None,
            "retries": self.retries,
            "retry_delay_s": self.retry_delay_s,
            "jitter_s": self.jitter_s,
        }


def planned(configs: Sequence[SourceConfig], now: datetime | None = None) -> list[Planned]:
    """The sources that have a schedule, in declaration order, with their next firing after ``now``."""
    moment = now or datetime.now(UTC)
    return [
        Planned(
            source=config.name,
            cron=config.schedule.cron,
            timezone=config.schedule.timezone,
            next_run=next_fire(config.schedule, moment),
            retries=config.schedule.retries,
            retry_delay_s=config.schedule.retry_delay_s,
            jitter_s=config.schedule.jitter_s,
        )
        for config in configs
        if config.schedule is not None
    ]
