"""Entity resolution at scale: a batch pass over ~1M Person mentions, then 1% new mentions.

Steps, each timed in a fresh process (wall time and peak RSS of that process):
  1. generate the demo district (--persons; 410k residents give about 1M Person mentions);
  2. sync every source into the embedded store WITHOUT the resolution pass
     (GRIDHUB_RESOLVE_AFTER_SYNC=false) — setup, reported but not the figure;
  3. `gridhub resolve --full`: the batch pass (block, compare, fit by EM, score, cluster every
     Person and LegalEntity mention; merge in the graph; golden values) — target ≤ 10 min, ≤ 6 GB;
  4. append 1% new Person mentions (residents re-registered under new record ids without their
     identity number, so only fuzzy matching can place them) and sync them, again without
     resolution;
  5. `gridhub resolve`: the incremental pass over those new mentions — target ≤ 5% of step 3.
Steps 3 and 5 then run again, --repeat times in all, alternating, each time on a fresh copy of
the store as the step before left it: on a shared machine one run of a step varies by a
quarter from hour to hour, so the ratio is of the medians of runs made in the same minutes
(each round's ratio is printed too).
The embedded store's buffer pool is 1 GB here (it counts in the RSS of steps 3 and 5). gridhub's
modules are byte-compiled first, as an install does (see installed.py).

    python bench/resolution_scale.py --persons 410000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from installed import PEAK_RSS  # noqa: E402  (bench/installed.py: the child's own peak RSS)

RSS_MARK = "peak-rss-mb="
# The command's own peak RSS, printed to stderr on the way out.
CHILD = (
    PEAK_RSS
    + f"""
import resource, sys
from hub.cli import main
try:
    main()
finally:
    print("{RSS_MARK}" + str(peak_rss_mb()), file=sys.stderr)
"""
)


def gridhub(data_dir: Path, *args: str) -> tuple[float, float, str]:
    """Run a gridhub command in a fresh process: (wall seconds, peak RSS MB, stdout)."""
    env = {
        **os.environ,
        "GRIDHUB_DATA_DIR": str(data_dir),
        "GRIDHUB_GRAPH_URL": "",
        "GRIDHUB_LOG_LEVEL": "WARNING",
        "GRIDHUB_RESOLVE_AFTER_SYNC": "false",
        "GRIDHUB_LADYBUG_BUFFER_POOL_MB": os.environ.get("GRIDHUB_LADYBUG_BUFFER_POOL_MB", "1024"),
    }
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        env=env, capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"gridhub {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    peak = float(result.stderr.rsplit(RSS_MARK, 1)[1].split()[0])
    return seconds, peak, result.stdout


def copied(data: Path, name: str) -> Path:
    """A copy of the store and state in ``data`` (the source files are not needed to resolve),
    written out before it is used so that no run pays for the copy's writeback."""
    copy = data.with_name(f"{data.name}-{name}")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(data, copy, ignore=shutil.ignore_patterns("demo"))
    os.sync()
    return copy


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def add_new_mentions(demo: Path, share: float, prefix: str = "RKN") -> int:
    """Re-register ``share`` of the population register's residents under new record ids,
    without identity number: new mentions that must be matched fuzzily."""
    path = demo / "population.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    step = max(1, round(1 / share))
    copies = []
    for i, row in enumerate(rows[::step]):
        copy = dict(row)
        copy["人员编号"] = f"{prefix}{i:09d}"
        copy["公民身份号码"] = ""
        copies.append(copy)
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0])).writerows(copies)
    return len(copies)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=410_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of a batch run and an incremental run")
    args = parser.parse_args()
    from installed import byte_compile

    from hub.demo.generator import generate_district

    byte_compile(ROOT)
    work = args.work or Path(tempfile.mkdtemp(prefix="gridhub-scale-"))
    data = work / f"scale-{args.persons}"
    shutil.rmtree(data, ignore_errors=True)
    started = time.perf_counter()
    generate_district(data / "demo", persons=args.persons, seed=args.seed)
    print(f"generated {args.persons:,} residents in {time.perf_counter() - started:.0f} s", flush=True)

    sync_s, sync_rss, _ = gridhub(data, "sync", "--config", "hub/demo/sources", "--json")
    print(f"setup sync (no resolution): {sync_s:.0f} s, peak RSS {sync_rss:,.0f} MB", flush=True)
    before_batch = copied(data, "synced")
    batches = [gridhub(data, "resolve", "--full", "--json")]
    batch = {r["entity_type"]: r for r in json.loads(batches[0][2])}
    added = add_new_mentions(data / "demo", 0.01)
    gridhub(data, "sync", "population", "--config", "hub/demo/sources", "--json")
    before_incremental = copied(data, "prepared")
    increments = [gridhub(data, "resolve", "--json")]
    incremental = {r["entity_type"]: r for r in json.loads(increments[0][2])}
    print(f"round 1: batch {batches[0][0]:.1f} s, incremental {increments[0][0]:.1f} s", flush=True)
    for round_ in range(2, args.repeat + 1):
        batches.append(gridhub(copied(before_batch, "run"), "resolve", "--full", "--json"))
        increments.append(gridhub(copied(before_incremental, "run"), "resolve", "--json"))
        print(
            f"round {round_}: batch {batches[-1][0]:.1f} s, incremental {increments[-1][0]:.1f} s", flush=True
        )
    for path in (before_batch, before_incremental):
        shutil.rmtree(path.with_name(f"{path.name}-run"), ignore_errors=True)
        shutil.rmtree(path, ignore_errors=True)
    batch_s, batch_rss = median([b[0] for b in batches]), max(b[1] for b in batches)
    incr_s, incr_rss = median([i[0] for i in increments]), max(i[1] for i in increments)

    person = batch["Person"]
    print()
    print(
        f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; district {args.persons:,} residents, seed {args.seed}"
    )
    print(f"median of {args.repeat} rounds (peak RSS: the largest); incremental / batch per round: "
          f"{', '.join(f'{i[0] / b[0]:.1%}' for b, i in zip(batches, increments, strict=True))}")  # fmt: skip
    print(f"{'step':34} {'mentions':>10} {'wall s':>8} {'peak RSS MB':>12} {'merged':>8}")
    rows: list[tuple[str, dict[str, Any], float, float]] = [
        ("batch pass (resolve --full)", person, batch_s, batch_rss),
        (f"incremental, +{added:,} new mentions", incremental["Person"], incr_s, incr_rss),
    ]
    for label, report, seconds, rss in rows:
        print(f"{label:34} {report['mentions']:>10,} {seconds:>8.1f} {rss:>12,.0f} {report['merged']:>8,}")
    print(f"incremental / batch: {incr_s / batch_s:.1%} (target ≤ 5%); batch target ≤ 600 s and ≤ 6,144 MB")
    print(f"LegalEntity in the batch pass: {batch['LegalEntity']['mentions']:,} mentions, "
          f"{batch['LegalEntity']['seconds'].get('total', 0):.1f} s of the pass")  # fmt: skip
    print(f"Person pass timings (s): {json.dumps(person['seconds'])}")


if __name__ == "__main__":
    main()
