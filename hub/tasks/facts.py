"""Running the rules: each rule's rows become facts (hub/tasks/rules.py), one per fact key."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hub.errors import HubError
from hub.review.items import item_entities
from hub.state import StateStore
from hub.store import GraphStore
from hub.tasks.rules import REVIEW_BACKLOG, Fact, RuleDef

log = logging.getLogger(__name__)
REVIEW_ITEM = "ReviewItem"  # the subject label of a review-backlog fact (a state row, not a node)
_KNOWN_COLUMNS = {"subject", "label", "period", "due", "place"}


class RuleError(HubError):
    """A rule's query failed or returned rows without what a fact needs; names the rule."""


def dialect(store: GraphStore) -> str:
    """Which Cypher dialect the store speaks: "ladybug" (embedded) or "neo4j"."""
    return "ladybug" if store.uri.startswith("ladybug:") else "neo4j"


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _note(rule: RuleDef, values: Mapping[str, Any]) -> str | None:
    if rule.note is None:
        return None
    try:
        return rule.note.format_map({k: _text(v) for k, v in values.items() if v is not None})
    except (KeyError, ValueError) as exc:
        raise RuleError(f"rule {rule.name}: its note names {exc} which the query does not return") from None


def graph_facts(rule: RuleDef, store: GraphStore, today: date) -> list[Fact]:
    params = rule.parameters(today)
    try:
        rows = store.read(rule.query(dialect(store)), params)
    except HubError as exc:
        raise RuleError(f"rule {rule.name}: {exc}") from exc
    facts: dict[str, Fact] = {}
    for row in rows:
        if row.get("subject") is None:
            raise RuleError(f"rule {rule.name}: a row has no `subject` column (it has {', '.join(row)})")
        label = row.get("label") or rule.subject
        if label is None:
            raise RuleError(f"rule {rule.name}: no `subject:` label declared and no `label` column")
        due = row.get("due")
        if due is not None and not isinstance(due, date):
            raise RuleError(f"rule {rule.name}: `due` must be a date, not {type(due).__name__}")
        detail = {k: _text(v) for k, v in row.items() if k not in _KNOWN_COLUMNS and v is not None}
        period = _text(row.get("period") if row.get("period") is not None else "-")
        fact = Fact(
            origin=rule.name,
            item=rule.item,
            subject_label=str(label),
            subject_id=str(row["subject"]),
            period=period,
            due=due,
            place=None if row.get("place") is None else str(row["place"]),
            note=_note(rule, {**params, **row, "period": period}),
            detail=detail,
        )
        # Several rows of one fact (a subject at two homes): the first one stands.
        facts.setdefault(fact.key, fact)
    return list(facts.values())


def review_facts(rule: RuleDef, state: StateStore, today: date) -> list[Fact]:
    days = int(rule.params.get("older_than_days", 7))
    kinds = [str(k) for k in rule.params.get("kinds", ())]
    before = datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=UTC)
    facts = []
    for item in state.waiting_review_items(before, kinds):
        # The entity it is about (an address item: the entity its record's mention denotes).
        named = item_entities(state, item)
        about = (named[0], named[1][0]) if named is not None and named[1] else None
        filed = item["created_at"]
        facts.append(
            Fact(
                origin=rule.name,
                item=rule.item,
                subject_label=REVIEW_ITEM,
                subject_id=str(item["id"]),
                about=about,
                note=f"待核事项 {item['id']}（{item['kind']}）自 {filed:%Y-%m-%d} 起未处理",
                detail={"kind": item["kind"], "question": item["subject"], "filed": f"{filed:%Y-%m-%d}"},
            )
        )
    return facts


def evaluate(rule: RuleDef, store: GraphStore, state: StateStore, today: date) -> list[Fact]:
    """The facts ``rule`` finds on ``today`` (one per fact key)."""
    if rule.kind == REVIEW_BACKLOG:
        return review_facts(rule, state, today)
    return graph_facts(rule, store, today)
