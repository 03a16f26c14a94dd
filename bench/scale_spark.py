"""The full resolution pass in process and on Spark local[N], and Splink on Spark, side by side
(issue 17).

Steps:
  1. generate the demo district (--persons, or --mentions: about 2.44 Person mentions per
     resident, so --mentions 1000000 generates 410k residents) and sync it without the
     resolution pass (setup, not measured);
  2. per engine, on a fresh copy of the synced store: `gridhub resolve --full --engine E` in a
     fresh process, timed (wall), its memory sampled every 0.2 s as the RSS summed over the
     process and all its descendants (for Spark: the driver's Python, the JVM and the Python
     workers), then the crosswalk exported and scored against the generator's truth (pairwise F1);
  3. Splink on Spark (the same local[N]), when a Python with splink and pyspark is found
     (--splink-python; by default this one, else /tmp/splinkvenv): the Person mentions as
     bench/district_quality.py gives them to Splink (the project's mapping, each with its
     building), clustered by bench/peers/splink_peer.person_clusters, the model Splink's
     documentation builds for deduplicating people (its deduplicate_50k_synthetic page), on
     SparkAPI with Splink's similarity jar; timed and measured the same way, F1 the same way.
  4. per type: candidate pairs, and comparisons per second per core. In process that is the
     candidate pairs over the engine's "comparing" step on its one core; on Spark over the
     "spark: comparing" step (the join of pairs with both records, the Arrow batches through the
     comparators and the key rules, kept by Spark for counting and scoring) times the cores of
     the master (local[N]: N); for Splink, the pairs its blocking rules make (Splink's exact
     count) over its predict() step (blocking, comparing and scoring: it does not time them
     apart) times N.
  5. a projection for a cluster (executors x cores) from each Spark contender's comparisons per
     core-second, printed as a PROJECTION: nothing here measures a cluster, and it leaves out the
     shuffles and the driver's share (fitting, deciding, clustering), which do not shrink with
     executors.

    python bench/scale_spark.py --mentions 100000 --master 'local[2]'
    python bench/scale_spark.py --mentions 1000000      # and 2000000: hours here (setup sync alone)
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
# Person mentions per generated resident (40,000 residents gave 97,623, 410,000 gave 1,001,608).
MENTIONS_PER_PERSON = 2.44
# Where a Python with splink and pyspark may be, besides this one (not a project dependency).
SPLINK_PYTHONS = (Path(sys.executable), Path("/tmp/splinkvenv/bin/python"))


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


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """A command in a fresh process: (wall seconds, peak RSS of its process tree in MB, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
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
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{err[-3000:]}")
    return seconds, peak, out


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
    return measured([sys.executable, "-m", "hub.cli", *args], env)


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


def splink_python(given: str | None) -> Path | None:
    """A Python that imports splink and pyspark: ``given``, else the first of SPLINK_PYTHONS."""
    candidates = [Path(given)] if given else list(SPLINK_PYTHONS)
    for python in candidates:
        if not python.exists():
            continue
        check = subprocess.run(
            [str(python), "-c", "import splink, pyspark"], capture_output=True, text=True, check=False
        )
        if check.returncode == 0:
            return python
    return None


@dataclass(frozen=True)
class SplinkRun:
    seconds: float
    peak_mb: float
    timings: dict[str, float]  # training, predicting, clustering (seconds); comparisons (pairs)
    f1: float
    mentions: int


def splink_on_spark(python: Path, synced: Path, work: Path, master: str, u_max_pairs: float) -> SplinkRun:
    """Splink's documented person model on Spark ``master``, in a fresh process of ``python``."""
    import pandas as pd

    from bench.district_quality import PERSON, person_mentions, read_truth
    from resolvers.evaluation import pairwise_scores

    mentions = person_mentions(synced)
    mentions_file, clusters_file = (
        work / "splink_person_mentions.parquet",
        work / "splink_person_clusters.parquet",
    )
    mentions.to_parquet(mentions_file)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        str(python), str(Path(__file__).resolve()), "--child-splink-spark",
        str(mentions_file), str(clusters_file), master, repr(u_max_pairs), str(work / "splink-checkpoints"),
    ]  # fmt: skip
    seconds, peak, out = measured(command, env)
    timings = json.loads(out.strip().splitlines()[-1])
    clusters = pd.read_parquet(clusters_file)
    predicted = mentions[["mention_id", "source", "record_id", "role"]].merge(clusters, on="mention_id")
    predicted = predicted.rename(columns={"cluster_id": "entity_id"})
    truth = read_truth(next((synced / "demo").glob("**/truth.csv")))
    score = next(s for s in pairwise_scores(predicted, truth[truth["entity_type"] == PERSON]))
    return SplinkRun(seconds, peak, timings, score.f1, len(mentions))


