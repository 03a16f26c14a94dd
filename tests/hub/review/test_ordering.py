"""The review queue in order of what an answer would teach the model."""

from __future__ import annotations

from typing import Any

from hub.review.ordering import review_order

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
