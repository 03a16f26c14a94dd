"""The server runs the sources' schedules as write jobs, beside its reads; /metrics shows them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.settings import Settings
from hub.store import open_store
from tests.hub.api.conftest import api_key_headers

DECLARATION = """
name: people
connector: {kind: csv, path: people.csv}
record_id: 编号
schedule: {cron: "0 2 * * *", retries: 1, retry_delay_s: 1}
entities:
  self:
    type: Person
    properties: {name: 姓名}
"""


@pytest.mark.integration
def test_a_fired_schedule_syncs_through_the_servers_job_runner(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "people.yaml").write_text(DECLARATION, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", ladybug_buffer_pool_mb=256)
    settings.data_dir.mkdir()
    (settings.data_dir / "people.csv").write_text("编号,姓名\n1,张三\n2,李四\n", encoding="utf-8")
    reader = api_key_headers(settings, {"read"}, name="dept")
    with open_store(settings) as store:
        app = create_app(store, settings, schedules=sources)
        with TestClient(app, headers=reader) as client:
            scheduler = app.state.scheduler
            assert scheduler is not None
            assert scheduler.running
            [job] = scheduler.jobs()
            assert (job.source, job.next_run is not None) == ("people", True)
            scheduler.fire("people")  # what the cron job does at 02:00
            deadline = time.monotonic() + 60
            count = 0
            while count < 2 and time.monotonic() < deadline:
                body = client.post("/graphql", json={"query": "{ persons { totalCount } }"}).json()
                # Until the first sync the store has no tables yet: an error, not a count.
                count = body["data"]["persons"]["totalCount"] if body.get("data") else 0
                time.sleep(0.2)
            assert count == 2
            deadline = time.monotonic() + 30
            while 'gridhub_schedule_last_outcome{source="people"} 0.0' not in (
                text := client.get("/metrics").text
            ):
                assert time.monotonic() < deadline, text[-2000:]
                time.sleep(0.2)
        assert not scheduler.running  # stopped with the app, before the store closed


def test_no_scheduler_without_a_scheduled_source(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "people.yaml").write_text(
        DECLARATION.replace('schedule: {cron: "0 2 * * *", retries: 1, retry_delay_s: 1}\n', ""),
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path / "data", ladybug_buffer_pool_mb=256)
    with open_store(settings) as store:
        assert create_app(store, settings, schedules=sources).state.scheduler is None
