"""The limits that keep one request from taking the server: cost, time and body size.

- A query that may return too many objects is refused before the store is asked anything.
- A request past its time limit is answered with a TIMEOUT error (HTTP 200, GraphQL's shape),
  and the store queries still waiting are not started.
- A body over the limit is refused with 413 before anything reads it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.settings import Settings
from hub.store import GraphStore, StoreTimeout
from tests.hub.api.conftest import IDENTITY_NUMBER, api_key_headers

# The store's methods that run queries (everything the API reads through).
QUERIES = (
    *("read", "get_node", "get_nodes", "find", "count", "related", "aggregate", "counts", "find_nodes"),
    *("find_below", "pages_below"),
)

PERSON_360 = """
query ($idn: String!) {
  person(identityNumber: $idn) {
    id name identityNumber phone age
    addresses { totalCount nodes { fullText floor building { buildingCode grid { gridCode } } } }
    companies { nodes { name uscc licenses { nodes { licenseNumber validUntil } } } }
    mother { id name }
    children { totalCount }
  }
}
"""

THREE_DEEP = """
{ persons(first: 1000) { nodes { addresses(first: 1000) { nodes { residents(first: 1000) { nodes { id } } } } } } }
"""


class CountingStore:
    """The store, counting the queries run through it (by method, when they start)."""

    def __init__(self, real: GraphStore) -> None:
        self._real = real
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._real, name)
        if name not in QUERIES:
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls[name] += 1
            self.before(name)
            return attr(*args, **kwargs)

        return counted

    def before(self, name: str) -> None:
        """Runs as a query starts (subclasses delay or fail it)."""

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())


class SlowStore(CountingStore):
    """``find`` and ``related`` (and the trees of pages) take ``delay`` seconds each before
    they answer."""

    def __init__(self, real: GraphStore, delay: float) -> None:
        super().__init__(real)
        self.delay = delay

    def before(self, name: str) -> None:
        if name in ("find", "related", "find_below", "pages_below"):
            time.sleep(self.delay)


def post(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


# -- cost -------------------------------------------------------------------------------------------


@pytest.fixture
def counting(district: GraphStore) -> CountingStore:
    return CountingStore(district)


@pytest.fixture
def counted_client(
    counting: CountingStore, api_settings: Settings, auth_headers: dict[str, str]
) -> Iterator[TestClient]:
    with TestClient(create_app(counting, api_settings), headers=auth_headers) as client:
        yield client


def test_three_nested_pages_of_a_thousand_are_refused_before_the_store_is_asked(
    counted_client: TestClient, counting: CountingStore
) -> None:
    counting.calls.clear()
    body = post(counted_client, THREE_DEEP)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > error["extensions"]["limit"] == 20_000
    assert counting.total == 0, counting.calls


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        # The page sizes as variables.
        (
            "query ($n: Int!) { persons(first: $n) { nodes { addresses(first: $n) { nodes { residents(first: $n) { nodes { id } } } } } } }",
            {"n": 1000},
        ),
        # Behind a fragment and an inline fragment.
        (
            "{ persons(first: 1000) { ...P } } fragment P on PersonConnection { nodes { ... on Person { addresses(first: 1000) { nodes { id } } } } }",
            {},
        ),
        # Two aliases each under the limit, together over it.
        (
            "{ a: persons(first: 1000) { nodes { addresses(first: 15) { nodes { id } } } }"
            "  b: persons(first: 1000) { nodes { addresses(first: 15) { nodes { id } } } } }",
            {},
        ),
        # The default page of a relationship list (100) counts.
        ("{ persons(first: 1000) { nodes { addresses { nodes { residents { nodes { id } } } } } } }", {}),
        # A grouped aggregate's groups count as many as it may give (5,000), not as a short list.
        (
            "{ personsAggregate(groupBy: ADDRESS) { groups { count place { ... on Address {"
            " fullText residents(first: 60) { nodes { id name } } } } } } }",
            {},
        ),
    ],
)
def test_cost_is_counted_through_variables_fragments_aliases_and_defaults(
    counted_client: TestClient, counting: CountingStore, query: str, variables: dict[str, Any]
) -> None:
    counting.calls.clear()
    body = post(counted_client, query, **variables)
    assert codes(body) == ["QUERY_TOO_COSTLY"], body
    assert counting.total == 0, counting.calls


def test_one_of_the_two_aliases_alone_is_allowed(counted_client: TestClient, counting: CountingStore) -> None:
    counting.calls.clear()
    body = post(
        counted_client, "{ a: persons(first: 1000) { nodes { addresses(first: 15) { nodes { id } } } } }"
    )
    assert "errors" not in body, body
    assert counting.total > 0


def test_counts_per_grid_pass(counted_client: TestClient, counting: CountingStore) -> None:
    counting.calls.clear()
    body = post(counted_client, "{ personsAggregate(groupBy: GRID) { count groups { count place { id } } } }")
    assert "errors" not in body, body
    assert counting.total > 0


def test_the_person_360_passes(counted_client: TestClient, counting: CountingStore) -> None:
    counting.calls.clear()
    body = post(counted_client, PERSON_360, idn=IDENTITY_NUMBER)
    assert "errors" not in body, body
    person = body["data"]["person"]
    assert person["id"] == "P1"
    assert person["addresses"]["nodes"][0]["building"]["grid"] == {"gridCode": "440304001001"}
    assert person["companies"]["nodes"][0]["licenses"]["nodes"] == [
        {"licenseNumber": "JY14403040000001", "validUntil": "2027-05-01"}
    ]
    assert person["mother"]["id"] == "P2"
    assert counting.total > 0


def test_the_limit_follows_the_settings(district: GraphStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "api", api_rate_burst=100_000, api_max_cost=50)
    counting = CountingStore(district)
    with TestClient(create_app(counting, settings), headers=api_key_headers(settings)) as client:
        counting.calls.clear()
        refused = post(client, "{ persons(first: 51) { nodes { id } } }")
        assert codes(refused) == ["QUERY_TOO_COSTLY"]
        assert refused["errors"][0]["extensions"]["limit"] == 50
        assert counting.total == 0
        allowed = post(client, "{ persons(first: 50) { nodes { id } } }")
        assert "errors" not in allowed
        assert counting.total > 0


# -- time -------------------------------------------------------------------------------------------

TIMEOUT_S = 0.5
DELAY_S = 0.35
# Four store round trips one after another (the person, then addresses, building, grid), each
# shorter than the limit; together past it.
CHAIN = '{ person(id: "P1") { addresses { nodes { building { grid { id } } } } } }'


def slow_client(
    district: GraphStore, tmp_path: Path, delay: float, timeout_s: float = TIMEOUT_S
) -> tuple[TestClient, SlowStore]:
    settings = Settings(data_dir=tmp_path / "api", api_rate_burst=100_000, api_timeout_s=timeout_s)
    store = SlowStore(district, delay)
    client = TestClient(create_app(store, settings), headers=api_key_headers(settings))
    return client, store


@pytest.mark.parametrize("reads_ahead", [False, True])
def test_a_request_past_its_time_is_cancelled_with_timeout(
    district: GraphStore, tmp_path: Path, reads_ahead: bool
) -> None:
    # Level by level, four calls each shorter than the limit; read ahead with the person, one
    # call that alone outlasts it.
    delay = 1.6 * TIMEOUT_S if reads_ahead else DELAY_S
    client, store = slow_client(district, tmp_path, delay=delay)
    store.reads_ahead = reads_ahead  # type: ignore[attr-defined]
    with client:
        started = time.monotonic()
        response = client.post("/graphql", json={"query": CHAIN})
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        body = response.json()
        assert body["data"] is None
        assert codes(body) == ["TIMEOUT"]
        assert "0.5 s" in body["errors"][0]["message"]
        assert elapsed < 2 * TIMEOUT_S, elapsed
        # What was still to be asked is not asked later: the loaders were cancelled.
        asked = store.total
        assert asked < 4, store.calls
        time.sleep(4 * delay)
        assert store.total == asked, store.calls


def test_the_same_chain_within_its_time_is_answered(district: GraphStore, tmp_path: Path) -> None:
    client, _ = slow_client(district, tmp_path, delay=0.05, timeout_s=5.0)
    with client:
        body = post(client, CHAIN)
        assert body == {"data": {"person": {"addresses": {"nodes": [{"building": {"grid": {"id": "G1"}}}]}}}}


class TimingOutStore(CountingStore):
    """A store whose relationship reads are stopped by its own read timeout (on a store that
    reads them with the root nodes, that query)."""

    def before(self, name: str) -> None:
        if name in ("related", "find_below"):
            raise StoreTimeout("the store stopped a query after 0.3 s")


@pytest.mark.parametrize("reads_ahead", [False, True])
def test_a_query_the_store_stops_is_a_timeout_and_the_rest_stands(
    district: GraphStore, api_settings: Settings, auth_headers: dict[str, str], reads_ahead: bool
) -> None:
    store = TimingOutStore(district)
    store.reads_ahead = reads_ahead  # type: ignore[attr-defined]
    with TestClient(create_app(store, api_settings), headers=auth_headers) as client:
        body = post(client, '{ person(id: "P1") { id mother { id } } building(id: "B1") { id } }')
    assert codes(body) == ["TIMEOUT"]
    # Partial data, as GraphQL answers a failed nullable field: the mother's read, or (read
    # with the person) the person's.
    if reads_ahead:
        assert body["errors"][0]["path"] == ["person"]
        assert body["data"] == {"person": None, "building": {"id": "B1"}}
    else:
        assert body["errors"][0]["path"] == ["person", "mother"]
        assert body["data"] == {"person": {"id": "P1", "mother": None}, "building": {"id": "B1"}}


# -- body size --------------------------------------------------------------------------------------


@pytest.fixture
def small_body_client(
    district: GraphStore, tmp_path: Path
) -> Iterator[tuple[TestClient, CountingStore, int]]:
    limit = 4096
    settings = Settings(data_dir=tmp_path / "api", api_rate_burst=100_000, api_max_body_bytes=limit)
    store = CountingStore(district)
    with TestClient(create_app(store, settings), headers=api_key_headers(settings)) as client:
        yield client, store, limit


def test_a_body_over_the_limit_is_413(small_body_client: tuple[TestClient, CountingStore, int]) -> None:
    client, store, limit = small_body_client
    store.calls.clear()
    query = '{ person(id: "P1") { id } }'
    big = {"query": query, "variables": {"pad": "x" * limit}}
    response = client.post("/graphql", json=big)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"
    assert str(limit) in response.json()["errors"][0]["message"]
    assert store.total == 0
    # A body just under the limit is read as usual.
    fits = {"query": query, "variables": {"pad": "x" * (limit - 200)}}
    response = client.post("/graphql", json=fits)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"person": {"id": "P1"}}}


def test_a_chunked_body_over_the_limit_is_413(
    small_body_client: tuple[TestClient, CountingStore, int],
) -> None:
    """Without a Content-Length the body is counted as it arrives."""
    client, store, limit = small_body_client
    store.calls.clear()
    head = b'{"query": "{ person(id: \\"P1\\") { id } }", "variables": {"pad": "'

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(2 * limit // 512):
            yield b"x" * 512
        yield b'"}}'

    response = client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"
    assert store.total == 0
