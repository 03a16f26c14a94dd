"""The daily task run and event dispatch over a generated district: time, memory, accuracy.

For a district (--persons, seed 7) synced into each store (--stores ladybug,neo4j; the setup is
bench/api.py's ``prepare``, cached under --work for the embedded store), on a scratch copy:

**The daily run** — `gridhub tasks run` three times, each in a fresh process, as of the
generator's day:
  1. the first run: every rule's facts, all of them new (tasks opened, assigned, written),
  2. the same run again: nothing new (every rule evaluated, every fact found on file),
  3. the next day's run: what a daily run costs once the backlog is filed (the few facts the
     day brings, overdue flags refreshed).
Each step reports wall time, peak RSS of the process (its own VmHWM, not ru_maxrss: bench/installed.py; on Neo4j the server's own peak
is printed beside it), tasks opened and the seconds of each rule.

**Event dispatch** (issue 15: "throughput and p99 latency at 10 concurrent posters, beside the
address-matching step alone") — the generator's events (events.jsonl, 1,000 written the way
residents write them) posted to a real `gridhub serve` (`POST /events`, an API key with the
events scope) by --posters closed-loop clients (threads, httpx, keep-alive), each posting the
next event as soon as its last was answered; one event first, untimed, builds the server's
intake (its latency is printed). Beside it, in the same run, the address-matching step alone:
the gazetteer (hub/tasks/event_places.py, over the resolver's address matcher) read from the same
store and asked each event's place in-process, one event after the other. Both report the share
of events put in the right grid and (HTTP) on the right item against events_truth.csv.

**Loading Neo4j** (--neo4j-load): `sync` syncs the district straight into the server (the path of
a running hub: at 100k residents 8–20 min here, so hours at 1M); `import` is the first load of a
big district or a city (issue 17): the district synced into the embedded store (cached as above),
exported by `gridhub export neo4j-import`, loaded by Neo4j 5.26's own `neo4j-admin database import
full` into a fresh Neo4j home, and the test server started on it (page cache
--neo4j-pagecache-mb, heap -Xmx4g) with the hub's constraints and indexes applied, the embedded
run's state database beside it. Each of those steps is timed and printed as setup.

The header gives the core count, the machine's load and the data size (source rows, graph
nodes, events).

    python bench/tasks.py --persons 100000 --stores ladybug,neo4j --work /tmp/tasks-bench
    python bench/tasks.py --persons 1000000 --work /tmp/tasks-bench   # embedded store only
    python bench/tasks.py --persons 1000000 --stores ladybug,neo4j --neo4j-load import --skip events \
        --work /tmp/tasks-bench
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api import (  # noqa: E402  (bench/api.py: the setup, the server, the key, the percentiles)
    Server,
    api_key,
    code_line,
    graph_url_reused,
    imported_neo4j,
    machine_line,
    neo4j_server,
    percentile,
    prepare,
    setup_line,
    store_env,
)
from installed import PEAK_RSS, vm_hwm_mb  # noqa: E402  (bench/installed.py: peak RSS of a process)

CHILD = (
    PEAK_RSS
    + """
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
print(json.dumps({"seconds": seconds, "max_rss_mb": peak_rss_mb(),
                  "report": report.to_dict(), "nodes": nodes}, default=str))
"""
)

# The address-matching step alone: the gazetteer read from the store, then each event's place
# asked in turn (events on stdin); also the grids' codes, to score the server's answers.
LOCATE = """
import json, sys, time
from hub.settings import Settings
from hub.store import open_store
from hub.tasks.event_places import Gazetteer
events = json.load(sys.stdin)
with open_store(Settings(), read_only=True) as store:
    started = time.perf_counter()
    gazetteer = Gazetteer.from_store(store)
    build_s = time.perf_counter() - started
    codes = {r["id"]: r["code"] for r in store.read("MATCH (g:Grid) RETURN g.id AS id, g.grid_code AS code")}
latencies, grids = [], []
started = time.perf_counter()
for e in events:
    t = time.perf_counter()
    place = gazetteer.locate(e.get("address_text") or "", e["text"])
    latencies.append((time.perf_counter() - t) * 1000)
    grids.append(codes.get(place.grid_id) if place.grid_id else None)
