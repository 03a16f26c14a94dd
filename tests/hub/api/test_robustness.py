"""Queries generated from the served schema (hypothesis-graphql), and the error codes of bad requests.

Whatever a client sends, the API answers in GraphQL's shape: never a 500, and every error with
``extensions.code`` (hub/api/errors.py), so that a department system can react without parsing
messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import graphql
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, queries

from graph_schema import default_schema
from hub.api import create_app
from hub.api.schema import build_graphql_schema
from hub.settings import Settings
from hub.store import GraphStore

SDL = build_graphql_schema(default_schema()).as_str()

# Values of the schema's own scalars, as GraphQL literals: mostly well-formed, sometimes not.
_SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "Date": st.one_of(
        st.dates(min_value=dt.date(1, 1, 1)).map(lambda d: graphql.StringValueNode(value=d.isoformat())),
        st.text(max_size=12).map(lambda t: graphql.StringValueNode(value=t)),
    ),
    "DateTime": st.one_of(
        st.datetimes().map(lambda d: graphql.StringValueNode(value=d.isoformat())),
        st.text(max_size=12).map(lambda t: graphql.StringValueNode(value=t)),
    ),
}

_FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI does not flake on a new one
    database=None,  # and nothing is written next to the sources
    # One app over one read-only district serves every example (queries change nothing).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def open_client(
    district: GraphStore, api_settings: Settings, auth_headers: dict[str, str]
) -> Iterator[TestClient]:
    """A client holding every scope that sees a server failure as the 500 a client would get
    (rather than the exception the test client raises by default)."""
    app = create_app(district, api_settings)
    with TestClient(app, headers=auth_headers, raise_server_exceptions=False) as client:
        yield client


def check_answer(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POSTs ``query``; asserts a GraphQL-shaped answer with a code on every error; returns the body."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code != 500, f"{query}\n→ {response.text}"
    assert response.status_code == 200, f"{query}\n→ {response.status_code} {response.text}"
    body: dict[str, Any] = response.json()
    assert "data" in body or "errors" in body, body
    for error in body.get("errors", []):
        code = (error.get("extensions") or {}).get("code")
        assert isinstance(code, str), f"{query}\n→ an error without extensions.code: {error}"
        assert code, f"{query}\n→ an empty extensions.code: {error}"
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


# -- generated queries ----------------------------------------------------------------------------


def test_generated_valid_queries_never_fail_the_server(open_client: TestClient) -> None:
    @_FUZZ
    @given(query=queries(SDL, custom_scalars=_SCALARS))
    def run(query: str) -> None:
        check_answer(open_client, query)

    run()


def test_generated_invalid_queries_are_refused_with_a_code(open_client: TestClient) -> None:
    @settings(_FUZZ, max_examples=60)
    @given(query=queries(SDL, custom_scalars=_SCALARS, mode=Mode.NEGATIVE))
    def run(query: str) -> None:
        body = check_answer(open_client, query)
        # One schema violation per document: the validator (or a resolver's check) refuses it.
        assert body.get("errors"), f"{query}\n→ accepted: {body}"

    run()


def test_the_fuzzed_schema_is_the_served_one(open_client: TestClient) -> None:
    """The generator works from the schema the app serves (not a stale copy): its root fields are
    those introspection shows."""
    body = check_answer(open_client, "{ __schema { queryType { fields { name } } } }")
    served = {f["name"] for f in body["data"]["__schema"]["queryType"]["fields"]}
    parsed = graphql.build_schema(SDL)
    assert parsed.query_type is not None
    assert served == set(parsed.query_type.fields)


# -- error codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ person(id: "P1") { id ', "GRAPHQL_PARSE_FAILED"),
        ("{ persons(first: 1) { nodes { id } } }}", "GRAPHQL_PARSE_FAILED"),
        ('{ person(id: "P1") { nope } }', "GRAPHQL_VALIDATION_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ('{ person(id: 1, unknownArgument: "x") { id } }', "GRAPHQL_VALIDATION_FAILED"),
        ('{ persons(first: "ten") { totalCount } }', "GRAPHQL_VALIDATION_FAILED"),
        ("mutation { x }", "GRAPHQL_VALIDATION_FAILED"),
        ('{ persons(after: "not-a-cursor") { totalCount } }', "BAD_USER_INPUT"),
        ('{ person(id: "P1") { addresses(after: "bm90LWEtY3Vyc29y") { totalCount } } }', "BAD_USER_INPUT"),
        ("{ persons(first: -1) { totalCount } }", "BAD_USER_INPUT"),
        ("{ persons(first: 1001) { totalCount } }", "BAD_USER_INPUT"),
        ('{ person(id: "P1", identityNumber: "440304199001010012") { id } }', "BAD_USER_INPUT"),
        ("{ person { id } }", "BAD_USER_INPUT"),
        ("{ addresses(sort: [{}]) { totalCount } }", "BAD_USER_INPUT"),
        ("{ persons(where: {addresses: {}}) { totalCount } }", "BAD_USER_INPUT"),
        ("{ persons(where: {age: {gte: 500}}) { totalCount } }", "BAD_USER_INPUT"),
        ("{ departmentsAggregate(groupBy: GRID) { count } }", "BAD_USER_INPUT"),  # no place
        ('{ searchPersons(name: "  ") { score } }', "BAD_USER_INPUT"),
        ('{ searchAddresses(text: "福华三路", first: 101) { score } }', "BAD_USER_INPUT"),
    ],
)
def test_each_kind_of_mistake_has_its_code(open_client: TestClient, query: str, code: str) -> None:
    body = check_answer(open_client, query)
    assert body["data"] is None or all(v is None for v in body["data"].values()), body
    assert error_codes(body) == [code], body


def test_a_bad_cursor_names_itself_and_the_rest_of_the_response_stands(open_client: TestClient) -> None:
    body = check_answer(
        open_client,
        'query ($a: String) { person(id: "P1") { addresses(after: $a) { totalCount } } building(id: "B1") { id } }',
        {"a": "offset:1"},  # the text a cursor encodes, not a cursor
    )
    # addresses cannot be null: the person holding it is; the building beside it is answered.
    assert body["data"] == {"person": None, "building": {"id": "B1"}}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["path"] == ["person", "addresses"]
    assert "offset:1" in error["message"]


def test_a_cursor_given_out_is_taken_back(open_client: TestClient) -> None:
    first = check_answer(open_client, "{ persons(first: 1) { pageInfo { endCursor } nodes { id } } }")
    cursor = first["data"]["persons"]["pageInfo"]["endCursor"]
    body = check_answer(
        open_client, "query ($a: String) { persons(first: 1, after: $a) { nodes { id } } }", {"a": cursor}
    )
    assert "errors" not in body
    assert body["data"]["persons"]["nodes"] != first["data"]["persons"]["nodes"]
