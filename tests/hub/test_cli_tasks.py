"""`gridhub tasks …` through typer's CliRunner, registered as hub/cli.py will register it, on a
small generated district in the embedded store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from hub.cli_tasks import tasks_app
from hub.demo.generator import DEFAULT_AS_OF, generate_district
from hub.demo.run import demo_sources
from hub.settings import Settings, get_settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources

runner = CliRunner()
app = typer.Typer()
app.add_typer(tasks_app, name="tasks")  # the line hub/cli.py registers it with
CONFIG = Path(__file__).resolve().parents[2] / "config" / "tasks"
TODAY = DEFAULT_AS_OF.isoformat()


@pytest.fixture
def district(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    generate_district(tmp_path / "demo", persons=400, seed=3)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=256)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    monkeypatch.setenv("GRIDHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDHUB_LADYBUG_BUFFER_POOL_MB", "256")
    monkeypatch.setenv("GRIDHUB_TASKS_CONFIG_DIR", str(CONFIG))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _json(*args: str) -> Any:
    result = runner.invoke(app, ["tasks", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_run_list_show_and_change_a_task(district: Path) -> None:
    report = _json("run", "--today", TODAY)
    assert report["opened"] > 0
    assert report["projected"] == report["opened"]
    assert _json("run", "--today", TODAY)["opened"] == 0

    listed = _json("list", "--status", "assigned", "--today", TODAY)
    assert len(listed) == report["opened"]
    task = next(t for t in listed if t["assignee_level"] == "grid")
    mine = _json("list", "--worker", task["assignee_code"], "--today", TODAY)
    assert task["id"] in {t["id"] for t in mine}
    in_grid = _json("list", "--grid", task["grid_code"], "--today", TODAY)
    assert task["id"] in {t["id"] for t in in_grid}

    refused = runner.invoke(app, ["tasks", "done", task["id"], "--by", "王五", "--today", TODAY])
    assert refused.exit_code != 0
    assert isinstance(refused.exception, Exception)
    assert "accept it first" in str(refused.exception)

    accepted = runner.invoke(app, ["tasks", "accept", task["id"], "--by", "王五", "--today", TODAY])
    assert accepted.exit_code == 0, accepted.output
    assert f"{task['id']} accepted by 王五" in accepted.output
    back = _json("return", task["id"], "--reason", "not_my_grid", "--by", "王五", "--today", TODAY)
    assert "counts against nobody" in back["summary"]

    shown = _json("show", task["id"], "--today", TODAY)
    assert [e["action"] for e in shown["history"]] == ["open", "assign", "accept", "return", "assign"]
    assert shown["history"][3]["reason"] == "not_my_grid"
    assert shown["history"][3]["counts_against"] is None
    table = runner.invoke(app, ["tasks", "show", task["id"], "--today", TODAY])
    assert table.exit_code == 0, table.output
    assert "not_my_grid" in table.output
    assert "nobody" in table.output

    late = _json("list", "--overdue", "--today", "2027-06-01")
    assert {t["id"] for t in late} >= {t["id"] for t in listed} - {task["id"]}
    assert all(t["overdue_by"] > 0 for t in late)

    missing = runner.invoke(app, ["tasks", "show", "T-404"])
    assert missing.exit_code == 2
    assert "no task T-404" in missing.output


def test_a_return_needs_a_known_reason(district: Path) -> None:
    _json("run", "--today", TODAY)
    [task] = _json("list", "--limit", "1")
    bad = runner.invoke(app, ["tasks", "return", task["id"], "--reason", "lazy", "--by", "x"])
    assert bad.exit_code != 0
    assert "no return reason 'lazy'" in str(bad.exception)


def test_the_server_runs_task_jobs_sent_over_its_local_channel(district: Path) -> None:
    """What the CLI does when `gridhub serve` holds the embedded store: the run and a change go
    to the server as write jobs (tasks-run, task-status)."""
    from fastapi.testclient import TestClient

    from hub.api.app import create_app
    from hub.jobs.channel import TOKEN_HEADER

    settings = get_settings()
    with open_store(settings) as store:
        app = create_app(store, settings)
        with TestClient(app) as client:
            token = {TOKEN_HEADER: app.state.jobs.token}

            def job(command: str, **options: str) -> dict[str, Any]:
                with client.stream("POST", f"/jobs/{command}", json=options, headers=token) as response:
                    assert response.status_code == 200
                    events = [json.loads(line) for line in response.iter_lines() if line]
                last: dict[str, Any] = events[-1]
                return last

            ran = job("tasks-run", today=TODAY)
            assert (ran["exit_code"], ran["result"]["opened"] > 0) == (0, True)
            with StateStore(settings.state_database_url) as state:
                [task] = state.find_tasks(statuses=["assigned"], limit=1)
            accepted = job("task-status", task=task.id, action="accept", by="王五", today=TODAY)
            assert accepted["result"]["task"]["status"] == "accepted"
            refused = job("task-status", task=task.id, action="accept", by="王五", today=TODAY)
            assert refused["exit_code"] == 1
            assert "it was accepted already" in refused["error"]
        node = store.get_node("Task", task.id)
        assert node is not None
        assert node.properties["status"] == "accepted"


def _queue_events(settings: Settings, wanted: int) -> list[int]:
    """Events of the generated district taken in (as POST /events does) until ``wanted`` wait in
    the dispatchers' queue for their address alone: their queue entries."""
    from hub.jobs import run_job

    with (settings.data_dir / "demo" / "events.jsonl").open(encoding="utf-8") as handle:
        raw = [json.loads(line) for line in handle]
    queued: list[int] = []
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        for event in raw:
            options = {"event": event, "today": TODAY, "config": str(CONFIG)}
            answer = run_job("event", store, state, settings, options).result
            if [r["kind"] for r in answer.get("reasons", [])] == ["address unresolved"]:
                queued.append(int(answer["queued"]))
                if len(queued) == wanted:
                    return queued
    raise AssertionError(f"fewer than {wanted} events were queued for their address")


