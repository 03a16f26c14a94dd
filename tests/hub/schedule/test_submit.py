"""The scheduler's two ways to run a sync: in the server's process, or as `gridhub sync`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_schema import default_schema
from hub.api.jobs import JobRunner
from hub.errors import HubError
from hub.schedule.submit import as_command, in_process
from hub.settings import Settings
from hub.state import StateStore
from hub.store.ladybug_store import LadybugStore

DECLARATION = """
name: people
connector: {kind: csv, path: people.csv}
record_id: 编号
schedule: "0 2 * * *"
entities:
  self:
    type: Person
    properties: {name: 姓名, phone: 电话}
"""
# Stands in for `python -m hub.cli`: records its arguments, prints a report, exits as told.
FAKE_GRIDHUB = """
import json, os, sys
open(os.environ["ARGS_FILE"], "w").write(json.dumps(sys.argv[1:]))
print("progress…")
if os.environ.get("REPORT"):
    print(json.dumps({"run_id": "r1", "status": "refused"}))
print("error: source 'people' refused: people.csv: the header has no column '电话'", file=sys.stderr)
sys.exit(int(os.environ["EXIT"]))
"""


@pytest.mark.parametrize(
    ("code", "report", "given"),
    [(0, True, 0), (1, False, 1), (2, True, 2), (2, False, 1)],  # 2 without a report: not refused
)
def test_a_command_runs_gridhub_sync_json_and_gives_its_exit_code(
    tmp_path: Path, code: int, report: bool, given: int
) -> None:
    args_file = tmp_path / "args.json"
    submit = as_command(
        tmp_path / "sources",
        command=[sys.executable, "-c", FAKE_GRIDHUB],
        env={"ARGS_FILE": str(args_file), "EXIT": str(code), "REPORT": "1" if report else ""},
    )
    assert submit(["people", "grid"]) == given
    assert json.loads(args_file.read_text()) == [
        "sync",
        "--json",
        "--config",
        str(tmp_path / "sources"),
        "people",
        "grid",
    ]


def test_a_command_running_too_long_is_killed_and_failed(tmp_path: Path) -> None:
    submit = as_command(
        tmp_path, command=[sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=0.5
    )
    assert submit(["people"]) == 1


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", resolve_after_sync=False, api_timeout_s=15)


@pytest.fixture
def store(settings: Settings) -> Iterator[LadybugStore]:
    store = LadybugStore(default_schema(), settings.data_dir / "graph" / "g.lbug", buffer_pool_mb=256)
    store.set_read_timeout(settings.api_timeout_s)  # as the API sets it
    yield store
    store.close()


def test_in_process_syncs_into_the_servers_store(
    tmp_path: Path, settings: Settings, store: LadybugStore
) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "people.yaml").write_text(DECLARATION, encoding="utf-8")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    people = settings.data_dir / "people.csv"
    people.write_text("编号,姓名,电话\n1,张三,13800000001\n2,李四,13800000002\n", encoding="utf-8")
    store.set_read_timeout(15)  # as the API sets it: the job's writer twin does without
    with StateStore(settings.state_database_url) as state:
        runner = JobRunner(store, settings, lambda: state)
        submit = in_process(runner.run, sources)
        assert submit(["people"]) == 0
        assert sorted(str(n.properties["name"]) for n in store.iter_nodes("Person")) == ["张三", "李四"]
        assert store._read_timeout_s == 15  # the API's store keeps its timeout
        people.write_text("编号,姓名\n1,张三\n", encoding="utf-8")  # a column gone: refused
        assert submit(["people"]) == 2
        with pytest.raises(HubError, match="no source named gone"):
            submit(["people", "gone"])
        runner.close()


def test_only_the_hubs_own_error_line_is_logged_whole() -> None:
    from hub.schedule.submit import _last_error

    refused = "progress\nerror: source 'people' refused: people.csv: the header has no column '电话'\n"
    assert (
        _last_error(refused) == "error: source 'people' refused: people.csv: the header has no column '电话'"
    )
    traceback = "Traceback (most recent call last):\n  File …\nValueError: 张三 13800000001\n"
    assert _last_error(traceback) == "ValueError (the run's report has the message: gridhub runs)"
