"""A steward chooses the golden value of a conflicted attribute: written at once, kept on every
later pass, revocable (issue 16)."""

from __future__ import annotations

import pytest

from hub.jobs import run_job
from hub.settings import Settings
from hub.state import StateStore
from hub.state.pins import PinError
from hub.store import open_store
from hub.sync import resolve_pass

pytestmark = pytest.mark.integration


def test_a_chosen_value_is_written_kept_and_revocable(synced: Settings) -> None:
    settings = synced
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        [item] = state.review_queue("conflict", 1)
        payload = item["payload"]
        entity, prop = payload["entity_id"], payload["property"]
        node = store.get_node(payload["entity_type"], entity)
        assert node is not None
        before = node.properties.get(prop)
        # The value the survivorship rules did not pick: the steward says it is the right one.
        other = next(v for v in payload["values"] if str(v) != str(before))

        chosen = run_job(
            "review-choose",
            store,
            state,
            settings,
            {"item": item["id"], "value": other, "steward": "王科员", "reason": "户籍底册"},
        )
        assert "one of the sources' values" in chosen.result["summary"]
        after = store.get_node(payload["entity_type"], entity)
        assert after is not None
        assert str(after.properties[prop]) == str(other)
        assert item["id"] not in {i["id"] for i in state.review_queue("conflict", 10_000)}

        # A full pass recomputes every golden value from the sources: the choice holds.
        resolve_pass(store, state, settings, full=True)
        kept = store.get_node(payload["entity_type"], state.resolve_alias(entity))
        assert kept is not None
        assert str(kept.properties[prop]) == str(other)

        undone = run_job(
            "review-unpin", store, state, settings, {"pin": chosen.result["pin"]["id"], "steward": "李科长"}
        )
        assert "follows the sources again" in undone.result["summary"]
        back = store.get_node(payload["entity_type"], state.resolve_alias(entity))
        assert back is not None
        assert str(back.properties[prop]) == str(before)
        assert item["id"] in {i["id"] for i in state.review_queue("conflict", 10_000)}  # open again
        with pytest.raises(PinError, match="no review item 999999"):
            run_job(
                "review-choose", store, state, settings, {"item": 999999, "value": "x", "steward": "王科员"}
            )


def test_a_typed_value_must_fit_the_property() -> None:
    from graph_schema import default_schema
    from hub.review.choosing import typed_value

    person = default_schema().node("Person")
    assert str(typed_value(person, "birth_date", " 1990-02-28 ")) == "1990-02-28"
    with pytest.raises(PinError, match=r"Person.birth_date is a date: '1990-02-30' is not one"):
        typed_value(person, "birth_date", "1990-02-30")
    with pytest.raises(PinError, match="Person has no property 'shoe_size'"):
        typed_value(person, "shoe_size", "42")


def test_a_value_is_chosen_over_graphql_with_the_steward_scope(synced: Settings) -> None:
    from fastapi.testclient import TestClient

    from hub.api.app import create_app
    from tests.hub.api.conftest import api_key_headers

    settings = synced
    steward = api_key_headers(settings, {"read", "pii", "steward"}, name="王科员")
    clerk = api_key_headers(settings, {"read", "pii"}, name="clerk")
    query = "mutation($item: Int!, $value: String!) { chooseValue(item: $item, value: $value) { pinId property value entityId } }"
    with StateStore(settings.state_database_url) as state:
        [item] = state.review_queue("conflict", 1)
    value = str(item["payload"]["values"][0])
    with open_store(settings) as store, TestClient(create_app(store, settings), headers=steward) as client:
        variables = {"item": item["id"], "value": value}
        denied = client.post("/graphql", json={"query": query, "variables": variables}, headers=clerk).json()
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        chosen = client.post("/graphql", json={"query": query, "variables": variables}).json()
        assert chosen["data"]["chooseValue"]["value"] == value
        assert chosen["data"]["chooseValue"]["property"] == item["payload"]["property"]
    with StateStore(settings.state_database_url) as state:
        [pin] = state.pin_history()
    assert "王科员" in pin.steward
