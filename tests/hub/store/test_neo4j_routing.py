"""The Neo4j adapter through a ``neo4j://`` (routing) URL, with every read in a read-access session.

In a cluster the driver sends read transactions to secondaries and write transactions to the
primary; it can only do so when the adapter says which is which. A single server answers the
routing requests as its own router, so the test server stands in for a cluster here, and what
is asserted is what would differ: the access mode each call asks for (the driver routes by it)
and the server's own refusal of a write inside a read transaction (what a secondary does too).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import neo4j
import pytest
from neo4j import RoutingControl

from graph_schema import default_schema
from hub.store import RelRow
from hub.store.errors import StoreError, StoreUnavailable
from hub.store.neo4j_store import READ_ATTEMPTS, Neo4jStore
from hub.store.query import ChainHop
from tests.conftest import _wipe_neo4j

pytestmark = pytest.mark.neo4j


def routing_uri(bolt_uri: str) -> str:
    assert bolt_uri.startswith("bolt://"), bolt_uri
    return "neo4j://" + bolt_uri.removeprefix("bolt://")


@pytest.fixture
def store(neo4j_uri: str) -> Iterator[Neo4jStore]:
    _wipe_neo4j(neo4j_uri)
    opened = Neo4jStore(default_schema(), routing_uri(neo4j_uri))
    opened.apply_schema()
    yield opened
    opened.close()


class _ReadOnlySession:
    """A session that lets reads through and fails the test on a write."""

    def __init__(self, session: neo4j.Session, access_mode: str) -> None:
        self._session = session
        self._access_mode = access_mode

    def __enter__(self) -> _ReadOnlySession:
        self._session.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.close()

    def run(self, *args: Any, **kwargs: Any) -> Any:
        # An auto-commit query is routed by the session's access mode.
        assert self._access_mode == neo4j.READ_ACCESS, "a read ran in a write-access session"
        return self._session.run(*args, **kwargs)

    def execute_read(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.execute_read(*args, **kwargs)

    def execute_write(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a read ran as a write transaction")


class _ReadOnlyDriver:
    """The store's real driver, failing the test whenever a call would be routed to a primary."""

    def __init__(self, driver: neo4j.Driver) -> None:
        self._driver = driver
        self.calls = 0

    def execute_query(
        self,
        query: neo4j.Query,
        params: dict[str, Any],
        *,
        routing_: RoutingControl = RoutingControl.WRITE,
        **kwargs: Any,
    ) -> Any:
        assert routing_ is RoutingControl.READ, "a read was routed as a write"
        self.calls += 1
        return self._driver.execute_query(query, params, routing_=routing_, **kwargs)

    @property
    def execute_query_bookmark_manager(self) -> neo4j.BookmarkManager:
        return self._driver.execute_query_bookmark_manager

    def session(self, **kwargs: Any) -> _ReadOnlySession:
        self.calls += 1
        mode = kwargs.get("default_access_mode", neo4j.WRITE_ACCESS)
        return _ReadOnlySession(self._driver.session(**kwargs), mode)


def test_a_routing_url_serves_writes_and_reads(store: Neo4jStore) -> None:
    assert store.uri.startswith("neo4j://")
    store.upsert_nodes("Person", [{"id": "P1", "name": "张伟"}, {"id": "P2", "name": "李娜"}])
    store.upsert_nodes("Address", [{"id": "A1"}])
    store.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P1", "A1", {"records": ["r1"]})])
    assert store.get_node("Person", "P1") is not None
    assert store.counts().relationships["LIVES_AT"] == 1


def test_the_server_refuses_a_write_sent_through_the_read_path(store: Neo4jStore) -> None:
    # Had `read` asked for a write transaction, this would create a node.
    with pytest.raises(StoreError, match="AccessMode"):
        store.read("CREATE (n:Person {id: 'X'}) RETURN n.id AS id")
    assert store.get_node("Person", "X") is None