wall_s = time.perf_counter() - started
print(json.dumps({"build_s": build_s, "wall_s": wall_s, "latencies_ms": latencies, "grids": grids, "codes": codes}))
"""

WARM_UP = {
    "event_id": "bench-warm-up",
    "channel": "12345热线",
    "text": "测试：这条诉求只为让服务建好受理（不计时）",
}


def run_task_step(env: dict[str, str], today: date) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT / "config" / "tasks"), today.isoformat()],
        env=env, capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"task run failed:\n{result.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def print_step(name: str, step: dict[str, Any], server_mb: float | None) -> None:
    report = step["report"]
    server = "" if server_mb is None else f" (Neo4j server peak {server_mb:,.0f} MB)"
    print(
        f"{name:<22} {step['seconds']:>8.1f} s {step['max_rss_mb']:>8,.0f} MB{server}   opened {report['opened']:>7,}   "
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


def daily_run(env: dict[str, str], prepared: dict[str, Any], store: str, neo4j_pid: int | None) -> None:
    from hub.demo.generator import DEFAULT_AS_OF

    first = run_task_step(env, DEFAULT_AS_OF)
    nodes = first["nodes"]
    print(
        f"\n== daily task run, {store}: {prepared['persons']:,} residents (seed {prepared['seed']}), "
        f"{prepared['rows']:,} source rows; graph "
        + ", ".join(f"{nodes[k]:,} {k}" for k in ("Person", "Address", "LegalEntity", "License", "Grid", "GridWorker"))
        + f"; as of {DEFAULT_AS_OF}; {len(first['report']['rules'])} rules"
    )  # fmt: skip
    print_step("first run", first, vm_hwm_mb(neo4j_pid))
    print_step("same day again", run_task_step(env, DEFAULT_AS_OF), vm_hwm_mb(neo4j_pid))
    print_step("next day", run_task_step(env, DEFAULT_AS_OF + timedelta(days=1)), vm_hwm_mb(neo4j_pid))


class Posters:
    """``n`` closed-loop clients posting the events (each once, in file order) to ``POST /events``."""

    def __init__(self, url: str, key: str, events: list[dict[str, Any]], n: int) -> None:
        self.url, self.key, self.events, self.n = url, key, events, n
        self.latencies: list[float] = [float("nan")] * len(events)
        self.answers: list[dict[str, Any] | None] = [None] * len(events)
        self.statuses: list[int] = [0] * len(events)
        self.errors = 0
        self.first_error = ""
        self._next = 0
        self._lock = threading.Lock()

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= len(self.events):
                return None
            self._next += 1
            return self._next - 1

    def _client(self) -> None:
        import httpx

        with httpx.Client(headers={"Authorization": f"Bearer {self.key}"}, timeout=120) as client:
            while (i := self._take()) is not None:
                started = time.perf_counter()
                try:
                    response = client.post(f"{self.url}/events", json=self.events[i])
                    status, error = response.status_code, ""
                    if status in (200, 201, 202):
                        self.answers[i] = response.json()
                    else:
                        error = f"{status} {response.text[:200]}"
                except Exception as exc:  # a refused or dropped connection is an error to count
                    status, error = 0, repr(exc)
                self.latencies[i] = (time.perf_counter() - started) * 1000
                self.statuses[i] = status
                if error:
                    with self._lock:
                        self.errors += 1
                        self.first_error = self.first_error or error

    def run(self) -> float:
        threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.n)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started


def _share(right: int, of: int) -> str:
    return f"{right:,}/{of:,} = {right / of:.1%}" if of else "—"


def event_dispatch(
    env: dict[str, str], data_dir: Path, store: str, posters: int, log: Path, limit: int | None = None
) -> None:
    with (data_dir / "demo" / "events.jsonl").open(encoding="utf-8") as handle:
        events = [json.loads(line) for line in handle][:limit]
    with (data_dir / "demo" / "events_truth.csv").open(encoding="utf-8", newline="") as handle:
        truth = [dict(row) for row in csv.DictReader(handle)]
    by_id = {row["event_id"]: row for row in truth}
    truths = [by_id[e["event_id"]] for e in events]
    placed = [i for i, t in enumerate(truths) if t["place_level"] != "none"]
    itemed = [i for i, t in enumerate(truths) if t["item_code"]]

    # The address-matching step alone, before the server starts (the embedded store admits one
    # process at a time).
    located = subprocess.run(
        [sys.executable, "-c", LOCATE], input=json.dumps(events), env=env, cwd=ROOT,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if located.returncode != 0:
        raise SystemExit(f"the address-matching step failed:\n{located.stderr[-3000:]}")
    alone = json.loads(located.stdout.strip().splitlines()[-1])
    codes: dict[str, str] = alone["codes"]

    env = env | {
        "GRIDHUB_API_RATE_PER_S": "1000000", "GRIDHUB_API_RATE_BURST": "1000000",  # never throttled
        "GRIDHUB_API_AUTH": "enabled", "GRIDHUB_API_MODE": "development",
    }  # fmt: skip
    key = api_key(env)
    # One worker, as bench/api_during_sync.py runs it: the process that holds the store carries
    # out the write jobs (each event is one) beside the requests.
    server = Server(env, workers=1, log=log)
    try:
        import httpx

        warm = {**WARM_UP, "reported_at": events[0]["reported_at"]}
        started = time.perf_counter()
        answer = httpx.post(
            f"{server.url}/events", json=warm, headers={"Authorization": f"Bearer {key}"}, timeout=600
        )
        warm_s = time.perf_counter() - started
        if answer.status_code not in (200, 201, 202):
            raise SystemExit(f"the warm-up event was refused: {answer.status_code} {answer.text[:500]}")
        clients = Posters(server.url, key, events, posters)
        wall_s = clients.run()
    finally:
        server.stop()

    http_grid = sum(
        1 for i in placed
        if (a := clients.answers[i]) is not None and codes.get(a.get("grid") or "") == truths[i]["grid_code"]
    )  # fmt: skip
    http_item = sum(
        1 for i in itemed if (a := clients.answers[i]) is not None and a.get("item") == truths[i]["item_code"]
    )
    alone_grid = sum(1 for i in placed if alone["grids"][i] == truths[i]["grid_code"])
    # Where the misses are: a queued event counts as a miss above; what was dispatched is scored
    # apart (an event whose words fix no place, or whose item is off the list, belongs in the queue).
    answers = clients.answers
    queued_ = [i for i, a in enumerate(answers) if a is not None and "queued" in a]
    dispatched = [i for i, a in enumerate(answers) if a is not None and a.get("task")]
    wrong_grid = sum(
        1 for i in placed
        if (a := answers[i]) is not None and a.get("task") and codes.get(a.get("grid") or "") != truths[i]["grid_code"]
    )  # fmt: skip
    placed_queued = [i for i in queued_ if truths[i]["place_level"] != "none"]
    off_list = sum(1 for i in placed_queued if not truths[i]["item_code"])
    listed = [i for i in dispatched if truths[i]["item_code"]]
    listed_right = sum(1 for i in listed if (answers[i] or {}).get("item") == truths[i]["item_code"])
    outcomes = {
        "opened": sum(1 for s in clients.statuses if s == 201),
        "joined": sum(1 for a in clients.answers if a is not None and a.get("joined")),
        "queued": sum(1 for s in clients.statuses if s == 202),
    }
    lat = clients.latencies
    print(
        f"\n== event dispatch, {store}: {len(events):,} events (events.jsonl), {len(placed):,} with a place "
        f"the words fix, {len(itemed):,} on an item of the list"
    )
    print(f"first event (builds the server's intake, not timed below): {warm_s:.2f} s")
    print(
        f"{'step':<36} {'events/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'errors':>6}  right grid / right item"
    )
    ok = [x for x, s in zip(lat, clients.statuses, strict=True) if s in (200, 201, 202)]
    print(
        f"{f'POST /events, {posters} posters (HTTP)':<36} {len(ok) / wall_s:>9.1f} {percentile(ok, 0.5):>8.1f} "
        f"{percentile(ok, 0.95):>8.1f} {percentile(ok, 0.99):>8.1f} {max(ok, default=float('nan')):>8.1f} "
        f"{clients.errors:>6}  {_share(http_grid, len(placed))} / {_share(http_item, len(itemed))}"
    )
    al = alone["latencies_ms"]
    print(
        f"{'address matching alone (in-process)':<36} {len(al) / alone['wall_s']:>9.1f} {percentile(al, 0.5):>8.1f} "
        f"{percentile(al, 0.95):>8.1f} {percentile(al, 0.99):>8.1f} {max(al, default=float('nan')):>8.1f} "
        f"{0:>6}  {_share(alone_grid, len(placed))} / —"
    )
    print(
        f"outcomes over HTTP: {outcomes['opened']:,} tasks opened, {outcomes['joined']:,} joined a task, "
        f"{outcomes['queued']:,} queued; the gazetteer was read from the store in {alone['build_s']:.2f} s"
    )
    print(
        f"misses: of the {len(placed):,} events whose words fix a place, {http_grid:,} dispatched to the right grid, "
        f"{wrong_grid:,} to a wrong one, {len(placed_queued):,} queued ({off_list:,} of them on no item of the list); "
        f"of the {len(listed):,} dispatched events on an item of the list, {listed_right:,} on the right item"
    )
    if clients.errors:
        print(f"first error: {clients.first_error}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stores", default="ladybug", help="ladybug, neo4j or both (comma-separated)")
    parser.add_argument("--posters", type=int, default=10, help="concurrent clients posting events")
    parser.add_argument(
        "--events", type=int, default=None, help="post only the first N events (default: all)"
    )
    parser.add_argument("--skip", choices=("daily", "events"), action="append", default=[],
                        help="leave out the daily run or the event dispatch (repeatable)")  # fmt: skip
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    parser.add_argument("--fresh", action="store_true", help="generate and sync again")
    parser.add_argument("--neo4j-load", choices=("sync", "import"), default="sync",
                        help="fill Neo4j by a sync into it, or by neo4j-admin import of the embedded sync")  # fmt: skip
    parser.add_argument("--neo4j-pagecache-mb", type=int, default=4096,
                        help="the imported server's page cache (--neo4j-load import)")  # fmt: skip
    args = parser.parse_args()
    from installed import byte_compile

    byte_compile(ROOT)
    print(machine_line(), flush=True)
    print(code_line(), flush=True)
    with ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        work.mkdir(parents=True, exist_ok=True)
        for store in args.stores.split(","):
            neo4j_pid = None
            if store == "neo4j" and args.neo4j_load == "import":
                prepared, graph_url, neo4j_pid = imported_neo4j(
                    stack, work, args.persons, args.seed, args.fresh, args.neo4j_pagecache_mb
                )
                env = store_env(Path(prepared["data_dir"]), graph_url, args.persons)
                if "daily" not in args.skip:
                    daily_run(env, prepared, store, neo4j_pid)
                if "events" not in args.skip:
                    event_dispatch(env, Path(prepared["data_dir"]), store, args.posters,
                                   work / f"serve-{store}.log", args.events)  # fmt: skip
                print(f"\n{machine_line()}", flush=True)
                continue
            if store == "ladybug":
                graph_url = ""
            else:
                graph_url, started_s, neo4j_pid = neo4j_server(stack)
                if graph_url_reused(graph_url):
                    # The runs write tasks; a server the bench prepared before holds them already.
                    raise SystemExit(
                        "bench/tasks.py writes tasks: give it a fresh Neo4j (unset GRIDHUB_BENCH_NEO4J_URI)"
                    )
                print(f"neo4j: test server started in {started_s:.0f} s", flush=True)
            started = time.perf_counter()
            prepared = prepare(work, store, args.persons, args.seed, graph_url, args.fresh)
            print(f"{store}: {setup_line(prepared)} ({time.perf_counter() - started:.0f} s here)", flush=True)
            data_dir = Path(prepared["data_dir"])
            if store == "ladybug":
                # The runs write tasks: they work on a copy, the prepared store stays as synced.
                scratch = work / f"scratch-{data_dir.name}"
                shutil.rmtree(scratch, ignore_errors=True)
                shutil.copytree(data_dir, scratch)
                data_dir = scratch
            env = store_env(data_dir, graph_url, args.persons)
            if "daily" not in args.skip:
                daily_run(env, prepared, store, neo4j_pid)
            if "events" not in args.skip:
                event_dispatch(env, data_dir, store, args.posters, work / f"serve-{store}.log", args.events)
            print(f"\n{machine_line()}", flush=True)


if __name__ == "__main__":
    main()
