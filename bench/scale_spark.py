"""The full resolution pass in process and on Spark local[N], side by side (issue 17, a skeleton).

Steps:
  1. generate the demo district (--persons; 40k residents give about 100k Person mentions) and
     sync it without the resolution pass (setup, not measured);
  2. per engine, on a fresh copy of the synced store: `gridhub resolve --full --engine E` in a
     fresh process, timed (wall), its memory sampled every 0.2 s as the RSS summed over the
     process and all its descendants (for Spark: the driver's Python, the JVM and the Python
     workers), then the crosswalk exported and scored against the generator's truth (pairwise F1);
  3. per type: candidate pairs, and comparisons per second per core. In process that is the
     candidate pairs over the engine's "comparing" step on its one core; on Spark over the
     "spark: comparing" step (the join of pairs with both records, the Arrow batches through the
     comparators, and collecting the levels) times the cores of the master (local[N]: N).
  4. a projection for a cluster (executors × cores) from Spark's comparisons per core-second,
     printed as a PROJECTION: nothing here measures a cluster, and it leaves out the shuffles
     and the driver's share (fitting, scoring and clustering), which do not shrink with executors.

Not yet here (issue 17 part 3): 1M and 2M mentions, Splink on Spark as a peer.

    python bench/scale_spark.py --persons 40000 --master 'local[2]'
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Projected cluster shapes: (executors, cores each).
SHAPES = ((10, 4), (50, 8))


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    reports: list[dict[str, Any]]


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _tree_rss_mb(pid: int) -> float:
    total = 0
    for p in _descendants(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(match.group(1)) if match else 0
    return total / 1024


def gridhub(data_dir: Path, env_extra: dict[str, str], *args: str) -> tuple[float, float, str]:
    """A gridhub command in a fresh process: (wall seconds, peak RSS of its process tree, stdout)."""
    env = {
        **os.environ,
        "GRIDHUB_DATA_DIR": str(data_dir),
        "GRIDHUB_GRAPH_URL": "",
        "GRIDHUB_LOG_LEVEL": "WARNING",
        "GRIDHUB_RESOLVE_AFTER_SYNC": "false",
        "PYTHONPATH": str(ROOT),
        **env_extra,
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", *args],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_mb(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"gridhub {' '.join(args)} failed:\n{err[-3000:]}")
    return seconds, peak, out


def resolve_with(synced: Path, engine: str, master: str) -> tuple[Run, Path]:
    copy = synced.with_name(f"{synced.name}-{engine}")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(synced, copy, ignore=shutil.ignore_patterns("demo"))
    env = {"GRIDHUB_SPARK_MASTER": master, "GRIDHUB_SPARK_SHUFFLE_PARTITIONS": "8"}
    seconds, peak, out = gridhub(copy, env, "resolve", "--full", "--engine", engine, "--json")
    crosswalk = copy / "crosswalk.csv"
    gridhub(copy, {}, "export", "crosswalk", "--out", str(crosswalk))
    return Run(seconds, peak, json.loads(out)), crosswalk


def cores_of(master: str) -> int:
    match = re.fullmatch(r"local\[(\d+|\*)\]", master)
    if match is None:
        raise SystemExit(f"--master {master!r}: this bench runs local[N] only")
    return (os.cpu_count() or 1) if match.group(1) == "*" else int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    args = parser.parse_args()
    import pandas as pd

    from hub.demo.generator import generate_district
    from resolvers.evaluation import pairwise_scores

    spark_cores = cores_of(args.master)
    work = args.work or Path(tempfile.mkdtemp(prefix="gridhub-spark-"))
    synced = work / f"district-{args.persons}"
    shutil.rmtree(synced, ignore_errors=True)
    manifest = generate_district(synced / "demo", persons=args.persons, seed=args.seed)
    sync_s, _, _ = gridhub(synced, {}, "sync", "--config", "hub/demo/sources", "--json")
    print(f"setup: {args.persons:,} residents generated and synced without resolution ({sync_s:.0f} s)")
    truth = pd.read_csv(manifest.truth.path, dtype=str, keep_default_na=False)

    step = {"inprocess": ("comparing", 1), "spark": ("spark: comparing", spark_cores)}
    rates: dict[str, float] = {}
    print(f"{'engine':10} {'type':12} {'mentions':>9} {'pairs':>9} {'cmp/s/core':>11} {'F1':>7}")
    crosswalks: dict[str, pd.DataFrame] = {}
    for engine in ("inprocess", "spark"):
        run, crosswalk_csv = resolve_with(synced, engine, args.master)
        crosswalks[engine] = pd.read_csv(crosswalk_csv, dtype=str, keep_default_na=False)
        crosswalks[engine] = crosswalks[engine].sort_values(
            list(crosswalks[engine].columns), ignore_index=True
        )
        scores = {
            s.entity_type: s
            for s in pairwise_scores(pd.read_csv(crosswalk_csv, dtype=str, keep_default_na=False), truth)
        }
        name, cores = step[engine]
        for report in run.reports:
            kind = report["entity_type"]
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in report["seconds"].items())
            print(f"{engine:10} {kind:12} steps: {steps}")
            seconds = report["seconds"].get(name, 0.0)
            rate = report["candidate_pairs"] / seconds / cores if seconds else 0.0
            if kind == "Person":
                rates[engine] = rate
            f1 = scores[kind].f1 if kind in scores else float("nan")
            print(
                f"{engine:10} {kind:12} {report['mentions']:>9,} {report['candidate_pairs']:>9,} "
                f"{rate:>11,.0f} {f1:>7.4f}"
            )
        print(
            f"{engine:10} whole pass: {run.seconds:.1f} s wall, peak RSS of the process tree {run.peak_mb:,.0f} MB"
        )
    same = crosswalks["inprocess"].equals(crosswalks["spark"])
    # The gate on one machine is equivalence, not speed (see resolvers/spark/engine.py).
    print(f"crosswalks identical: {same} ({len(crosswalks['spark']):,} rows)")
    if rates.get("spark"):
        for executors, cores in SHAPES:
            per_second = rates["spark"] * executors * cores
            print(
                f"PROJECTION (not measured): {executors} executors x {cores} cores at this machine's "
                f"Spark rate compare ~{per_second:,.0f} Person pairs/s (comparison step only)"
            )


if __name__ == "__main__":
    main()
