"""The review workbench without a browser: the page and its local assets are served to anyone,
its JSON routes only to stewards; an item comes with its records side by side."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from graph_schema import default_schema
from hub.api.app import create_app
from hub.api.workbench.page import ASSETS, ASSETS_PATH, PAGE_PATH, STATIC_DIR
from hub.api.workbench.records import item_records, schema_labels
from hub.settings import Settings
from hub.state import StateStore, Verdict
from hub.state.mentions import SEP
from hub.store import open_store
from tests.hub.api.conftest import api_key_headers

RUN = "20260101T080000000000Z-abcdef"
IDN = "440304199001010012"


def person(source: str, record_id: str, entity_id: str, **values: Any) -> dict[str, Any]:
    """A mention row of a Person as the sync writes it (derived features start with ~)."""
    features = {**values, "problems": [], "~name_pinyin": "x", "building_id": "B-1"}
    return {"source": source, "record_id": record_id, "role": "self", "entity_type": "Person",
            "entity_id": entity_id, "trust": 80, "features": features, "run_id": RUN,
            "resolution": "identifier"}  # fmt: skip


def file_items(state: StateStore) -> dict[str, int]:
    """Two people's mentions (one conflicting about a birth date), and an item of each kind."""
    state.save_run(
        RUN, datetime(2026, 1, 1, 8, tzinfo=UTC), "succeeded", {}, datetime(2026, 1, 1, 9, tzinfo=UTC)
    )
    state.replace_mentions("population", ["RK1"], [
        person("population", "RK1", "P-1", name="张伟", identity_number=IDN, birth_date="1990-01-01",
               phone="+8613812345678"),
    ])  # fmt: skip
    state.replace_mentions("grid", ["CJ1", "CJ2"], [
        person("grid", "CJ1", "P-2", name="张伟", birth_date="1990-01-02", gender="M"),
        person("grid", "CJ2", "P-1", name="张伟", identity_number=IDN, birth_date="1990-01-02"),
    ])  # fmt: skip
    merge = {"entity_type": "Person", "left": "P-1", "right": "P-2", "probability": 0.6,
             "mentions": [f"population{SEP}RK1{SEP}self", f"grid{SEP}CJ1{SEP}self"]}  # fmt: skip
    conflict = {"entity_type": "Person", "entity_id": "P-1", "property": "birth_date",
                "values": ["1990-01-01", "1990-01-02"]}  # fmt: skip
    gone = {**merge, "right": "P-9", "mentions": [f"population{SEP}RK1{SEP}self", f"grid{SEP}OLD{SEP}self"]}
    address = {"source": "grid", "record_id": "CJ1", "role": "self", "text": "福华路1号", "reason": "two",
               "candidates": [{"address_id": "A-1"}, {"address_id": "A-2"}]}  # fmt: skip
    state.open_review_items("merge", RUN, {"merge:P-1:P-2": merge, "merge:P-1:P-9": gone})
    state.open_review_items("conflict", RUN, {"conflict:P-1:birth_date": conflict})
    state.open_review_items("address", RUN, {"address:grid:CJ1:self": address})
    return {item["subject"].split(":")[0] + ("-gone" if "P-9" in item["subject"] else ""): item["id"]
            for item in state.review_queue(limit=10)}  # fmt: skip


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


def test_merge_item_has_both_records_side_by_side(state: StateStore) -> None:
    ids = file_items(state)
    item = state.review_item(ids["merge"])
    assert item is not None
    body = item_records(state, default_schema(), item, show_pii=True)
    assert body["entity_type"] == "Person"
    assert body["answered"] is None
    left, right = body["sides"]
    assert (left["mention"], right["mention"]) == ("population:RK1:self", "grid:CJ1:self")
    assert (left["entity_id"], right["entity_id"]) == ("P-1", "P-2")
    assert left["read_at"] == datetime(2026, 1, 1, 8)  # when the run that read it started
    assert left["values"]["identity_number"] == IDN
    assert right["values"]["identity_number"] is None
    fields = {f["name"]: f for f in body["fields"]}
    # The type's properties in the schema's order, then the record's context; nothing derived.
    assert [f["name"] for f in body["fields"]][:3] == ["name", "identity_number", "gender"]
    assert "building_id" in fields
    assert not any(name.startswith("~") or name == "problems" for name in fields)
    assert not fields["name"]["differs"]
    assert fields["birth_date"]["differs"]
    assert not fields["identity_number"]["differs"]  # one record has none: no evidence
    assert fields["identity_number"]["partial"]
    assert not fields["birth_date"]["partial"]
    assert fields["identity_number"]["pii"]
    assert fields["phone"]["pii"]
    assert not fields["name"]["pii"]


