"""A conflict about a personal property (two identity numbers) is answered with the pii scope
only: a steward without it sees the values masked, cannot tell which it chooses, and must not be
shown the number it replaces; a masked text (4403**********3149) is never kept as the value,
whoever sends it. The same over GraphQL (chooseValue) and REST (POST /steward/review/{item}/value)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.api.masking import mask_pii
from hub.demo.generator import generate_district
from hub.demo.run import SOURCES_DIR, demo_sources
from hub.review.choosing import masked_result
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, open_store
from hub.sync import sync_sources
from tests.hub.api.conftest import api_key_headers

CHOOSE = """mutation($item: Int!, $value: String!) {
  chooseValue(item: $item, value: $value) { summary pinId property value previous }
}"""


@dataclass
class Conflict:
    item: int
    entity: str
    golden: str  # the person's identity number now
    other: str  # the other number the sources gave


@dataclass
class Setting:
    client: TestClient
    settings: Settings
    store: GraphStore  # the app's
    steward: dict[str, str]  # the steward scope without pii
    holder: dict[str, str]  # steward and pii


def _file_conflict(setting: Setting, n: int) -> Conflict:
    """An identity-number conflict on the ``n``-th person with one, as resolution files it."""
    store = setting.store
    with StateStore(setting.settings.state_database_url) as state:
        [any_item] = state.review_queue(None, 1)
        ids = sorted(set(state.mention_columns("Person", []).entity_ids))
        nodes = store.get_nodes("Person", ids)
        persons = [p for p in nodes.values() if p.properties.get("identity_number")]
        person = sorted(persons, key=lambda p: p.id)[n]
        golden = str(person.properties["identity_number"])
        other = golden[:6] + ("1" if golden[6] != "1" else "2") + golden[7:]
        subject = f"conflict:{person.id}:identity_number"
        payload = {
            "entity_type": "Person",
            "entity_id": person.id,
            "property": "identity_number",
            "values": [golden, other],
        }
        state.open_review_items("conflict", str(any_item["run_id"]), {subject: payload})
        [item] = [i for i in state.review_queue("conflict", 10_000) if i["subject"] == subject]
    return Conflict(int(item["id"]), person.id, golden, other)


def _golden(setting: Setting, entity: str) -> str:
    node = setting.store.get_node("Person", entity)
    assert node is not None
    return str(node.properties["identity_number"])


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    root = tmp_path_factory.mktemp("choose-masked")
    generate_district(root / "demo", persons=400, seed=3)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=256, sources_config_dir=SOURCES_DIR)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    steward = api_key_headers(settings, {"read", "steward"}, name="no-pii")
    holder = api_key_headers(settings, {"read", "pii", "steward"}, name="holder")
    with open_store(settings) as store, TestClient(create_app(store, settings)) as client:
        yield Setting(client, settings, store, steward, holder)


def _graphql(setting: Setting, headers: dict[str, str], item: int, value: str) -> dict[str, Any]:
    response = setting.client.post(
        "/graphql", json={"query": CHOOSE, "variables": {"item": item, "value": value}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.integration
def test_without_pii_an_identity_number_is_not_chosen_nor_shown(setting: Setting) -> None:
    conflict = _file_conflict(setting, 0)
    masked = mask_pii(conflict.other)
    # The values as the steward sees them (masked), and the real one it might have guessed.
    for value in (masked, conflict.other):
        body = _graphql(setting, setting.steward, conflict.item, value)
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert (
            "choosing a value of Person.identity_number (公民身份号码) needs the pii scope"
            in error["message"]
        )
        refused = setting.client.post(
            f"/steward/review/{conflict.item}/value", json={"value": value}, headers=setting.steward
        )
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        for text in (str(body), refused.text):
            assert conflict.golden not in text
            assert conflict.other not in text
    assert _golden(setting, conflict.entity) == conflict.golden  # nothing was written
    # Still open: a steward with the pii scope answers it.
    queue = setting.client.get(
        "/steward/review", params={"kind": "conflict", "limit": 500}, headers=setting.holder
    )
    assert conflict.item in {i["id"] for i in queue.json()}


@pytest.mark.integration
def test_a_masked_text_is_never_kept_as_an_identity_number(setting: Setting) -> None:
    conflict = _file_conflict(setting, 1)
    masked = mask_pii(conflict.other)
    body = _graphql(setting, setting.holder, conflict.item, masked)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Person.identity_number is personal data" in error["message"]
    refused = setting.client.post(
        f"/steward/review/{conflict.item}/value", json={"value": masked}, headers=setting.holder
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Person.identity_number is personal data" in refused.json()["detail"]
    assert _golden(setting, conflict.entity) == conflict.golden

    # The whole number, with the pii scope: chosen, and the steward sees what it replaced.
    chosen = _graphql(setting, setting.holder, conflict.item, conflict.other)
    assert "errors" not in chosen, chosen
    value = chosen["data"]["chooseValue"]
    assert (value["value"], value["previous"]) == (conflict.other, conflict.golden)
    assert f"was {conflict.golden}" in value["summary"]
    assert _golden(setting, conflict.entity) == conflict.other
    # The entity page shows that pin to a steward without pii masked, as it shows the values.
    page = setting.client.get(f"/steward/entities/Person/{conflict.entity}", headers=setting.steward)
    assert page.status_code == 200, page.text
    [pin] = [p for p in page.json()["decisions"]["pins"] if p["property"] == "identity_number"]
    assert (pin["value"], pin["previous"]) == (mask_pii(conflict.other), mask_pii(conflict.golden))
    assert conflict.golden not in page.text


@pytest.mark.integration
def test_without_pii_a_value_of_another_property_is_still_chosen(setting: Setting) -> None:
    with StateStore(setting.settings.state_database_url) as state:
        [item] = [i for i in state.review_queue("conflict", 500) if i["payload"]["property"] == "birth_date"][
            :1
        ]
    value = str(item["payload"]["values"][0])
    chosen = setting.client.post(
        f"/steward/review/{item['id']}/value", json={"value": value}, headers=setting.steward
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["pin"]["value"] == value  # a birth date is not masked


def test_a_choice_is_shown_masked_to_a_caller_without_pii() -> None:
    result = {
        "summary": "value 7 chosen: P-1.identity_number = 440306198111183149 (typed by the steward "
        "(no source gave it)), was 440306198111183140",
        "pin": {"id": 7, "entity_type": "Person", "entity_id": "P-1", "property": "identity_number",
                "value": "440306198111183149", "previous": "440306198111183140", "steward": "s", "review_item": 14},
    }  # fmt: skip
    shown = masked_result(result, mask_pii)
    assert shown["pin"]["value"] == "4403**********3149"
    assert shown["pin"]["previous"] == "4403**********3140"
    assert shown["summary"] == (
        "value 7 chosen: P-1.identity_number = 4403**********3149 (typed by the steward "
        "(no source gave it)), was 4403**********3140"
    )
    assert result["pin"]["previous"] == "440306198111183140"  # what was kept is unchanged
    no_previous = masked_result({**result, "pin": {**result["pin"], "previous": None}}, mask_pii)
    assert no_previous["pin"]["previous"] is None
