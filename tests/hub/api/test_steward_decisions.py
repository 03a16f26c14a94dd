"""Stewards' decisions over HTTP: POST /steward routes and GraphQL mutations (steward scope),
run as write jobs of the server; and the local channel's door (its token only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.jobs.channel import TOKEN_HEADER
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from tests.hub.api.conftest import api_key_headers

JUDGE = """mutation($a: String!, $b: String!, $verdict: Verdict!) {
  judge(a: $a, b: $b, verdict: $verdict, reason: "two mothers") {
    summary judgementId entityType verdict leftEntity rightEntity reviewItem
  }
}"""


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("decisions")
    generate_district(root / "demo", persons=400, seed=3)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    return settings


@pytest.mark.integration
def test_review_items_and_pairs_are_decided_over_http(synced: Settings) -> None:
    settings = synced
    steward = api_key_headers(settings, {"read", "pii", "steward"}, name="王科员")
    clerk = api_key_headers(settings, {"read", "pii"}, name="clerk")
    with open_store(settings) as store, TestClient(create_app(store, settings), headers=steward) as client:
        [item] = client.get("/steward/review", params={"kind": "merge", "limit": 1}).json()
        denied = client.post(
            f"/steward/review/{item['id']}/decision", json={"verdict": "same"}, headers=clerk
        )
        assert denied.status_code == 403
        bad = client.post(f"/steward/review/{item['id']}/decision", json={"verdict": "maybe"})
        assert bad.status_code == 422

        decided = client.post(
            f"/steward/review/{item['id']}/decision", json={"verdict": "different", "reason": "twins"}
        )
        assert decided.status_code == 200, decided.text
        body = decided.json()
        assert body["judgement"]["review_item"] == item["id"]
        assert body["judgement"]["verdict"] == "different"
        assert "王科员" in body["judgement"]["steward"]  # the caller, not a name it typed
        assert body["summary"]
        open_ids = {i["id"] for i in client.get("/steward/review", params={"limit": 500}).json()}
        assert item["id"] not in open_ids  # the item left the queue
        again = client.post(f"/steward/review/{item['id']}/decision", json={"verdict": "same"})
        assert again.status_code == 422  # answered already: the steward is told, nothing changes
        missing = client.post("/steward/review/999999/decision", json={"verdict": "same"})
        assert missing.status_code == 422
        assert "no review item 999999" in missing.json()["detail"]

        with StateStore(settings.state_database_url) as state:
            a, b = sorted(set(state.mention_columns("Person", []).entity_ids))[:2]
        variables = {"a": a, "b": b, "verdict": "DIFFERENT"}
        forbidden = client.post("/graphql", json={"query": JUDGE, "variables": variables}, headers=clerk)
        assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        judged = client.post("/graphql", json={"query": JUDGE, "variables": variables})
        assert judged.status_code == 200
        decision = judged.json()["data"]["judge"]
        assert (decision["entityType"], decision["verdict"]) == ("Person", "DIFFERENT")
        assert {decision["leftEntity"], decision["rightEntity"]} == {a, b}
        # A mutation is never run by GET (a link or an image tag must not decide anything).
        by_get = client.get("/graphql", params={"query": JUDGE, "variables": json.dumps(variables)})
        assert by_get.status_code in (400, 405)

        with StateStore(settings.state_database_url) as state:
            recorded = [(j.verdict.value, j.review_item) for j in state.judgement_history()]
        assert ("different", item["id"]) in recorded
        assert ("different", None) in recorded
        auditor = api_key_headers(settings, {"audit"}, name="auditor")
        audited = client.get("/audit", params={"entity": a}, headers=auditor).json()
        # Who decided about whom is in the audit log, as a read of the two would be.
        assert any(e["principal"].endswith("(王科员)") and a in e["entity_ids"] for e in audited), audited


@pytest.mark.integration
def test_the_local_channel_opens_to_its_token_only(synced: Settings) -> None:
    settings = synced
    admin = api_key_headers(settings, name="admin")  # every scope, still not the channel
    with open_store(settings) as store:
        app = create_app(store, settings)
        with TestClient(app) as client:
            assert client.post("/jobs/resolve", json={}, headers=admin).status_code == 401
            assert client.post("/jobs/resolve", json={}, headers={TOKEN_HEADER: "guess"}).status_code == 401
            token = {TOKEN_HEADER: app.state.jobs.token}
            assert client.post("/jobs/drop-everything", json={}, headers=token).status_code == 404
            with client.stream("POST", "/jobs/resolve", json={}, headers=token) as response:
                assert response.status_code == 200
                events = [json.loads(line) for line in response.iter_lines() if line]
            assert events[-1]["exit_code"] == 0
            assert {r["entity_type"] for r in events[-1]["result"]["resolution"]} >= {"Person"}


@pytest.mark.integration
def test_a_read_only_server_refuses_writes_with_the_reason(synced: Settings, tmp_path: Path) -> None:
    settings = synced
    steward = api_key_headers(settings, {"read", "steward"}, name="steward")
    with open_store(settings, read_only=True) as store:
        app = create_app(store, settings, read_only=True)
        with TestClient(app, headers=steward) as client:
            refused = client.post("/steward/review/1/decision", json={"verdict": "same"})
            assert refused.status_code == 409
            assert "read-only" in refused.json()["detail"]
            token = {TOKEN_HEADER: app.state.jobs.token}
            assert client.post("/jobs/resolve", json={}, headers=token).status_code == 409