def test_values_of_personal_identifiers_are_masked_without_the_pii_scope(state: StateStore) -> None:
    ids = file_items(state)
    item = state.review_item(ids["merge"])
    assert item is not None
    body = item_records(state, default_schema(), item, show_pii=False)
    left = body["sides"][0]["values"]
    assert left["identity_number"] == "4403**********0012"
    assert left["phone"] == "+86 138****5678"
    assert left["name"] == "张伟"
    # A conflict between identity numbers names them in the item itself: masked there too.
    other = "440304199001010039"
    conflict = {
        "entity_type": "Person",
        "entity_id": "P-1",
        "property": "identity_number",
        "values": [IDN, other],
    }
    state.open_review_items("conflict", RUN, {"conflict:P-1:identity_number": conflict})
    [filed] = [i for i in state.review_queue(limit=10) if i["subject"] == "conflict:P-1:identity_number"]
    masked = item_records(state, default_schema(), filed, show_pii=False)["item"]["payload"]["values"]
    assert masked == ["4403**********0012", "4403**********0039"]
    assert item_records(state, default_schema(), filed, show_pii=True)["item"]["payload"]["values"] == [
        IDN,
        other,
    ]


def test_conflict_shows_every_mention_of_the_entity_and_a_retired_record_is_missing(
    state: StateStore,
) -> None:
    ids = file_items(state)
    schema = default_schema()
    conflict = state.review_item(ids["conflict"])
    assert conflict is not None
    body = item_records(state, schema, conflict, show_pii=True)
    assert sorted(side["mention"] for side in body["sides"]) == ["grid:CJ2:self", "population:RK1:self"]
    assert {f["name"]: f["differs"] for f in body["fields"]}["birth_date"]
    gone = state.review_item(ids["merge-gone"])
    assert gone is not None
    sides = item_records(state, schema, gone, show_pii=True)["sides"]
    assert sides[1] == {"mention": "grid:OLD:self", "missing": True}
    address = state.review_item(ids["address"])
    assert address is not None
    assert [s["mention"] for s in item_records(state, schema, address, show_pii=True)["sides"]] == [
        "grid:CJ1:self"
    ]


def test_labels_are_the_schema_titles() -> None:
    labels = schema_labels(default_schema())
    person_labels = labels["types"]["Person"]
    assert person_labels["title"] == "人员"
    assert person_labels["fields"]["name"] == "姓名"
    assert person_labels["fields"]["identity_number"] == "公民身份号码"
    assert labels["context"]["building_id"] == default_schema().node("Building").title


# --- over HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "hub", api_rate_burst=100_000)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with open_store(settings) as store, TestClient(create_app(store, settings)) as test_client:
        yield test_client


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value)


def test_page_is_served_without_credentials_and_loads_only_local_assets(client: TestClient) -> None:
    page = client.get(PAGE_PATH)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self'" in csp
    assert "http://" not in page.text
    assert "https://" not in page.text
    parser = _References()
    parser.feed(page.text)
    assets = [url for url in parser.urls if not url.startswith(("data:", "#"))]
    assert {urlsplit(url).path for url in assets} == {f"{ASSETS_PATH}/{name}" for name in ASSETS}
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "immutable" in response.headers["cache-control"]
        kind = "text/css" if url.split("?")[0].endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(kind)
        # Nothing the page runs or styles itself with comes from another host.
        assert "https://" not in response.text, url
    assert client.get(f"{ASSETS_PATH}/index.html").status_code == 404
    assert client.get(f"{ASSETS_PATH}/..%2Fpage.py").status_code == 404


