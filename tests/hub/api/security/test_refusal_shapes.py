"""Every refusal outside GraphQL execution has the GraphQL error shape and a code: parameter
validation (422 BAD_USER_INPUT naming the parameter), routing (404 NOT_FOUND, 405
METHOD_NOT_ALLOWED with Allow), a route's own HTTP errors, an unexpected failure (500)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.api.security.errors import install_error_handler, validation_messages
from hub.settings import Settings
from tests.hub.api.conftest import api_key_headers
from tests.hub.api.security.test_app_security import StubStore


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, api_rate_burst=100_000)
    app = create_app(StubStore(), settings)  # type: ignore[arg-type]
    with TestClient(app, headers=api_key_headers(settings, {"audit"}, name="auditor")) as test_client:
        yield test_client


def the_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) <= {"errors", "detail"}, body
    [error] = body["errors"]
    assert set(error) == {"message", "extensions"}
    return dict(error)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "abc"}, "limit: must be a whole number"),
        ({"limit": "2000"}, "limit: must be ≤ 1000"),
        ({"limit": "0"}, "limit: must be ≥ 1"),
        ({"since": "yesterday"}, "since: must be an ISO 8601 date or date-time"),
    ],
)
def test_a_bad_parameter_is_422_bad_user_input_naming_it(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    response = client.get("/audit", params=params)
    assert response.status_code == 422
    error = the_error(response)
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert error["message"].startswith(message), error["message"]
    assert params[next(iter(params))] not in error["message"]  # the value sent is not echoed


def test_every_bad_parameter_is_named(client: TestClient) -> None:
    response = client.get("/audit", params={"limit": "2000", "since": "yesterday"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert sorted(e["message"].split(":")[0] for e in errors) == ["limit", "since"]
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}


def test_good_parameters_still_pass(client: TestClient) -> None:
    response = client.get("/audit", params={"limit": "1000", "since": "2026-01-31"})
    assert response.status_code == 200, response.text


def test_an_unknown_route_is_404_not_found(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    error = the_error(response)
    assert error == {"message": "nothing at /nowhere", "extensions": {"code": "NOT_FOUND"}}


@pytest.mark.parametrize(
    ("method", "path", "allow"), [("DELETE", "/audit", "GET"), ("PUT", "/graphql", "GET, POST")]
)
def test_a_wrong_method_is_405_method_not_allowed_with_allow(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    error = the_error(response)
    assert error["extensions"] == {"code": "METHOD_NOT_ALLOWED"}
    assert error["message"] == f"{method} is not allowed on {path} (allowed: {allow})"


def test_a_routes_own_http_error_has_the_shape_and_keeps_its_detail(client: TestClient) -> None:
    response = client.get("/review/assets/nope.js")  # the workbench's assets: a route's own 404
    assert response.status_code == 404
    body = response.json()
    assert body["errors"] == [{"message": "no asset 'nope.js'", "extensions": {"code": "NOT_FOUND"}}]
    assert body["detail"] == "no asset 'nope.js'"  # as clients read it before


def test_security_refusals_keep_their_codes_and_headers(client: TestClient) -> None:
    response = client.get("/audit", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert the_error(response)["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "detail" not in response.json()


def small_app() -> FastAPI:
    app = FastAPI()
    install_error_handler(app)

    @app.get("/conflict")
    def conflict() -> None:
        raise HTTPException(409, "already decided", headers={"X-Why": "decided"})

    @app.get("/teapot")
    def teapot() -> None:
        raise HTTPException(418)

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("secret internals at /srv/data")

    @app.get("/empty")
    def empty() -> None:
        raise HTTPException(304)

    return app


def test_any_other_status_is_passed_through_in_the_shape() -> None:
    with TestClient(small_app(), raise_server_exceptions=False) as client:
        conflict = client.get("/conflict")
        assert (conflict.status_code, conflict.headers["x-why"]) == (409, "decided")
        assert the_error(conflict) == {"message": "already decided", "extensions": {"code": "CONFLICT"}}
        teapot = client.get("/teapot")
        assert teapot.status_code == 418
        assert the_error(teapot)["extensions"] == {"code": "BAD_REQUEST"}
        broken = client.get("/broken")
        assert broken.status_code == 500
        assert broken.json() == {
            "errors": [{"message": "internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]
        }
        empty = client.get("/empty")
        assert (empty.status_code, empty.content) == (304, b"")


def test_validation_messages() -> None:
    assert validation_messages(
        [
            {"type": "missing", "loc": ("query", "q"), "msg": "Field required"},
            {"type": "string_too_long", "loc": ("body", "note"), "msg": "…", "ctx": {"max_length": 10}},
            {"type": "something_else", "loc": ("body",), "msg": "Input should be a valid dictionary"},
        ]
    ) == ["q: is required", "note: must be at most 10 characters", "body: input should be a valid dictionary"]
