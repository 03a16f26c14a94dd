"""Record a steward's judgement and make it hold at once.

A judgement names two mentions (``source:record_id:role``) or two entities (their most trusted
mention stands for them). "same" merges the two entities now — by re-clustering just their
mentions under the saved model with every judgement, so a "different" recorded earlier still
wins, and the refusal is reported. Identifiers: a "same" about two entities that each hold a
different valid identifier is refused outright; about one mention, it outranks the numbers (the
mention's is taken to be wrong, and it joins the other entity). "different" is a cannot-link
that every later resolution pass obeys; about two mentions of one entity, it splits that entity
now (its mentions re-clustered with the cannot-link; the larger part keeps the id). "unsure" is
kept as a record of the look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.resolution.explain import mention_id, mentions_of
from hub.resolution.passes import resolve_type
from hub.resolution.report import TypeReport
from hub.state import Judgement, JudgementError, StateStore, Verdict
from hub.state.mentions import SEP
from hub.store import GraphStore
from hub.sync.pipeline import new_run_id
from resolvers.linking.feature_columns import derived_key, feature_key
from resolvers.linking.presets import get_spec, resolver_for


@dataclass(frozen=True)
class Outcome:
    judgement: Judgement
    summary: str  # one sentence for the steward: what happened in the graph
    report: TypeReport | None = None


def _representative(state: StateStore, token: str) -> tuple[str, str, str]:
    """(entity type, mention id, current entity id) for a mention or entity token."""
    entity_type, rows = mentions_of(state, token.replace(SEP, ":"))
    best = min(rows, key=lambda row: (-int(row["trust"]), mention_id(row)))
    return entity_type, mention_id(best), str(best["entity_id"])


def judge(
    store: GraphStore,
    state: StateStore,
    a: str,
    b: str,
    verdict: Verdict,
    steward: str,
    reason: str | None = None,
    review_item: int | None = None,
    cache_dir: Path | None = None,
    confirm: bool = False,
) -> Outcome:
    """Record the judgement and make it hold (see the module's docstring). One that contradicts
    or repeats the standing judgement about the pair is refused, the earlier one named, unless
    ``confirm``: a steward overruling a colleague does it knowingly."""
    type_a, mention_a, entity_a = _representative(state, a)
    type_b, mention_b, entity_b = _representative(state, b)
    if type_a != type_b:
        raise JudgementError(f"{a} is a {type_a} and {b} a {type_b}: only one type's mentions can be judged")
    standing = _standing(state, type_a, (mention_a, mention_b), (entity_a, entity_b))
    if (
        standing is not None
        and standing.verdict is not verdict
        and standing.pair == _pair(mention_a, mention_b)
        and not _names_the_pair_of(standing, _named(state, a, mention_a), _named(state, b, mention_b))
    ):
        # The steward named other things than the standing judgement did (an entity merged since
        # into one it named, say) and the representatives happen to be its very mentions: the new
        # judgement goes between two that no standing judgement pairs, so that it stands beside it
        # (as it does when the representatives differ) and never supersedes one the steward did
        # not name. Naming the same two entities or mentions again supersedes it.
        mention_a, mention_b = _unpaired(state, a, b, standing.pair) or (mention_a, mention_b)
    if standing is not None and not confirm:
        what = "repeats" if standing.verdict is verdict else "contradicts"
        raise JudgementError(
            f"this {what} judgement {standing.id}: {standing.verdict.value!r} by {standing.steward} at "
            f"{standing.created_at:%Y-%m-%d %H:%M}"
            + (f" ({standing.reason})" if standing.reason else "")
            + "; confirm to record it all the same"
        )
    if verdict is Verdict.SAME and entity_a != entity_b and _is_entity(state, a) and _is_entity(state, b):
        _refuse_two_identifiers(state, type_a, entity_a, entity_b)
    if review_item is None:
        # Judging the pair of an open merge candidate answers it: it leaves the queue.
        review_item = _open_item_about(state, entity_a, entity_b)
    judgement = state.record_judgement(
        type_a, (mention_a, mention_b), (entity_a, entity_b), verdict, steward, reason, review_item
    )
    split = verdict is Verdict.DIFFERENT and entity_a == entity_b
    if verdict is not Verdict.SAME and not split:
        kept = "kept apart from now on" if verdict is Verdict.DIFFERENT else "left as they are"
        return Outcome(judgement, f"judgement {judgement.id} recorded; {entity_a} and {entity_b} are {kept}")
    if verdict is Verdict.SAME and entity_a == entity_b:
        return Outcome(judgement, f"judgement {judgement.id} recorded; both are already entity {entity_a}")
    node = store.schema.node(type_a)
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    report = resolve_type(store, state, node, run_id, entities={entity_a, entity_b}, cache_dir=cache_dir)
    state.save_run(
        run_id, started, "succeeded",
        {"kind": "judgement", "judgement": judgement.id, "resolution": [vars(report)]}, datetime.now(UTC),
    )  # fmt: skip
    if split:
        now_a, now_b = (_entity_of(state, m) for m in (mention_a, mention_b))
        if now_a == now_b:
            summary = (
                f"judgement {judgement.id} recorded, but {entity_a} could not be split (see the run report)"
            )
        else:
            summary = (
                f"judgement {judgement.id} recorded; {entity_a} was split: {a} is in {now_a}, {b} in {now_b}"
            )
        return Outcome(judgement, summary, report)
    survivor = state.resolve_alias(entity_a)
    if survivor == state.resolve_alias(entity_b):
        summary = f"judgement {judgement.id} recorded; {entity_a} and {entity_b} are now entity {survivor}"
    else:
        summary = (
            f"judgement {judgement.id} recorded, but {entity_a} and {entity_b} were not merged: an earlier "
            "'different' judgement or two valid identifiers keep them apart (see `gridhub judgements list`)"
        )
    return Outcome(judgement, summary, report)


def _pair(x: str, y: str) -> tuple[str, str]:
    first, second = sorted((x, y))
    return first, second


def _named(state: StateStore, token: str, mention: str) -> str:
    """What a token names: an entity id as given (before merges), else the mention."""
    return token if _is_entity(state, token) else mention


def _names_the_pair_of(judgement: Judgement, x: str, y: str) -> bool:
    """Whether ``x`` and ``y`` name the two sides of ``judgement`` (a side by its mention or the
    entity it was in when judged)."""
    left = {judgement.left_mention, judgement.left_entity}
    right = {judgement.right_mention, judgement.right_entity}
    return (x in left and y in right) or (x in right and y in left)


def _unpaired(state: StateStore, a: str, b: str, taken: tuple[str, str]) -> tuple[str, str] | None:
    """The best-ranked pair of mentions of ``a`` and ``b`` other than ``taken`` (a mention token
    stands for itself alone, an entity for each of its mentions), or None."""
    options = []
    for token in (a, b):
        _, rows = mentions_of(state, token.replace(SEP, ":"))
        ranked = [mention_id(r) for r in sorted(rows, key=lambda r: (-int(r["trust"]), mention_id(r)))]
        options.append(ranked if _is_entity(state, token) else ranked[:1])
    return next((
        (x, y) for x in options[0] for y in options[1] if x != y and _pair(x, y) != taken
    ), None)  # fmt: skip


def _is_entity(state: StateStore, token: str) -> bool:
    """The token names an entity (not one mention of it)."""
    return bool(state.mentions_matching(entity_id=state.resolve_alias(token)))


def _valid_identifiers(state: StateStore, entity_type: str, entity: str) -> set[str]:
    """The valid values of the type's exclusive identifier among the entity's mentions."""
    resolver = resolver_for(entity_type)
    spec = None if resolver is None else get_spec(resolver)
    key = None if spec is None else next((k for k in spec.keys if k.exclusive), None)
    if spec is None or key is None:
        return set()
    derived = {d.name for d in spec.derived}

    def stored(column: str) -> str:  # a derived column (the validity) is kept under its own key
        return derived_key(column) if column in derived else feature_key(column)

    found = set()
    for row in state.mentions_matching(entity_id=entity):
        features = row["features"]
        value = features.get(stored(key.field))
        valid = True if key.valid_column is None else features.get(stored(key.valid_column))
        if value and valid:
            found.add(str(value))
    return found


def _refuse_two_identifiers(state: StateStore, entity_type: str, entity_a: str, entity_b: str) -> None:
    """Precedence: a "same" about two *entities* that each hold a different valid identifier is
    refused (two valid numbers are two people, and merging the entities would leave one of them
    wrong). The steward judges instead the one *mention* whose number is wrong: that mention,
    said to be the same as the other entity's, is taken to carry a wrong number and joins it."""
    held_a = _valid_identifiers(state, entity_type, entity_a)
    held_b = _valid_identifiers(state, entity_type, entity_b)
    if held_a and held_b and not held_a & held_b:
        raise JudgementError(
            f"{entity_a} and {entity_b} each hold a different valid identifier: two valid numbers are "
            "two entities. If one record's number is wrong, judge that mention (source:record_id:role) "
            "the same as the other entity, or correct it at its source"
        )


def _standing(
    state: StateStore, entity_type: str, mentions: tuple[str, str], entities: tuple[str, str]
) -> Judgement | None:
    """The active judgement about these two mentions, or about the entities they are now in."""
    pair = tuple(sorted(mentions))
    now = {state.resolve_alias(e) for e in entities}
    for j in state.active_judgements(entity_type):
        if j.pair == pair:
            return j
        if len(now) == 2 and {state.resolve_alias(j.left_entity), state.resolve_alias(j.right_entity)} == now:
            return j
    return None


def _open_item_about(state: StateStore, entity_a: str, entity_b: str) -> int | None:
    """The open merge candidate filed about these two entities, if any."""
    wanted = {state.resolve_alias(entity_a), state.resolve_alias(entity_b)}
    if len(wanted) != 2:
        return None
    for item in state.review_queue("merge", 2**62):
        payload = item["payload"]
        ends = {state.resolve_alias(str(payload.get("left"))), state.resolve_alias(str(payload.get("right")))}
        if ends == wanted:
            return int(item["id"])
    return None


def _entity_of(state: StateStore, mention: str) -> str:
    source, record_id, role = mention.split(SEP)
    rows = state.mentions_matching(source=source, record_id=record_id, role=role)
    return str(rows[0]["entity_id"]) if rows else ""


def decide_item(
    store: GraphStore,
    state: StateStore,
    item_id: int,
    verdict: Verdict,
    steward: str,
    reason: str | None = None,
    cache_dir: Path | None = None,
    confirm: bool = False,
) -> Outcome:
    """Answer a merge candidate from the review queue; the item leaves the queue."""
    item = state.review_item(item_id)
    if item is None:
        raise JudgementError(f"no review item {item_id}")
    if item["kind"] != "merge":
        raise JudgementError(
            f"review item {item_id} is a {item['kind']} item; only merge candidates take a judgement so far"
        )
    answered = state.item_answer(item_id)
    if answered is not None:
        # Two stewards answering one item at once must not both act: the second is told, and
        # changes an answer only by revoking it first (which is kept in the history).
        raise JudgementError(
            f"review item {item_id} was answered {answered.verdict.value!r} by {answered.steward} "
            f"(judgement {answered.id}); revoke that judgement to answer it again"
        )
    payload: dict[str, Any] = item["payload"]
    left, right = payload["mentions"]
    return judge(
        store, state, left, right, verdict, steward, reason, review_item=item_id, cache_dir=cache_dir,
        confirm=confirm,
    )  # fmt: skip
