"""The review workbench on a generated district (issue 16): how fast /review's queue loads, and
how long a steward's decision takes to show in the graph.

  1. the district (--persons, seed 7) generated and synced once on the embedded store (cached
     under --work, shared with bench/api.py), then copied for this run: the run files review
     items and merges entities, and the shared copy stays as synced;
  2. --decisions merge candidates filed (hub/demo/review_items.py: people the resolver merged,
     a record split off each, filed for review), so that "same" has a real merge to do;
  3. `gridhub serve --workers 1` started on the copy (one worker: it takes the decisions);
  4. queue load: the two requests /review makes to show its queue (GET /steward/counts and
     GET /steward/review?limit=200&order=oldest), sent together as the page sends them, --loads
     times after --warmup loads; the wall time until both answered, p50 / p95 (target < 300 ms);
  5. decision to graph: per filed item, POST /steward/review/{item}/decision {"verdict": "same"}
     while a second client polls GraphQL (`person(id:)` of both entities) until both ids name
     one entity; the time from sending the decision to the first poll that sees the merge,
     p50 / p95 / max (target < 1 s), beside the POST's own latency;
  6. building picks: per open address item (--picks of them), POST /steward/review/{item}/building
     with a library building, while a second client polls GraphQL (the building's address and its
     source records with the item's record id) until the graph shows the record at the building;
     the time from sending the pick to that poll, p50 / p95 / max (target < 1 s);
  7. then the merged people's entity pages and a search for each by name (first one builds the
     search index), p50 / p95, for the record.

Printed with the machine (cores), the data size and the code's commit.

    python bench/workbench.py --persons 100000
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api import Server, api_key, machine_line, percentile, prepare, setup_line, store_env  # noqa: E402

QUEUE_TARGET_MS = 300.0
DECISION_TARGET_S = 1.0
POLL_INTERVAL_S = 0.01
PLACED = (
    "query Placed($a: ID!, $r: String!) { address(id: $a) { sourceRecords(where: {recordId: {eq: $r}}) "
    "{ totalCount } } }"
)
SAME_ENTITY = "query Merged($a: ID!, $b: ID!) { a: person(id: $a) { id } b: person(id: $b) { id } }"


def file_items(data_dir: Path, count: int, persons: int) -> list[dict[str, Any]]:
    """File ``count`` merge candidates in the copy (in a child process: the store is embedded)."""
    code = (
        "import json, sys, dataclasses\n"
        "from hub.settings import Settings\nfrom hub.state import StateStore\nfrom hub.store import open_store\n"
        "from hub.demo.review_items import file_split_pairs\n"
        "settings = Settings()\n"
        "with open_store(settings) as store, StateStore(settings.state_database_url) as state:\n"
        f"    pairs = file_split_pairs(store, state, {count})\n"
        "print(json.dumps([dataclasses.asdict(p) for p in pairs]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=store_env(data_dir, "", persons),
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"filing review items failed:\n{result.stderr[-3000:]}")
    pairs: list[dict[str, Any]] = json.loads(result.stdout.strip().splitlines()[-1])
    return pairs


def queue_loads(url: str, key: str, warmup: int, loads: int) -> dict[str, list[float]]:
    """Wall ms of the queue's two requests sent together, and of each alone."""
    import httpx

    headers = {"Authorization": f"Bearer {key}"}
    paths = {"counts": "/steward/counts", "review": "/steward/review?limit=200&order=oldest"}
    out: dict[str, list[float]] = {"both": [], "counts": [], "review": []}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client, ThreadPoolExecutor(2) as pool:

        def timed(path: str) -> float:
            started = time.perf_counter()
            response = client.get(path)
            response.raise_for_status()
            return (time.perf_counter() - started) * 1000

        for i in range(warmup + loads):
            started = time.perf_counter()
            counts, review = pool.map(timed, paths.values())
            both = (time.perf_counter() - started) * 1000
            if i >= warmup:
                out["both"].append(both)
                out["counts"].append(counts)
                out["review"].append(review)
    return out


