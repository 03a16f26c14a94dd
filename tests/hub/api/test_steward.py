"""The steward routes: the open review queue and a pair's explanation as JSON, steward scope only."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from tests.hub.api.conftest import api_key_headers


@pytest.mark.integration
def test_review_queue_and_explanation(tmp_path: Path) -> None:
    generate_district(tmp_path / "demo", persons=400, seed=3)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store:
        with StateStore(settings.state_database_url) as state:
            sync_sources(store, state, demo_sources(store.schema), settings)
            old, survivor = next((o, n) for o, n in state.aliases().items() if o.startswith("P-"))
        steward = api_key_headers(settings, {"read", "pii", "steward"}, name="steward")
        with TestClient(create_app(store, settings), headers=steward) as client:
            queue = client.get("/steward/review", params={"kind": "merge"})
            assert queue.status_code == 200
            assert all(item["kind"] == "merge" for item in queue.json())
            informative = client.get("/steward/review", params={"kind": "merge", "order": "informative"})
            assert informative.status_code == 200
            ranked = informative.json()
            assert ranked  # the district leaves merge candidates to review
            # The same open items, most informative first (merge candidates carry their pattern).
            assert sorted(i["id"] for i in ranked) == sorted(i["id"] for i in queue.json())
            scores = [i["score"] for i in ranked]
            assert scores == sorted(scores, reverse=True)
            assert all(i["pattern"] for i in ranked)
            assert client.get("/steward/review", params={"order": "newest"}).status_code == 422

            explained = client.get("/steward/explain", params={"a": old, "b": survivor})
            assert explained.status_code == 200
            body = explained.json()
            assert body["entity_type"] == "Person"
            assert len(body["mentions"]) == 2
            # The contributions a steward sees add up to the score.
            total = body["prior_weight"] + sum(f["weight"] for f in body["fields"])
            assert total == pytest.approx(body["weight"])
            assert {f["field"] for f in body["fields"]} >= {"name", "birth_date", "identity_number"}
            assert all(f["explanation"] for f in body["fields"])

            missing = client.get("/steward/explain", params={"a": "P-nobody", "b": survivor})
            assert missing.status_code == 404
            assert "P-nobody" in missing.json()["detail"]

            # Who looked at the two mentions' values is in the audit log.
            auditor = api_key_headers(settings, {"audit"}, name="auditor")
            audited = client.get("/audit", params={"entity": old}, headers=auditor)
            assert audited.status_code == 200
            [entry] = audited.json()  # the explanation that was found; the 404 showed nothing
            assert (entry["operation"], entry["entity_type"]) == ("GET /steward/explain", "Person")
            assert entry["principal"].endswith("(steward)")
            assert entry["entity_ids"] == [old, survivor]
            assert "identity_number" in entry["fields"]
            # A steward without the pii scope sees the compared numbers masked.
            no_pii = api_key_headers(settings, {"read", "steward"}, name="steward-no-pii")
            masked = client.get("/steward/explain", params={"a": old, "b": survivor}, headers=no_pii).json()
            [idn] = [f for f in masked["fields"] if f["field"] == "identity_number"]
            [clear] = [f for f in body["fields"] if f["field"] == "identity_number"]
            assert clear["value_a"]
            assert "*" not in str(clear["value_a"])
            assert "*" in str(idn["value_a"])
            assert str(idn["value_a"])[-4:] == str(clear["value_a"])[-4:]
            pii_only = api_key_headers(settings, {"read", "pii"}, name="clerk")
            assert client.get("/steward/review", headers=pii_only).status_code == 403
            denied = client.get("/steward/explain", params={"a": old, "b": survivor}, headers=pii_only)
            assert denied.status_code == 403
            assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert client.get("/steward/review", headers={"Authorization": ""}).status_code == 401
