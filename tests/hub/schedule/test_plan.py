"""When the declared schedules fire, read off the declarations alone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hub.schedule.plan import missed_since, next_fire, planned
from tests.hub.schedule.declarations import source

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_only_scheduled_sources_are_planned_with_their_next_firing() -> None:
    friday_night = datetime(2025, 3, 7, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    configs = [
        source("pop", {"cron": "0 2 * * 1-5", "timezone": "Asia/Shanghai", "retries": 3}),
        source("plain"),
        source("grid", {"cron": "30 6 * * *", "timezone": "UTC", "jitter_s": 20}),
    ]
    pop, grid = planned(configs, friday_night)
    assert pop.next_run == datetime(2025, 3, 10, 2, 0, tzinfo=SHANGHAI)  # Monday: the weekend skipped
    assert grid.next_run == datetime(2025, 3, 8, 6, 30, tzinfo=UTC)  # before jitter
    assert pop.to_dict() == {
        "source": "pop", "cron": "0 2 * * 1-5", "timezone": "Asia/Shanghai",
        "next_run": "2025-03-10T02:00:00+08:00", "retries": 3, "retry_delay_s": 60.0, "jitter_s": 0,
    }  # fmt: skip
    assert grid.jitter_s == 20


def test_a_firing_is_missed_when_it_came_after_the_last_sync() -> None:
    nightly = source("pop", {"cron": "0 2 * * *", "timezone": "UTC"}).schedule
    assert nightly is not None
    now = datetime(2025, 3, 8, 9, 0, tzinfo=UTC)
    assert missed_since(nightly, datetime(2025, 3, 8, 2, 0, 5, tzinfo=UTC), now) is None
    missed = missed_since(nightly, datetime(2025, 3, 5, 2, 0, 5, tzinfo=UTC), now)
    assert missed == datetime(2025, 3, 6, 2, 0, tzinfo=UTC)  # the first of three: run once
    # A time without a zone, as SQLite returns it, is UTC.
    assert missed_since(nightly, datetime(2025, 3, 7, 23, 0), now) == datetime(2025, 3, 8, 2, 0, tzinfo=UTC)
    assert next_fire(nightly, now) == datetime(2025, 3, 9, 2, 0, tzinfo=UTC)
