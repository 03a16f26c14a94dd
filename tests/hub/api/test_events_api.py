"""POST /events, GET /events/queue and the reportEvent mutation over a generated district (the
embedded store): tasks opened and joined, the dispatchers' queue, 422 naming the field, the
events scope, and every event of a batch accounted for; a key restricted to a street acting on
that street's events only; residents a name fits kept from a caller that cannot read them."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph_schema import default_schema
from hub.api.app import create_app
from hub.api.security.api_keys import ApiKeys
from hub.api.security.principal import EVENTS_SCOPE, READ_SCOPE, TASKS_SCOPE, type_scope
from hub.settings import Settings
from hub.state import StateStore
from hub.store.ladybug_store import LadybugStore
from tests.hub.api.conftest import api_key_headers
from tests.hub.tasks.conftest import CONFIG, Synced
from tests.hub.tasks.conftest import synced as synced  # the module-scoped district fixture


@dataclass
class Hub:
    client: TestClient
    settings: Settings
    raw: list[dict[str, Any]]
    truth: dict[str, dict[str, str]]
    grid_codes: dict[str, str]
    grid_places: dict[str, tuple[str, str]]  # grid id → (community id, street id)
    namesake: str  # a name several residents share
    loner: str  # a name one resident has


# The API serves the embedded store in these tests (a copy per test); the dispatch itself is
# tested on both stores in tests/hub/tasks/test_dispatch.py.
pytestmark = pytest.mark.parametrize("synced", ["ladybug"], indirect=True)


@pytest.fixture
def hub(synced: Synced, tmp_path: Path) -> Iterator[Hub]:
    data = tmp_path / "data"
    data.mkdir()
    for part in synced.root.glob("state.db*"):
        shutil.copy(part, data / part.name)
    shutil.copytree(synced.root / "graph", data / "graph")
    settings = Settings(data_dir=data, tasks_config_dir=CONFIG)
    with (synced.root / "demo" / "events.jsonl").open(encoding="utf-8") as handle:
        raw = [json.loads(line) for line in handle]
    with (synced.root / "demo" / "events_truth.csv").open(encoding="utf-8", newline="") as handle:
        truth = {row["event_id"]: row for row in csv.DictReader(handle)}
    store = LadybugStore(default_schema(), data / "graph" / "g.lbug", buffer_pool_mb=256)
    with store:
        store.apply_schema()
        codes = {
            r["id"]: r["code"] for r in store.read("MATCH (g:Grid) RETURN g.id AS id, g.grid_code AS code")
        }
        places = {
            r["grid"]: (r["community"], r["street"])
            for r in store.read(
                "MATCH (g:Grid)-[:IN_COMMUNITY]->(c:Community)-[:IN_STREET]->(s:Street) "
                "RETURN g.id AS grid, c.id AS community, s.id AS street"
            )
        }
        namesake = store.read(
            "MATCH (p:Person) RETURN p.name AS name, count(*) AS n ORDER BY n DESC, name LIMIT 1"
        )[0]["name"]
        loner = store.read(
            "MATCH (p:Person) WITH p.name AS name, count(*) AS n WHERE n = 1 "
            "RETURN name ORDER BY name LIMIT 1"
        )[0]["name"]
        headers = api_key_headers(settings, {EVENTS_SCOPE, READ_SCOPE}, name="12345 hotline")
        with TestClient(create_app(store, settings), headers=headers) as client:
            yield Hub(client, settings, raw, truth, codes, places, namesake, loner)


def _first(hub: Hub, **want: str) -> dict[str, Any]:
    for event in hub.raw:
        row = hub.truth[event["event_id"]]
        if all((row[k] != "") if v == "*" else row[k] == v for k, v in want.items()):
            return event
    raise AssertionError(f"no generated event with {want}")


def _tasks(settings: Settings) -> list[Any]:
    with StateStore(settings.state_database_url) as state:
        return [t for t in state.find_tasks(limit=10_000) if t.origin.startswith("event:")]


def test_an_event_becomes_a_task_and_a_repeat_joins_it(hub: Hub) -> None:
    event = _first(hub, place_level="building", item_code="*", duplicate_of="")
    response = hub.client.post("/events", json=event)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["joined"] is False
    assert body["assignee"]["id"]
    assert hub.grid_codes[body["grid"]] == hub.truth[event["event_id"]]["grid_code"]
    assert body["item"] == hub.truth[event["event_id"]]["item_code"]

    repeat = {**event, "event_id": event["event_id"] + "-R", "channel": "微信公众号"}
    joined = hub.client.post("/events", json=repeat)
    assert joined.status_code == 200, joined.text
    assert joined.json()["task"] == body["task"]
    assert joined.json()["joined"] is True
    again = hub.client.post("/events", json=event)  # the channel retries
    assert again.status_code == 200
    assert again.json()["again"] is True
    assert again.json()["task"] == body["task"]
    assert [t.id for t in _tasks(hub.settings)] == [body["task"]]


def test_an_unplaceable_event_waits_in_the_queue_with_its_reason(hub: Hub) -> None:
    # Unplaced events of a department's item are dispatched anyway: post until one is queued.
    body: dict[str, Any] = {}
    for event in (e for e in hub.raw if hub.truth[e["event_id"]]["place_level"] == "none"):
        response = hub.client.post("/events", json=event)
        assert response.status_code in (201, 202), response.text
        body = response.json()
        if response.status_code == 202 and "address unresolved" in [r["kind"] for r in body["reasons"]]:
            break
    else:
        raise AssertionError("no unplaced event was queued")
    queue = hub.client.get("/events/queue", params={"limit": 500})
    assert queue.status_code == 200
    entries = {e["id"]: e for e in queue.json()["items"]}
    assert queue.json()["total"] == len(entries)
    entry = entries[body["queued"]]
    assert entry["raw"]["text"] == event["text"]
    assert entry["reasons"] == body["reasons"]
    assert entry["status"] == "waiting"
    # The reporter's phone is masked without the pii scope.
    if event.get("reporter_phone"):
        assert entry["raw"]["reporter_phone"] != event["reporter_phone"]


def test_a_malformed_event_is_refused_naming_the_field(hub: Hub) -> None:
    response = hub.client.post("/events", json={"event_id": "X-1", "text": "楼下噪音扰民"})
    assert response.status_code == 422
    assert response.json()["field"] == "reported_at"
    assert "reported_at" in response.json()["detail"]
    not_an_object = hub.client.post("/events", json=["a", "list"])
    assert not_an_object.status_code == 422
    assert hub.client.get("/events/queue").json()["total"] == 0


def test_the_events_scope_is_needed(hub: Hub) -> None:
    worker = api_key_headers(hub.settings, {READ_SCOPE, TASKS_SCOPE}, name="worker")
    event = _first(hub, place_level="building", item_code="*")
    assert hub.client.post("/events", json=event, headers=worker).status_code == 403
    assert hub.client.get("/events/queue", headers=worker).status_code == 403
    mutation = 'mutation($e: String!) { reportEvent(eventId: $e, text: "噪音", reportedAt: "2026-11-01 10:00") { task } }'
    refused = hub.client.post("/graphql", json={"query": mutation, "variables": {"e": "M-0"}}, headers=worker)
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert _tasks(hub.settings) == []


REPORT = """
mutation Report($id: String!, $text: String!, $at: String!, $address: String, $channel: String) {
  reportEvent(eventId: $id, text: $text, reportedAt: $at, addressText: $address, channel: $channel) {
    eventId task joined grid item queued again
    assignee { id name level }
    reasons { kind detail }
  }
}
"""


def test_the_report_event_mutation(hub: Hub) -> None:
    event = _first(hub, place_level="building", item_code="*", duplicate_of="")
    variables = {
        "id": event["event_id"],
        "text": event["text"],
        "at": event["reported_at"],
        "address": event["address_text"],
        "channel": event["channel"],
    }
    body = hub.client.post("/graphql", json={"query": REPORT, "variables": variables}).json()
    assert "errors" not in body, body
    found = body["data"]["reportEvent"]
    assert found["task"]
    assert found["joined"] is False
    assert found["assignee"]["id"]
    assert hub.grid_codes[found["grid"]] == hub.truth[event["event_id"]]["grid_code"]
    bad = {**variables, "id": "M-BAD", "at": "yesterday"}
    refused = hub.client.post("/graphql", json={"query": REPORT, "variables": bad}).json()
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert refused["errors"][0]["extensions"]["field"] == "reported_at"


def test_every_event_posted_ends_as_a_task_or_in_the_queue(hub: Hub) -> None:
    sample = hub.raw[:60]
    codes: dict[int, int] = {}
    for event in sample:
        response = hub.client.post("/events", json=event)
        codes[response.status_code] = codes.get(response.status_code, 0) + 1
    assert set(codes) <= {200, 201, 202}, codes
    assert sum(codes.values()) == len(sample)
    with StateStore(hub.settings.state_database_url) as state:
        reports = state.count_event_reports()
        assert sum(reports.values()) == len(sample)
        assert reports.get("queued", 0) == codes.get(202, 0) == state.count_event_queue()
        assert reports.get("task", 0) == codes.get(201, 0)
    assert len(_tasks(hub.settings)) == codes.get(201, 0)


def _queued_unplaced(hub: Hub) -> tuple[int, dict[str, Any]]:
    """Post unplaced events of a grid's item until a new one waits for its address: (entry, event)."""
    for event in (e for e in hub.raw if hub.truth[e["event_id"]]["place_level"] == "none"):
        response = hub.client.post("/events", json=event)
        assert response.status_code in (200, 201, 202), response.text
        if response.json()["again"]:  # posted by an earlier call
            continue
        if response.status_code == 202 and [r["kind"] for r in response.json()["reasons"]] == [
            "address unresolved"
        ]:
            return int(response.json()["queued"]), event
    raise AssertionError("no unplaced event was queued for its address alone")


