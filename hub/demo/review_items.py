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
_PAGE = 2_000


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


def _two_record_people(
    store: GraphStore, state: StateStore, wanted: int
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(entity, one mention, a mention of another record) for the first people (by id) whose
    mentions come from two source records; read a page of people at a time, so a district of
    any size is looked at only as far as needed."""
    found: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    skip = 0
    while len(found) < wanted:
        page = [node.id for node in store.find(PERSON, None, (), skip, _PAGE, fields=())]
        if not page:
            break
        skip += len(page)
        for entity, rows in sorted(state.mentions_of(page).items()):
            rows = sorted(rows, key=_mention)
            first = (rows[0]["source"], rows[0]["record_id"])
            other = next((r for r in rows[1:] if (r["source"], r["record_id"]) != first), None)
            if other is not None:
                found.append((entity, rows[0], other))
    return found


def file_split_pairs(store: GraphStore, state: StateStore, count: int) -> list[FiledPair]:
    """File ``count`` merge candidates as the module says; raises ValueError when the district
    has fewer people with two records."""
    # A few more than asked: a person whose record cannot be split off is passed over.
    candidates = _two_record_people(store, state, count + count // 4 + 5)
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
    if len(filed) < count:
        raise ValueError(
            f"only {len(filed)} of the {count} people asked could be split (see the run reports)"
        )
    items = {item["subject"]: int(item["id"]) for item in state.review_queue("merge", 2**62)}
    return [FiledPair(items[subject], *rest) for subject, *rest in filed]
