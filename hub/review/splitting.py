"""A steward splits a cluster: some of an entity's mentions are moved out of it.

The steward names the entity and the mentions (``source:record_id:role``) that are not that
entity. Each is judged "different" from the entity's anchor — its most trusted mention the
steward kept — so the split is made of judgements (hub/review/judging.py): append-only,
revocable, a cannot-link every later pass obeys. Each judgement splits the entity at once: its
mentions are re-clustered with the cannot-link (the larger part keeps the id). The clustering
decides what goes with a moved mention: a record the model holds to be the same person as it
moves along, and the outcome names every mention that moved, asked for or not, so the steward
sees it (and splits again, or revokes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hub.resolution.explain import mention_id, mentions_of
from hub.review.judging import Outcome, judge
from hub.state import JudgementError, StateStore, Verdict
from hub.state.mentions import SEP, mention_key
from hub.store import GraphStore


@dataclass(frozen=True)
class Split:
    entity: str  # the entity split (its id after: the anchor's)
    outcomes: list[Outcome]  # one judgement per mention moved
    moved: dict[
        str, str
    ]  # mention (source:record_id:role) → the entity it is in now, for every mention no longer with the anchor
    summary: str


def split_entity(
    store: GraphStore,
    state: StateStore,
    entity: str,
    mentions: Sequence[str],
    steward: str,
    reason: str | None = None,
    cache_dir: Path | None = None,
    confirm: bool = False,
) -> Split:
    """Move ``mentions`` out of ``entity`` (see the module's docstring)."""
    entity_id = state.resolve_alias(entity.strip())
    entity_type, rows = mentions_of(state, entity_id)
    if str(rows[0]["entity_id"]) != entity_id:
        raise JudgementError(f"{entity!r} is a mention, not an entity: name the entity to split")
    own = {mention_id(row): row for row in rows}
    wanted = list(dict.fromkeys(_key(m) for m in mentions if m.strip()))
    if not wanted:
        raise JudgementError("name the mentions (source:record_id:role) to move out of the entity")
    foreign = [m for m in wanted if m not in own]
    if foreign:
        raise JudgementError(
            f"{', '.join(map(_shown, foreign))} {'is' if len(foreign) == 1 else 'are'} not a mention of "
            f"{entity_type} {entity_id} (its mentions: {', '.join(sorted(map(_shown, own)))})"
        )
    kept = [row for m, row in own.items() if m not in wanted]
    if not kept:
        raise JudgementError(f"every mention of {entity_id} was named: at least one stays with the entity")
    anchor = mention_id(min(kept, key=lambda row: (-int(row["trust"]), mention_id(row))))
    outcomes = []
    for mention in wanted:
        if _entity_of(state, mention) != _entity_of(state, anchor):
            continue  # an earlier split of this request took it along already
        outcomes.append(
            judge(store, state, mention, anchor, Verdict.DIFFERENT, steward, reason, cache_dir=cache_dir,
                  confirm=confirm)
        )  # fmt: skip
    stays = _entity_of(state, anchor)
    moved = {_shown(m): now for m in own if (now := _entity_of(state, m)) != stays}
    along = sorted(set(moved) - {_shown(m) for m in wanted})
    summary = (
        f"{len(wanted)} mention(s) moved out of {entity_type} {entity_id} ({len(outcomes)} judgement(s)): "
        + "; ".join(f"{m} is in {now}" for m, now in sorted(moved.items()))
        + (f"; moved along with them (the model holds them the same): {', '.join(along)}" if along else "")
    )
    return Split(stays, outcomes, moved, summary)


def _entity_of(state: StateStore, mention: str) -> str:
    _, rows = mentions_of(state, _shown(mention))
    return str(rows[0]["entity_id"])


def _key(token: str) -> str:
    """A mention as the state keys it, from source:record_id:role (a record id may hold colons)."""
    text = token.strip()
    if SEP in text:
        return text
    parts = text.split(":")
    if len(parts) < 3:
        raise JudgementError(f"{text!r} is not a mention (source:record_id:role)")
    return mention_key(parts[0], ":".join(parts[1:-1]), parts[-1])


def _shown(mention: str) -> str:
    return mention.replace(SEP, ":")
