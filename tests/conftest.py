"""Shared fixtures: the graph stores under test (embedded and a real Neo4j server)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from graph_schema import default_schema
from hub.store import GraphStore
from hub.store.ladybug_store import LadybugStore
from hub.store.neo4j_store import Neo4jStore
from tests.support.neo4j_fixture import neo4j_uri  # noqa: F401  (session fixture)

StoreFactory = Callable[..., GraphStore]

# Ids derived from identity numbers are keyed digests, with a key each installation makes at
# random (resolvers/ids.py). Tests compare syncs into different data directories and pick
# entities by their order: every test installation shares one key, so ids are the same on every
# run (the key's own tests, tests/hub/sync/test_pseudonyms.py, make theirs).
os.environ.setdefault("GRIDHUB_PSEUDONYM_KEY", "5e" * 32)


def _wipe_neo4j(uri: str) -> None:
    # CALL … IN TRANSACTIONS needs an implicit (auto-commit) transaction: session.run, not execute_query.
    with GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Builds an empty store of the parametrised kind with the schema applied; closes it after."""
    opened: list[GraphStore] = []

    def make(batch_size: int = 10_000) -> GraphStore:
        store: GraphStore
        if request.param == "ladybug":
            store = LadybugStore(
                default_schema(), tmp_path / "graph" / "g.lbug", buffer_pool_mb=256, batch_size=batch_size
            )
        else:
            uri = request.getfixturevalue("neo4j_uri")
            _wipe_neo4j(uri)
            store = Neo4jStore(default_schema(), uri, batch_size=batch_size)
        store.apply_schema()
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> GraphStore:
    return store_factory()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly whether the tests against the real Neo4j server ran (the README promises it)."""
    outcomes: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if "neo4j" in getattr(report, "keywords", {}) and getattr(report, "when", "call") in (
                "call",
                "setup",
            ):
                if outcome == "passed" and report.when != "call":
                    continue
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if outcomes:
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        terminalreporter.write_sep("=", f"tests against a real Neo4j server: {summary}")
