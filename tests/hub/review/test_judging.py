"""Steward judgements hold: "same" merges at once, "different" keeps entities apart on every later
pass (incremental or full), revoking brings the earlier state of affairs back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.resolution import passes
from hub.resolution.passes import resolve_type
from hub.review import decide_item, judge
from hub.review.ordering import ranked_queue, review_order
from hub.settings import Settings
from hub.state import JudgementError, StateStore, Verdict
from hub.store import GraphStore, open_store
from hub.sync import sync_sources

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GraphStore, StateStore]]:
    root = tmp_path_factory.mktemp("judging")
    generate_district(root / "demo", persons=600, seed=11)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
        yield store, state


def _mention(state: StateStore, entity: str) -> str:
    """The token of an entity's one mention: a "same" about a mention outranks identifiers (the
    mention's number is taken to be the wrong one), where one about two entities holding
    different valid numbers is refused."""
    [row] = state.mentions_matching(entity_id=entity)
    return f"{row['source']}:{row['record_id']}:{row['role']}"


def _three_people(state: StateStore) -> list[str]:
    """Three distinct Person entities with one mention each (never merged by the resolver)."""
    counts: dict[str, int] = {}
    for entity in state.mention_columns("Person", []).entity_ids:
        counts[str(entity)] = counts.get(str(entity), 0) + 1
    singles = sorted(e for e, n in counts.items() if n == 1)
    return singles[:3]


def test_same_merges_different_holds_and_revoking_releases(district: tuple[GraphStore, StateStore]) -> None:
    store, state = district
    a, b, c = _three_people(state)
    kept = judge(store, state, a, b, Verdict.DIFFERENT, "steward-1", "different mothers")
    assert kept.judgement.verdict is Verdict.DIFFERENT
    assert kept.judgement.steward == "steward-1"

    with pytest.raises(JudgementError, match="each hold a different valid identifier"):
        judge(store, state, a, c, Verdict.SAME, "steward-1")
    merged = judge(store, state, _mention(state, a), c, Verdict.SAME, "steward-1")
    survivor = state.resolve_alias(a)
    assert survivor == state.resolve_alias(c)
    assert {a, c} - {survivor} == {next(iter({a, c} - {survivor}))}  # one of them was merged away
    assert store.get_node("Person", survivor) is not None
    assert "now entity" in merged.summary

    # b and c are said to be the same, but c is now one with a, and a is not b: that contradicts
    # the standing judgement about these two entities, which the steward is shown …
    with pytest.raises(JudgementError, match=r"contradicts judgement \d+: 'different' by steward-1"):
        judge(store, state, _mention(state, b), c, Verdict.SAME, "steward-2")
    # … and confirmed, it is recorded, but the merge is refused and reported.
    refused = judge(store, state, _mention(state, b), c, Verdict.SAME, "steward-2", confirm=True)
    assert state.resolve_alias(b) == b != state.resolve_alias(c)
    assert "not merged" in refused.summary

    # A full resolution pass re-clusters everyone from scratch and still obeys both judgements.
    node = store.schema.node("Person")
    original = passes.INCREMENTAL_SHARE
    passes.INCREMENTAL_SHARE = -1.0
    try:
        report = resolve_type(store, state, node, "full-pass-after-judgements")
    finally:
        passes.INCREMENTAL_SHARE = original
    assert report.judgement_conflicts == 1  # the refused "same" of b and c, still refused
    assert state.resolve_alias(a) == state.resolve_alias(c) != state.resolve_alias(b)

    # Revoking the "different" lets the latest "same" (b ~ c) take effect at the next judgement.
    state.revoke_judgement(kept.judgement.id, "steward-3")
    history = {j.id: j for j in state.judgement_history("Person")}
    assert history[kept.judgement.id].revoked_by == "steward-3"  # kept, marked revoked
    judge(store, state, _mention(state, b), c, Verdict.SAME, "steward-2", "same phone and room", confirm=True)
    assert state.resolve_alias(b) == state.resolve_alias(c) == state.resolve_alias(a)


def test_different_within_one_entity_splits_it(district: tuple[GraphStore, StateStore]) -> None:
    store, state = district
    survivor = next(n for o, n in state.aliases().items() if o.startswith("P-"))
    rows = state.mentions_matching(entity_id=survivor)
    assert len(rows) >= 2
    a, b = (f"{r['source']}:{r['record_id']}:{r['role']}" for r in rows[:2])
    outcome = judge(store, state, a, b, Verdict.DIFFERENT, "steward-1", "different birth certificates")
    assert "was split" in outcome.summary
    assert outcome.report is not None
    assert outcome.report.split >= 1

    def entity_of(row: dict[str, object]) -> str:
        (found,) = state.mentions_matching(source=row["source"], record_id=row["record_id"], role=row["role"])
        return str(found["entity_id"])

    first, second = entity_of(rows[0]), entity_of(rows[1])
    assert first != second
    # The graph agrees with the state: each record's provenance points at its mention's entity.
    for row, entity in ((rows[0], first), (rows[1], second)):
        record = f"{row['source']}:{row['record_id']}"
        holders = {
            link.src
            for link in store.iter_relationships("FROM_RECORD")
            if link.dst == record and link.properties["role"] == row["role"]
        }
        assert holders == {entity}
        assert store.get_node("Person", entity) is not None
    # And the split holds on a full pass that re-clusters everyone.
    node = store.schema.node("Person")
    original = passes.INCREMENTAL_SHARE
    passes.INCREMENTAL_SHARE = -1.0
    try:
        resolve_type(store, state, node, "full-pass-after-split")
    finally:
        passes.INCREMENTAL_SHARE = original
    assert entity_of(rows[0]) != entity_of(rows[1])


def test_unsure_is_recorded_and_changes_nothing(district: tuple[GraphStore, StateStore]) -> None:
    store, state = district
    people = _three_people(state)
    x, y = people[-2], people[-1]
    outcome = judge(store, state, x, y, Verdict.UNSURE, "steward-4")
    assert outcome.judgement.verdict is Verdict.UNSURE
    assert state.resolve_alias(x) == x
    assert state.resolve_alias(y) == y
    assert state.links("Person")[0] == list(state.links("Person")[0])  # unsure adds no link
    assert all(outcome.judgement.pair != pair for pair in state.links("Person")[0] + state.links("Person")[1])


def test_deciding_a_merge_candidate_closes_it(district: tuple[GraphStore, StateStore]) -> None:
    store, state = district
    queue = state.review_queue("merge")
    if not queue:
        pytest.fail("the district should leave merge candidates for review")
    item = queue[0]
    outcome = decide_item(store, state, item["id"], Verdict.SAME, "steward-5")
    assert outcome.judgement.review_item == item["id"]
    # The item's mentions are now one entity (its entity ids may be stale: earlier tests in this
    # module merge and split).
    entities = set()
    for mention in item["payload"]["mentions"]:
        source, record_id, role = mention.split("\x1f")
        (row,) = state.mentions_matching(source=source, record_id=record_id, role=role)
        entities.add(row["entity_id"])
    assert len(entities) == 1
    assert item["id"] not in {i["id"] for i in state.review_queue("merge")}
    assert item["id"] in {i["id"] for i in state.review_queue("merge", open_only=False)}


def test_merge_candidates_keep_their_pattern_and_the_queue_ranks_them(
    district: tuple[GraphStore, StateStore],
) -> None:
    _, state = district
    filed = state.review_queue("merge", open_only=False)  # earlier tests answer some
    assert filed
    for item in filed:
        payload = item["payload"]
        assert len(payload["pattern"]) == len(payload["fields"]) > 0
        assert payload["pattern_pairs"] >= 1
    ranked = review_order(filed, "informative")
    scores = [r.score or 0.0 for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(r.pattern for r in ranked)
    open_ids = {i["id"] for i in state.review_queue("merge")}
    assert {r.item["id"] for r in ranked_queue(state, "merge", 10, "informative")} <= open_ids