def test_every_string_of_the_page_is_in_both_languages() -> None:
    script = (STATIC_DIR / "workbench.js").read_text("utf-8")
    zh = script[script.index("  zh: {") : script.index("  en: {")]
    en = script[script.index("  en: {") : script.index("\n};", script.index("  en: {"))]
    # key: "value" pairs, matched whole so that a colon inside a value is not taken for a key.
    pair = re.compile(r'(?:"([\w.]+)"|([A-Za-z]\w*)):\s*"(?:[^"\\]|\\.)*"')
    keys = [{a or b for a, b in pair.findall(block)} for block in (zh, en)]
    assert keys[0] == keys[1]
    assert {"same", "different", "unsure", "skip", "kind.merge", "keyLabel"} <= keys[0]
    assert set(re.findall(r'\bt\("([\w.]+)"', script)) <= keys[0]


@pytest.mark.parametrize(
    "path", ["/steward/counts", "/steward/labels", "/steward/items/1", "/steward/judgements"]
)
def test_routes_need_the_steward_scope(client: TestClient, settings: Settings, path: str) -> None:
    assert client.get(path).status_code == 401
    clerk = api_key_headers(settings, {"read", "pii"}, name="clerk")
    denied = client.get(path, headers=clerk)
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    steward = api_key_headers(settings, {"steward"}, name="steward")
    assert client.get(path, headers=steward).status_code in (200, 404)  # no item 1 yet


def test_item_counts_and_history_for_a_steward(client: TestClient, settings: Settings) -> None:
    with StateStore(settings.state_database_url) as state:
        ids = file_items(state)
        state.record_judgement(
            "Person", (f"population{SEP}RK1{SEP}self", f"grid{SEP}CJ1{SEP}self"), ("P-1", "P-2"),
            Verdict.DIFFERENT, "王审核", "生日不同", review_item=ids["merge"],
        )  # fmt: skip
    steward = api_key_headers(settings, {"steward"}, name="steward")
    assert client.get("/steward/counts", headers=steward).json() == {"merge": 1, "conflict": 1, "address": 1}
    labels = client.get("/steward/labels", headers=steward).json()
    assert labels["types"]["Person"]["fields"]["birth_date"] == "出生日期"

    item = client.get(f"/steward/items/{ids['merge']}", headers=steward)
    assert item.status_code == 200
    body = item.json()
    assert body["answered"] == {"verdict": "different", "steward": "王审核"}
    assert body["sides"][0]["values"]["identity_number"] == "4403**********0012"  # no pii scope
    with_pii = api_key_headers(settings, {"steward", "pii"}, name="steward-pii")
    unmasked = client.get(f"/steward/items/{ids['merge']}", headers=with_pii).json()
    assert unmasked["sides"][0]["values"]["identity_number"] == IDN
    assert client.get("/steward/items/999", headers=steward).status_code == 404
    assert client.get("/steward/items/0", headers=steward).status_code == 422

    [judgement] = client.get("/steward/judgements", headers=steward).json()
    assert judgement["steward"] == "王审核"
    assert (judgement["verdict"], judgement["reason"]) == ("different", "生日不同")
    assert judgement["review_item"] == ids["merge"]
    assert client.get("/steward/judgements", params={"entity_type": "Address"}, headers=steward).json() == []

    # Who looked at the records is in the audit log, with the entities and fields shown.
    auditor = api_key_headers(settings, {"audit"}, name="auditor")
    entries = client.get("/audit", params={"entity": "P-2"}, headers=auditor).json()
    # The history names the entities judged: each look at it is in the log too (newest first).
    assert [e["operation"] for e in entries] == [
        "GET /steward/judgements",
        *[f"GET /steward/items/{ids['merge']}"] * 2,
    ]
    entries = entries[1:]
    assert entries[0]["entity_ids"] == ["P-1", "P-2"]
    assert "identity_number" in entries[0]["fields"]