def test_a_dispatcher_lists_and_settles_the_queue(district: Path) -> None:
    settings = get_settings()
    first, second = _queue_events(settings, 2)
    waiting = _json("queue", "list")
    assert waiting["total"] == len(waiting["items"]) >= 2
    assert {first, second} <= {e["id"] for e in waiting["items"]}
    # Reporters' numbers are masked unless asked for (as the API masks them without pii).
    shown = _json("queue", "list", "--show-pii")
    phones = {e["id"]: e["raw"]["reporter_phone"] for e in shown["items"] if e["raw"].get("reporter_phone")}
    assert phones
    masked = {e["id"]: e["raw"]["reporter_phone"] for e in waiting["items"] if e["id"] in phones}
    for entry, phone in phones.items():
        assert masked[entry] != phone
        assert "*" in masked[entry]
    table = runner.invoke(app, ["tasks", "queue", "list"])
    assert table.exit_code == 0, table.output
    assert "address unresolved" in table.output

    with open_store(settings, read_only=True) as store:
        grid = store.read("MATCH (g:Grid) RETURN g.grid_code AS code ORDER BY code LIMIT 1")[0]["code"]
    settled = _json(
        "queue", "settle", str(first), "--item", "CG-002", "--grid", grid, "--by", "调度员", "--today", TODAY
    )
    assert (settled["status"], settled["item"], settled["joined"]) == ("dispatched", "CG-002", False)
    with StateStore(settings.state_database_url) as state:
        task = state.task(settled["task"])
    assert task is not None
    assert (task.grid_code, task.status) == (grid, "assigned")

    closed = runner.invoke(
        app, ["tasks", "queue", "settle", str(second), "--close", "不属于本区", "--by", "调度员"]
    )
    assert closed.exit_code == 0, closed.output
    assert f"queued event {second} closed: 不属于本区" in closed.output
    assert {e["id"] for e in _json("queue", "list", "--status", "closed")["items"]} == {second}

    again = runner.invoke(app, ["tasks", "queue", "settle", str(first), "--close", "x", "--by", "调度员"])
    assert again.exit_code == 2
    assert "not waiting" in again.output
    both = runner.invoke(
        app, ["tasks", "queue", "settle", str(first), "--item", "CG-002", "--close", "x", "--by", "调度员"]
    )
    assert both.exit_code == 2
    assert "--close" in both.output
