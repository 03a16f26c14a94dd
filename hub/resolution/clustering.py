"""One clustering of a type's mentions and what follows from it: merges in the graph and the
state, splits, golden values, review items.

:class:`TypePass` holds what every step of a type's pass works with; :class:`Clustering` says
which mentions one clustering takes and how (see :mod:`hub.resolution.passes` for which).
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import structlog

from graph_schema import NodeType
from hub.resolution.engines import Dedupe
from hub.resolution.features import mention_frame
from hub.resolution.golden import (
    GoldenRow,
    changed_by,
    entities_to_recompute,
    golden_batches,
    golden_values,
    joining_statements,
)
from hub.resolution.merges import apply_splits, choose_merges, find_splits
from hub.resolution.report import TypeReport
from hub.resolution.reviews import open_merge_reviews
from hub.state import StateStore
from hub.state.mentions import MentionColumns
from hub.store import GraphStore
from resolvers.linking import FSModel, LinkSpec, dedupe, link
from resolvers.linking.diagnostics import diagnose
from resolvers.linking.prefilter import Oversized
from resolvers.survivorship import Statement

log = structlog.get_logger(__name__)
# "full": fit a model on everyone; "incremental": link the ``left`` mentions against all the
# mentions under the saved model; "entities": re-cluster these mentions under the saved model.
Mode = Literal["full", "incremental", "entities"]


@dataclass(frozen=True)
class TypePass:
    """One type's resolution pass: where it reads and writes, the type, its spec, the run."""

    store: GraphStore
    state: StateStore
    node: NodeType
    spec: LinkSpec
    run_id: str


@dataclass
class Clustering:
    """Which mentions one clustering takes and how.

    Golden values are recomputed for ``touched`` entities and those merged into (all in
    "full"). ``saved``: the saved model (None: fit one). ``left``: in a link, the mentions to
    match against all of ``mentions``. ``sizes``: mentions per entity when ``mentions`` are only
    candidates (the population's term frequencies then come from the saved model too), being
    counted beside the linking; ``oversized``: blocks over the cap among mentions not read (see
    candidate_mask). ``recompute``: every entity's golden values are recomputed in "full" (an
    interrupted pass's merges and splits may have left values no mention agreement shows).
    ``dedupe``: what clusters the mentions when not linking (the in-process engine unless a full
    pass was asked to run on another, see hub.resolution.engines).
    """

    mentions: MentionColumns
    mode: Mode
    touched: Collection[str]
    saved: str | None = None
    left: npt.NDArray[np.bool_] | None = None
    sizes: Future[pd.Series] | None = None
    oversized: Oversized | None = None
    recompute: bool = False
    dedupe: Dedupe = dedupe


def save_fitted(
    state: StateStore, entity_type: str, spec: LinkSpec, run_id: str, model: FSModel
) -> list[str]:
    """Save a freshly fitted model with its diagnostics (what `gridhub model show` prints);
    returns the diagnostics' warnings, which are logged and go into the run report."""
    fitted_at = datetime.now(UTC).isoformat(timespec="seconds")
    diagnostics = diagnose(model, spec, run_id=run_id, fitted_at=fitted_at)
    state.save_model(entity_type, run_id, model.to_json(), diagnostics.to_json())
    # The run report prints these with the pass; the log keeps them at info, not as alarms.
    for warning in diagnostics.warnings:
        log.info("model warning", entity_type=entity_type, run_id=run_id, warning=warning)
    return list(diagnostics.warnings)