def splink_child(
    mentions_file: str, clusters_file: str, master: str, u_max_pairs: str, checkpoints: str
) -> None:
    """In the Splink Python: a Spark session as Splink's Spark examples set one up (its similarity
    jar on the classpath, a checkpoint directory), sized as gridhub's (driver memory, shuffle
    partitions); the documented person model; clusters to ``clusters_file``, figures to stdout."""
    import pandas as pd
    from pyspark.sql import SparkSession
    from splink.backends.spark import SparkAPI, similarity_jar_location

    from bench.peers.splink_peer import person_clusters, person_comparisons

    spark = (
        SparkSession.builder.master(master)
        .appName("splink-person")
        .config("spark.driver.memory", os.environ.get("GRIDHUB_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.default.parallelism", "8")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(checkpoints)
    frame = pd.read_parquet(mentions_file)
    columns = ["mention_id", "name", "birth_date", "identity_number", "phone", "building"]
    timings: dict[str, float] = {}
    clusters = person_clusters(
        frame[columns], u_max_pairs=float(u_max_pairs), db_api=SparkAPI(spark_session=spark), timings=timings
    )
    clusters.to_parquet(clusters_file)
    # Counted after the timed run, so the count's own jobs are not in its figures.
    timings["comparisons"] = float(person_comparisons(frame[columns], SparkAPI(spark_session=spark)))
    spark.stop()
    print(json.dumps(timings), flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-splink-spark":
        splink_child(*sys.argv[2:7])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--persons", type=int, default=None, help="residents to generate (default 40,000)")
    size.add_argument("--mentions", type=int, default=None, help="Person mentions wanted (1000000, 2000000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    parser.add_argument("--splink-python", default=None, help="a Python with splink and pyspark")
    parser.add_argument("--no-splink", action="store_true", help="leave Splink on Spark out")
    parser.add_argument(
        "--engines", default="inprocess,spark", help="gridhub engines to run (comma-separated; '' for none)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep a district already generated and synced in --work"
    )
    parser.add_argument(
        "--u-max-pairs", type=float, default=1e7, help="Splink's u sample (the documented 1e7)"
    )
    args = parser.parse_args()
    import pandas as pd

    from hub.demo.generator import generate_district
    from resolvers.evaluation import pairwise_scores

    persons = args.persons or (round(args.mentions / MENTIONS_PER_PERSON) if args.mentions else 40_000)
    spark_cores = cores_of(args.master)
    # The embedded store's buffer pool grows with the district (bench/api.py sizes it alike): the
    # default 1 GB fills up exporting the crosswalk of ~400k residents.
    os.environ.setdefault("GRIDHUB_LADYBUG_BUFFER_POOL_MB", str(max(1024, persons // 80)))
    work = args.work or Path(tempfile.mkdtemp(prefix="gridhub-spark-"))
    synced = work / f"district-{persons}"
    truths = list((synced / "demo").glob("**/truth.csv")) if args.reuse else []
    if truths:
        print(f"setup: {persons:,} residents, the district synced in {synced} reused")
        truth_path = truths[0]
    else:
        shutil.rmtree(synced, ignore_errors=True)
        manifest = generate_district(synced / "demo", persons=persons, seed=args.seed)
        sync_s, _, _ = gridhub(synced, {}, "sync", "--config", "hub/demo/sources", "--json")
        print(f"setup: {persons:,} residents generated and synced without resolution ({sync_s:.0f} s)")
        truth_path = manifest.truth.path
    truth = pd.read_csv(truth_path, dtype=str, keep_default_na=False)

    step = {"inprocess": ("comparing", 1), "spark": ("spark: comparing", spark_cores)}
    rates: dict[str, float] = {}
    print(f"{'engine':10} {'type':12} {'mentions':>9} {'pairs':>11} {'cmp/s/core':>11} {'F1':>7}")
    crosswalks: dict[str, pd.DataFrame] = {}
    engines = [e for e in args.engines.split(",") if e]
    for engine in engines:
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
                f"{engine:10} {kind:12} {report['mentions']:>9,} {report['candidate_pairs']:>11,} "
                f"{rate:>11,.0f} {f1:>7.4f}"
            )
        print(
            f"{engine:10} whole pass: {run.seconds:.1f} s wall, peak RSS of the process tree {run.peak_mb:,.0f} MB"
        )
    if len(crosswalks) == 2:
        same = crosswalks["inprocess"].equals(crosswalks["spark"])
        # The gate on one machine is equivalence, not speed (see resolvers/spark/engine.py).
        print(f"crosswalks identical: {same} ({len(crosswalks['spark']):,} rows)")

    python = None if args.no_splink else splink_python(args.splink_python)
    if python is None:
        print("splink on spark: skipped (no Python with splink and pyspark; see --splink-python)")
    else:
        splink = splink_on_spark(python, synced, work, args.master, args.u_max_pairs)
        t = splink.timings
        rate = t["comparisons"] / t["predicting"] / spark_cores if t.get("predicting") else 0.0
        rates["splink on spark"] = rate
        print(
            f"{'splink':10} {'Person':12} steps: training {t['training']:.1f} s, predicting "
            f"{t['predicting']:.1f} s, clustering {t['clustering']:.1f} s ({python})"
        )
        print(
            f"{'splink':10} {'Person':12} {splink.mentions:>9,} {int(t['comparisons']):>11,} "
            f"{rate:>11,.0f} {splink.f1:>7.4f}"
        )
        print(
            f"{'splink':10} whole run: {splink.seconds:.1f} s wall, peak RSS of the process tree "
            f"{splink.peak_mb:,.0f} MB"
        )
    # What each rate times: gridhub's comparison step; Splink's predict() (it does not time its
    # blocking, comparing and scoring apart).
    measured_step = {"spark": "its comparison step only", "splink on spark": "its predict step only"}
    for contender, what in measured_step.items():
        if not rates.get(contender):
            continue
        for executors, cores in SHAPES:
            per_second = rates[contender] * executors * cores
            print(
                f"PROJECTION (not measured): {contender} on {executors} executors x {cores} cores at this "
                f"machine's rate of {rates[contender]:,.0f} pairs per core-second would compare "
                f"~{per_second:,.0f} Person pairs/s ({what}; no shuffles, no driver share)"
            )


if __name__ == "__main__":
    main()
