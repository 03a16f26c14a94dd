"""What an operator watches: /metrics with the hub's work (per source, resolution, review queue,
the last run), /health with the state database and the age of the last successful sync, and
`gridhub runs` / `runs show` with a failed run's error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

from hub.api import create_app
from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, open_store
from hub.sync import sync_sources
from hub.sync.report import RunReport

PERSONS = 200


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, GraphStore, RunReport]]:
    data = tmp_path_factory.mktemp("monitoring")
    generate_district(data / "demo", persons=PERSONS, seed=5)
    settings = Settings(data_dir=data, ladybug_buffer_pool_mb=256, api_auth="disabled")
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        report = sync_sources(store, state, demo_sources(store.schema), settings)
    with open_store(settings) as store:
        yield settings, store, report


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_show_each_source_the_resolution_and_the_review_queue(
    synced: tuple[Settings, GraphStore, RunReport],
) -> None:
    settings, store, report = synced
    with TestClient(create_app(store, settings)) as client:
        samples = _samples(client.get("/metrics").text)
    assert samples["gridhub_state_up", ()] == 1
    assert samples["gridhub_last_run_success", ()] == 1
    for source in report.sources:
        labels = (("source", source.source),)
        assert samples["gridhub_source_last_success_timestamp_seconds", labels] > 0
        for outcome in ("read", "new", "quarantined"):
            key = ("gridhub_source_rows", (("outcome", outcome), ("source", source.source)))
            assert samples[key] == getattr(source, outcome)
    for entry in report.resolution:
        key = ("gridhub_resolution", (("entity_type", entry["entity_type"]), ("figure", "mentions")))
        assert samples[key] == entry["mentions"]
    with StateStore(settings.state_database_url) as state:
        queue = state.open_review_counts()
    assert queue  # the demo district leaves merge candidates and addresses to review
    for kind, count in queue.items():
        assert samples["gridhub_review_open", (("kind", kind),)] == count


def test_health_reads_the_state_and_says_how_old_the_last_sync_is(
    synced: tuple[Settings, GraphStore, RunReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, store, _ = synced
    with TestClient(create_app(store, settings)) as client:
        body = client.get("/health").json()
        assert body["status"] == "ok"
        assert body["last_run_status"] == "succeeded"
        assert 0 <= body["last_success_age_s"] < 3600

        # The state database goes away while the API runs.
        def unreachable(*_: object, **__: object) -> None:
            raise OperationalError("SELECT", {}, Exception("connection refused"))

        monkeypatch.setattr(StateStore, "recent_runs", unreachable)
        response = client.get("/health")
        assert response.status_code == 503
        assert "state database" in response.json()["error"]
        samples = _samples(client.get("/metrics").text)
        assert samples["gridhub_state_up", ()] == 0


def test_a_failed_run_keeps_its_error_for_runs_show(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=256)
    env = {**os.environ, "GRIDHUB_DATA_DIR": str(tmp_path)}
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        with pytest.raises(Exception, match="file not found"):  # no demo files were generated
            sync_sources(store, state, demo_sources(store.schema), settings)
        (run,) = state.recent_runs(1)
    assert run["status"] == "failed"

    def gridhub(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", *args], env=env, capture_output=True, text=True, timeout=120
        )

    shown = gridhub("runs", "show", run["run_id"], "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["status"] == "failed"
    assert "file not found" in report["report"]["error"]
    listed = json.loads(gridhub("runs", "--json").stdout)
    assert [r["run_id"] for r in listed] == [run["run_id"]]
    assert gridhub("runs", "show", "no-such-run").returncode == 2


def test_the_grafana_dashboard_asks_only_for_metrics_the_api_exports(
    synced: tuple[Settings, GraphStore, RunReport],
) -> None:
    import re

    settings, store, _ = synced
    with TestClient(create_app(store, settings)) as client:
        client.post("/graphql", json={"query": "{ __typename }"})  # so request metrics have samples
        exported = {
            s.name
            for family in text_string_to_metric_families(client.get("/metrics").text)
            for s in family.samples
        }
    dashboard = json.loads(
        (Path(__file__).parents[3] / "deploy" / "grafana" / "gridhub-dashboard.json").read_text()
    )
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b(gridhub_[a-z_]+)", target["expr"])
    }
    assert asked
    assert asked <= exported, asked - exported


def test_every_request_is_logged_as_one_json_line_without_its_query_string(
    synced: tuple[Settings, GraphStore, RunReport],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import structlog

    from hub.logging import LOG_JSON_ENV, LOG_LEVEL_ENV, configure_logging

    settings, store, _ = synced
    saved = structlog.get_config()
    monkeypatch.setenv(LOG_JSON_ENV, "true")
    monkeypatch.setenv(LOG_LEVEL_ENV, "INFO")
    try:
        configure_logging()
        with TestClient(create_app(store, settings)) as client:
            client.get("/health?token=do-not-log-me")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    finally:
        structlog.configure(**saved)
    (logged,) = [line for line in lines if line.get("event") == "request"]
    assert (logged["method"], logged["path"], logged["status"]) == ("GET", "/health", 200)
    assert logged["ms"] >= 0
    assert "do-not-log-me" not in json.dumps(lines)
