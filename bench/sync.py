"""Sync throughput, peak memory and incremental re-sync cost on the demo district.

For each size (persons) and each store (embedded ladybug, Neo4j), in fresh processes:
  1. first sync of all demo sources into an empty graph,
  2. re-sync with every source unchanged            (target: ≤ 5% of the first run's time),
  3. re-sync with 1% of each source's rows changed   (target: ≤ 10%): one value the graph holds
     changes in every hundredth row (a phone number, a licence's expiry, a floor count).
Each step runs in its own process and reports its wall time and peak RSS (its own VmHWM: see bench/installed.py); gridhub's
modules are byte-compiled first, as an install does (see installed.py).
Neo4j is the project's test server (tools/neo4j-test-server) unless GRIDHUB_BENCH_NEO4J_URI is set.

    python bench/sync.py --persons 100000 --persons 1000000 --stores ladybug,neo4j
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from installed import PEAK_RSS  # noqa: E402  (bench/installed.py: the child's own peak RSS)

CHILD = (
    PEAK_RSS
    + """
import json, resource, sys, time
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from hub.demo.run import demo_sources
settings = Settings()
started = time.perf_counter()
with open_store(settings) as store, StateStore(settings.state_database_url) as state:
    report = sync_sources(store, state, demo_sources(store.schema), settings)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "max_rss_mb": peak_rss_mb(),
                  "read": sum(s.read for s in report.sources), "new": sum(s.new for s in report.sources),
                  "changed": sum(s.changed for s in report.sources), "unchanged": sum(s.unchanged for s in report.sources),
                  "resolution": {r["entity_type"]: {"mentions": r["mentions"], "seconds": r["seconds"].get("total")}
                                 for r in report.resolution}}))
