"""Person 360° latency while a sync writes the store, against the same question on an idle server.

Issue 14: with `gridhub serve` holding the embedded store, a sync is sent to the server (its
local channel) and runs there beside the reads. This measures what department systems feel:

  1. the district (--persons, seed 7) generated and synced once (cached under --work, shared with
     bench/api.py);
  2. `gridhub serve --workers 1` started on it, as an operator starts it;
  3. idle: --clients closed-loop clients (threads of this process, httpx, keep-alive) ask the
     person 360° question of bench/api_queries.py over HTTP for --idle seconds;
  4. during a sync: the same clients ask while `gridhub sync --full` (every source re-read and
     re-written, then the resolution pass) runs as a separate CLI process, which the server
     carries out; measured from the sync's start to its end.

Printed: p50 / p95 / p99 / max latency, requests per second and errors for both phases, their
p99 ratio, the sync's wall time, core count and data size. The machine has 2 cores: the sync,
the server and the clients share them, which is the point.

    python bench/api_during_sync.py --persons 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_queries as aq  # noqa: E402
from api import Server, api_key, machine_line, percentile, prepare, setup_line, store_env  # noqa: E402

GRIDHUB = [sys.executable, "-c", "import sys; from hub.cli import main; sys.argv[0] = 'gridhub'; main()"]


class Clients:
    """``n`` closed-loop clients asking one question until stopped; latencies in ms."""

    def __init__(self, url: str, key: str, query: str, variables: dict[str, Any], n: int) -> None:
        self.url, self.key, self.query, self.variables, self.n = url, key, query, variables, n
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error = ""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _client(self) -> None:
        import httpx

        body = {"query": self.query, "variables": self.variables}
        with httpx.Client(headers={"Authorization": f"Bearer {self.key}"}, timeout=60) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    response = client.post(f"{self.url}/graphql", json=body)
                    ok = response.status_code == 200 and not response.json().get("errors")
                    error = "" if ok else f"{response.status_code} {response.text[:200]}"
                except Exception as exc:  # a refused or dropped connection is an error to count
                    ok, error = False, repr(exc)
                ms = (time.perf_counter() - started) * 1000
                with self._lock:
                    if ok:
                        self.latencies.append(ms)
                    else:
                        self.errors += 1
                        self.first_error = self.first_error or error

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.n)]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(120)

    def figures(self, wall_s: float) -> dict[str, Any]:
        lat = self.latencies
        return {
            "n": len(lat), "p50": percentile(lat, 0.5), "p95": percentile(lat, 0.95),
            "p99": percentile(lat, 0.99), "max": max(lat, default=float("nan")),
            "rps": len(lat) / wall_s if wall_s else 0.0, "errors": self.errors, "first_error": self.first_error,
        }  # fmt: skip


def subject(env: dict[str, str]) -> dict[str, Any]:
    """The resident asked about (bench/api_queries.py picks it), read before the server starts."""
    child = (
        "import json, datetime as dt, api_queries as aq\n"
        "from hub.settings import Settings\nfrom hub.store import open_store\n"
        "with open_store(Settings(), read_only=True) as s:\n"
        "    print(json.dumps(aq.pick_subjects(s.read, dt.date.today()), default=str))\n"
    )
    out = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, check=True)
    picked: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return picked


def line(name: str, f: dict[str, Any]) -> str:
    return (
        f"{name:<12} {f['n']:>7,} {f['p50']:>8.1f} {f['p95']:>8.1f} {f['p99']:>8.1f} {f['max']:>8.1f} "
        f"{f['rps']:>7.1f} {f['errors']:>6}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "gridhub-bench-api")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--idle", type=float, default=60.0, help="seconds measured on the idle server")
    parser.add_argument("--fresh", action="store_true", help="generate and sync the district again")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(machine_line(), flush=True)
    prepared = prepare(args.work, "ladybug", args.persons, args.seed, "", args.fresh)
    print(f"ladybug: {setup_line(prepared)}", flush=True)
    env = store_env(Path(prepared["data_dir"]), "", args.persons)
    # Many clients ask as fast as they are answered: no rate limit in the way.
    env |= {"GRIDHUB_API_RATE_PER_S": "1000000", "GRIDHUB_API_RATE_BURST": "1000000"}
    picked = subject(env)
    question = next(q for q in aq.QUESTIONS if q.key == "person360")
    variables = question.variables(picked, dt.date.today())
    server = Server(env, workers=1, log=args.work / "api_during_sync.server.log")
    try:
        key = api_key(env)
        warm = Clients(server.url, key, question.graphql, variables, args.clients)
        warm.start()
        time.sleep(5)
        warm.stop()

        idle = Clients(server.url, key, question.graphql, variables, args.clients)
        started = time.perf_counter()
        idle.start()
        time.sleep(args.idle)
        idle.stop()
        idle_f = idle.figures(time.perf_counter() - started)

        during = Clients(server.url, key, question.graphql, variables, args.clients)
        during.start()
        started = time.perf_counter()
        synced = subprocess.run(
            [*GRIDHUB, "sync", "--config", str(ROOT / "hub/demo/sources"), "--full", "--json"],
            env=env, cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        sync_s = time.perf_counter() - started
        during.stop()
        during_f = during.figures(sync_s)
    finally:
        server.stop()
    if synced.returncode != 0:
        raise SystemExit(f"the sync failed ({synced.returncode}):\n{synced.stderr[-3000:]}")
    if "runs there" not in synced.stderr:
        raise SystemExit(f"the sync did not go through the server:\n{synced.stderr[-3000:]}")
    report = json.loads(synced.stdout)
    rows = sum(s["read"] for s in report["sources"])
    print(
        f"\nperson 360° over HTTP, {args.clients} closed-loop clients; sync --full through the server: "
        f"{rows:,} source rows re-read and re-written + resolution in {sync_s:.1f} s ({report['status']})"
    )
    print(
        f"{'phase':<12} {'requests':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>7} {'errors':>6}"
    )
    print(line("idle", idle_f))
    print(line("during sync", during_f))
    print(
        f"p99 during sync / idle: {during_f['p99'] / idle_f['p99']:.2f}; p50: {during_f['p50'] / idle_f['p50']:.2f}"
    )
    for name, f in (("idle", idle_f), ("during sync", during_f)):
        if f["errors"]:
            print(f"{name}: first error: {f['first_error']}")


if __name__ == "__main__":
    main()
