"""A tiny district graph and a GraphQL client over it, once per store kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.api.security.api_keys import ApiKeys
from hub.api.security.principal import FIXED_SCOPES
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, RelRow

IDENTITY_NUMBER = "440304199001010012"
PHONE = "+8613812345678"
WORKER_PHONE = "+8613900001111"
USCC = "91440300MA5G000001"

GraphQL = Callable[..., dict[str, Any]]


def load_district(store: GraphStore) -> None:
    """张伟 lives at a room of a building in grid G1 and represents a company holding a licence."""
    nodes: dict[str, list[dict[str, Any]]] = {
        "Person": [
            {"id": "P1", "name": "张伟", "identity_number": IDENTITY_NUMBER, "phone": PHONE},
            {"id": "P2", "name": "王芳", "birth_date": date(1965, 3, 8)},
        ],
        "Address": [{"id": "A1", "address_code": "AD0001", "full_text": "福华三路88号1栋1201", "floor": 12}],
        "Building": [{"id": "B1", "building_code": "440304001001B0001", "name": "1栋"}],
        "Grid": [{"id": "G1", "grid_code": "440304001001", "name": "福山第一网格"}],
        "GridWorker": [{"id": "GW1", "worker_code": "W001", "name": "李强", "phone": WORKER_PHONE}],
        "LegalEntity": [{"id": "L1", "name": "深圳市福山餐饮有限公司", "uscc": USCC}],
        "License": [{"id": "LC1", "license_number": "JY14403040000001", "valid_until": date(2027, 5, 1)}],
        "Task": [{"id": "T1", "fact_key": "licence-expiry:LC1", "item": "证照到期提醒"}],
    }
    for label, rows in nodes.items():
        store.upsert_nodes(label, rows)
    rels = [
        ("LIVES_AT", "Person", "Address", "P1", "A1"),
        ("LIVES_AT", "Person", "Address", "P2", "A1"),
        ("MOTHER_OF", "Person", "Person", "P2", "P1"),
        ("IN_BUILDING", "Address", "Building", "A1", "B1"),
        ("IN_GRID", "Building", "Grid", "B1", "G1"),
        ("COVERS", "GridWorker", "Grid", "GW1", "G1"),
        ("REPRESENTS", "Person", "LegalEntity", "P1", "L1"),
        ("HOLDS", "LegalEntity", "License", "L1", "LC1"),
        ("ABOUT", "Task", "License", "T1", "LC1"),
        ("ASSIGNED_TO", "Task", "GridWorker", "T1", "GW1"),
    ]
    for rel_type, src_label, dst_label, src, dst in rels:
        assert store.upsert_relationships(rel_type, src_label, dst_label, [RelRow(src, dst)]) == 1


def graphql_caller(client: TestClient) -> GraphQL:
    def call(query: str, **variables: Any) -> dict[str, Any]:
        response = client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return call


def add_companies_with_licences(store: GraphStore) -> None:
    """Beside the district's L1 and its licence LC1 (2027-05-01): L1 also holds LC2 (expiring
    2026-12-20), L2 holds LC3 (2028-01-01), L3 holds none."""
    store.upsert_nodes(
        "License",
        [
            {"id": "LC2", "license_number": "JY2", "valid_until": date(2026, 12, 20)},
            {"id": "LC3", "license_number": "JY3", "valid_until": date(2028, 1, 1)},
        ],
    )
    store.upsert_nodes("LegalEntity", [{"id": "L2", "name": "二号公司"}, {"id": "L3", "name": "三号"}])
    store.upsert_relationships("HOLDS", "LegalEntity", "License", [RelRow("L1", "LC2"), RelRow("L2", "LC3")])


def api_key_headers(
    settings: Settings, scopes: Iterable[str] = FIXED_SCOPES, name: str = "tests"
) -> dict[str, str]:
    """The Authorization header of a new API key with ``scopes`` (default: all of them)."""
    with StateStore(settings.state_database_url) as state:
        created = ApiKeys(state).create(name, scopes, created_by="tests")
    return {"Authorization": f"Bearer {created.key}"}


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    """The app's settings: its own state database (API keys, audit log), and a rate limit no
    test reaches (tests ask faster than any client; the limit has its own tests)."""
    return Settings(data_dir=tmp_path / "api", api_rate_burst=100_000)


@pytest.fixture
def auth_headers(api_settings: Settings) -> dict[str, str]:
    """Headers of a caller holding every scope."""
    return api_key_headers(api_settings)


@pytest.fixture
def district(store: GraphStore) -> GraphStore:
    load_district(store)
    return store


@pytest.fixture
def client(
    district: GraphStore, api_settings: Settings, auth_headers: dict[str, str]
) -> Iterator[TestClient]:
    with TestClient(create_app(district, api_settings), headers=auth_headers) as test_client:
        yield test_client


@pytest.fixture
def graphql(client: TestClient) -> GraphQL:
    """POSTs a query with variables; returns the response body (data and errors)."""
    return graphql_caller(client)
