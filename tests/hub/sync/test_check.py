"""`gridhub sources check` tries declarations on real files and writes nothing; `sources list`
shows what is declared and when it last synced."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from hub.demo.generator import generate_district
from hub.settings import Settings
from hub.state import StateStore

ROOT = Path(__file__).parents[3]
DECLARATIONS = ROOT / "hub" / "demo" / "sources"


def gridhub(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args, "--config", str(DECLARATIONS)],
        env={**os.environ, "GRIDHUB_DATA_DIR": str(data)}, capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip


def test_check_reads_and_maps_without_writing_and_says_what_would_be_quarantined(tmp_path: Path) -> None:
    generate_district(tmp_path / "demo", persons=300, seed=9)
    with (tmp_path / "demo" / "population.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    checked = gridhub(tmp_path, "sources", "check", "population", "--json", "--sample", "2")
    assert checked.returncode == 0, checked.stderr
    (found,) = json.loads(checked.stdout)
    assert found["problem"] is None
    assert found["read"] == len(rows)
    assert found["mapped"] + sum(found["errors"].values()) == found["read"]
    assert found["errors"]  # the generator breaks a few rows on purpose
    assert found["filled"]["self.name"] == found["mapped"]
    assert [s["raw"]["人员编号"] for s in found["samples"]] == [r["人员编号"] for r in rows[:2]]
    assert found["samples"][0]["mapped"]["self"]["type"] == "Person"
    # Nothing was written: no graph, no run recorded.
    assert not (tmp_path / "graph").exists()
    with StateStore(Settings(data_dir=tmp_path).state_database_url) as state:
        assert state.recent_runs() == []


def test_check_refuses_a_source_whose_header_lacks_a_mapped_column(tmp_path: Path) -> None:
    generate_district(tmp_path / "demo", persons=300, seed=9)
    path = tmp_path / "demo" / "population.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("联系电话", "电话", 1), encoding="utf-8")
    checked = gridhub(tmp_path, "sources", "check", "population")
    assert checked.returncode == 2
    assert "联系电话" in checked.stderr


def test_list_shows_every_declared_source(tmp_path: Path) -> None:
    listed = gridhub(tmp_path, "sources", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    sources = {s["name"]: s for s in json.loads(listed.stdout)}
    assert set(sources) == {p.stem for p in DECLARATIONS.glob("*.yaml")}
    assert sources["population"]["entities"]["self"] == "Person"
    assert sources["population"]["last_run"] is None
