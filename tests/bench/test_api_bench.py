"""bench/api.py runs end to end on a tiny district on the embedded store: generation, sync,
`gridhub serve`, the agreement check, and a line per question, path and client count."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import api_queries  # noqa: E402  (bench/api_queries.py)

# A cell: question, path, clients, n, p50, p95, p99, req/s, client CPU, [server CPU,] errors.
CELL = re.compile(
    r"^(?P<key>\S+) +(?P<path>graphql|cypher) +(?P<clients>\d+) +[\d,]+ .* (?P<errors>\d+)$", re.MULTILINE
)


@pytest.mark.integration
def test_api_bench_on_a_tiny_district(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / "api.py"),
            "--persons", "1000", "--stores", "ladybug", "--work", str(tmp_path),
            "--seconds", "0.2", "--warmup", "0", "--prewarm", "0.1", "--concurrency", "1,2",
        ],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    out = result.stdout
    assert re.search(r"^machine: \d+ cores", out, re.MULTILINE)
    assert "ladybug: answers agree (GraphQL in-process, GraphQL over HTTP, Cypher" in out
    table = out.split("== ladybug", 1)[1]
    cells = {(m["key"], m["path"], int(m["clients"])): m["errors"] for m in CELL.finditer(table)}
    # The floor of the path (no store read), timed in the same run.
    assert re.search(r"^floor: `\{ __typename \}` .* p50 \d+\.\d+ ms", table, re.MULTILINE), table
    for q in api_queries.QUESTIONS:
        paths = ("graphql", "cypher") if q.cypher is not None else ("graphql",)
        for path in paths:
            for clients in (1, 2):
                assert cells.get((q.key, path, clients)) == "0", (q.key, path, clients, table)
        if q.cypher is None:
            assert f"{q.key:17} cypher   — no Cypher peer" in table
        verdict = re.search(rf"^{re.escape(q.key)} .*round trips ≤ 10 (met|NOT met)", table, re.MULTILINE)
        assert verdict is not None, (q.key, table)


def test_percentile_is_nearest_rank() -> None:
    import api

    assert api.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert api.percentile([float(i) for i in range(1, 101)], 0.99) == 99.0
    assert api.percentile([7.0], 0.95) == 7.0
