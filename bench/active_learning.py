"""Learning from stewards: pairwise F1 before and after a steward answers 25 and then 50 merge
candidates, in the informative order (`gridhub review list --order informative`) and oldest first.

  1. generate a district (hub.demo.generator.generate_district) and sync every demo source into an
     empty embedded store (the sync ends with a full resolution pass: the model is fitted, merge
     candidates are filed for review); score the crosswalk against truth.csv
     (resolvers.evaluation.pairwise_scores): "before";
  2. for each arm, on a copy of that synced store and state: a simulated steward answers the first
     open merge candidates of the queue in the arm's order (hub.review.ordering.ranked_queue),
     from the truth (both mentions of one true entity: same, else different), recorded as
     judgements on the items as `gridhub review decide` records them; then a full pass
     (`gridhub resolve --full`: judgements as must/cannot-links, the model refitted, labels
     refitting thresholds and m, see resolvers.linking.learning) and the crosswalk scored again;
     the batches are cumulative (25, then 25 more: 50).

Arms: "informative" and "oldest" (learning from labels on), and "links-only": the informative
answers with learning from labels off (EMSettings.learn_from_judgements=False): the answers
still act as must/cannot-links, so the difference to "informative" is what the refit itself adds.
Ablations (informative answers): "thresholds-only" (m never refitted) and "m-only" (thresholds
never moved), by raising the label minimums of resolvers.linking.learning for the pass.

    python bench/active_learning.py                              # 5,000 persons, standard style
    python bench/active_learning.py --persons 10000 --style county --work /tmp/al
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peers import machine_line  # noqa: E402
from hub.demo.generator.styles import STYLES  # noqa: E402

TYPES = ("Person", "LegalEntity")
KEY = ["source", "record_id", "role"]


@dataclass
class Step:
    answers: int
    scores: dict[str, Any]  # entity type → PairwiseScores
    asked: dict[str, int] = field(default_factory=dict)  # entity type → answers about it
    same: int = 0
    learned: dict[str, str] = field(default_factory=dict)  # entity type → what the labels changed
    open_after: int = 0  # merge candidates open after the pass
    seconds: float = 0.0


def _settings(data_dir: Path) -> Any:
    from hub.settings import Settings

    return Settings(data_dir=data_dir, graph_url="", ladybug_buffer_pool_mb=1024)


def _scores(store: Any, data_dir: Path, truth: pd.DataFrame) -> dict[str, Any]:
    from hub.export.crosswalk import write_crosswalk
    from resolvers.evaluation import pairwise_scores

    out = data_dir / "crosswalk.csv"
    write_crosswalk(store, out)
    crosswalk = pd.read_csv(out, dtype=str, keep_default_na=False)
    return {s.entity_type: s for s in pairwise_scores(crosswalk, truth)}


def sync_district(data_dir: Path, truth: pd.DataFrame) -> Step:
    from hub.demo.run import demo_sources
    from hub.state import StateStore
    from hub.store import open_store
    from hub.sync import sync_sources

    settings = _settings(data_dir)
    started = time.perf_counter()
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema, settings.data_dir), settings)
        scores = _scores(store, data_dir, truth)
        open_items = state.review_queue("merge", 2**62)
    step = Step(0, scores, seconds=time.perf_counter() - started)
    step.asked = {t: sum(1 for i in open_items if i["payload"]["entity_type"] == t) for t in TYPES}
    return step


def _truth_of(truth: pd.DataFrame) -> dict[str, str]:
    from hub.state.mentions import SEP

    keys = truth["source"] + SEP + truth["record_id"] + SEP + truth["role"]
    return dict(zip(keys, truth["entity_type"] + ":" + truth["entity_id"], strict=True))


def answer_and_refit(
    data_dir: Path, truth: pd.DataFrame, order: str, answers: int, arm: str, done: int
) -> Step:
    """Answer the first ``answers`` open merge candidates in ``order`` from the truth, then a full
    pass; ``done``: answers given before (for the step's label)."""
    from hub.resolution import passes
    from hub.review.ordering import ranked_queue
    from hub.state import StateStore, Verdict
    from hub.store import open_store
    from hub.sync import resolve_pass
    from resolvers.linking.presets import get_spec

    settings = _settings(data_dir)
    entity_of = _truth_of(truth)
    from resolvers.linking import engine, learning, training

    original: Callable[[str], Any] = passes.get_spec
    refit_m, fit_thresholds = training.refit_m, engine.fit_thresholds
    never = 10**9
    if arm == "links-only":
        passes.get_spec = lambda resolver: _without_learning(get_spec(resolver))  # type: ignore[assignment]
    elif arm == "thresholds-only":
        training.refit_m = lambda model, same, bounds, strength: learning.refit_m(  # type: ignore[assignment]
            model, same, bounds, strength, minimum=never
        )
    elif arm == "m-only":
        engine.fit_thresholds = lambda same, different, lower, upper: learning.fit_thresholds(  # type: ignore[assignment]
            same, different, lower, upper, minimum=never
        )
    started = time.perf_counter()
    asked: dict[str, int] = {}
    same = 0
    try:
        with open_store(settings) as store, StateStore(settings.state_database_url) as state:
            for entry in ranked_queue(state, "merge", answers, order):  # type: ignore[arg-type]
                payload = entry.item["payload"]
                a, b = payload["mentions"]
                truth_a, truth_b = entity_of.get(a), entity_of.get(b)
                verdict = Verdict.SAME if truth_a is not None and truth_a == truth_b else Verdict.DIFFERENT
                same += verdict is Verdict.SAME
                state.record_judgement(
                    payload["entity_type"],
                    (a, b),
                    (payload["left"], payload["right"]),
                    verdict,
                    "bench-steward",
                    review_item=entry.item["id"],
                )
                asked[payload["entity_type"]] = asked.get(payload["entity_type"], 0) + 1
            resolve_pass(store, state, settings, full=True)
            scores = _scores(store, data_dir, truth)
            learned = {t: _learned(state, t) for t in TYPES}
            open_after = len(state.review_queue("merge", 2**62))
    finally:
        passes.get_spec = original  # type: ignore[assignment]
        training.refit_m, engine.fit_thresholds = refit_m, fit_thresholds  # type: ignore[assignment]
    seconds = time.perf_counter() - started
    return Step(done + answers, scores, asked, same, learned, open_after=open_after, seconds=seconds)


def _without_learning(spec: Any) -> Any:
    return spec.model_copy(update={"em": spec.em.model_copy(update={"learn_from_judgements": False})})


def _learned(state: Any, entity_type: str) -> str:
    from resolvers.linking import FSModel

    text = state.model(entity_type)
    if text is None:
        return ""
    model = FSModel.from_json(text)
    learned = model.learned
    if learned is None:
        return "no labels used"
    high = learned.thresholds_before[1]
    moved = (
        "thresholds kept"
        if learned.thresholds_after is None
        else f"merge cut {high:+.2f} → {learned.thresholds_after[1]:+.2f} bits"
    )
    refit = "; ".join(learned.m_changes({f.name: f.m for f in model.fields})) or "none"
    return (
        f"labels {learned.labels[0]} same / {learned.labels[1]} different; {moved} "
        f"(labelled errors {learned.errors_before} → {learned.errors_after}); m refitted: {refit}"
    )


def _fmt(score: Any) -> str:
    if score is None:
        return f"{'—':>7} {'—':>7} {'—':>7}"
    return f"{score.precision:7.4f} {score.recall:7.4f} {score.f1:7.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--style", choices=STYLES, default="standard")
    parser.add_argument("--batch", type=int, default=25, help="answers per batch (default 25)")
    parser.add_argument("--batches", type=int, default=2, help="how many batches (default 2: 25, 50)")
    parser.add_argument(
        "--arms",
        default="informative,oldest,links-only",
        help="comma-separated: informative, oldest, links-only (informative answers, learning from "
        "labels off), thresholds-only, m-only (informative answers; see above)",
    )
    parser.add_argument("--work", type=Path, help="keep the districts here (default: a temp dir)")
    args = parser.parse_args()
    for name in [k for k in os.environ if k.startswith("GRIDHUB_")]:
        del os.environ[name]  # the caller's store or state must not leak in
    os.environ["GRIDHUB_LOG_LEVEL"] = "ERROR"  # model warnings are in the state
    from hub.demo.generator import generate_district
    from hub.logging import configure_logging

    configure_logging()
    with tempfile.TemporaryDirectory(prefix="active-learning-") as tmp:
        work = args.work or Path(tmp)
        base = work / f"district-{args.style}-{args.persons}-seed{args.seed}"
        shutil.rmtree(base, ignore_errors=True)
        manifest = generate_district(base / "demo", persons=args.persons, seed=args.seed, style=args.style)
        truth = pd.read_csv(manifest.truth.path, dtype=str, keep_default_na=False)
        before = sync_district(base, truth)
        print(f"district: {args.persons:,} persons, seed {args.seed}, style {args.style}")
        print(f"synced in {before.seconds:.0f} s; open merge candidates: {before.asked}", flush=True)
        results: dict[str, list[Step]] = {}
        for arm in args.arms.split(","):
            arm_dir = work / f"arm-{arm}"
            shutil.rmtree(arm_dir, ignore_errors=True)
            shutil.copytree(base, arm_dir)
            order = "oldest" if arm == "oldest" else "informative"
            steps = [before]
            for _ in range(args.batches):
                steps.append(answer_and_refit(arm_dir, truth, order, args.batch, arm, steps[-1].answers))
                last = steps[-1]
                print(
                    f"  {arm}: {last.answers} answers ({last.same} same in the batch, by type {last.asked}), "
                    f"pass {last.seconds:.0f} s, {last.open_after} merge candidates open after it",
                    flush=True,
                )
                for entity_type, text in last.learned.items():
                    if text:
                        print(f"    {entity_type}: {text}", flush=True)
            results[arm] = steps
            shutil.rmtree(arm_dir, ignore_errors=True)
    print()
    print(machine_line())
    print(f"{'arm':13} {'answers':>7}  {'type':12} {'P':>7} {'R':>7} {'F1':>7}")
    for arm, steps in results.items():
        for step in steps:
            for entity_type in TYPES:
                print(f"{arm:13} {step.answers:7}  {entity_type:12} {_fmt(step.scores.get(entity_type))}")


if __name__ == "__main__":
    main()