def cluster_and_apply(run: TypePass, work: Clustering) -> tuple[TypeReport, dict[str, str]]:
    """Cluster ``work.mentions`` and apply the outcome: merges in the graph and the state, golden
    values, review items. Returns the report and the merges (old entity id → survivor)."""
    store, state, node, spec, run_id = run.store, run.state, run.node, run.spec, run.run_id
    mentions, mode, touched, left, sizes = work.mentions, work.mode, work.touched, work.left, work.sizes
    report = TypeReport(node.name, mentions=len(mentions))
    if len(mentions) < 2 or (left is not None and not left.any()):
        return report, {}
    frame = mention_frame(mentions, spec)
    must, cannot = state.links(node.name)
    model = None if work.saved is None else FSModel.from_json(work.saved)
    if left is not None:
        result = link(
            frame[left],
            frame,
            spec,
            must,
            cannot,
            model=model,
            model_frequencies=sizes is not None,
            oversized=work.oversized,
        )
        clustered = result.clusters.index.get_level_values("id")
    else:
        result = work.dedupe(frame, spec, must, cannot, model=model)
        clustered = result.clusters.index
        if model is None:
            report.model_warnings = save_fitted(state, node.name, spec, run_id, result.model)
    del frame
    position = pd.Index(mentions.ids)
    located = position.get_indexer(clustered)
    entity_of = mentions.entity_ids[located]
    report.candidate_pairs = result.candidate_pairs
    report.seconds = dict(result.timings)
    sizes_now = pd.Series(mentions.entity_ids).value_counts() if sizes is None else sizes.result()
    merges, apart = choose_merges(result.clusters.to_numpy(), entity_of, sizes_now, mentions.run_ids[located])
    # In a link, unchanged mentions not reached by this batch are singletons: "apart" means nothing.
    report.apart = apart if mode == "full" else 0
    report.entities_before = len(sizes_now)
    report.entities_after = report.entities_before - len(merges)
    rewritten = set(merges.values())
    computed: list[list[GoldenRow]] | None = None
    conflicts: dict[str, dict[str, Any]] = {}
    joining: dict[str, list[Statement]] = {}
    if merges:
        # The graph database merges without holding the GIL: the state's bookkeeping and, in a
        # link (no splits to wait for), the golden values go on beside it on the other core.
        with ThreadPoolExecutor(max_workers=1) as pool:
            folding = pool.submit(store.merge_nodes, node.name, merges)
            try:
                if left is not None:
                    # Entities merged into whose own mentions did not change: read what joins
                    # them (before it is theirs), then compute only those it may change.
                    joining = joining_statements(state, node, merges, rewritten - set(touched))
                state.reassign_mentions(merges, run_id)
                if left is not None:
                    linked = entities_to_recompute(touched, merges, rewritten) - joining.keys()
                    computed = list(golden_batches(state, node, linked, rewritten, conflicts))
            finally:
                report.merged = folding.result()
        if joining:
            assert computed is not None
            changing = changed_by(store, node.name, joining)
            computed.extend(golden_batches(state, node, changing, rewritten, conflicts))
    if left is None:
        # Complete clusters: mentions the clustering puts apart from their entity leave it.
        moves = find_splits(
            result.clusters.to_numpy(), entity_of, np.asarray(clustered, dtype=object), merges, node
        )
        if moves:
            report.split = apply_splits(store, state, node, moves)
            report.entities_after += len(
                {new for _, _, new in moves} - set(sizes_now.index) - set(merges.values())
            )
            rewritten |= {old for _, old, _ in moves} | {new for _, _, new in moves}
            if mode == "full":
                moved = {mention: new for mention, _, new in moves}
                mentions.entity_ids[:] = [
                    moved.get(m, merges.get(e, e))
                    for m, e in zip(mentions.ids, mentions.entity_ids, strict=True)
                ]
    survivors = None if mode == "full" else entities_to_recompute(touched, merges, rewritten)
    report.conflicts_opened = golden_values(
        store, state, node, survivors, run_id, rewritten, computed, conflicts, every=work.recompute
    )
    report.review_opened = open_merge_reviews(
        state, node, result.review, position, mentions.entity_ids, merges, run_id
    )
    report.judgement_conflicts = len(result.conflicts)
    log.info(
        "resolved",
        run_id=run_id,
        mode=mode,
        **{k: v for k, v in vars(report).items() if k not in ("seconds", "model_warnings")},
    )
    return report, merges
