"""`gridhub schedule list`, through typer's CliRunner, registered as hub/cli.py will register it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from typer.testing import CliRunner

from connectors.errors import MappingError
from hub.cli_schedule import schedule_app

runner = CliRunner()
app = typer.Typer()
app.add_typer(schedule_app, name="schedule")  # the line hub/cli.py registers it with

PLAIN = """
name: {name}
connector: {{kind: csv, path: {name}.csv}}
record_id: id
entities: {{self: {{type: Person, properties: {{name: xm}}}}}}
"""


def declare(directory: Path, name: str, schedule: str | None = None) -> None:
    directory.mkdir(exist_ok=True)
    text = PLAIN.format(name=name) + (f"schedule: {schedule}\n" if schedule else "")
    (directory / f"{name}.yaml").write_text(text, encoding="utf-8")


def test_list_json_has_each_scheduled_source_and_its_next_run(tmp_path: Path) -> None:
    declare(tmp_path, "pop", '{cron: "0 2 * * 1-5", timezone: Asia/Shanghai, retries: 3, retry_delay_s: 30}')
    declare(tmp_path, "plain")
    declare(tmp_path, "grid", '"*/15 * * * *"')
    result = runner.invoke(app, ["schedule", "list", "--config", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [entry["source"] for entry in listed] == ["grid", "pop"]  # files in name order; plain has none
    grid, pop = listed
    assert {k: v for k, v in pop.items() if k != "next_run"} == {
        "source": "pop", "cron": "0 2 * * 1-5", "timezone": "Asia/Shanghai",
        "retries": 3, "retry_delay_s": 30.0, "jitter_s": 0,
    }  # fmt: skip
    next_pop = datetime.fromisoformat(pop["next_run"])
    assert next_pop.utcoffset() == timedelta(hours=8)
    assert (next_pop.hour, next_pop.minute) == (2, 0)
    assert next_pop.weekday() < 5
    next_grid = datetime.fromisoformat(grid["next_run"])
    assert next_grid.minute % 15 == 0
    assert 0 < (next_grid - datetime.now(UTC)).total_seconds() <= 15 * 60
    assert grid["timezone"] is None  # the server's local time


def test_list_as_a_table_and_without_schedules(tmp_path: Path) -> None:
    declare(tmp_path, "pop", '"0 2 * * *"')
    declare(tmp_path, "plain")
    result = runner.invoke(app, ["schedule", "list", "--config", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "0 2 * * *" in result.output
    assert "1 of 2 source(s) scheduled" in result.output
    (tmp_path / "pop.yaml").unlink()
    result = runner.invoke(app, ["schedule", "list", "--config", str(tmp_path), "--json"])
    assert json.loads(result.output) == []


def test_a_bad_cron_expression_names_the_file_and_the_key(tmp_path: Path) -> None:
    declare(tmp_path, "pop", '"0 2 * * 8"')
    result = runner.invoke(app, ["schedule", "list", "--config", str(tmp_path), "--json"])
    # `gridhub` (hub.cli.main) prints such an error as one line and exits 2.
    assert isinstance(result.exception, MappingError)
    assert (result.exception.file, result.exception.key) == (str(tmp_path / "pop.yaml"), "schedule.cron")
    assert "weekday '8' is not 0–7" in str(result.exception)
