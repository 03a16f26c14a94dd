"""The review queue in order of what an answer would teach the model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hub.review.ordering import ranked_queue, review_order
from hub.state import StateStore

FIELDS = ["name", "phone"]


def merge(item_id: int, p: float, pattern: list[int] | None = None, sharing: int = 1) -> dict[str, Any]:
    payload: dict[str, Any] = {"entity_type": "Person", "probability": p, "mentions": ["a", "b"]}
    if pattern is not None:
        payload |= {"fields": FIELDS, "pattern": pattern, "pattern_pairs": sharing}
    return {"id": item_id, "kind": "merge", "payload": payload}


def test_uncertain_pairs_of_common_patterns_come_first() -> None:
    items = [
        merge(1, 0.98, [2, 1], 1000),  # common but nearly sure: 0.04 × 1000 = 40
        merge(2, 0.5, [1, 0], 10),  # a coin toss of a rare pattern: 10
        merge(3, 0.6, [2, 0], 500),  # 0.8 × 500 = 400
        {"id": 4, "kind": "address", "payload": {}},
        merge(5, 0.5),  # filed before patterns were recorded: uncertainty only
    ]
    ranked = review_order(items, "informative")
    assert [r.item["id"] for r in ranked] == [3, 1, 2, 5, 4]
    assert ranked[0].pattern == "name:2 phone:0"
    assert ranked[-1].score is None
    assert ranked[-2].pattern == ""
    # The default order keeps the queue as filed, with the scores shown.
    oldest = review_order(items, "oldest")
    assert [r.item["id"] for r in oldest] == [1, 2, 3, 4, 5]
    assert oldest[2].score == ranked[0].score


def test_a_pattern_asked_about_before_is_worth_less() -> None:
    items = [merge(1, 0.5, [2, 0], 100), merge(2, 0.5, [2, 0], 100), merge(3, 0.5, [1, 1], 60)]
    ranked = review_order(items, "informative")
    # The second item of the pattern counts half: the other pattern comes between them.
    assert [r.item["id"] for r in ranked] == [1, 3, 2]
    assert ranked[2].score == 50
    # Two answers already given about [2, 0]: its next question counts a third.
    answered = [merge(10, 0.5, [2, 0], 100), merge(11, 0.5, [2, 0], 100)]
    ranked = review_order(items, "informative", answered)
    assert [r.item["id"] for r in ranked] == [3, 1, 2]
    assert round(ranked[1].score or 0, 6) == round(100 / 3, 6)


def test_priority_puts_uncertain_items_about_people_with_open_work_first(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        state.open_review_items(
            "merge", "run-1",
            {"merge:P-1:P-2": {"entity_type": "Person", "left": "P-1", "right": "P-2", "probability": 0.5,
                               "mentions": ["population:R1:self", "housing:H1:tenant"]},
             "merge:P-3:P-4": {"entity_type": "Person", "left": "P-3", "right": "P-4", "probability": 0.5,
                               "mentions": ["population:R3:self", "newborns:N3:mother"]},
             "merge:L-1:L-2": {"entity_type": "LegalEntity", "left": "L-1", "right": "L-2", "probability": 0.9,
                               "mentions": ["business_registry:B1:self", "licenses:C1:holder"]}},
        )  # fmt: skip
        ids = {i["subject"]: i["id"] for i in state.review_queue("merge", 10)}
        # Two open tasks about P-4 (one as its subject, one about it) and a finished one about P-1.
        state.add_tasks(
            [_task(1, subject_id="P-4"), _task(2, subject_label="Address", subject_id="A-9", about_label="Person", about_id="P-4"),
             _task(3, subject_id="P-1", status="done")], [],
        )  # fmt: skip
        ranked = ranked_queue(state, None, 10, "priority")
        assert [r.item["subject"] for r in ranked] == ["merge:P-3:P-4", "merge:P-1:P-2", "merge:L-1:L-2"]
        assert [round(r.score or 0, 6) for r in ranked] == [3.0, 1.0, 0.2]  # uncertainty × (1 + open tasks)
        # Narrowed by type and by the source of a record the item names (the order kept).
        by_type = ranked_queue(state, None, 10, "oldest", entity_type="legalentity")
        assert [r.item["id"] for r in by_type] == [ids["merge:L-1:L-2"]]
        by_source = ranked_queue(state, "merge", 10, "priority", source="housing")
        assert [r.item["subject"] for r in by_source] == ["merge:P-1:P-2"]
        assert ranked_queue(state, None, 10, "oldest", source="nowhere") == []


def _task(n: int, **values: Any) -> dict[str, Any]:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    row = {
        "id": f"T-{n}", "fact_key": f"rule/{n}/-", "origin": "rule", "item": "YL-001", "level": "一般",
        "catalog_version": "1/1/x", "subject_label": "Person", "subject_id": f"P-{n}", "period": "-",
        "status": "assigned", "assignee_label": "GridWorker", "assignee_id": "GW-1", "assignee_code": "W1",
        "grid_id": "G-1", "grid_code": "G001", "opened_on": date(2026, 11, 2), "due_date": date(2026, 11, 9),
        "overdue": False, "detail": {}, "projected": False, "created_at": now, "updated_at": now,
        "about_label": None, "about_id": None,  # one batch insert: every row names the same columns
    }  # fmt: skip
    return {**row, **values}
