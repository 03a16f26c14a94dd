"""A sync killed with SIGKILL mid-run, then run again, ends with exactly the graph of an uninterrupted run."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.settings import Settings
from hub.store import GraphStore
from hub.store.ladybug_store import LadybugStore
from tests.conftest import StoreFactory
from tests.support.graph_dump import dump_graph

PERSONS = 12_000
ADDRESSES = 1_500
SOURCES = Path(__file__).parents[3] / "hub" / "demo" / "sources"
GRIDHUB = [sys.executable, "-c", "from hub.cli import main; main()"]


def write_district(data_dir: Path) -> None:
    demo = data_dir / "demo"
    demo.mkdir(parents=True)
    with (demo / "address_library.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["地址编码", "标准地址", "单元", "楼层", "房号", "楼栋编码", "楼栋名称", "道路", "门牌号", "小区",
                         "网格编码", "网格名称", "社区编码", "社区名称", "街道编码", "街道名称", "层数", "用途"])  # fmt: skip
        for i in range(ADDRESSES):
            b, g = i // 30, i // 300
            writer.writerow([f"A{i:05}", f"福华路{b}号{i % 30 + 101}房", "", "1", str(i % 30 + 101), f"B{b:04}",
                             f"{b}栋", "福华路", f"{b}号", "福田花园", f"G{g:03}", f"第{g}网格", "C01", "福山社区",
                             "S01", "福田街道", "", ""])  # fmt: skip
    with (demo / "population.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "人员编号",
                "姓名",
                "公民身份号码",
                "性别",
                "出生日期",
                "联系电话",
                "民族",
                "地址编码",
                "居住地址",
            ]
        )
        for i in range(PERSONS):
            body = f"110105{1950 + i % 50}{1 + i % 12:02}{1 + i % 28:02}{i % 1000:03}"
            idn = body + _check(body)
            writer.writerow(
                [f"R{i:06}", f"居民{i}", idn, "男女"[i % 2], idn[6:14], "", "汉", f"A{i % ADDRESSES:05}", ""]
            )


def _check(body: str) -> str:
    from stdnum.cn import ric

    return ric.calc_check_digit(body + "0")


def sync_cmd(data_dir: Path, graph_url: str) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "GRIDHUB_DATA_DIR": str(data_dir),
        "GRIDHUB_GRAPH_URL": graph_url,
        "GRIDHUB_WRITE_BATCH_SIZE": "250",
    }
    return [*GRIDHUB, "sync", "--config", str(SOURCES), "population", "address_library", "--json"], env


def committed_records(data_dir: Path) -> int:
    path = data_dir / "state.db"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM record_state").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # tables not created yet


def run_to_completion(data_dir: Path, graph_url: str) -> None:
    cmd, env = sync_cmd(data_dir, graph_url)
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


def kill_mid_run(data_dir: Path, graph_url: str) -> int:
    cmd, env = sync_cmd(data_dir, graph_url)
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    while committed_records(data_dir) < 2_000:
        assert process.poll() is None, "the sync ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    committed = committed_records(data_dir)
    assert 0 < committed < PERSONS + ADDRESSES, "the kill did not land mid-run"
    return committed


@pytest.mark.integration
def test_sigkill_mid_sync_then_rerun_converges(store_factory: StoreFactory, tmp_path: Path) -> None:
    probe = store_factory()
    embedded = isinstance(probe, LadybugStore)
    probe.close()

    def graph_url(data_dir: Path) -> str:
        return "" if embedded else probe.uri

    def open_graph(data_dir: Path) -> GraphStore:
        return (
            store_factory()
            if not embedded
            else LadybugStore(probe.schema, Settings(data_dir=data_dir).embedded_graph_path)
        )

    reference_dir, crashed_dir = tmp_path / "reference", tmp_path / "crashed"
    for data_dir in (reference_dir, crashed_dir):
        write_district(data_dir)

    run_to_completion(reference_dir, graph_url(reference_dir))
    reference = _dump(open_graph, reference_dir)

    if not embedded:
        store_factory().close()  # the Neo4j fixture wipes the database for the second graph
    kill_mid_run(crashed_dir, graph_url(crashed_dir))
    run_to_completion(crashed_dir, graph_url(crashed_dir))
    resumed = _dump(open_graph, crashed_dir)

    assert sum(len(v) for v in resumed["nodes"].values()) == sum(len(v) for v in reference["nodes"].values())
    assert resumed == reference


def _dump(open_graph: Callable[[Path], GraphStore], data_dir: Path) -> dict[str, object]:
    with open_graph(data_dir) as store:
        return dump_graph(store)