"""
)


def run_sync(data_dir: Path, graph_url: str, persons: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "GRIDHUB_DATA_DIR": str(data_dir),
        "GRIDHUB_GRAPH_URL": graph_url,
        "GRIDHUB_LOG_LEVEL": "WARNING",
    }
    # The embedded store keeps its working set in the buffer pool: a 1M-resident district needs
    # several GB (the 1 GB default filled up near 820k grid-collection rows).
    env.setdefault("GRIDHUB_LADYBUG_BUFFER_POOL_MB", str(max(1024, persons // 160)))
    result = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    if result.returncode != 0:
        raise SystemExit(f"sync failed:\n{result.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


# The value every hundredth row changes, per source file: contact numbers change, a licence is
# renewed for a year, a building's floor count is corrected — values the graph holds, not
# formatting the normalisers would strip (a trailing space changes the row's hash, not its meaning).
CHANGED_COLUMN = {
    "address_library.csv": "层数",
    "business_registry.csv": "联系电话",
    "grid_collection.jsonl": "lxdh",
    "grid_workers.csv": "手机号码",
    "housing.csv": "承租人联系电话",
    "licenses.jsonl": "validTo",
    "newborns.csv": "母亲联系电话",
    "population.csv": "联系电话",
}


def changed_value(value: object) -> str:
    """A different value of the same kind: a date a year later, a number with its last digit
    moved on, a mobile number where there was none."""
    text = str(value if value is not None else "").strip()
    if re.match(r"^\d{4}\D", text):
        return f"{int(text[:4]) + 1}{text[4:]}"
    if text.isdigit() and len(text) <= 4:  # a count or a weight
        return str(int(text) + 1)
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    if not digits:
        return "13800138000"
    last = digits[-1]
    return f"{text[:last]}{(int(text[last]) + 1) % 10}{text[last + 1 :]}"


def change_one_percent(demo_dir: Path) -> int:
    """Change one value (CHANGED_COLUMN) in every hundredth row of every source file: the row
    must be read, mapped, re-resolved and its new value written."""
    changed = 0
    for path in sorted(demo_dir.iterdir()):
        # Not source files: the generator's truth, its noise log and the residents' complaints
        # (events are posted to the API, not synced).
        if path.name in {
            "truth.csv",
            "noise.csv",
            "manifest.json",
            "tasks_truth.csv",
            "events.jsonl",
            "events_truth.csv",
        }:
            continue
        column = CHANGED_COLUMN[path.name]
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = next(csv.reader([lines[0]])) if path.suffix == ".csv" else []
        start = 1 if path.suffix == ".csv" else 0
        for i in range(start, len(lines), 100):
            if path.suffix == ".csv":
                row = next(csv.reader([lines[i]]))
                at = header.index(column)
                row[at] = changed_value(row[at])
                lines[i] = _csv_line(row)
            else:
                record = json.loads(lines[i])
                record[column] = changed_value(record.get(column))
                lines[i] = json.dumps(record, ensure_ascii=False) + "\n"
            changed += 1
        path.write_text("".join(lines), encoding="utf-8")
    return changed


def _csv_line(row: list[str]) -> str:
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    return buffer.getvalue()


def neo4j_uri(stack: ExitStack) -> str:
    if os.environ.get("GRIDHUB_BENCH_NEO4J_URI"):
        return os.environ["GRIDHUB_BENCH_NEO4J_URI"]
    from tests.support.neo4j_server import Neo4jTestServer, build_launcher

    build_launcher()
    server = stack.enter_context(Neo4jTestServer(java_options=("-Xmx4g",)))
    return server.uri


def wipe_neo4j(uri: str) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, action="append", help="district sizes (repeatable)")
    parser.add_argument("--stores", default="ladybug,neo4j")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    args = parser.parse_args()
    sizes = args.persons or [100_000]
    stores = args.stores.split(",")
    from installed import byte_compile

    from hub.demo.generator import generate_district

    byte_compile(ROOT)
    rows: list[tuple[Any, ...]] = []
    with ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        uri = neo4j_uri(stack) if "neo4j" in stack_stores(stores) else ""
        for persons in sizes:
            source_dir = work / f"district-{persons}"
            if not (source_dir / "manifest.json").exists():
                generate_district(source_dir, persons=persons, seed=args.seed)
            source_rows = sum(1 for p in source_dir.iterdir() if p.suffix in {".csv", ".jsonl"} and p.stem not in {"truth", "noise", "events", "events_truth", "tasks_truth"}
                              for _ in p.open(encoding="utf-8"))  # fmt: skip
            for store in stores:
                data_dir = work / f"run-{persons}-{store}"
                shutil.rmtree(data_dir, ignore_errors=True)
                shutil.copytree(source_dir, data_dir / "demo")
                graph_url = uri if store == "neo4j" else ""
                if store == "neo4j":
                    wipe_neo4j(uri)
                first = run_sync(data_dir, graph_url, persons)
                unchanged = run_sync(data_dir, graph_url, persons)
                touched = change_one_percent(data_dir / "demo")
                changed = run_sync(data_dir, graph_url, persons)
                rows.append((persons, store, source_rows, first, unchanged, changed, touched))
                print_row(rows[-1], flush=True)
    print()
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    print(f"{'persons':>9} {'store':8} {'rows':>9} {'first s':>8} {'rows/s':>7} {'RSS MB':>7} "
          f"{'unchanged s':>11} {'share':>6} {'1% changed s':>12} {'share':>6}")  # fmt: skip
    for row in rows:
        print_row(row)


def stack_stores(stores: list[str]) -> list[str]:
    return stores


def print_row(row: tuple[Any, ...], flush: bool = False) -> None:
    persons, store, source_rows, first, unchanged, changed, touched = row
    print(
        f"{persons:>9,} {store:8} {source_rows:>9,} {first['seconds']:>8.1f} {first['read'] / first['seconds']:>7,.0f} "
        f"{max(first['max_rss_mb'], unchanged['max_rss_mb'], changed['max_rss_mb']):>7,.0f} "
        f"{unchanged['seconds']:>11.1f} {unchanged['seconds'] / first['seconds']:>6.1%} "
        f"{changed['seconds']:>12.1f} {changed['seconds'] / first['seconds']:>6.1%}"
        f"   (changed rows re-read: {changed['changed']:,} of {touched:,} touched)",
        flush=flush,
    )
    for step, data in (("first", first), ("1% changed", changed)):
        passes = ", ".join(
            f"{t} {r['mentions']:,} mentions {r['seconds'] or 0:.1f} s"
            for t, r in data.get("resolution", {}).items()
        )
        if passes:
            print(f"{'':>9} resolution pass, {step}: {passes}", flush=flush)


if __name__ == "__main__":
    main()