def _audited(hub: Hub, entity: str) -> list[dict[str, Any]]:
    auditor = api_key_headers(hub.settings, {"audit"}, name="auditor")
    found: list[dict[str, Any]] = hub.client.get("/audit", params={"entity": entity}, headers=auditor).json()
    return found


def test_a_dispatcher_settles_a_queued_event_over_rest(hub: Hub) -> None:
    entry, event = _queued_unplaced(hub)
    before = {t.id for t in _tasks(hub.settings)}  # unplaced events of a department's item
    grid_id, grid_code = next(iter(hub.grid_codes.items()))
    item = hub.truth[event["event_id"]]["item_code"] or "CG-002"
    settled = hub.client.post(
        f"/events/queue/{entry}", json={"item": item, "grid": grid_code, "note": "回电确认"}
    )
    assert settled.status_code == 200, settled.text
    body = settled.json()
    assert (body["status"], body["grid"], body["item"]) == ("dispatched", grid_id, item)
    assert body["assignee"]["id"]
    assert {t.id for t in _tasks(hub.settings)} - before == {body["task"]}
    dispatched = hub.client.get("/events/queue", params={"status": "dispatched"}).json()["items"]
    assert [(e["id"], e["task_id"], e["settlement"]["note"]) for e in dispatched] == [
        (entry, body["task"], "回电确认")
    ]
    assert entry not in [e["id"] for e in hub.client.get("/events/queue").json()["items"]]
    # Who settled it is kept with the report and in the audit log.
    assert dispatched[0]["handled_by"].endswith("(12345 hotline)")
    assert any(e["operation"] == f"POST /events/queue/{entry}" for e in _audited(hub, body["task"]))
    again = hub.client.post(f"/events/queue/{entry}", json={"close": "重复"})
    assert again.status_code == 409
    assert "not waiting" in again.json()["detail"]


