"""The daily task run over a generated district on the embedded store: time and peak memory.

Generates a district (--persons, default 1,000,000), syncs it into an embedded store, then runs
`gridhub tasks run` twice in fresh processes as of the generator's day:
  1. the first run: every rule's facts, all of them new (tasks opened, assigned, written),
  2. the same run again: nothing new (every rule evaluated, every fact found on file),
  3. the next day's run: what a daily run costs once the backlog is filed (the few facts the
     day brings, overdue flags refreshed).
Each step reports wall time, peak RSS (ru_maxrss), tasks opened and the seconds of each rule;
the header gives the core count and the data size (source rows, graph nodes).

    python bench/tasks.py --persons 100000
    python bench/tasks.py --persons 1000000 --work /tmp/bench-tasks   # keeps the district for reruns
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.tasks.run import run_tasks
settings = Settings()
started = time.perf_counter()
with open_store(settings) as store, StateStore(settings.state_database_url) as state:
    report = run_tasks(store, state, Path(sys.argv[1]), date.fromisoformat(sys.argv[2]))
    nodes = store.counts().nodes
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "report": report.to_dict(), "nodes": nodes}, default=str))
"""


def _env(data_dir: Path, persons: int) -> dict[str, str]:
    env = {
        **os.environ,
        "GRIDHUB_DATA_DIR": str(data_dir),
        "GRIDHUB_GRAPH_URL": "",
        "GRIDHUB_LOG_LEVEL": "WARNING",
    }
    # A 1M-resident district needs several GB of buffer pool (see bench/sync.py).
    env.setdefault("GRIDHUB_LADYBUG_BUFFER_POOL_MB", str(max(1024, persons // 160)))
    return env


def run_task_step(data_dir: Path, persons: int, today: date) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT / "config" / "tasks"), today.isoformat()],
        env=_env(data_dir, persons),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise SystemExit(f"task run failed:\n{result.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def print_step(name: str, step: dict[str, Any]) -> None:
    report = step["report"]
    print(
        f"{name:<22} {step['seconds']:>8.1f} s {step['max_rss_mb']:>8,.0f} MB   opened {report['opened']:>7,}   "
        f"overdue flags {report['overdue_changed']:>6,}   written {report['projected']:>7,}",
        flush=True,
    )
    for rule in report["rules"]:
        error = f"  ERROR {rule['error']}" if rule["error"] else ""
        print(
            f"{'':>4}{rule['rule']:<26} {rule['found']:>7,} found {rule['opened']:>7,} opened "
            f"{rule['seconds']:>7.2f} s{error}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    args = parser.parse_args()
    from installed import byte_compile
    from sync import run_sync

    from hub.demo.generator import DEFAULT_AS_OF, generate_district

    byte_compile(ROOT)
    with ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        data_dir = work / f"tasks-{args.persons}"
        if not (data_dir / "graph").exists():
            generate_district(data_dir / "demo", persons=args.persons, seed=args.seed)
            synced = run_sync(data_dir, "", args.persons)
            print(f"synced {synced['read']:,} source rows in {synced['seconds']:.0f} s", flush=True)
        source_rows = sum(
            1 for p in (data_dir / "demo").iterdir() if p.suffix in {".csv", ".jsonl"} and p.stem not in {"truth", "noise"}
            for _ in p.open(encoding="utf-8")
        )  # fmt: skip
        first = run_task_step(data_dir, args.persons, DEFAULT_AS_OF)
        nodes = first["nodes"]
        print()
        print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; embedded store (ladybug)")
        print(
            f"district: {args.persons:,} residents (seed {args.seed}), {source_rows:,} source rows; graph "
            + ", ".join(
                f"{nodes[k]:,} {k}"
                for k in ("Person", "Address", "LegalEntity", "License", "Grid", "GridWorker")
            )
        )
        print(f"as of {DEFAULT_AS_OF}; {len(first['report']['rules'])} rules")
        print_step("first run", first)
        print_step("same day again", run_task_step(data_dir, args.persons, DEFAULT_AS_OF))
        print_step("next day", run_task_step(data_dir, args.persons, DEFAULT_AS_OF + timedelta(days=1)))


if __name__ == "__main__":
    main()
