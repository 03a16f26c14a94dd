"""Merge candidates for practice and measurement: pairs of records the resolver put together,
taken apart and filed for review, so that a steward's "same" has real work to do.

A generated district files few merge candidates (its duplicates are clear-cut), too few to
time a steward going through a queue or to measure how fast a decision reaches the graph. This
takes ``count`` people whose records the resolver merged, splits one record off each with a
"different" judgement (the resolver's own split: the graph gets a second entity), revokes that
judgement (it was a means, not a decision; the history keeps it, marked revoked) and files a
merge candidate about the two. Answering "same" merges them again through the ordinary path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.review.judging import judge
from hub.state import StateStore, Verdict
from hub.state.mentions import SEP
from hub.store import GraphStore
from hub.sync.pipeline import new_run_id

SETUP_STEWARD = "review-items generator"
PERSON = "Person"


@dataclass(frozen=True, slots=True)
class FiledPair:
    """A merge candidate filed: its review item, the two entities and one mention of each."""

    item: int
    left: str
    right: str
    left_mention: str
    right_mention: str


def _mention(row: dict[str, Any]) -> str:
    return f"{row['source']}:{row['record_id']}:{row['role']}"


def file_split_pairs(store: GraphStore, state: StateStore, count: int) -> list[FiledPair]:
    """File ``count`` merge candidates as the module says; raises ValueError when the district
    has fewer people with two records."""
    by_entity: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in state.mentions_matching(entity_type=PERSON):
        by_entity[str(row["entity_id"])].append(row)
    # People with records from two different source records, in a fixed order (reproducible).
    candidates = []
    for entity in sorted(by_entity):
        rows = sorted(by_entity[entity], key=_mention)
        other = next((r for r in rows[1:] if (r["source"], r["record_id"]) != (rows[0]["source"], rows[0]["record_id"])), None)  # fmt: skip
        if other is not None:
            candidates.append((entity, rows[0], other))
    if len(candidates) < count:
        raise ValueError(f"the district has {len(candidates)} people with two records; {count} asked")
    run_id = new_run_id(datetime.now(UTC))
    state.save_run(
        run_id, datetime.now(UTC), "succeeded", {"kind": "review-items", "count": count}, datetime.now(UTC)
    )
    filed: list[tuple[str, str, str, str, str]] = []
    for entity, keep, move in candidates:
        if len(filed) == count:
            break
        left_mention, right_mention = _mention(keep), _mention(move)
        outcome = judge(store, state, left_mention, right_mention, Verdict.DIFFERENT, SETUP_STEWARD)
        state.revoke_judgement(outcome.judgement.id, SETUP_STEWARD)
        [moved] = state.mentions_matching(
            source=move["source"], record_id=move["record_id"], role=move["role"]
        )
        right = str(moved["entity_id"])
        if right == entity:
            continue  # could not be split (the run report says why): take the next person
        subject = f"merge:{entity}:{right}"
        payload = {
            "entity_type": PERSON, "left": entity, "right": right, "probability": 0.5,
            "mentions": [SEP.join((r["source"], r["record_id"], r["role"])) for r in (keep, move)],
            "reason": "generated: a merged person's record split off for practice",
        }  # fmt: skip
        state.open_review_items("merge", run_id, {subject: payload})
        filed.append((subject, entity, right, left_mention, right_mention))
    items = {item["subject"]: int(item["id"]) for item in state.review_queue("merge", 2**62)}
    return [FiledPair(items[subject], *rest) for subject, *rest in filed]
