"""The GraphQL API under load, beside one hand-written Cypher query per question on the same store.

For a generated district (--persons, seed 7) synced into each store (--stores ladybug,neo4j),
each department question of bench/api_queries.py is asked

  (a) over HTTP: `gridhub serve` itself (uvicorn serving ``hub.api.create_app(store, settings)``)
      in its own process, with an API key holding every scope and a rate limit high enough not
      to throttle; the clients are one separate process of asyncio + httpx (keep-alive, one
      connection per client), closed loop: each client sends its next request when the answer
      to the last one has arrived;
  (b) as one hand-written Cypher query, through the same store adapter's ``read`` (the embedded
      store opened in-process; Neo4j through the official driver over Bolt), by 1, 10 or 50
      threads of one separate process, closed loop as well;

at 1, 10 and 50 concurrent clients: p50 / p95 / p99 latency and throughput. The embedded store
admits one process at a time, so (a) runs with the server up and (b) after it stopped, in the
same run; Neo4j is measured the same way. Before any timing, each question's GraphQL answer
(in-process and over HTTP) is compared with its Cypher answer (ids and counts), and the store
round trips of one GraphQL request are counted in-process (``RequestContext.round_trips``).

Setup (generation, sync) is cached under --work: a rerun with the same size and seed reuses the
synced embedded store (Neo4j: the test server is throwaway, so it syncs every run, unless
GRIDHUB_BENCH_NEO4J_URI names a server the bench prepared before).

    python bench/api.py --persons 100000 --stores ladybug,neo4j
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_queries as aq  # noqa: E402  (bench/api_queries.py, beside this file)
from installed import PEAK_RSS  # noqa: E402  (bench/installed.py: the child's own peak RSS)

CONCURRENCY = (1, 10, 50)
TARGET_LATENCY_RATIO = 1.5  # GraphQL p50 / Cypher p50, at most
TARGET_SCALING = 1.7  # throughput at 50 clients / at 1 client, at least
TARGET_ROUND_TRIPS = 10  # store round trips per GraphQL request, at most
PREPARED = "prepared.json"
# How the bench's own processes open the embedded store: as `gridhub serve`'s workers do.
READ_ONLY = "GRIDHUB_BENCH_READ_ONLY"

# -- setup ------------------------------------------------------------------------------------

SYNC_CHILD = (
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
print(json.dumps({"seconds": time.perf_counter() - started,
                  "read": sum(s.read for s in report.sources),
                  "max_rss_mb": peak_rss_mb()}))
"""
)


