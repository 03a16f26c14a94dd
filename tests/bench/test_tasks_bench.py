"""bench/tasks.py runs end to end on a tiny district on the embedded store: generation, sync, the
daily run three times, and event dispatch over HTTP (`gridhub serve`, 10 posters) beside the
address matching alone, each printing its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STEP = re.compile(
    r"^(first run|same day again|next day) +[\d.]+ s +[\d,]+ MB +opened +(?P<opened>[\d,]+)", re.M
)
HTTP = re.compile(
    r"^POST /events, 10 posters \(HTTP\) +(?P<rate>[\d.]+) +(?P<p50>[\d.]+) +[\d.]+ +(?P<p99>[\d.]+) +[\d.]+ +"
    r"(?P<errors>\d+) +(?P<grid>\d+)/(?P<placed>\d+) = [\d.]+% / (?P<item>\d+)/(?P<itemed>\d+)",
    re.M,
)
ALONE = re.compile(
    r"^address matching alone \(in-process\) +(?P<rate>[\d.]+) .* (?P<grid>\d+)/(?P<placed>\d+) = [\d.]+% / —$",
    re.M,
)


@pytest.mark.integration
def test_tasks_bench_on_a_tiny_district(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "tasks.py"), "--persons", "1000", "--work", str(tmp_path),
         "--events", "40"],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    out = result.stdout
    assert re.search(r"^machine: \d+ cores", out, re.M)
    assert re.search(
        r"^== daily task run, ladybug: 1,000 residents \(seed 7\), [\d,]+ source rows", out, re.M
    )
    steps = {m[1]: int(m["opened"].replace(",", "")) for m in STEP.finditer(out)}
    assert steps.keys() == {"first run", "same day again", "next day"}, out
    assert steps["first run"] > 0
    assert steps["same day again"] == 0  # the daily run is idempotent
    assert "== event dispatch, ladybug: 40 events" in out
    http, alone = HTTP.search(out), ALONE.search(out)
    assert http is not None, out
    assert alone is not None, out
    assert http["errors"] == "0"
    assert float(http["rate"]) > 0
    assert float(http["p50"]) <= float(http["p99"])
    assert int(http["placed"]) == int(alone["placed"]) > 0
    # The address matching alone places what the words fix (the intake's own test holds it to 99%).
    assert int(alone["grid"]) >= 0.9 * int(alone["placed"])
    outcomes = re.search(
        r"^outcomes over HTTP: (\d+) tasks opened, (\d+) joined a task, (\d+) queued", out, re.M
    )
    assert outcomes is not None, out
    assert sum(int(n) for n in outcomes.groups()) == 40  # every event a task or a queue entry
    misses = re.search(r"^misses: of the (\d+) events whose words fix a place, (\d+) dispatched to the right grid, "
                       r"(\d+) to a wrong one, (\d+) queued", out, re.M)  # fmt: skip
    assert misses is not None, out
    assert int(misses[1]) == int(misses[2]) + int(misses[3]) + int(misses[4])