def decision_to_graph(url: str, key: str, pair: dict[str, Any]) -> tuple[float, float]:
    """(seconds from sending "same" until GraphQL shows one entity, seconds the POST took)."""
    import httpx

    headers = {"Authorization": f"Bearer {key}"}
    variables = {"a": pair["left"], "b": pair["right"]}
    seen = threading.Event()
    visible_at: list[float] = []

    def poll() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as reader:
            while not seen.is_set():
                body = reader.post("/graphql", json={"query": SAME_ENTITY, "variables": variables}).json()
                data = body.get("data") or {}
                a, b = data.get("a"), data.get("b")
                if a and b and a["id"] == b["id"]:
                    visible_at.append(time.perf_counter())
                    seen.set()
                    return
                time.sleep(POLL_INTERVAL_S)

    with httpx.Client(base_url=url, headers=headers, timeout=60) as writer:
        poller = threading.Thread(target=poll, daemon=True)
        sent = time.perf_counter()
        poller.start()
        response = writer.post(f"/steward/review/{pair['item']}/decision", json={"verdict": "same"})
        answered = time.perf_counter() - sent
        if response.status_code != 200:
            seen.set()
            raise SystemExit(
                f"decision on item {pair['item']} failed: {response.status_code} {response.text}"
            )
        poller.join(timeout=30)
        seen.set()
    if not visible_at:
        raise SystemExit(f"item {pair['item']}: the merge of {pair['left']} and {pair['right']} never showed")
    return visible_at[0] - sent, answered


def pick_to_graph(
    url: str, key: str, item: dict[str, Any], building: str, address: str
) -> tuple[float, float]:
    """(seconds until the graph shows the item's record at the picked building's address, seconds
    until the POST was answered)."""
    import httpx

    auth = {"Authorization": f"Bearer {key}"}
    record = str(item["payload"]["record_id"])
    seen: list[float] = []
    done = threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
            while not done.is_set():
                answer = client.post(
                    "/graphql", json={"query": PLACED, "variables": {"a": address, "r": record}}
                )
                body = answer.json()
                if body.get("errors"):
                    raise RuntimeError(f"GraphQL: {body['errors'][0]['message']}")
                placed = body["data"]["address"]
                if placed and placed["sourceRecords"]["totalCount"]:
                    seen.append(time.perf_counter())
                    return
                time.sleep(POLL_INTERVAL_S)

    started = time.perf_counter()
    with ThreadPoolExecutor(1) as pool:
        watcher = pool.submit(poll)
        try:
            answer = httpx.post(
                f"{url}/steward/review/{item['id']}/building",
                headers=auth,
                json={"building": building},
                timeout=120,
            )
            answered = time.perf_counter() - started
            if answer.status_code != 200:
                raise RuntimeError(
                    f"pick of item {item['id']}: HTTP {answer.status_code} {answer.text[:300]}"
                )
            watcher.result(timeout=60)
        finally:
            done.set()
    return seen[0] - started, answered


def page_loads(url: str, key: str, paths: list[str]) -> list[float]:
    """Wall ms of each GET in ``paths`` (one client, one at a time)."""
    import httpx

    out = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        for path in paths:
            started = time.perf_counter()
            client.get(path).raise_for_status()
            out.append((time.perf_counter() - started) * 1000)
    return out


def commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT).stdout
    return result.stdout.strip() + ("+dirty" if dirty.strip() else "")


def line(name: str, values: list[float], unit: str = "ms") -> str:
    digits = 1 if unit == "ms" else 3
    p50, p95, top = percentile(values, 0.5), percentile(values, 0.95), max(values)
    return f"{name:28} n={len(values):<4} p50 {p50:8.{digits}f} {unit}  p95 {p95:8.{digits}f} {unit}  max {top:8.{digits}f} {unit}"


def building_picks(url: str, key: str, count: int) -> list[tuple[float, float]]:
    """Answer up to ``count`` open address items, each with the building the matcher ranked first
    for it, else any (a pick also answers the open items of the same text: the queue is read
    again before each)."""
    import httpx

    auth = {"Authorization": f"Bearer {key}"}
    fallback = httpx.get(f"{url}/steward/buildings?q=栋&limit=1", headers=auth).json()
    timings = []
    for _ in range(count):
        items = httpx.get(f"{url}/steward/review?kind=address&limit=1", headers=auth).json()
        if not items:
            break
        [item] = items
        candidates = item["payload"].get("candidates") or []
        building = candidates[0]["building_id"] if candidates else fallback[0]["building_id"]
        address = candidates[0].get("address_id") if candidates else None
        timings.append(pick_to_graph(url, key, item, building, address or building_address(building)))
    return timings


