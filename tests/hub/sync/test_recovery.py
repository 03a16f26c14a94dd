"""A sync killed with SIGKILL at any of its steps, then run again (or followed by `gridhub
resolve`), ends where an uninterrupted run of the same district ends: the same crosswalk
(mention → entity id), aliases, node and relationship counts and graph; the killed run is
marked interrupted.

The kill is real: the sync runs in a child process in which one function is wrapped to send the
process SIGKILL when it is called (or returns) for the N-th time, so no ``finally`` block, no
``except`` clause and no ``with`` exit of the dying process runs. The child must die by that
signal, or the test fails: a kill point that is never reached cannot pass unnoticed.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.review.judging import _entity_of, judge
from hub.settings import Settings
from hub.state import StateStore
from hub.state.judgements import Verdict
from hub.state.tables import aliases, mentions, record_state, runs
from hub.store import open_store
from hub.sync import sync_sources
from hub.sync.pipeline import RESOLUTION_OWED, RESOLUTION_RUNNING, new_run_id, resolve_pass
from tests.support.graph_dump import GraphDump, dump_graph

PERSONS = 300
SEED = 4
# Rows per write batch: the larger sources (~220–275 rows) are written in three batches, so a
# kill can land between two batches of one source.
BATCH = 100
REPO = Path(__file__).parents[3]

Outcome = dict[str, Any]


@dataclass(frozen=True)
class KillPoint:
    """Where the child dies: when ``target`` ("module:attribute.path", patched where the sync
    looks it up) is called for the ``call``-th time, ``before`` it runs or after it returned.
    ``armed_by`` ("module:attr", n): calls of the target count only from the n-th call of that
    one on. ``hold``: a function made to wait forever on its ``call``-th call, so the kill (from
    another thread) lands before it. ``stage``: where that is, "sources" (not all of their
    records committed), "pass" (the resolution pass had begun) or "" (in between).
    ``rerun``: what runs afterwards, "sync" or "resolve"."""

    name: str
    target: str
    stage: str
    call: int = 1
    before: bool = True
    armed_by: tuple[str, int] | None = None
    hold: tuple[str, int] | None = None
    rerun: str = "sync"


WRITE_BATCH = "hub.sync.pipeline:write_batch"
MERGE_NODES = "hub.store.ladybug_store:LadybugStore.merge_nodes"
REASSIGN = "hub.state.store:StateStore.reassign_mentions"
GOLDEN = "hub.resolution.clustering:golden_values"
# A type's pass folds the graph's nodes (MERGE_NODES, in a thread) beside the state's
# reassignment of their mentions (REASSIGN): holding one, the kill lands when the other is done.

# The first sync. Sources are synced in this order (library first, then least trusted first):
# grid_workers, address_library, grid_collection, housing, newborns, licenses,
# business_registry, population. Changed rows are written once BATCH of them have gathered:
# address_library takes write batches 2-4, grid_collection (one row of its first hundred
# quarantined) 5 and 6, so the kills in the 6th write batch land after grid_collection's
# first batch is written and committed, with its second not (or not wholly). The resolution
# pass then clusters LegalEntity (in full: no model yet), then Person: their 2nd calls are Person's.
FIRST_SYNC = [
    # 1. Inside a batch's graph write: its nodes and the first relationship types are in the
    #    graph, the rest of the batch is not, and nothing of it is in the state.
    KillPoint(
        "mid graph write of a batch",
        "hub.store.ladybug_store:LadybugStore.upsert_relationships",
        "sources",
        call=2,
        armed_by=(WRITE_BATCH, 6),
    ),
    # 2a. The batch is in the graph; neither its mentions nor its record hashes are in the state.
    KillPoint("after a batch's graph write", WRITE_BATCH, "sources", call=6, before=False),
    # 2b. The batch is in the graph and its mentions in the state, its hashes and cursor are not.
    KillPoint(
        "before a batch's state commit",
        "hub.state.store:StateStore.commit_batch",
        "sources",
        armed_by=(WRITE_BATCH, 6),
    ),
    # 3. Every source written and committed; the resolution pass has not begun.
    KillPoint("before the resolution pass", "hub.sync.pipeline:owed_resolution", "", rerun="resolve"),
    # 4. Inside the pass, before any type is finished: LegalEntity's merges made in the state, not
    #    in the graph.
    KillPoint("inside the first type's pass", REASSIGN, "pass", before=False, hold=(MERGE_NODES, 1)),
    # 4a. Inside the pass: LegalEntity resolved; Person's model fitted and saved, its merges not made.
    KillPoint(
        "inside the resolution pass", "hub.resolution.clustering:save_fitted", "pass", call=2, before=False
    ),
    # 4b. Person's merges made in the graph (nodes folded, relationships moved), the state's
    #     mentions not yet reassigned to the survivors, no aliases kept for them.
    KillPoint(
        "between the graph merges and the state",
        MERGE_NODES,
        "pass",
        call=2,
        before=False,
        hold=(REASSIGN, 2),
        rerun="resolve",
    ),
    # 4c. The other way round: Person's merges made in the state (mentions reassigned, aliases
    #     kept), the merged-away nodes still in the graph.
    KillPoint(
        "between the state merges and the graph",
        REASSIGN,
        "pass",
        call=2,
        before=False,
        hold=(MERGE_NODES, 2),
    ),
    # 4d. Inside a graph merge: some relationships of the merged-away Persons copied to the
    #     survivors, the merged-away nodes not deleted yet.
    KillPoint(
        "inside a graph merge",
        "hub.store.ladybug_store:LadybugStore._load",
        "pass",
        call=2,
        armed_by=(MERGE_NODES, 2),
        hold=(REASSIGN, 2),
    ),
    # 4e. Person's merges made in both, its golden values not computed (a survivor lacks what
    #     only its merged-away mentions said).
    KillPoint("between the merges and the golden values", GOLDEN, "pass", call=2),
    # 5. The pass is done (merges, golden values, snapshot); the run is not recorded as finished.
    KillPoint(
        "after the pass, before the run ends", "hub.sync.pipeline:resolve_entities", "pass", before=False
    ),
]

# A second sync, after the first synced all but the last LATE population rows: those rows come
# now, and the pass links their Person mentions to the rest (incremental, from the snapshot;
# LegalEntity has nothing new, so the Person calls are the first).
LATE = 40
SECOND_SYNC = [
    KillPoint("after a batch's graph write", WRITE_BATCH, "sources", before=False),
    KillPoint(
        "between the graph merges and the state", MERGE_NODES, "pass", before=False, hold=(REASSIGN, 1)
    ),
    KillPoint(
        "between the state merges and the graph",
        REASSIGN,
        "pass",
        before=False,
        hold=(MERGE_NODES, 1),
        rerun="resolve",
    ),
    KillPoint("between the merges and the golden values", GOLDEN, "pass"),
    # The snapshot of Person's mentions not yet brought up to date (here: compacted).
    KillPoint("before the snapshot is written", "hub.resolution.passes:write_snapshot", "pass"),
    KillPoint(
        "after the pass, before the run ends", "hub.sync.pipeline:resolve_entities", "pass", before=False
    ),
]


def _settings(root: Path) -> Settings:
    return Settings(data_dir=root, ladybug_buffer_pool_mb=256, write_batch_size=BATCH)


# -- the child ------------------------------------------------------------------------------------


def _resolve(target: str) -> tuple[Any, str]:
    module, path = target.split(":")
    owner: Any = importlib.import_module(module)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, name


def _wrap(target: str, around: Any) -> None:
    owner, name = _resolve(target)
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return around(original, *args, **kwargs)

    setattr(owner, name, wrapper)


def killed_run(root: str, point_json: str, judged: str = "") -> None:
    """In the child: sync the district at ``root`` (or, with ``judged`` — two mention ids as a
    JSON list — judge them the same), dying at the kill point."""
    point = KillPoint(**json.loads(point_json))
    armed = threading.Event()
    calls = Counter[str]()
    lock = threading.Lock()

    def count(key: str) -> int:
        with lock:
            calls[key] += 1
            return calls[key]

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)  # the signal is delivered at once; nothing after it runs

    if point.armed_by is None:
        armed.set()
    else:
        arming, nth = point.armed_by

        def arm(original: Any, *args: Any, **kwargs: Any) -> Any:
            if count("arm") == nth:
                armed.set()
            return original(*args, **kwargs)

        _wrap(arming, arm)

    def kill(original: Any, *args: Any, **kwargs: Any) -> Any:
        fatal = armed.is_set() and count("kill") == point.call
        if fatal and point.before:
            die()
        result = original(*args, **kwargs)
        if fatal:
            die()
        return result

    _wrap(point.target, kill)
    if point.hold is not None:
        held, nth = point.hold

        def hold(original: Any, *args: Any, **kwargs: Any) -> Any:
            if count("hold") == nth:
                threading.Event().wait()  # until the kill
            return original(*args, **kwargs)

        _wrap(held, hold)
    settings = _settings(Path(root))
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        if judged:
            a, b = json.loads(judged)
            judge(store, state, a, b, Verdict.SAME, "steward-1", cache_dir=settings.data_dir / "cache")
        else:
            sync_sources(store, state, demo_sources(store.schema), settings)
    # Reached only when the kill point was not: the test sees exit 0, not -SIGKILL.


def _kill_at(root: Path, point: KillPoint, judged: tuple[str, str] | None = None) -> None:
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from tests.hub.sync.test_recovery import killed_run; killed_run(*sys.argv[1:])",
            str(root),
            json.dumps(asdict(point)),
            *([json.dumps(judged)] if judged else []),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, (
        f"the child was not killed at {point.name!r} (exit {child.returncode}):\n{child.stderr[-3000:]}"
    )


# -- outcomes -------------------------------------------------------------------------------------


def _outcome(settings: Settings) -> Outcome:
    """The crosswalk (mention → entity id), the aliases, the counts and the whole graph."""
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        with state.engine.connect() as conn:
            crosswalk = {
                (r.source, r.record_id, r.role): r.entity_id for r in conn.execute(mentions.select())
            }
            merged = {r.old_id: r.new_id for r in conn.execute(aliases.select())}
            records = int(conn.execute(select(func.count()).select_from(record_state)).scalar() or 0)
        counts = store.counts()
        graph: GraphDump = dump_graph(store)
        return {
            "crosswalk": crosswalk,
            "aliases": merged,
            "records": records,
            "nodes": dict(counts.nodes),
            "relationships": dict(counts.relationships),
            "review": state.open_review_counts(),
            "graph": graph,
        }


def _sync(settings: Settings) -> None:
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated district, never synced: each case syncs a copy."""
    root = tmp_path_factory.mktemp("district")
    generate_district(root / "demo", persons=PERSONS, seed=SEED)
    return root