def store_env(data_dir: Path, graph_url: str, persons: int) -> dict[str, str]:
    env = {
        **os.environ,
        "GRIDHUB_DATA_DIR": str(data_dir),
        "GRIDHUB_GRAPH_URL": graph_url,
        "GRIDHUB_STATE_URL": "",
        "GRIDHUB_LOG_LEVEL": "WARNING",
        # The demo's declarations: what the server's steward decisions write records with.
        "GRIDHUB_SOURCES_CONFIG_DIR": str(ROOT / "hub" / "demo" / "sources"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    }
    env.setdefault("GRIDHUB_LADYBUG_BUFFER_POOL_MB", str(max(1024, persons // 160)))
    return env


def generated(work: Path, persons: int, seed: int) -> tuple[Path, float]:
    """The district's source files (generated once per size and seed): (folder, seconds spent)."""
    from hub.demo.generator import generate_district

    folder = work / f"district-{persons}-seed{seed}"
    if (folder / "manifest.json").exists():
        return folder, 0.0
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    generate_district(folder, persons=persons, seed=seed)
    return folder, time.perf_counter() - started


def sync(data_dir: Path, graph_url: str, persons: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", SYNC_CHILD], env=store_env(data_dir, graph_url, persons),
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"sync failed:\n{result.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


# What a synced store depends on: a cached one synced by other code is synced again.
SYNC_CODE = (
    "graph_schema",
    "connectors",
    "resolvers",
    "hub/store",
    "hub/sync",
    "hub/resolution",
    "hub/state",
    "hub/demo",
)
# Read-only parts of those folders: a change there changes no stored byte, so it does not cost
# a re-sync of the cached district (~200 s at 100k persons).
READ_ONLY_CODE = frozenset(
    {"hub/store/set_queries.py", "hub/store/page_trees.py", "hub/store/query.py", "hub/store/implied.py"}
)


def code_fingerprint() -> str:
    import hashlib

    digest = hashlib.sha256()
    for folder in SYNC_CODE:
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix in {".py", ".yaml", ".yml"} and path.is_file() and relative not in READ_ONLY_CODE:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepare(work: Path, store: str, persons: int, seed: int, graph_url: str, fresh: bool) -> dict[str, Any]:
    """Generate and sync the district into ``store`` unless a previous run did: the data
    folder (state database, embedded graph) and what the setup cost."""
    data_dir = work / f"{store}-{persons}-seed{seed}"
    marker = data_dir / PREPARED
    if not fresh and marker.exists():
        prepared: dict[str, Any] = json.loads(marker.read_text())
        # A throwaway Neo4j server is new every run: its district must be synced again.
        same_code = prepared.get("code") == code_fingerprint()
        if (
            same_code
            and prepared.get("graph_url") == graph_url
            and (store == "ladybug" or graph_url_reused(graph_url))
        ):
            prepared["cached"] = True
            return prepared
    source, generate_s = generated(work, persons, seed)
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.copytree(source, data_dir / "demo")
    if store == "neo4j":
        wipe_neo4j(graph_url)
    synced = sync(data_dir, graph_url, persons)
    prepared = {
        "store": store, "persons": persons, "seed": seed, "graph_url": graph_url,
        "data_dir": str(data_dir), "generate_s": generate_s, "sync_s": synced["seconds"],
        "rows": synced["read"], "sync_rss_mb": synced["max_rss_mb"], "cached": False, "code": code_fingerprint(),
    }  # fmt: skip
    marker.write_text(json.dumps(prepared))
    return prepared


def graph_url_reused(graph_url: str) -> bool:
    return bool(graph_url) and graph_url == os.environ.get("GRIDHUB_BENCH_NEO4J_URI")


def neo4j_server(stack: ExitStack) -> tuple[str, float, int | None]:
    """A Neo4j server: GRIDHUB_BENCH_NEO4J_URI, else the project's test server (Neo4j 5.26,
    tools/neo4j-test-server) started here: (bolt URI, seconds it took to start, its pid)."""
    if os.environ.get("GRIDHUB_BENCH_NEO4J_URI"):
        return os.environ["GRIDHUB_BENCH_NEO4J_URI"], 0.0, None
    from tests.support.neo4j_server import Neo4jTestServer, build_launcher

    started = time.perf_counter()
    build_launcher()
    server = stack.enter_context(Neo4jTestServer(java_options=("-Xmx4g",), startup_timeout=300))
    process = getattr(server, "_process", None)  # its CPU time is read from /proc
    return server.uri, time.perf_counter() - started, process.pid if process is not None else None


def imported_neo4j(
    stack: ExitStack, work: Path, persons: int, seed: int, fresh: bool, pagecache_mb: int
) -> tuple[dict[str, Any], str, int | None]:
    """Neo4j loaded as a city's first load is: the embedded sync (cached) exported to
    `neo4j-admin database import` files, imported into a fresh Neo4j home, a server started on
    it, the hub's schema applied. Returns (prepared, bolt URI, server pid); each step printed."""
    from graph_schema import default_schema
    from hub.export.neo4j_import import write_import_files
    from hub.store.ladybug_store import LadybugStore
    from hub.store.neo4j_store import Neo4jStore
    from tests.support.neo4j_admin import neo4j_admin
    from tests.support.neo4j_server import Neo4jTestServer, build_launcher

    started = time.perf_counter()
    embedded = prepare(work, "ladybug", persons, seed, "", fresh)
    print(
        f"ladybug (to export): {setup_line(embedded)} ({time.perf_counter() - started:.0f} s here)",
        flush=True,
    )
    synced = Path(embedded["data_dir"])
    stamp = f"{persons}-seed{seed}"
    files_dir, home, data_dir = (
        work / f"neo4j-import-{stamp}",
        work / f"neo4j-home-{stamp}",
        work / f"neo4j-imported-{stamp}",
    )
    for stale in (files_dir, home, data_dir):
        shutil.rmtree(stale, ignore_errors=True)

    started = time.perf_counter()
    # The export reads every label in id order: the embedded store's pool sized as the sync's.
    pool_mb = int(store_env(synced, "", persons)["GRIDHUB_LADYBUG_BUFFER_POOL_MB"])
    graph_file = synced / "graph" / "gridhub.lbug"
    with LadybugStore(default_schema(), graph_file, read_only=True, buffer_pool_mb=pool_mb) as source:
        files = write_import_files(source, files_dir)
    export_s = time.perf_counter() - started
    size_mb = sum(f.stat().st_size for f in files_dir.rglob("*") if f.is_file()) / 2**20
    print(f"neo4j: exported {sum(files.nodes.values()):,} nodes and {sum(files.relationships.values()):,} "
          f"relationships ({size_mb:,.0f} MB of CSV) in {export_s:.0f} s", flush=True)  # fmt: skip

    started = time.perf_counter()
    done = neo4j_admin(
        home, "database", "import", "full", "neo4j", "--threads=2", "--max-off-heap-memory=2g",
        "@import.args", cwd=files.directory, heap="2g", timeout_s=4 * 3600,
    )  # fmt: skip
    if done.returncode != 0 or "IMPORT DONE" not in done.stdout + done.stderr:
        raise SystemExit(f"neo4j-admin database import failed:\n{(done.stdout + done.stderr)[-3000:]}")
    import_s = time.perf_counter() - started
    print(f"neo4j: neo4j-admin database import full took {import_s:.0f} s", flush=True)
    shutil.rmtree(files_dir)  # the CSV files are as large as the store: not kept

    os.environ["NEO4J_TEST_PAGECACHE_MB"] = str(pagecache_mb)
    started = time.perf_counter()
    server = stack.enter_context(
        Neo4jTestServer(build_launcher(), home=home, java_options=("-Xmx4g",), startup_timeout=1200)
    )
    start_s = time.perf_counter() - started
    started = time.perf_counter()
    with Neo4jStore(default_schema(), server.uri) as store:
        store.apply_schema()  # what the hub's first sync against the database does
        # Index population runs in the background: wait for it, as a first load would.
        store.read("CALL db.awaitIndexes(3600)")
    schema_s = time.perf_counter() - started
    print(f"neo4j: server on the imported database started in {start_s:.0f} s (page cache "
          f"{pagecache_mb:,} MB); constraints and indexes built in {schema_s:.0f} s", flush=True)  # fmt: skip

    # The embedded run's state database (records, mentions, tasks' bookkeeping) goes with it.
    shutil.copytree(synced, data_dir, ignore=shutil.ignore_patterns("graph", "demo"))
    (data_dir / "demo").symlink_to(synced / "demo")
    process = getattr(server, "_process", None)
    prepared = {**embedded, "store": "neo4j", "graph_url": server.uri, "data_dir": str(data_dir), "cached": False,
                "neo4j_start_s": start_s}  # fmt: skip
    return prepared, server.uri, process.pid if process is not None else None


def wipe_neo4j(uri: str) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


# -- the clients (each its own process) -------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (the smallest value with ``share`` of them at or below it)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * share // 1))  # ceil
    return ordered[int(rank) - 1]


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds a process has used so far (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int | None) -> float:
    """CPU seconds of a process and every process under it (uvicorn's workers)."""
    if pid is None:
        return 0.0
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += cpu_seconds(current)
        todo += children.get(current, [])
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent not idle so far (/proc/stat), whoever ran."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(x) for x in fields[:8]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Connection:
    """One keep-alive HTTP/1.1 connection over asyncio streams: the load generator's client.
    Measured on this machine, httpx's AsyncClient spent ~4 ms of CPU per request at 10 clients
    (0.8 of the 2 cores at 170 req/s), CPU the server then lacks; this costs a fraction of it."""

    def __init__(self, host: str, port: int, path: str, headers: dict[str, str]) -> None:
        self.host, self.port, self.path = host, port, path
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        request = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.head}"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body  # fmt: skip
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:] if ":" in x)}
        if "content-length" in fields:
            content = await self.reader.readexactly(int(fields["content-length"]))
        else:  # chunked: not what uvicorn sends for a JSON response, but read it right if it does
            content = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                content += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if fields.get("connection", "").lower() == "close":
            self.writer.close()
            self.reader = self.writer = None
        return status, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def http_client_role() -> None:
    """Load generator: one line of JSON per cell on stdin, one line of results on stdout;
    closed loop, one keep-alive connection per client."""
    from urllib.parse import urlsplit

    async def cell(spec: dict[str, Any]) -> dict[str, Any]:
        url = urlsplit(spec["url"])
        body = json.dumps({"query": spec["query"], "variables": spec["variables"]}).encode()
        headers = {"Authorization": f"Bearer {spec['key']}"}
        connections = [Connection(url.hostname or "127.0.0.1", url.port or 80, url.path, headers)
                       for _ in range(spec["concurrency"])]  # fmt: skip
        latencies: list[float] = []
        errors: list[str] = []

        async def worker(connection: Connection, until: float, record: bool) -> None:
            while time.perf_counter() < until:
                started = time.perf_counter()
                try:
                    status, content = await connection.post(body)
                except (OSError, asyncio.IncompleteReadError) as exc:  # the server closed it
                    errors.append(f"connection lost: {exc!r}"[:300])
                    connection.close()
                    connection.reader = connection.writer = None
                    continue
                elapsed = time.perf_counter() - started
                if status != 200 or b'"errors"' in content:
                    errors.append(f"{status} {content[:300]!r}")
                elif record:
                    latencies.append(elapsed * 1000)

        began = time.perf_counter()
        try:
            if spec["warmup"] > 0:
                await asyncio.gather(
                    *(worker(c, time.perf_counter() + spec["warmup"], False) for c in connections)
                )
            cpu, started = own_cpu(), time.perf_counter()
            await asyncio.gather(*(worker(c, started + spec["seconds"], True) for c in connections))
            wall = time.perf_counter() - started
        finally:
            for c in connections:
                c.close()
        return {"latencies_ms": latencies, "wall_s": wall, "client_cpu_s": own_cpu() - cpu,
                "total_s": time.perf_counter() - began, "errors": len(errors), "first_error": errors[:1]}  # fmt: skip

    for line in sys.stdin:
        print(json.dumps(asyncio.run(cell(json.loads(line)))), flush=True)


def threaded_cell(read: Any, query: str, params: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """``spec["concurrency"]`` threads calling ``read(query, params)`` in a closed loop: a
    warm-up, then the measured seconds."""
    latencies: list[float] = []
    errors: list[str] = []

    def worker(until_box: list[float], record: bool, barrier: threading.Barrier) -> None:
        barrier.wait()
        until = until_box[0]
        while time.perf_counter() < until:
            started = time.perf_counter()
            try:
                read(query, params)
            except Exception as exc:  # counted and shown, as the HTTP client does
                errors.append(repr(exc)[:300])
                continue
            if record:
                latencies.append((time.perf_counter() - started) * 1000)

    def round_(seconds: float, record: bool) -> float:
        n = spec["concurrency"]
        barrier = threading.Barrier(n + 1)
        until_box: list[float] = []
        threads = [threading.Thread(target=worker, args=(until_box, record, barrier)) for _ in range(n)]
        for t in threads:
            t.start()
        until_box.append(time.perf_counter() + seconds)
        started = time.perf_counter()
        barrier.wait()
        for t in threads:
            t.join()
        return time.perf_counter() - started

    began = time.perf_counter()
    if spec["warmup"] > 0:
        round_(spec["warmup"], False)
    cpu = own_cpu()
    wall = round_(spec["seconds"], True)
    return {"latencies_ms": latencies, "wall_s": wall, "client_cpu_s": own_cpu() - cpu,
            "total_s": time.perf_counter() - began, "errors": len(errors), "first_error": errors[:1]}  # fmt: skip


def cypher_peer_role() -> None:
    """The peer: opens the store as the server's workers do and runs each question's Cypher
    query through the adapter's ``read`` from 1, 10 or 50 threads (one line of JSON per cell)."""
    from hub.settings import Settings
    from hub.store import open_store

    questions = {q.key: q for q in aq.QUESTIONS}
    with open_store(Settings(), read_only=os.environ.get(READ_ONLY) == "1") as store:
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            spec = json.loads(line)
            question = questions[spec["key"]]
            if question.cypher is None or question.params is None:
                raise SystemExit(f"{question.key} has no Cypher peer")
            params = question.params(spec["subjects"], dt.date.fromisoformat(spec["today"]))
            print(json.dumps(threaded_cell(store.read, question.cypher, params, spec)), flush=True)


def inspect_role() -> None:
    """Before any timing: the subjects, each question's Cypher answer, and its GraphQL answer
    in-process with the store round trips of that one request (``RequestContext.round_trips``)."""
    from hub.api import RequestContext, build_graphql_schema
    from hub.api.security.principal import ADMIN_SCOPE, Principal
    from hub.search import SearchService
    from hub.settings import Settings
    from hub.state import StateStore
    from hub.store import open_store

    settings = Settings()
    today = dt.date.fromisoformat(os.environ["GRIDHUB_BENCH_TODAY"])
    principal = Principal(name="bench", scopes=frozenset({ADMIN_SCOPE}))
    out: dict[str, Any] = {"questions": {}}
    read_only = os.environ.get(READ_ONLY) == "1"
    with open_store(settings, read_only=read_only) as store, StateStore(settings.state_database_url) as state:
        out["counts"] = store.counts().nodes
        subjects = out["subjects"] = aq.pick_subjects(store.read, today)
        schema = build_graphql_schema(store.schema)
        search = SearchService(store, state)
        in_street = Principal(
            name="bench-street", scopes=principal.scopes, streets=frozenset({subjects["street"]})
        )
        for q in aq.QUESTIONS:
            ctx = RequestContext.create(
                store, in_street if q.street_key else principal, search=search, today=today
            )
            result = asyncio.run(
                schema.execute(q.graphql, variable_values=q.variables(subjects, today), context_value=ctx)
            )
            if result.errors:
                raise SystemExit(f"{q.key}: the GraphQL query failed in-process: {result.errors}")
            entry: dict[str, Any] = {
                "graphql": q.from_graphql(result.data or {}, today),
                "round_trips": ctx.round_trips,
            }
            if q.cypher is not None and q.params is not None and q.from_cypher is not None:
                entry["cypher"] = q.from_cypher(store.read(q.cypher, q.params(subjects, today)), today)
            out["questions"][q.key] = entry
    print(json.dumps(out, default=str))


def canon(value: Any) -> Any:
    """Tuples and lists alike, dates as text: the form both answers take through JSON."""
    return json.loads(json.dumps(value, default=str))


# -- the parent -----------------------------------------------------------------------------


class Child:
    """A role of this script in its own process, spoken to in lines of JSON."""

    def __init__(self, role: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--role", role], env=env, cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def ask(self, spec: dict[str, Any] | None = None) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        if spec is not None:
            self.process.stdin.write(json.dumps(spec, default=str) + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.process.args[-1]} process ended (exit {self.process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        if self.process.poll() is None:
            self.process.stdin.close()
        if self.process.wait(timeout=120) != 0:
            raise SystemExit(f"the {self.process.args[-1]} process failed (exit {self.process.returncode})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


SERVE = "import sys; from hub.cli import main; sys.argv[0] = 'gridhub'; main()"


class Server:
    """`gridhub serve` in its own process, as an operator starts it."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w+")
        command = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, *command],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        import httpx

        deadline = time.monotonic() + 300
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"gridhub serve exited ({self.process.returncode}):\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gridhub serve did not answer /health within 300 s:\n{self.output()}")
            time.sleep(0.2)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(
                signal.SIGINT
            )  # uvicorn shuts down gracefully (the audit log is flushed)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def api_key(env: dict[str, str], *, name: str = "bench", streets: list[str] | None = None) -> str:
    """A key with every scope, as `gridhub demo` makes one, restricted to ``streets`` when given
    (earlier bench keys of that name revoked)."""
    from hub.api.security.api_keys import ApiKeys
    from hub.api.security.principal import FIXED_SCOPES
    from hub.state import StateStore

    url = f"sqlite:///{Path(env['GRIDHUB_DATA_DIR']) / 'state.db'}"
    with StateStore(url) as state:
        keys = ApiKeys(state)
        for old in keys.list_keys(include_revoked=False):
            if old.name == name and old.created_by == "bench/api.py":
                keys.revoke(old.key_id)
        return keys.create(name, FIXED_SCOPES, created_by="bench/api.py", streets=streets).key


def figures(result: dict[str, Any], server_cpu_s: float | None, others_cpu_s: float = 0.0) -> dict[str, Any]:
    lat = result["latencies_ms"]
    wall = result["wall_s"]
    return {
        "n": len(lat), "p50": percentile(lat, 0.50), "p95": percentile(lat, 0.95), "p99": percentile(lat, 0.99),
        "rps": len(lat) / wall if wall else 0.0, "errors": result["errors"], "first_error": result["first_error"],
        "client_cores": result["client_cpu_s"] / wall if wall else 0.0,
        # The server's CPU is read around the whole cell, warm-up included.
        "server_cores": None if server_cpu_s is None else server_cpu_s / result["total_s"],
        # Cores busy with other work meanwhile (the machine is shared): what the bench could not have.
        "other_cores": max(others_cpu_s, 0.0) / result["total_s"],
    }  # fmt: skip


def bench_store(
    store: str, prepared: dict[str, Any], args: argparse.Namespace, neo4j_pid: int | None
) -> dict[str, Any]:
    """Everything measured on one store: agreement, round trips, and the cells."""
    import httpx

    from hub.api.workers import worker_count

    today = dt.date.today()
    workers = worker_count(args.workers)
    # Several workers open the embedded store read-only, and so may the bench beside them; one
    # worker opens it for writing, alone: the Cypher peer then runs after the server stopped.
    beside = store != "ladybug" or workers > 1
    env = store_env(Path(prepared["data_dir"]), prepared["graph_url"], args.persons)
    env.update({
        "GRIDHUB_BENCH_TODAY": today.isoformat(),
        READ_ONLY: "1" if store == "ladybug" and workers > 1 else "0",
        # High enough never to throttle the bench (the default is 50/s per caller).
        "GRIDHUB_API_RATE_PER_S": "1000000", "GRIDHUB_API_RATE_BURST": "1000000",
        "GRIDHUB_API_AUTH": "enabled", "GRIDHUB_API_MODE": "development",
    })  # fmt: skip
    concurrency = [int(c) for c in args.concurrency.split(",")]

    inspected = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--role", "inspect"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if inspected.returncode != 0:
        raise SystemExit(f"inspecting the {store} store failed:\n{inspected.stderr[-3000:]}")
    found = json.loads(inspected.stdout.strip().splitlines()[-1])
    subjects = found["subjects"]
    print(f"{store}: subjects: {aq.describe_subjects(subjects)}", flush=True)
    for q in aq.QUESTIONS:
        entry = found["questions"][q.key]
        problem = aq.agree(q, canon(entry["graphql"]), canon(entry.get("cypher")), subjects)
        if problem:
            raise SystemExit(f"{store}: GraphQL (in-process) and Cypher disagree — {problem}")

    everything = api_key(env)
    in_street = api_key(env, name="bench-street", streets=[subjects["street"]])

    def key_for(q: aq.Question) -> str:
        return in_street if q.street_key else everything

    results: dict[tuple[str, str, int], dict[str, Any]] = {}
    server_log = Path(prepared["data_dir"]) / "serve.log"
    server: Server | None = Server(env, workers, server_log)
    client: Child | None = None
    peer: Child | None = None

    def graphql_cell(q: aq.Question, c: int, seconds: float, warmup: float) -> dict[str, Any]:
        assert server is not None
        assert client is not None
        spec = {"url": f"{server.url}/graphql", "key": key_for(q), "query": q.graphql,
                "variables": q.variables(subjects, today), "concurrency": c, "seconds": seconds, "warmup": warmup}  # fmt: skip
        before = tree_cpu_seconds(server.process.pid) + cpu_seconds(neo4j_pid)
        mine, busy = cpu_seconds(client.process.pid), machine_busy_seconds()
        answer = client.ask(spec)
        used = tree_cpu_seconds(server.process.pid) + cpu_seconds(neo4j_pid) - before
        mine = used + cpu_seconds(client.process.pid) - mine
        return figures(answer, used, machine_busy_seconds() - busy - mine)

    def cypher_cell(q: aq.Question, c: int) -> dict[str, Any]:
        nonlocal peer
        if peer is None:
            peer = Child("cypher-peer", env)
            peer.ask()  # the store is open
        spec = {"key": q.key, "subjects": subjects, "today": today.isoformat(), "concurrency": c,
                "seconds": args.seconds, "warmup": args.warmup}  # fmt: skip
        before = cpu_seconds(neo4j_pid)
        mine, busy = cpu_seconds(peer.process.pid), machine_busy_seconds()
        answer = peer.ask(spec)
        used = cpu_seconds(neo4j_pid) - before
        mine = used + cpu_seconds(peer.process.pid) - mine
        return figures(answer, used if neo4j_pid else None, machine_busy_seconds() - busy - mine)

    try:
        # The same questions over HTTP, once each, before timing: the answer must be the same.
        agreed = []
        for q in aq.QUESTIONS:
            response = httpx.post(
                f"{server.url}/graphql", json={"query": q.graphql, "variables": q.variables(subjects, today)},
                headers={"Authorization": f"Bearer {key_for(q)}"}, timeout=120,
            )  # fmt: skip
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise SystemExit(f"{store}: {q.key} over HTTP failed ({response.status_code}): {body}")
            over_http = canon(q.from_graphql(body["data"], today))
            entry = found["questions"][q.key]
            if over_http != canon(entry["graphql"]):
                raise SystemExit(
                    f"{store}: {q.key} over HTTP differs from in-process: {over_http} vs {entry['graphql']}"
                )
            problem = aq.agree(q, over_http, canon(entry.get("cypher")), subjects)
            if problem:
                raise SystemExit(f"{store}: GraphQL over HTTP and Cypher disagree — {problem}")
            agreed.append(f"{q.key} ({aq.summary(q, over_http)})")
        print(f"{store}: answers agree (GraphQL in-process, GraphQL over HTTP, Cypher; search: the resident "
              f"searched for is among the hits): {'; '.join(agreed)}", flush=True)  # fmt: skip

        client = Child("http-client", env)
        # The least a GraphQL request costs on this path (HTTP, the key checked, parse and
        # validation cached, the JSON answer) with no store read: what no query can go below.
        results[FLOOR] = cell = graphql_cell(FLOOR_QUESTION, min(concurrency), args.seconds, args.warmup)
        print(f"{store}: {cell_line('floor', 'graphql', min(concurrency), cell)}", flush=True)
        # Every worker process warmed on every question first (its search index is built on its
        # first search): the most clients for a few seconds, not measured.
        for q in aq.QUESTIONS:
            warm = graphql_cell(q, max(concurrency), args.prewarm, 0.0)
            if warm["errors"]:
                print(
                    f"{store}: warming {q.key}: {warm['errors']} errors ({warm['first_error'][0][:200]})",
                    flush=True,
                )
        for q in aq.QUESTIONS:
            for c in concurrency:
                results[(q.key, "graphql", c)] = cell = graphql_cell(q, c, args.seconds, args.warmup)
                print(f"{store}: {cell_line(q.key, 'graphql', c, cell)}", flush=True)
            if q.cypher is None or not beside:
                continue
            for c in concurrency:
                results[(q.key, "cypher", c)] = cell = cypher_cell(q, c)
                print(f"{store}: {cell_line(q.key, 'cypher', c, cell)}", flush=True)
        client.close()
        client = None
        if not beside:
            server.stop()
            server = None
            for q in aq.QUESTIONS:
                for c in concurrency if q.cypher is not None else ():
                    results[(q.key, "cypher", c)] = cell = cypher_cell(q, c)
                    print(f"{store}: {cell_line(q.key, 'cypher', c, cell)}", flush=True)
    finally:
        if server is not None:
            server.stop()
        for child in (client, peer):
            if child is not None:
                child.close()
    log = server_log.read_text(errors="replace").strip() if server_log.exists() else ""
    if log:  # what `gridhub serve` said (a worker that died, a traceback)
        print(f"{store}: gridhub serve printed ({len(log.splitlines())} lines), last lines:", flush=True)
        print("\n".join(log.splitlines()[-25:]), flush=True)
    order = ("for each question: GraphQL at each concurrency, then Cypher (the server idle meanwhile)" if beside
             else "every GraphQL cell, then the server stopped, every Cypher cell")  # fmt: skip
    return {"found": found, "results": results, "concurrency": concurrency, "today": today,
            "workers": workers, "order": order, "read_only": env[READ_ONLY] == "1"}  # fmt: skip


FLOOR = ("floor", "graphql", 0)
FLOOR_QUESTION = aq.Question(
    "floor", "`{ __typename }`: no store read", "{ __typename }", lambda s, t: {}, None, None,
    lambda d, t: d, None,
)  # fmt: skip


def cell_line(key: str, path: str, c: int, f: dict[str, Any]) -> str:
    server = "" if f["server_cores"] is None else f"{f['server_cores']:.2f}"
    errors = f"{f['errors']}" + (f" ({f['first_error'][0][:120]})" if f["errors"] else "")
    return (f"{key:17} {path:8} {c:>3} {f['n']:>7,} {f['p50']:>8.1f} {f['p95']:>8.1f} {f['p99']:>8.1f} "
            f"{f['rps']:>8.1f} {f['client_cores']:>7.2f} {server:>7} {f.get('other_cores', 0.0):>7.2f} {errors:>6}")  # fmt: skip


HEADER = (f"{'question':17} {'path':8} {'cl':>3} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'req/s':>8} {'cl CPU':>7} {'srv CPU':>7} {'others':>7} {'errors':>6}")  # fmt: skip


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(store: str, prepared: dict[str, Any], measured: dict[str, Any], machine: str) -> None:
    results = measured["results"]
    concurrency = measured["concurrency"]
    found = measured["found"]
    counts = found["counts"]
    print()
    print(f"== {store} — {machine}")
    print(f"district: {prepared['persons']:,} residents (seed {prepared['seed']}): "
          + ", ".join(f"{counts.get(t, 0):,} {t}" for t in ("Person", "Address", "Building", "Grid", "Community", "LegalEntity", "License")))  # fmt: skip
    print(f"setup: {setup_line(prepared)}")
    print(f"today {measured['today']}; each cell: {measured['cell']}")
    print(
        f"graphql = POST /graphql to `gridhub serve --workers {measured['workers']}` (uvicorn"
        + (", the embedded store opened read-only by each worker" if measured["read_only"] else "")
        + "), from one load process (asyncio, one keep-alive HTTP/1.1 connection per client, closed loop);"
    )
    print(f"order: {measured['order']}")
    print("cypher  = one hand-written Cypher query through the store adapter's read() from threads of one process"
          + (" (the embedded store runs inside it, opened as the workers open it)" if store == "ladybug" else " (Bolt, official driver)"))  # fmt: skip
    print("others: cores busy meanwhile with work not the bench's (the machine is shared; it has "
          f"{os.cpu_count()}); cl CPU / srv CPU: cores used by the client process / by the server"
          + (" (gridhub serve; cypher: the store is in the client)" if store == "ladybug" else " (gridhub serve + Neo4j; cypher: Neo4j)"))  # fmt: skip
    print(HEADER)
    for q in aq.QUESTIONS:
        for path in ("graphql", "cypher"):
            for c in concurrency:
                cell = results.get((q.key, path, c))
                if cell is not None:
                    print(cell_line(q.key, path, c, cell))
        if q.cypher is None:
            print(f"{q.key:17} cypher   — no Cypher peer: the search runs in the API's in-memory indexes")
    print()
    low, high = min(concurrency), max(concurrency)
    floor = results.get(FLOOR)
    if floor is not None:
        print(f"floor: `{{ __typename }}` over the same path (HTTP, API key, GraphQL, JSON; no store read) at "
              f"{low} client: p50 {floor['p50']:.2f} ms, p95 {floor['p95']:.2f} ms, {floor['rps']:.0f} req/s")  # fmt: skip
    print(f"{'question':17} {'round trips':>11} {'gql/cypher p50 @' + str(low):>20} {'@' + str(high):>7} "
          f"{'gql-cypher ms':>13} {'gql req/s ' + str(high) + '/' + str(low):>16} {'cypher ' + str(high) + '/' + str(low):>11}  targets")  # fmt: skip
    for q in aq.QUESTIONS:
        trips = found["questions"][q.key]["round_trips"]
        g_low, g_high = results[(q.key, "graphql", low)], results[(q.key, "graphql", high)]
        scaling = g_high["rps"] / g_low["rps"] if g_low["rps"] else float("nan")
        verdicts = [f"round trips ≤ {TARGET_ROUND_TRIPS} {met(trips <= TARGET_ROUND_TRIPS)}",
                    f"scaling ≥ {TARGET_SCALING} {met(scaling >= TARGET_SCALING)}"]  # fmt: skip
        if q.cypher is not None:
            c_low, c_high = results[(q.key, "cypher", low)], results[(q.key, "cypher", high)]
            ratio = g_low["p50"] / c_low["p50"]
            ratio_high = g_high["p50"] / c_high["p50"]
            if g_high["errors"] or c_high["errors"]:
                verdicts.append(f"at {high} clients: errors, the p50 is of the requests answered")
            c_scaling = c_high["rps"] / c_low["rps"] if c_low["rps"] else float("nan")
            verdicts.insert(0, f"p50 ratio ≤ {TARGET_LATENCY_RATIO} {met(ratio <= TARGET_LATENCY_RATIO)}")
            extra = g_low["p50"] - c_low["p50"]
            print(f"{q.key:17} {trips:>11} {ratio:>20.2f} {ratio_high:>7.2f} {extra:>13.1f} {scaling:>16.2f} {c_scaling:>11.2f}  "
                  + "; ".join(verdicts))  # fmt: skip
        else:
            print(
                f"{q.key:17} {trips:>11} {'(no peer)':>20} {'':>7} {'':>13} {scaling:>16.2f} {'':>11}  "
                + "; ".join(verdicts)
            )
    print("round trips: RequestContext.round_trips of one request run in-process (the search counts its index "
          "lookup as one); p50 ratio judged at 1 client, throughput scaling is GraphQL's; gql-cypher ms: "
          "what GraphQL over HTTP takes beyond the hand-written query at 1 client (compare with the floor).")  # fmt: skip


def code_line() -> str:
    """Which gridhub is measured: the commit, and whether its code differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "hub", "graph_schema", "connectors", "resolvers")
    state = f"{len(changed.splitlines())} files changed since" if changed else "clean at"
    return f"code: gridhub {state} commit {git('rev-parse', '--short', 'HEAD') or '?'}"


def capture(fn: Any, *args: Any) -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        fn(*args)
    return buffer.getvalue().rstrip("\n")


def machine_line() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = []
    for package in (
        "ladybug",
        "neo4j",
        "neo4j-rust-ext",
        "strawberry-graphql",
        "fastapi",
        "uvicorn",
        "httpx",
    ):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:
            pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"machine: {os.cpu_count()} cores ({model or platform.machine()}), {memory:.0f} GB, "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
            f"{', '.join(versions)}; load average {load}")  # fmt: skip


def main() -> None:
    # Stopped with SIGTERM (kill), end as on Ctrl-C: subprocess.run then kills the sync child
    # too, which otherwise outlives the bench and collides with the next run's sync.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--stores", default="ladybug,neo4j")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "gridhub-bench-api",
                        help="where the generated district and synced stores are kept between runs")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per cell")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each cell")
    parser.add_argument("--prewarm", type=float, default=3.0,
                        help="seconds of each question at the most clients before any cell (not measured)")  # fmt: skip
    parser.add_argument("--concurrency", default=",".join(map(str, CONCURRENCY)))
    parser.add_argument(
        "--workers", type=int, default=0, help="gridhub serve --workers (0: its default, one per core)"
    )
    parser.add_argument("--fresh", action="store_true", help="generate and sync again")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--neo4j-load", choices=("sync", "import"), default="sync",
                        help="fill Neo4j by a sync into it, or by neo4j-admin import of the embedded sync")  # fmt: skip
    parser.add_argument("--neo4j-pagecache-mb", type=int, default=2048,
                        help="the imported server's page cache (--neo4j-load import)")  # fmt: skip
    parser.add_argument("--questions", help="only these questions (comma-separated keys; default: all)")
    parser.add_argument("--role", choices=("inspect", "http-client", "cypher-peer"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.questions:
        wanted = args.questions.split(",")
        unknown = sorted(set(wanted) - {q.key for q in aq.QUESTIONS})
        if unknown:
            parser.error(f"unknown questions {unknown}; known: {', '.join(q.key for q in aq.QUESTIONS)}")
        # The parent's list; the children (other processes) still know every question.
        aq.QUESTIONS = tuple(q for q in aq.QUESTIONS if q.key in wanted)
    if args.role:
        {"inspect": inspect_role, "http-client": http_client_role, "cypher-peer": cypher_peer_role}[
            args.role
        ]()
        return
    from installed import byte_compile

    byte_compile(ROOT)
    args.work.mkdir(parents=True, exist_ok=True)
    print(machine_line(), flush=True)
    print(code_line(), flush=True)
    reports = []
    print(f"questions: {', '.join(f'{q.key} = {q.title}' for q in aq.QUESTIONS)}", flush=True)
    with ExitStack() as stack:
        for store in args.stores.split(","):
            neo4j_pid = None
            if store == "neo4j" and args.neo4j_load == "import":
                prepared, graph_url, neo4j_pid = imported_neo4j(
                    stack, args.work, args.persons, args.seed, args.fresh, args.neo4j_pagecache_mb
                )
            else:
                if store == "ladybug":
                    graph_url, neo4j_start_s = "", 0.0
                else:
                    graph_url, neo4j_start_s, neo4j_pid = neo4j_server(stack)
                prepared = prepare(args.work, store, args.persons, args.seed, graph_url, args.fresh)
                prepared["neo4j_start_s"] = neo4j_start_s
            print(f"{store}: {setup_line(prepared)}", flush=True)
            if args.prepare_only:
                continue
            measured = bench_store(store, prepared, args, neo4j_pid)
            measured["cell"] = f"{args.warmup:g} s warm-up, then {args.seconds:g} s measured, closed loop"
            measured["report"] = capture(report, store, prepared, measured, machine_line())
            reports.append(measured["report"])
            print(measured["report"], flush=True)
    if len(reports) > 1:  # every store's tables again, together at the end
        print("\n" + "\n".join(reports))


def setup_line(p: dict[str, Any]) -> str:
    if p.get("cached"):
        return f"district of {p['persons']:,} residents reused from {p['data_dir']} (synced before in {p['sync_s']:.0f} s)"
    start = f"; Neo4j test server started in {p['neo4j_start_s']:.0f} s" if p.get("neo4j_start_s") else ""
    return (f"generated {p['persons']:,} residents in {p['generate_s']:.0f} s, synced {p['rows']:,} source rows "
            f"in {p['sync_s']:.0f} s (peak RSS {p['sync_rss_mb']:,.0f} MB){start}")  # fmt: skip


if __name__ == "__main__":
    main()