def building_address(building: str) -> str:
    """The id of a building's own address (resolvers/ids.building_address_id)."""
    from graph_schema import default_schema
    from resolvers.ids import building_address_id

    schema = default_schema()
    return building_address_id(schema.node(schema.roles.standard_address).id_prefix, building)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "gridhub-bench-api",
                        help="where the generated and synced district is cached")  # fmt: skip
    parser.add_argument("--loads", type=int, default=50, help="queue loads measured")
    parser.add_argument("--warmup", type=int, default=5, help="queue loads before measuring")
    parser.add_argument("--decisions", type=int, default=20, help="'same' decisions measured")
    parser.add_argument("--picks", type=int, default=20, help="building picks measured")
    parser.add_argument("--keep", action="store_true", help="keep the run's copy and server log")
    parser.add_argument("--fresh", action="store_true", help="generate and sync again")
    args = parser.parse_args()
    import httpx

    if min(args.loads, args.decisions) < 1:
        parser.error("--loads and --decisions must be at least 1")

    print(machine_line())
    print(f"commit {commit()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    prepared = prepare(args.work, "ladybug", args.persons, args.seed, "", args.fresh)
    print(setup_line(prepared))
    kept = (
        contextlib.nullcontext(tempfile.mkdtemp(prefix="workbench-bench-", dir=args.work))
        if args.keep
        else None
    )
    with kept or tempfile.TemporaryDirectory(prefix="workbench-bench-", dir=args.work) as scratch:
        data_dir = Path(scratch) / "district"
        started = time.perf_counter()
        shutil.copytree(prepared["data_dir"], data_dir)
        copied = time.perf_counter() - started
        started = time.perf_counter()
        pairs = file_items(data_dir, args.decisions, args.persons)
        print(
            f"copied in {copied:.0f} s; {len(pairs)} merge candidates filed in {time.perf_counter() - started:.0f} s"
        )
        env = store_env(data_dir, "", args.persons)
        key = api_key(env)
        server = Server(env, 1, Path(scratch) / "server.log")
        try:
            auth = {"Authorization": f"Bearer {key}"}
            counts = httpx.get(f"{server.url}/steward/counts", headers=auth).json()
            print(
                f"data: {args.persons:,} residents, {prepared['rows']:,} source rows; open review items {counts}"
            )
            loads = queue_loads(server.url, key, args.warmup, args.loads)
            timings = [decision_to_graph(server.url, key, pair) for pair in pairs]
            picks = building_picks(server.url, key, args.picks)
            # The merged people's pages and a search for each by name, as a steward goes on.
            entities = page_loads(server.url, key, [f"/steward/entities/Person/{p['left']}" for p in pairs])
            names = [httpx.get(f"{server.url}/steward/entities/Person/{p['left']}", headers=auth).json()["caption"]
                     for p in pairs]  # fmt: skip
            searches = page_loads(server.url, key, [f"/steward/search?q={n}&kind=name" for n in names])
        finally:
            server.stop()
    print("\n== queue load (/review's requests: counts + review?limit=200, together)")
    print(line("both requests (wall)", loads["both"]))
    print(line("GET /steward/counts", loads["counts"]))
    print(line("GET /steward/review", loads["review"]))
    p95 = percentile(loads["both"], 0.95)
    print(f"target p95 < {QUEUE_TARGET_MS:.0f} ms: {'met' if p95 < QUEUE_TARGET_MS else 'NOT met'}")
    print("\n== decision to graph (POST 'same', GraphQL polled every 10 ms until one entity)")
    visible = [t[0] for t in timings]
    print(line("decision → visible in graph", visible, "s"))
    print(line("POST decision (answered)", [t[1] for t in timings], "s"))
    p95 = percentile(visible, 0.95)
    print(f"target p95 < {DECISION_TARGET_S:.0f} s: {'met' if p95 < DECISION_TARGET_S else 'NOT met'}")
    print(f"\n== building picks ({len(picks)} address items; GraphQL polled every 10 ms until placed)")
    placed = [t[0] for t in picks]
    print(line("pick → record at the building in graph", placed, "s"))
    print(line("POST pick (answered)", [t[1] for t in picks], "s"))
    if placed:
        p95 = percentile(placed, 0.95)
        print(f"target p95 < {DECISION_TARGET_S:.0f} s: {'met' if p95 < DECISION_TARGET_S else 'NOT met'}")
    print("\n== after the decisions (no target)")
    print(line("GET /steward/entities/…", entities))
    print(line("GET /steward/search (name)", searches))


if __name__ == "__main__":
    main()