def _copy(source: Path, to: Path) -> Settings:
    shutil.copytree(source, to, dirs_exist_ok=True)
    return _settings(to)


@pytest.fixture(scope="module")
def clean(district: Path, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """What one uninterrupted sync of the district ends with."""
    settings = _copy(district, tmp_path_factory.mktemp("clean"))
    _sync(settings)
    return _outcome(settings)


@pytest.fixture(scope="module")
def synced_once(district: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The district synced without its last LATE population rows (each second-sync case
    copies it, puts the rows back, and syncs again)."""
    root = tmp_path_factory.mktemp("once")
    settings = _copy(district, root)
    population = root / "demo" / "population.csv"
    lines = population.read_text(encoding="utf-8").splitlines(keepends=True)
    population.write_text("".join(lines[:-LATE]), encoding="utf-8")
    _sync(settings)
    return root


def _second_sync_data(district: Path, root: Path) -> None:
    shutil.copy(district / "demo" / "population.csv", root / "demo" / "population.csv")


@pytest.fixture(scope="module")
def clean_again(district: Path, synced_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """What an uninterrupted second sync, with the late rows, ends with."""
    root = tmp_path_factory.mktemp("again")
    settings = _copy(synced_once, root)
    _second_sync_data(district, root)
    _sync(settings)
    return _outcome(settings)


def _assert_converged(got: Outcome, clean: Outcome) -> None:
    assert got["records"] == clean["records"]
    assert got["nodes"] == clean["nodes"]
    assert got["relationships"] == clean["relationships"]
    assert got["crosswalk"] == clean["crosswalk"]
    assert got["aliases"] == clean["aliases"]
    assert got["review"] == clean["review"]
    for part in ("nodes", "relationships"):
        for kind, items in clean["graph"][part].items():
            assert got["graph"][part][kind] == items, f"{part} {kind} differ"


def _records(settings: Settings) -> int:
    with StateStore(settings.state_database_url) as state, state.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(record_state)).scalar() or 0)


def _kill_and_rerun(point: KillPoint, settings: Settings, before: int, clean: Outcome) -> None:
    """Kill a sync at ``point``, check what it left, run again, compare with ``clean``.
    ``before``: the records committed before the killed sync."""
    _kill_at(settings.data_dir, point)
    with StateStore(settings.state_database_url) as state:
        # What the dead run left: it is still "running", and it owes its writes a resolution
        # pass (recorded before its first graph write).
        left = state.recent_runs(10)
        assert left[0]["status"] == "running"
        assert state.flag(RESOLUTION_OWED) is not None
        began = state.flag(RESOLUTION_RUNNING) == left[0]["run_id"]
    # The kill landed where its point says: in the sources (not all of their records committed),
    # or after them (all committed), and before or inside the resolution pass.
    records = _records(settings)
    assert (before <= records < clean["records"]) if point.stage == "sources" else records == clean["records"]
    assert began == (point.stage == "pass")

    if point.rerun == "resolve":
        with open_store(settings) as store, StateStore(settings.state_database_url) as state:
            resolve_pass(store, state, settings)
    else:
        _sync(settings)

    _assert_converged(_outcome(settings), clean)
    with StateStore(settings.state_database_url) as state:
        assert state.flag(RESOLUTION_OWED) is None
        assert state.flag(RESOLUTION_RUNNING) is None
        assert state.full_passes_under_way() == {}
        history = state.recent_runs(10)
    assert [r["status"] for r in history[:2]] == ["succeeded", "interrupted"]
    killed = history[1]
    assert killed["run_id"] == left[0]["run_id"]
    assert "killed or crashed" in killed["report"]["error"]


@pytest.mark.parametrize("point", FIRST_SYNC, ids=[p.name for p in FIRST_SYNC])
def test_a_first_sync_killed_converges_on_the_next_run(
    point: KillPoint, district: Path, clean: Outcome, tmp_path: Path
) -> None:
    _kill_and_rerun(point, _copy(district, tmp_path), 0, clean)


@pytest.mark.parametrize("point", SECOND_SYNC, ids=[p.name for p in SECOND_SYNC])
def test_a_second_sync_killed_converges_on_the_next_run(
    point: KillPoint, district: Path, synced_once: Path, clean_again: Outcome, tmp_path: Path
) -> None:
    settings = _copy(synced_once, tmp_path)
    before = _records(settings)
    _second_sync_data(district, tmp_path)
    _kill_and_rerun(point, settings, before, clean_again)


def test_runs_a_dead_process_left_running_are_marked_interrupted(district: Path, tmp_path: Path) -> None:
    settings = _copy(district, tmp_path)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead_pid = int(gone.stdout)
    with StateStore(settings.state_database_url) as state:
        now = datetime.now(UTC)
        dead, alive = new_run_id(now), new_run_id(now) + "-b"
        state.save_run(dead, now, "running", {"pid": dead_pid, "host": socket.gethostname()}, None)
        state.save_run(alive, now, "running", {"pid": 1, "host": socket.gethostname()}, None)  # init lives
    _sync(settings)
    with StateStore(settings.state_database_url) as state:
        marked = state.run(dead)
        still = state.run(alive)
        with state.engine.connect() as conn:
            statuses = dict(conn.execute(select(runs.c.run_id, runs.c.status)).all())
    assert marked is not None
    assert marked["status"] == "interrupted"
    assert "killed or crashed" in marked["report"]["error"]
    assert still is not None
    assert still["status"] == "running"
    assert sorted(statuses.values()) == ["interrupted", "running", "succeeded"]


# A steward's "same" judged in a pass of its own over the two entities (hub.review.judging):
# killed with its merges made in the state and not in the graph.
JUDGED = [
    KillPoint(
        "a judgement between the state merges and the graph",
        REASSIGN,
        "",
        hold=(MERGE_NODES, 1),
        before=False,
    ),
    KillPoint("a judgement inside its graph merge", MERGE_NODES, "", hold=(REASSIGN, 1), before=False),
]


def _a_merge_candidate(settings: Settings) -> tuple[str, str]:
    """The mentions of the first Person merge candidate the sync filed for review."""
    with StateStore(settings.state_database_url) as state:
        items = [i for i in state.review_queue("merge", 1000) if i["payload"]["entity_type"] == "Person"]
    assert items, "the district's sync filed no Person merge candidate to judge"
    first, second = items[0]["payload"]["mentions"]
    return str(first), str(second)


def _graph_matches_state(settings: Settings, mentions_judged: tuple[str, str]) -> None:
    """Every entity the state's crosswalk names is a node, no merged-away id is, and the two
    judged mentions are one entity."""
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        with state.engine.connect() as conn:
            entities = {(r.entity_type, r.entity_id) for r in conn.execute(mentions.select())}
            merged = [r.old_id for r in conn.execute(aliases.select())]
        for label in ("Person", "LegalEntity"):
            ids = {e for t, e in entities if t == label}
            assert store.existing_ids(label, ids) == ids, (
                f"{label} entities of the state missing in the graph"
            )
            assert not store.existing_ids(label, merged), f"merged-away {label} nodes left in the graph"
        a, b = (_entity_of(state, m) for m in mentions_judged)
        assert a == b != ""
        assert state.targeted_passes_under_way() == {}
        assert state.full_passes_under_way() == {}


@pytest.mark.parametrize("point", JUDGED, ids=[p.name for p in JUDGED])
def test_a_judgement_killed_in_its_pass_is_finished_by_the_next_run(
    point: KillPoint, synced_once: Path, tmp_path: Path
) -> None:
    settings = _copy(synced_once, tmp_path)
    judged = _a_merge_candidate(settings)
    _kill_at(settings.data_dir, point, judged)
    with StateStore(settings.state_database_url) as state:
        assert set(state.targeted_passes_under_way()) == {"Person"}  # what the dead pass left
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        resolve_pass(store, state, settings)
    _graph_matches_state(settings, judged)
