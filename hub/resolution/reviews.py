"""Merge candidates for data stewards: the pairs of mentions a clustering was unsure about, each
with its comparison pattern and how many candidate pairs share it (see hub.review.ordering)."""

from __future__ import annotations

import pandas as pd

from graph_schema import NodeType
from hub.state import StateStore
from hub.state.mentions import Objects

# Why a pair is in review, in words (the engine's code → what the steward reads).
WHY = {
    "uncertain": "the score lies between the review and the merge thresholds",
    "ambiguous": (
        "scored as a match, but the record fits two entities with different identifiers about equally "
        "well (twins, a birth registered before the name): it is given to neither"
    ),
    "refused": (
        "scored as a match, but merging would put two different valid identifiers, or two records a "
        "steward called different, in one entity"
    ),
}


def why_in_review(code: str, probability: float) -> str:
    return f"p = {probability:.3f}: {WHY.get(code, WHY['uncertain'])}"


def open_merge_reviews(
    state: StateStore,
    node: NodeType,
    review: pd.DataFrame,
    position: pd.Index,
    entity_ids: Objects,
    merges: dict[str, str],
    run_id: str,
) -> int:
    """File the pairs the clustering was unsure about as merge candidates for a steward (those
    of two entities, as they are after the pass's merges); returns how many were opened."""
    items = {}
    if review.empty:
        return 0
    fields = [c.removeprefix("gamma_") for c in review.columns if c.startswith("gamma_")]
    lefts = entity_ids[position.get_indexer(pd.Index(review["id_l"]))]
    rights = entity_ids[position.get_indexer(pd.Index(review["id_r"]))]
    patterns = review[[f"gamma_{f}" for f in fields]].to_numpy(dtype=int).tolist()
    sharing = review["pattern_pairs"].tolist() if "pattern_pairs" in review else [0] * len(review)
    rows = zip(review.itertuples(index=False), lefts, rights, patterns, sharing, strict=True)
    for pair, left, right, pattern, shared in rows:
        left, right = merges.get(left, left), merges.get(right, right)
        if left == right:
            continue
        a, b = sorted((left, right))
        probability = float(str(pair.probability))
        items[f"merge:{a}:{b}"] = {
            "entity_type": node.name, "left": a, "right": b, "probability": probability,
            "why": why_in_review(str(getattr(pair, "why", "") or "uncertain"), probability),
            "mentions": [str(pair.id_l), str(pair.id_r)],
            # The comparison pattern (level per field, -1 missing) and how many candidate pairs of
            # the pass shared it: what ordering the queue by information needs.
            "fields": fields, "pattern": [int(x) for x in pattern], "pattern_pairs": int(shared),
        }  # fmt: skip
    return state.open_review_items("merge", run_id, items)