def test_a_bad_answer_to_the_queue_is_refused_naming_the_field(hub: Hub) -> None:
    entry, _ = _queued_unplaced(hub)
    before = len(_tasks(hub.settings))
    cases = [
        ({"grid": "x"}, "item"),
        ({"item": "XX-999", "grid": next(iter(hub.grid_codes.values()))}, "item"),
        ({"item": "CG-002", "grid": "no-such-grid"}, "grid"),
        ({"item": "CG-002", "close": "x"}, "close"),
    ]
    for answer, field in cases:
        response = hub.client.post(f"/events/queue/{entry}", json=answer)
        assert response.status_code == 422, (answer, response.text)
        assert response.json()["field"] == field, response.json()
    assert hub.client.post("/events/queue/999999", json={"close": "x"}).status_code == 404
    worker = api_key_headers(hub.settings, {READ_SCOPE, TASKS_SCOPE}, name="worker")
    assert hub.client.post(f"/events/queue/{entry}", json={"close": "x"}, headers=worker).status_code == 403
    assert entry in [e["id"] for e in hub.client.get("/events/queue").json()["items"]]  # still waiting
    assert len(_tasks(hub.settings)) == before


SETTLE = """
mutation Dispatch($id: Int!, $item: String!, $grid: String) {
  dispatchQueuedEvent(id: $id, item: $item, grid: $grid, note: "现场核实") {
    report status task joined item grid note reason assignee { id level }
  }
}
"""
CLOSE = """
mutation Close($id: Int!) { closeQueuedEvent(id: $id, reason: "不属于本区") { report status task reason } }
"""


