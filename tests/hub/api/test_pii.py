"""Identity numbers and phones are masked unless the caller holds the PII scope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.settings import Settings
from hub.store import GraphStore
from tests.hub.api.conftest import IDENTITY_NUMBER, GraphQL, api_key_headers, graphql_caller

QUERY = """query ($idn: String!) {
  person(identityNumber: $idn) { name identityNumber phone
    addresses { nodes { building { grid { gridWorkers { nodes { name phone } } } } } } }
}"""


@pytest.fixture
def without_pii(district: GraphStore, api_settings: Settings) -> Iterator[GraphQL]:
    # A caller that may read every type, and nothing more.
    headers = api_key_headers(api_settings, {"read"}, name="reader")
    with TestClient(create_app(district, api_settings), headers=headers) as client:
        yield graphql_caller(client)


def _person(body: dict[str, object]) -> dict[str, object]:
    assert "errors" not in body, body
    data = body["data"]
    assert isinstance(data, dict)
    person = data["person"]
    assert isinstance(person, dict)
    return person


def test_pii_is_masked_without_the_scope(without_pii: GraphQL) -> None:
    person = _person(without_pii(QUERY, idn=IDENTITY_NUMBER))
    assert person["name"] == "张伟"  # not PII
    assert person["identityNumber"] == "4403**********0012"
    assert person["phone"] == "+86 138****5678"
    worker = person["addresses"]["nodes"][0]["building"]["grid"]["gridWorkers"]["nodes"][0]  # type: ignore[index]
    assert worker == {"name": "李强", "phone": "+86 139****1111"}


def test_pii_is_shown_with_the_scope(graphql: GraphQL) -> None:
    person = _person(graphql(QUERY, idn=IDENTITY_NUMBER))
    assert person["identityNumber"] == IDENTITY_NUMBER
    assert person["phone"] == "+8613812345678"
