"""The authenticator on a tiny app: 401 without a valid credential, 403 without the scope,
429 over the rate, and the development switch that makes everyone an anonymous reader."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from hub.api.security.api_keys import ApiKeys
from hub.api.security.authenticator import Authenticator, require_scope
from hub.api.security.errors import install_error_handler
from hub.api.security.principal import Principal
from hub.errors import ConfigError
from hub.settings import Settings
from hub.state import StateStore

SECRET = "k" * 32


def tiny_app(settings: Settings) -> tuple[FastAPI, StateStore]:
    state = StateStore(settings.state_database_url)
    authenticator = Authenticator(settings, lambda: state)
    app = FastAPI()
    install_error_handler(app)

    @app.get("/whoami")
    async def whoami(principal: Principal = Depends(authenticator.authenticate)) -> dict[str, Any]:  # noqa: B008
        return {"name": principal.name, "scopes": sorted(principal.scopes), "method": principal.method}

    @app.get("/pii")
    async def pii(principal: Principal = Depends(require_scope(authenticator.authenticate, "pii"))) -> str:  # noqa: B008
        return principal.name

    return app, state


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, jwt_secret=SECRET, jwt_audience="gridhub", api_key_cache_s=1.0)  # type: ignore[arg-type]


@pytest.fixture
def app_state(settings: Settings) -> Iterator[tuple[TestClient, StateStore]]:
    app, state = tiny_app(settings)
    with TestClient(app) as client:
        yield client, state
    state.close()


def key(state: StateStore, *scopes: str, name: str = "dept") -> str:
    return ApiKeys(state).create(name, scopes, created_by="tests").key


def token(**claims: Any) -> str:
    body = {"sub": "li.si", "aud": "gridhub", "exp": int(time.time()) + 60, **claims}
    return jwt.encode(body, SECRET, algorithm="HS256")


def unauthenticated(response: Any) -> str:
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    return str(error["message"])


def test_no_credential_is_401_saying_how_to_authenticate(app_state: tuple[TestClient, StateStore]) -> None:
    client, _ = app_state
    message = unauthenticated(client.get("/whoami"))
    assert "Authorization: Bearer" in message
    assert "X-API-Key" in message
    assert "must be 'Bearer" in unauthenticated(
        client.get("/whoami", headers={"Authorization": "Basic eDp5"})
    )


def test_an_api_key_in_either_header(app_state: tuple[TestClient, StateStore]) -> None:
    client, state = app_state
    plaintext = key(state, "read", name="民政")
    for headers in ({"Authorization": f"Bearer {plaintext}"}, {"X-API-Key": plaintext}):
        response = client.get("/whoami", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json() == {"name": "民政", "scopes": ["read"], "method": "api_key"}


def test_a_bad_or_revoked_key_is_401(app_state: tuple[TestClient, StateStore], settings: Settings) -> None:
    client, state = app_state
    plaintext = key(state, "read")
    wrong = plaintext[:-2] + ("xx" if not plaintext.endswith("xx") else "yy")
    assert "unknown or revoked" in unauthenticated(client.get("/whoami", headers={"X-API-Key": wrong}))
    assert "is not an API key" in unauthenticated(client.get("/whoami", headers={"X-API-Key": "hunter2"}))
    # Revoked through the state database (as the CLI does): refused within the cache's lifetime.
    assert client.get("/whoami", headers={"X-API-Key": plaintext}).status_code == 200
    state.revoke_api_key(plaintext.split("_")[1])
    deadline = time.monotonic() + settings.api_key_cache_s + 2
    while client.get("/whoami", headers={"X-API-Key": plaintext}).status_code == 200:
        assert time.monotonic() < deadline, "a revoked key still works after the cache's lifetime"
        time.sleep(0.25)
    unauthenticated(client.get("/whoami", headers={"X-API-Key": plaintext}))


def test_a_jwt_as_bearer(app_state: tuple[TestClient, StateStore]) -> None:
    client, _ = app_state
    response = client.get("/whoami", headers={"Authorization": f"Bearer {token(scope='read pii')}"})
    assert response.json() == {"name": "li.si", "scopes": ["pii", "read"], "method": "jwt"}
    expired = token(exp=int(time.time()) - 3600)
    assert unauthenticated(client.get("/whoami", headers={"Authorization": f"Bearer {expired}"})) == (
        "the token has expired"
    )
    elsewhere = token(aud="another-api")
    message = unauthenticated(client.get("/whoami", headers={"Authorization": f"Bearer {elsewhere}"}))
    assert "not meant for this API" in message
    forged = jwt.encode(
        {"sub": "x", "aud": "gridhub", "exp": int(time.time()) + 60}, "z" * 32, algorithm="HS256"
    )
    response = client.get("/whoami", headers={"Authorization": f"Bearer {forged}"})
    assert unauthenticated(response) == "the token's signature is invalid"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_missing_scope_is_403(app_state: tuple[TestClient, StateStore]) -> None:
    client, state = app_state
    response = client.get("/pii", headers={"X-API-Key": key(state, "read")})
    assert response.status_code == 403
    assert response.json() == {
        "errors": [{"message": "the pii scope is needed", "extensions": {"code": "FORBIDDEN"}}]
    }
    assert client.get("/pii", headers={"X-API-Key": key(state, "pii")}).status_code == 200
    assert client.get("/pii", headers={"X-API-Key": key(state, "admin")}).status_code == 200  # admin: all


def test_over_the_rate_is_429_with_retry_after(tmp_path: Path) -> None:
    app, state = tiny_app(Settings(data_dir=tmp_path, api_rate_per_s=0.5, api_rate_burst=2))
    with TestClient(app) as client:
        first, second = key(state, "read", name="a"), key(state, "read", name="b")
        assert [client.get("/whoami", headers={"X-API-Key": first}).status_code for _ in range(2)] == [
            200,
            200,
        ]
        limited = client.get("/whoami", headers={"X-API-Key": first})
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "2"  # one request per two seconds
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # Per key: another caller is not held back.
        assert client.get("/whoami", headers={"X-API-Key": second}).status_code == 200
    state.close()


def test_disabled_auth_makes_everyone_an_anonymous_reader(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        app, state = tiny_app(Settings(data_dir=tmp_path, api_auth="disabled"))
    assert any(
        "AUTHENTICATION IS DISABLED" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
    )
    with TestClient(app) as client:
        assert client.get("/whoami").json() == {
            "name": "anonymous",
            "scopes": ["read"],
            "method": "anonymous",
        }
        # Even with an all-scopes key: nothing but read.
        admin = key(state, "admin")
        assert client.get("/whoami", headers={"X-API-Key": admin}).json()["name"] == "anonymous"
        assert client.get("/pii").status_code == 403
    state.close()


def test_disabled_auth_is_refused_in_production(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_auth="disabled", api_mode="production")
    with pytest.raises(ConfigError, match="GRIDHUB_API_AUTH=disabled is for local development"):
        Authenticator(settings, lambda: StateStore(settings.state_database_url))


def test_a_bad_jwt_key_file_stops_startup_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "idp.pem"
    bad.write_text("not a key")
    settings = Settings(data_dir=tmp_path, jwt_public_key_file=bad)
    with pytest.raises(ConfigError, match=str(bad)):
        Authenticator(settings, lambda: StateStore(settings.state_database_url))


def test_jwts_are_not_accepted_when_none_is_configured(tmp_path: Path) -> None:
    app, state = tiny_app(Settings(data_dir=tmp_path))
    with TestClient(app) as client:
        message = unauthenticated(client.get("/whoami", headers={"Authorization": f"Bearer {token()}"}))
    assert message == "the credential is not an API key (ghk_…)"
    state.close()