def test_every_read_of_the_port_asks_for_read_access(store: Neo4jStore) -> None:
    store.upsert_nodes("Person", [{"id": "P1", "name": "张伟"}])
    store.upsert_nodes("Address", [{"id": "A1"}])
    store.upsert_nodes("Building", [{"id": "B1"}])
    store.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P1", "A1", {"records": ["r1"]})])
    store.upsert_relationships("IN_BUILDING", "Address", "Building", [RelRow("A1", "B1")])

    guard = _ReadOnlyDriver(store._driver)
    real, store._driver = store._driver, guard  # type: ignore[assignment]
    try:
        assert store.get_node("Person", "P1") is not None
        assert set(store.get_nodes("Person", ["P1", "P9"])) == {"P1"}
        assert [n.id for n in store.find_nodes("Person", "name", "张伟")] == ["P1"]
        neighbourhood = store.neighbourhood("Person", "P1")
        assert neighbourhood is not None
        assert [n.id for n in neighbourhood.neighbours("LIVES_AT")] == ["A1"]
        assert store.existing_ids("Person", ["P1", "P9"]) == {"P1"}
        assert [n.id for n in store.iter_nodes("Person")] == ["P1"]
        assert [(link.src, link.dst) for link in store.iter_relationships("LIVES_AT")] == [("P1", "A1")]
        assert store.counts().nodes["Person"] == 1
        assert [n.id for n in store.find("Person")] == ["P1"]
        assert store.count("Person") == 1
        assert store.related("Person", ["P1"], "LIVES_AT", outgoing=True)["P1"].total == 1
        (hop,) = store.single_chain("Address", ["A1"], [ChainHop("IN_BUILDING", True, "Building")])
        assert set(hop) == {"A1"}
        assert sum(p.count for p in store.aggregate("Person")) == 1
    finally:
        store._driver = real
    assert guard.calls >= 14  # every call above reached the guarded driver


def test_the_guard_catches_a_write(store: Neo4jStore) -> None:
    """The guard of the test above is not vacuous: a write through it fails."""
    real, store._driver = store._driver, _ReadOnlyDriver(store._driver)  # type: ignore[assignment]
    try:
        with pytest.raises(AssertionError, match="write transaction"):
            store.upsert_nodes("Person", [{"id": "P3"}])
    finally:
        store._driver = real


def test_writes_and_reads_share_bookmarks(store: Neo4jStore) -> None:
    """In a cluster a read waits for the writes before it: the server's bookmark of each write
    reaches the bookmarks the reads are sent with."""
    bookmarks = store._driver.execute_query_bookmark_manager
    before = set(bookmarks.get_bookmarks())
    store.upsert_nodes("Person", [{"id": "P7"}])
    after_write = set(bookmarks.get_bookmarks())
    assert after_write
    assert after_write != before
    assert store.get_node("Person", "P7") is not None


class _FailingSession:
    """A read session whose queries fail with ``error`` while ``failures`` lasts."""

    def __init__(self, session: neo4j.Session, driver: _FlakyDriver) -> None:
        self._session = session
        self._driver = driver

    def __enter__(self) -> _FailingSession:
        self._session.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.close()

    def run(self, *args: Any, **kwargs: Any) -> Any:
        self._driver.runs += 1
        if self._driver.failures > 0:
            self._driver.failures -= 1
            raise self._driver.error
        return self._session.run(*args, **kwargs)


class _FlakyDriver:
    def __init__(self, driver: neo4j.Driver, error: Exception, failures: int) -> None:
        self._driver = driver
        self.error = error
        self.failures = failures
        self.runs = 0

    @property
    def execute_query_bookmark_manager(self) -> neo4j.BookmarkManager:
        return self._driver.execute_query_bookmark_manager

    def session(self, **kwargs: Any) -> _FailingSession:
        return _FailingSession(self._driver.session(**kwargs), self)


def test_a_read_is_tried_again_after_a_retryable_failure(
    store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads are auto-commit queries (one round trip, not execute_query's two), so the retry of
    a lost connection or a leader switch that a managed transaction gave is the adapter's own."""
    from neo4j.exceptions import SessionExpired

    monkeypatch.setattr("hub.store.neo4j_store.READ_BACKOFF_S", 0.0)
    store.upsert_nodes("Person", [{"id": "P1"}])
    flaky = _FlakyDriver(store._driver, SessionExpired("the routing table changed"), failures=1)
    real, store._driver = store._driver, flaky  # type: ignore[assignment]
    try:
        assert store.get_node("Person", "P1") is not None
        assert flaky.runs == 2
        # Failing every attempt: the store says which server, after READ_ATTEMPTS tries.
        flaky.failures, flaky.runs = 10, 0
        with pytest.raises(StoreUnavailable, match="routing table changed"):
            store.get_node("Person", "P1")
        assert flaky.runs == READ_ATTEMPTS
        # A failure the driver does not call retryable (the query's own) is not tried again.
        flaky.error, flaky.failures, flaky.runs = neo4j.exceptions.ClientError("bad query"), 10, 0
        with pytest.raises(StoreError):
            store.get_node("Person", "P1")
        assert flaky.runs == 1
    finally:
        store._driver = real
