"""The server's scheduled syncs: cron jobs for scheduled sources, retries, one run at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.config import SourceConfig
from hub.schedule import SyncScheduler
from hub.schedule.plan import next_fire
from tests.hub.schedule.declarations import source

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Friday 2025-03-07, 23:00 in Shanghai.
FRIDAY_NIGHT = datetime(2025, 3, 7, 23, 0, tzinfo=SHANGHAI)


class Submits:
    """A ``submit`` answering from a script of exit codes (an exception is raised), recording calls."""

    def __init__(self, *answers: int | Exception, pause_s: float = 0.0) -> None:
        self.answers = list(answers)
        self.calls: list[list[str]] = []
        self.pause_s = pause_s
        self.active = 0
        self.most_active = 0
        self._mutex = threading.Lock()

    def __call__(self, sources: list[str]) -> int:
        with self._mutex:
            self.calls.append(sources)
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            answer = self.answers.pop(0) if self.answers else 0
        try:
            time.sleep(self.pause_s)
            if isinstance(answer, Exception):
                raise answer
            return answer
        finally:
            with self._mutex:
                self.active -= 1


class Retries:
    """``retry_later`` that queues the retry at once, keeping the delays asked for."""

    def __init__(self) -> None:
        self.scheduler: SyncScheduler | None = None
        self.delays: list[tuple[str, float, int]] = []

    def __call__(self, name: str, delay_s: float, next_attempt: int) -> None:
        self.delays.append((name, delay_s, next_attempt))
        assert self.scheduler is not None
        self.scheduler.fire(name, next_attempt, alone=True)


def scheduler_with(
    submit: Callable[[list[str]], int], *sources: SourceConfig
) -> tuple[SyncScheduler, Retries]:
    retries = Retries()
    scheduler = SyncScheduler(list(sources), submit, retry_later=retries)
    retries.scheduler = scheduler
    return scheduler, retries


@pytest.fixture
def stopped() -> Iterator[list[SyncScheduler]]:
    started: list[SyncScheduler] = []
    yield started
    for scheduler in started:
        scheduler.stop(timeout=5)


def test_a_cron_job_per_scheduled_source_only() -> None:
    scheduler = SyncScheduler(
        [
            source("pop", "0 2 * * *"),
            source("plain"),
            source("grid", {"cron": "*/15 6-22 * * *", "jitter_s": 30}),
        ],
        Submits(),
    )
    assert scheduler.sources == ["pop", "grid"]
    jobs = {job.id: job for job in scheduler._scheduler.get_jobs()}
    assert set(jobs) == {"pop", "grid"}
    for job in jobs.values():
        # One instance at a time; missed firings run once, however late.
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, None)
    assert jobs["grid"].trigger.jitter == 30
    assert [job.source for job in scheduler.jobs()] == ["pop", "grid"]


def test_a_failed_sync_is_retried_until_it_succeeds() -> None:
    submit = Submits(1, RuntimeError("store down"), 0)
    scheduler, retries = scheduler_with(submit, source("pop", {"cron": "0 2 * * *", "retries": 2}))
    scheduler.fire("pop")
    assert scheduler.run_pending() == 3
    assert submit.calls == [["pop"], ["pop"], ["pop"]]
    assert retries.delays == [("pop", 60, 2), ("pop", 120, 3)]  # 60 s, then twice that
    (job,) = scheduler.jobs()
    assert (job.last_outcome, job.last_exit_code, job.attempts, job.failures) == ("succeeded", 0, 3, 0)
    assert job.retry_at is None


@pytest.mark.parametrize(("answer", "outcome"), [(1, "failed"), (2, "refused")])
def test_a_sync_failing_every_attempt_is_logged_as_failed(answer: int, outcome: str) -> None:
    submit = Submits(answer, answer, answer)
    scheduler, retries = scheduler_with(
        submit, source("pop", {"cron": "0 2 * * *", "retries": 2, "retry_delay_s": 5})
    )
    scheduler.fire("pop")
    scheduler.run_pending()
    assert len(submit.calls) == 3
    assert [delay for _, delay, _ in retries.delays] == [5, 10]
    (job,) = scheduler.jobs()
    assert (job.last_outcome, job.last_exit_code, job.attempts, job.failures) == (outcome, answer, 3, 1)
    # The next firing starts afresh.
    scheduler.fire("pop")
    scheduler.run_pending()
    assert len(submit.calls) == 4
    assert scheduler.jobs()[0].last_outcome == "succeeded"


def test_no_retries_means_one_attempt() -> None:
    submit = Submits(1)
    scheduler, retries = scheduler_with(submit, source("pop", {"cron": "0 2 * * *", "retries": 0}))
    scheduler.fire("pop")
    scheduler.run_pending()
    assert (len(submit.calls), retries.delays) == (1, [])
    assert scheduler.jobs()[0].failures == 1


def test_sources_firing_together_sync_in_one_run_and_a_failed_run_is_split() -> None:
    # The run of both is refused; each alone: pop succeeds, grid is refused, then succeeds on retry.
    submit = Submits(2, 0, 2, 0)
    scheduler, retries = scheduler_with(
        submit, source("pop", "0 2 * * *"), source("grid", "0 2 * * *"), source("lic", "0 3 * * *")
    )
    scheduler.fire("pop")
    scheduler.fire("grid")
    scheduler.fire("pop")  # queued already: once
    scheduler.run_pending()
    assert submit.calls == [["pop", "grid"], ["pop"], ["grid"], ["grid"]]
    assert retries.delays == [("grid", 60, 2)]  # the failed run of both cost no attempt
    by_source = {job.source: job for job in scheduler.jobs()}
    assert (by_source["pop"].last_outcome, by_source["pop"].attempts) == ("succeeded", 1)
    assert (by_source["grid"].last_outcome, by_source["grid"].attempts) == ("succeeded", 2)
    assert by_source["lic"].last_outcome is None


def test_a_firing_of_a_source_without_schedule_is_refused() -> None:
    scheduler = SyncScheduler([source("pop", "0 2 * * *"), source("plain")], Submits())
    with pytest.raises(KeyError, match="plain"):
        scheduler.fire("plain")


def test_two_syncs_never_run_at_once(stopped: list[SyncScheduler]) -> None:
    submit = Submits(pause_s=0.02)
    names = [f"s{i}" for i in range(6)]
    scheduler = SyncScheduler([source(n, "0 2 * * *") for n in names], submit, gather_s=0.0)
    stopped.append(scheduler)
    scheduler.start()

    def fire_all() -> None:
        for _ in range(5):
            for name in names:
                scheduler.fire(name)
            time.sleep(0.005)

    threads = [threading.Thread(target=fire_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    scheduler.run_pending()  # the test's thread syncs too, beside the runner
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (scheduler._queue or any(j.running for j in scheduler.jobs())):
        time.sleep(0.01)
    assert submit.calls
    assert submit.most_active == 1
    assert {name for call in submit.calls for name in call} == set(names)


def test_the_shared_lock_holds_a_scheduled_sync_back(stopped: list[SyncScheduler]) -> None:
    lock = threading.Lock()
    submit = Submits()
    scheduler = SyncScheduler([source("pop", "0 2 * * *")], submit, lock=lock, gather_s=0.0)
    stopped.append(scheduler)
    scheduler.start()
    with lock:  # someone else is syncing
        scheduler.fire("pop")
        time.sleep(0.2)
        assert submit.calls == []
    deadline = time.monotonic() + 5
    while not submit.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert submit.calls == [["pop"]]


def test_a_cron_firing_reaches_submit(stopped: list[SyncScheduler]) -> None:
    submit = Submits()
    scheduler = SyncScheduler([source("pop", "0 2 * * *")], submit, gather_s=0.0)
    stopped.append(scheduler)
    scheduler.start()
    scheduler._scheduler.get_job("pop").modify(next_run_time=datetime.now(UTC))  # as if 02:00 came
    deadline = time.monotonic() + 5
    while not submit.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert submit.calls == [["pop"]]
    # …and the job waits for the next 02:00.
    nightly = source("pop", "0 2 * * *").schedule
    assert nightly is not None
    assert scheduler.jobs()[0].next_run == next_fire(nightly, datetime.now(UTC))


def test_a_retry_is_a_one_off_job_cancelled_by_a_success(stopped: list[SyncScheduler]) -> None:
    submit = Submits(1, 0)
    scheduler = SyncScheduler(
        [source("pop", {"cron": "0 2 * * *", "retry_delay_s": 600})], submit, gather_s=0.0
    )
    stopped.append(scheduler)
    scheduler.start()
    scheduler.fire("pop")
    deadline = time.monotonic() + 5
    while scheduler._scheduler.get_job("pop#retry") is None and time.monotonic() < deadline:
        time.sleep(0.01)
    retry = scheduler._scheduler.get_job("pop#retry")
    assert retry is not None
    (job,) = scheduler.jobs()
    assert job.retry_at is not None
    assert abs((retry.next_run_time - job.retry_at).total_seconds()) < 2
    assert timedelta(seconds=590) < job.retry_at - datetime.now(UTC) <= timedelta(seconds=600)
    # The next firing comes before the retry is due, and succeeds: no retry is left waiting.
    scheduler.fire("pop")
    while len(submit.calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert scheduler._scheduler.get_job("pop#retry") is None
    assert scheduler.jobs()[0].last_outcome == "succeeded"


def test_the_listing_says_when_each_source_runs_next(stopped: list[SyncScheduler]) -> None:
    configs = [
        source("pop", "0 2 * * 1-5"),
        source("grid", {"cron": "*/15 6-22 * * *", "timezone": "Asia/Shanghai"}),
    ]
    scheduler = SyncScheduler(configs, Submits(), clock=lambda: FRIDAY_NIGHT)
    pop, grid = scheduler.jobs()
    assert grid.next_run == datetime(2025, 3, 8, 6, 0, tzinfo=SHANGHAI)
    assert pop.next_run is not None
    assert pop.next_run.astimezone(pop.next_run.tzinfo).weekday() < 5  # a weekday, in the server's zone
    assert (grid.cron, grid.timezone, grid.retries, grid.running, grid.last_outcome) == (
        "*/15 6-22 * * *", "Asia/Shanghai", 2, False, None,
    )  # fmt: skip
    assert grid.to_dict()["next_run"] == "2025-03-08T06:00:00+08:00"
    # Started, APScheduler's own next run time is listed.
    started = SyncScheduler(configs, Submits())
    stopped.append(started)
    started.start()
    now = datetime.now(UTC)
    for job, config in zip(started.jobs(), configs, strict=True):
        assert config.schedule is not None
        assert job.next_run == next_fire(config.schedule, now)


def test_a_firing_missed_while_the_server_was_down_runs_once_at_start(stopped: list[SyncScheduler]) -> None:
    now = datetime.now(UTC)
    synced = {
        "pop": now - timedelta(days=3),  # three nightly firings missed: one sync
        "grid": now - timedelta(seconds=1),  # synced a moment ago: nothing missed
    }
    submit = Submits()
    scheduler = SyncScheduler(
        [source("pop", "0 2 * * *"), source("grid", "0 2 * * *"), source("lic", "0 2 * * *")],
        submit, last_synced=lambda: synced, gather_s=0.0,
    )  # fmt: skip
    stopped.append(scheduler)
    scheduler.start()  # lic was never synced: it waits for its firing
    deadline = time.monotonic() + 5
    while not submit.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert submit.calls == [["pop"]]


def test_stopping_waits_for_the_sync_under_way(stopped: list[SyncScheduler]) -> None:
    submit = Submits(pause_s=0.3)
    scheduler = SyncScheduler([source("pop", "0 2 * * *")], submit, gather_s=0.0)
    scheduler.start()
    assert scheduler.running
    scheduler.fire("pop")
    while not submit.active:
        time.sleep(0.005)
    scheduler.stop()
    assert not scheduler.running
    assert submit.active == 0
    assert scheduler.jobs()[0].last_outcome == "succeeded"
    with pytest.raises(RuntimeError, match="started already"):
        scheduler.start()


def test_scheduler_for_a_directory_with_schedules(tmp_path: Path) -> None:
    from prometheus_client import CollectorRegistry

    from graph_schema import default_schema
    from hub.schedule import scheduler_for

    declarations = tmp_path / "sources"
    declarations.mkdir()
    plain = "name: {name}\nconnector: {{kind: csv, path: a.csv}}\nrecord_id: id\nentities: {{self: {{type: Person, properties: {{name: xm}}}}}}\n"
    (declarations / "a.yaml").write_text(plain.format(name="plain"), encoding="utf-8")
    assert scheduler_for(declarations, default_schema(), Submits(), CollectorRegistry()) is None
    assert scheduler_for(tmp_path / "nowhere", default_schema(), Submits()) is None
    (declarations / "b.yaml").write_text(
        plain.format(name="pop") + 'schedule: "0 2 * * *"\n', encoding="utf-8"
    )
    registry = CollectorRegistry()
    scheduler = scheduler_for(declarations, default_schema(), Submits(), registry)
    assert scheduler is not None
    assert scheduler.sources == ["pop"]
    assert registry.get_sample_value("gridhub_schedule_failures_total", {"source": "pop"}) == 0
