"""A steward splits a cluster: named mentions move out of an entity, as 'different' judgements
that every later pass obeys; the outcome names what moved; over the CLI's job, REST and GraphQL
(issue 16)."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.jobs import run_job
from hub.settings import Settings
from hub.state import JudgementError, StateStore
from hub.store import open_store
from hub.sync import resolve_pass
from tests.hub.api.conftest import api_key_headers

pytestmark = pytest.mark.integration


def _person_with_mentions(state: StateStore, at_least: int) -> tuple[str, list[str]]:
    """A person the hub put together from ``at_least`` mentions: (entity, its mentions as
    source:record_id:role)."""
    rows = state.mentions_matching(entity_type="Person")
    counts = Counter(str(r["entity_id"]) for r in rows)
    entity = next(e for e, n in sorted(counts.items()) if n >= at_least)
    mentions = [f"{r['source']}:{r['record_id']}:{r['role']}" for r in rows if r["entity_id"] == entity]
    return entity, mentions


def _entity_of(state: StateStore, mention: str) -> str:
    source, record_id, role = mention.split(":")
    [row] = state.mentions_matching(source=source, record_id=record_id, role=role)
    return str(row["entity_id"])


def test_a_split_moves_the_named_mention_out_and_a_full_pass_keeps_it_out(synced: Settings) -> None:
    with open_store(synced) as store, StateStore(synced.state_database_url) as state:
        entity, mentions = _person_with_mentions(state, 3)
        moved = mentions[-1]
        options = {"entity": entity, "mentions": [moved], "steward": "王科员", "reason": "不是同一人"}
        result = run_job("review-split", store, state, synced, options).result
        assert moved in result["moved"]
        assert _entity_of(state, moved) != _entity_of(state, mentions[0])
        assert result["moved"][moved] == _entity_of(state, moved)
        assert f"{moved} is in {result['moved'][moved]}" in result["summary"]
        [judgement] = result["judgements"]
        [listed] = [j for j in state.judgement_history("Person") if j.id == judgement]
        assert (listed.verdict.value, listed.steward) == ("different", "王科员")  # listed, revocable
        # The graph has the moved mention's own person, and a full pass keeps it apart.
        assert store.get_node("Person", result["moved"][moved]) is not None
        resolve_pass(store, state, synced, full=True)
        assert state.resolve_alias(_entity_of(state, moved)) != state.resolve_alias(
            _entity_of(state, mentions[0])
        )

        with pytest.raises(JudgementError, match="at least one stays"):
            run_job("review-split", store, state, synced,
                    {"entity": _entity_of(state, mentions[0]),
                     "mentions": [m for m in mentions if _entity_of(state, m) == _entity_of(state, mentions[0])],
                     "steward": "王"})  # fmt: skip
        with pytest.raises(JudgementError, match="is not a mention of Person"):
            run_job("review-split", store, state, synced,
                    {"entity": _entity_of(state, mentions[0]), "mentions": ["population:nope:person"], "steward": "王"})  # fmt: skip


def test_a_split_over_rest_and_graphql_needs_the_steward_scope(synced: Settings) -> None:
    steward = api_key_headers(synced, {"read", "pii", "steward"}, name="王科员")
    clerk = api_key_headers(synced, {"read", "pii"}, name="clerk")
    with open_store(synced) as store, TestClient(create_app(store, synced), headers=steward) as http:
        with StateStore(synced.state_database_url) as state:
            entity, mentions = _person_with_mentions(state, 3)
        refused = http.post(
            f"/steward/entities/Person/{entity}/split", json={"mentions": [mentions[-1]]}, headers=clerk
        )
        assert refused.status_code == 403
        split = http.post(f"/steward/entities/Person/{entity}/split", json={"mentions": [mentions[-1]]})
        assert split.status_code == 200, split.text
        assert mentions[-1] in split.json()["moved"]
        query = """mutation($e: String!, $m: [String!]!) {
          splitEntity(entity: $e, mentions: $m, reason: "核实") { entity moved { mention entity } judgements summary }
        }"""
        kept = split.json()["entity"]
        with StateStore(synced.state_database_url) as state:
            rest = [m for m in mentions if _entity_of(state, m) == kept]
        body = http.post("/graphql", json={"query": query, "variables": {"e": kept, "m": [rest[-1]]}}).json()
        assert "errors" not in body, body
        moved = {m["mention"]: m["entity"] for m in body["data"]["splitEntity"]["moved"]}
        assert rest[-1] in moved
        assert moved[rest[-1]] != body["data"]["splitEntity"]["entity"]
