"""bench/workbench.py runs end to end on a tiny district: generation, sync, filing merge
candidates, `gridhub serve`, the queue loads and "same" decisions seen in the graph."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_workbench_bench_on_a_tiny_district(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / "workbench.py"), "--persons", "300", "--work", str(tmp_path),
            "--loads", "3", "--warmup", "1", "--decisions", "2",
        ],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    out = result.stdout
    assert re.search(r"^machine: \d+ cores", out, re.MULTILINE)
    assert re.search(r"^commit [0-9a-f]+", out, re.MULTILINE)
    assert "data: 300 residents" in out
    assert "2 merge candidates filed" in out
    for name in ("both requests (wall)", "GET /steward/counts", "GET /steward/review"):
        assert re.search(rf"^{re.escape(name)} +n=3 +p50 +[\d.]+ ms", out, re.MULTILINE), name
    assert re.search(r"^decision → visible in graph +n=2 +p50 +[\d.]+ s", out, re.MULTILINE)
    assert re.search(r"^target p95 < 300 ms: (met|NOT met)$", out, re.MULTILINE)
    assert re.search(r"^target p95 < 1 s: (met|NOT met)$", out, re.MULTILINE)