def test_the_queue_mutations(hub: Hub) -> None:
    entry, event = _queued_unplaced(hub)
    grid_id, grid_code = next(iter(hub.grid_codes.items()))
    item = hub.truth[event["event_id"]]["item_code"] or "CG-002"
    variables = {"id": entry, "item": item, "grid": grid_code}
    body = hub.client.post("/graphql", json={"query": SETTLE, "variables": variables}).json()
    assert "errors" not in body, body
    found = body["data"]["dispatchQueuedEvent"]
    assert (found["report"], found["status"], found["grid"], found["note"]) == (
        entry,
        "dispatched",
        grid_id,
        "现场核实",
    )
    assert found["assignee"]["id"]
    audited = _audited(hub, found["task"])
    assert [(e["operation"], e["entity_type"]) for e in audited] == [("graphql", "Task")], audited
    twice = hub.client.post("/graphql", json={"query": CLOSE, "variables": {"id": entry}}).json()
    assert twice["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    other, _ = _queued_unplaced(hub)
    bad = hub.client.post(
        "/graphql", json={"query": SETTLE, "variables": {**variables, "id": other, "item": "XX-999"}}
    ).json()
    assert bad["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "item"}
    closed = hub.client.post("/graphql", json={"query": CLOSE, "variables": {"id": other}}).json()
    assert closed["data"]["closeQueuedEvent"] == {
        "report": other,
        "status": "closed",
        "task": None,
        "reason": "不属于本区",
    }
    worker = api_key_headers(hub.settings, {READ_SCOPE, TASKS_SCOPE}, name="worker")
    refused = hub.client.post(
        "/graphql", json={"query": CLOSE, "variables": {"id": other}}, headers=worker
    ).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def _key(
    hub: Hub,
    scopes: set[str],
    name: str,
    streets: set[str] | None = None,
    communities: set[str] | None = None,
) -> dict[str, str]:
    with StateStore(hub.settings.state_database_url) as state:
        created = ApiKeys(state).create(
            name, scopes, created_by="tests", streets=streets, communities=communities
        )
    return {"Authorization": f"Bearer {created.key}"}


def _queued_placed(hub: Hub) -> dict[int, str]:
    """Post the events intake places but finds no item for: queue entry → the grid it found."""
    for event in hub.raw:
        row = hub.truth[event["event_id"]]
        if row["place_level"] != "none" and row["item_code"] == "":
            assert hub.client.post("/events", json=event).status_code in (200, 201, 202)
    entries = hub.client.get("/events/queue", params={"limit": 500}).json()["items"]
    return {e["id"]: e["decision"]["grid"] for e in entries if e["decision"]["grid"]}


def _forbidden(response: Any, *named: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert all(n in body["detail"] for n in named), body


def _graphql_forbidden(body: dict[str, Any], *named: str) -> None:
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert all(n in body["errors"][0]["message"] for n in named), body


@dataclass
class Streets:
    """The queue after the placed and some unplaced events were posted, seen from one street."""

    placed: dict[int, str]  # queue entry → the grid intake found
    unplaced: int
    street: str  # the street with the most waiting events
    mine: list[int]  # its entries
    others: list[int]  # the other streets' entries
    key: dict[str, str]  # an events key restricted to the street


def _streets(hub: Hub) -> Streets:
    placed = _queued_placed(hub)
    unplaced, _ = _queued_unplaced(hub)
    streets = [hub.grid_places[g][1] for g in placed.values()]
    street = max(set(streets), key=lambda s: (streets.count(s), s))
    mine = sorted(e for e, g in placed.items() if hub.grid_places[g][1] == street)
    others = sorted(set(placed) - set(mine))
    assert len(mine) >= 3, placed
    assert len(others) >= 2, placed
    key = _key(hub, {EVENTS_SCOPE}, "南园 system", streets={street})
    return Streets(placed, unplaced, street, mine, others, key)


def test_a_restricted_events_key_lists_only_its_streets_events(hub: Hub) -> None:
    at = _streets(hub)
    listed = hub.client.get("/events/queue", params={"limit": 500}, headers=at.key).json()
    assert [e["id"] for e in listed["items"]] == at.mine  # neither other streets' nor unplaced ones
    assert listed["total"] == len(at.mine)
    page = hub.client.get("/events/queue", params={"limit": 1, "offset": 1}, headers=at.key).json()
    assert ([e["id"] for e in page["items"]], page["total"]) == ([at.mine[1]], len(at.mine))
    community = hub.grid_places[at.placed[at.mine[0]]][0]
    by_community = _key(hub, {EVENTS_SCOPE}, "community system", communities={community})
    listed = hub.client.get("/events/queue", params={"limit": 500}, headers=by_community).json()
    assert [e["id"] for e in listed["items"]] == [
        e for e in at.mine if hub.grid_places[at.placed[e]][0] == community
    ]
    everything = hub.client.get("/events/queue", params={"limit": 500}).json()["items"]
    assert {*at.placed, at.unplaced} <= {e["id"] for e in everything}  # unrestricted: all of them


def test_a_restricted_events_key_settles_only_its_streets_events(hub: Hub) -> None:
    at = _streets(hub)
    mine, others, placed, unplaced, key = at.mine, at.others, at.placed, at.unplaced, at.key
    elsewhere = next(g for g, (_, s) in sorted(hub.grid_places.items()) if s != at.street)
    before = len(_tasks(hub.settings))
    # Its own event, to a grid of another street; another street's event; one placed nowhere.
    code = hub.grid_codes[elsewhere]
    outside = {"item": "CG-002", "grid": code}
    _forbidden(hub.client.post(f"/events/queue/{mine[0]}", json=outside, headers=key), code)
    _forbidden(
        hub.client.post(f"/events/queue/{others[0]}", json={"close": "x"}, headers=key), str(others[0])
    )
    _forbidden(hub.client.post(f"/events/queue/{unplaced}", json={"close": "x"}, headers=key), str(unplaced))
    here = {"item": "CG-002", "grid": hub.grid_codes[placed[mine[0]]]}
    _forbidden(hub.client.post(f"/events/queue/{others[0]}", json=here, headers=key), str(others[0]))
    own_address = {"item": "CG-002"}  # the place intake found: another street's grid
    _forbidden(hub.client.post(f"/events/queue/{others[1]}", json=own_address, headers=key))
    dispatch = {"id": mine[0], "item": "CG-002", "grid": code}
    gql = hub.client.post("/graphql", json={"query": SETTLE, "variables": dispatch}, headers=key).json()
    _graphql_forbidden(gql, code)
    gql = hub.client.post(
        "/graphql", json={"query": CLOSE, "variables": {"id": others[0]}}, headers=key
    ).json()
    _graphql_forbidden(gql, str(others[0]))
    assert hub.client.post(f"/events/queue/{99999}", json={"close": "x"}, headers=key).status_code == 404
    assert len(_tasks(hub.settings)) == before
    waiting = {e["id"] for e in hub.client.get("/events/queue", params={"limit": 500}).json()["items"]}
    assert {mine[0], others[0], others[1], unplaced} <= waiting

    # Within its street: dispatched to the grid it names, to the grid intake found, or closed.
    variables = {"id": mine[0], "item": "CG-002", "grid": hub.grid_codes[placed[mine[0]]]}
    gql = hub.client.post("/graphql", json={"query": SETTLE, "variables": variables}, headers=key).json()
    assert "errors" not in gql, gql
    assert gql["data"]["dispatchQueuedEvent"]["grid"] == placed[mine[0]]
    found = hub.client.post(f"/events/queue/{mine[1]}", json={"item": "CG-002"}, headers=key)
    assert found.status_code == 200, found.text
    assert found.json()["grid"] == placed[mine[1]]
    closed = hub.client.post(f"/events/queue/{mine[2]}", json={"close": "重复"}, headers=key)
    assert closed.status_code == 200, closed.text
    dispatched = hub.client.get("/events/queue", params={"status": "dispatched"}, headers=key).json()
    assert sorted(e["id"] for e in dispatched["items"]) == mine[:2]
    assert len(_tasks(hub.settings)) == before + 2


def test_an_events_only_caller_is_not_told_which_residents_a_name_fits(hub: Hub) -> None:
    events_only = _key(hub, {EVENTS_SCOPE}, "department system")
    event = {"event_id": "PT-0", "text": f"业主{hub.namesake} 的事情", "reported_at": "2026-11-01 10:00"}
    queued = hub.client.post("/events", json=event, headers=events_only)
    assert queued.status_code == 202, queued.text

    def tie(reasons: list[dict[str, str]]) -> str:
        return next(r["detail"] for r in reasons if r["kind"] == "subject ambiguous")

    masked = tie(queued.json()["reasons"])
    assert masked.startswith("a person named in the text matched several residents"), masked
    assert hub.namesake not in masked
    assert "P-" not in masked
    entry = next(e for e in hub.client.get("/events/queue", headers=events_only).json()["items"])
    assert tie(entry["reasons"]) == masked
    again = hub.client.post("/events", json=event, headers=events_only).json()  # the first answer
    assert again["again"] is True
    assert tie(again["reasons"]) == masked
    variables = {"id": "PT-1", "text": event["text"], "at": "2026-11-01 10:05"}
    gql = hub.client.post(
        "/graphql", json={"query": REPORT, "variables": variables}, headers=events_only
    ).json()
    assert tie(gql["data"]["reportEvent"]["reasons"]) == masked
    # A caller reading persons (read, or read:Person) sees which (the state keeps it all).
    shown = tie(hub.client.get("/events/queue").json()["items"][0]["reasons"])
    assert hub.namesake in shown
    assert "P-" in shown
    persons = _key(hub, {EVENTS_SCOPE, type_scope("Person")}, "steward")
    assert tie(hub.client.get("/events/queue", headers=persons).json()["items"][0]["reasons"]) == shown
    # … unless restricted to a street: the residents that tied may live anywhere.
    street = sorted({s for _, s in hub.grid_places.values()})[0]
    restricted = _key(hub, {EVENTS_SCOPE, READ_SCOPE}, "street office", streets={street})
    answer = hub.client.post("/events", json={**event, "event_id": "PT-2"}, headers=restricted).json()
    assert tie(answer["reasons"]) == masked

    # The subjects intake found (a resident the text names) are left out of a queue entry too.
    named = {"event_id": "PT-3", "text": f"有事情反映，房东是{hub.loner}", "reported_at": "2026-11-01 10:10"}
    filed = hub.client.post("/events", json=named, headers=events_only).json()
    found = next(
        e
        for e in hub.client.get("/events/queue", params={"limit": 500}).json()["items"]
        if e["id"] == filed["queued"]
    )
    assert [s["label"] for s in found["decision"]["subjects"]] == [hub.loner]
    assert [n for n in found["decision"]["notes"] if n.startswith("subject:")]
    hidden = next(
        e
        for e in hub.client.get("/events/queue", params={"limit": 500}, headers=events_only).json()["items"]
        if e["id"] == filed["queued"]
    )
    assert hidden["decision"]["subjects"] == []
    assert not [n for n in hidden["decision"]["notes"] if n.startswith("subject:")]
    assert found["decision"]["subjects"][0]["id"] not in json.dumps(hidden, ensure_ascii=False)


SOURCES = Path(__file__).resolve().parents[3] / "hub" / "demo" / "sources"


def test_the_intake_sees_addresses_a_sync_adds_without_a_restart(hub: Hub, synced: Synced) -> None:
    """An estate the address library lacks is no place (queued); once a sync through the server
    added it, the next event there is placed in its grid, by the same server."""
    library = hub.settings.data_dir / "demo" / "address_library.csv"
    library.parent.mkdir(exist_ok=True)
    shutil.copy(synced.root / "demo" / "address_library.csv", library)
    with library.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert not any("翠湖" in r["标准地址"] for r in rows)
    template = rows[0]
    new = {**template, "地址编码": "44030499999999990101", "楼栋编码": "4403049999999999", "楼栋名称": "1栋",
           "道路": "翠湖路", "门牌号": "8号", "小区": "翠湖新苑", "单元": "", "楼层": "1", "房号": "101",
           "标准地址": f"广东省深圳市福田区{template['街道名称']}{template['社区名称']}翠湖路8号翠湖新苑1栋101"}  # fmt: skip
    event = {"event_id": "FRESH-1", "channel": "12345热线", "reported_at": "2026-11-01 09:00",
             "text": "翠湖新苑1栋楼下垃圾堆了好几天没人清理，臭气熏天", "address_text": "翠湖路8号翠湖新苑1栋"}  # fmt: skip
    before = hub.client.post("/events", json=event)
    assert before.status_code == 202, before.text
    assert "address unresolved" in [r["kind"] for r in before.json()["reasons"]]

    with library.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(template)).writerow(new)
    options = {"config": str(SOURCES), "sources": ["address_library"]}
    synced_now = hub.client.app.state.jobs.run("sync", options)  # as `gridhub sync` sends it
    assert synced_now.exit_code == 0, synced_now.result

    after = hub.client.post("/events", json={**event, "event_id": "FRESH-2"})
    assert after.status_code == 201, after.text
    assert hub.grid_codes[after.json()["grid"]] == template["网格编码"]
