"""The audit log covers the whole district: a caller restricted to streets or communities is
refused it (403), whatever its scopes; an unrestricted auditor is served."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.api.security.api_keys import ApiKeys
from hub.api.security.principal import Principal
from hub.settings import Settings
from hub.state import StateStore
from tests.hub.api.security.test_app_security import SECRET, StubStore

REFUSAL = (
    "the audit log covers the whole district: a key or token restricted to streets or "
    "communities cannot read it (an unrestricted key with the audit scope can)"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, jwt_secret=SECRET, api_rate_burst=100_000)  # type: ignore[arg-type]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(StubStore(), settings)) as test_client:  # type: ignore[arg-type]
        # Another key's lookup of a person outside the restricted callers' street.
        looker = Principal(name="民政", scopes=frozenset({"read", "pii"}), key_id="abc")
        test_client.app.state.audit.record(  # type: ignore[attr-defined]
            looker, "PersonByIdn", "Person", ["P-far"], ["idNumber", "name"], "10.1.2.3"
        )
        yield test_client


def key(settings: Settings, scopes: set[str], **restriction: list[str]) -> dict[str, str]:
    with StateStore(settings.state_database_url) as state:
        created = ApiKeys(state).create("street office", scopes, created_by="tests", **restriction)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {created.key}"}


def token(**claims: object) -> dict[str, str]:
    payload = {"sub": "wang.wu", "exp": int(time.time()) + 60, **claims}
    return {"Authorization": f"Bearer {jwt.encode(payload, SECRET, algorithm='HS256')}"}


def test_an_unrestricted_auditor_reads_the_log(client: TestClient, settings: Settings) -> None:
    for headers in (key(settings, {"audit"}), token(scope="audit"), key(settings, {"admin"})):
        response = client.get("/audit", params={"entity": "P-far"}, headers=headers)
        assert response.status_code == 200, response.text
        lookups = [e for e in response.json() if e["operation"] == "PersonByIdn"]
        assert [(e["principal"], e["client"]) for e in lookups] == [("key:abc (民政)", "10.1.2.3")]


@pytest.mark.parametrize(
    "restricted",
    [
        {"streets": ["S-1"]},
        {"communities": ["C-1"]},
        {"streets": ["S-1"], "communities": ["C-1"]},
    ],
)
def test_a_restricted_key_is_refused_the_log(
    client: TestClient, settings: Settings, restricted: dict[str, list[str]]
) -> None:
    for scopes in ({"audit"}, {"admin"}, {"audit", "read", "pii"}):
        for params in ({"entity": "P-far"}, {}, {"key": "abc"}):
            response = client.get("/audit", params=params, headers=key(settings, scopes, **restricted))
            assert response.status_code == 403, response.text
            assert response.json() == {"errors": [{"message": REFUSAL, "extensions": {"code": "FORBIDDEN"}}]}
            assert "P-far" not in response.text
            assert "10.1.2.3" not in response.text


def test_a_restricted_token_is_refused_the_log(client: TestClient) -> None:
    for claims in ({"streets": ["S-1"]}, {"communities": ["C-1"]}, {"streets": []}):
        response = client.get("/audit", params={"entity": "P-far"}, headers=token(scope="audit", **claims))
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0] == {"message": REFUSAL, "extensions": {"code": "FORBIDDEN"}}


def test_a_restricted_caller_without_the_scope_is_told_about_the_scope(
    client: TestClient, settings: Settings
) -> None:
    response = client.get("/audit", headers=key(settings, {"read"}, streets=["S-1"]))
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == "the audit scope is needed"
