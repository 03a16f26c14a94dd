"""Decisions that stick (issue 16): a judgement about an open item's pair answers it, a
contradicting or repeated judgement is refused unless confirmed, and queue filters forgive case
but refuse unknown kinds."""

from __future__ import annotations

import pytest

from hub.errors import HubError
from hub.review import judge
from hub.review.ordering import ranked_queue
from hub.settings import Settings
from hub.state import JudgementError, StateStore, Verdict
from hub.store import open_store


@pytest.mark.integration
def test_judging_an_open_items_pair_answers_it_and_contradictions_need_confirming(synced: Settings) -> None:
    settings = synced
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        [item] = state.review_queue("merge", 1)
        left, right = item["payload"]["left"], item["payload"]["right"]
        outcome = judge(store, state, left, right, Verdict.DIFFERENT, "王科员", "two mothers")
        assert outcome.judgement.review_item == item["id"]
        assert item["id"] not in {i["id"] for i in state.review_queue("merge", 10_000)}

        with pytest.raises(JudgementError, match=r"contradicts judgement \d+: 'different' by 王科员"):
            judge(store, state, left, right, Verdict.SAME, "李科长")
        with pytest.raises(JudgementError, match="repeats judgement"):
            judge(store, state, right, left, Verdict.DIFFERENT, "李科长")
        before = len(state.judgement_history())
        overruled = judge(store, state, left, right, Verdict.UNSURE, "李科长", confirm=True)
        assert len(state.judgement_history()) == before + 1
        active = {j.id for j in state.active_judgements("Person")}
        assert overruled.judgement.id in active  # the latest judgement about the pair counts
        assert outcome.judgement.id not in active


@pytest.mark.integration
def test_queue_filters_forgive_case_and_refuse_unknown_kinds(synced: Settings) -> None:
    with StateStore(synced.state_database_url) as state:
        merges = ranked_queue(state, "merge", 50, "oldest")
        assert merges
        assert [r.item["id"] for r in ranked_queue(state, " MERGE ", 50, "oldest")] == [
            r.item["id"] for r in merges
        ]
        with pytest.raises(
            HubError, match="no review item kind 'merges' \\(one of address, conflict, merge, quarantine\\)"
        ):
            ranked_queue(state, "merges", 50, "oldest")


@pytest.mark.integration
def test_every_item_says_why_it_is_in_review(synced: Settings) -> None:
    with StateStore(synced.state_database_url) as state:
        items = state.review_queue(None, 10_000)
    by_kind = {item["kind"] for item in items}
    assert "merge" in by_kind
    for item in items:
        payload = item["payload"]
        reason = payload.get("why") or payload.get("reason")
        assert reason, item
        if item["kind"] == "merge":
            assert payload["why"].startswith(f"p = {payload['probability']:.3f}: ")
