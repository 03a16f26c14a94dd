"""Identity numbers and phones are masked unless the caller holds the PII scope."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

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


def _candidates(known: str, count: int) -> list[str]:
    """What a caller holding the masked number and the birth date would try: the two district
    digits the mask hides (4403NN…), the true one among them."""
    return [known[:4] + f"{n:02d}" + known[6:] for n in range(count)]


def test_a_list_of_candidates_for_a_masked_value_is_forbidden(without_pii: GraphQL) -> None:
    query = "query ($c: [String!]) { personsAggregate(where: {identityNumber: {in: $c}}) { count } }"
    body = without_pii(query, c=_candidates(IDENTITY_NUMBER, 100))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert "one whole value" in body["errors"][0]["message"]


def test_tests_of_masked_values_are_bounded_per_minute_and_audited(
    district: GraphStore, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "api", api_rate_burst=100_000, api_masked_tests_per_min=5)
    reader = api_key_headers(settings, {"read"}, name="reader")
    auditor = api_key_headers(settings, {"audit"}, name="auditor")
    tries = _candidates(IDENTITY_NUMBER, 6)
    with TestClient(create_app(district, settings)) as client:
        graphql = graphql_caller(client)
        client.headers.update(reader)
        # One value asked twice in a request, and in a relationship's where (checked for each
        # parent), is one test.
        body = graphql(
            "query ($v: String!) { a: person(identityNumber: $v) { id } b: person(identityNumber: $v) { id }"
            " buildings { nodes { addresses { nodes { residents(where: {identityNumber: {eq: $v}}) { totalCount } } } } } }",
            v=tries[0],
        )
        assert "errors" not in body, body
        # Aliased lookups and `eq` tests, one candidate each: four more pass, the next is refused.
        lookups = " ".join(f'l{i}: person(identityNumber: "{c}") {{ id }}' for i, c in enumerate(tries[1:3]))
        counts = " ".join(
            f'c{i}: personsAggregate(where: {{identityNumber: {{eq: "{c}"}}}}) {{ count }}'
            for i, c in enumerate(tries[3:])
        )
        body = graphql(f"{{ {lookups} {counts} }}")
        assert [e["extensions"]["code"] for e in body["errors"]] == ["RATE_LIMITED"], body
        assert "at most 5" in body["errors"][0]["message"]
        client.headers.update(auditor)
        entries = client.get("/audit").json()
    tested = [e for e in entries if any(f.startswith("tested") for f in e["fields"])]
    # Written found or not, newest first; the values themselves are not.
    assert [(e["entity_type"], e["fields"]) for e in tested] == [
        ("Person", ["tested identityNumber ×5"]),
        ("Person", ["tested identityNumber ×1"]),
    ]
    assert not any(c in json.dumps(entries) for c in tries)


def test_whether_a_masked_value_is_there_may_be_asked(without_pii: GraphQL) -> None:
    body = without_pii("{ persons(where: {identityNumber: {isNull: true}}) { nodes { name } } }")
    assert body["data"]["persons"]["nodes"] == [{"name": "王芳"}]
