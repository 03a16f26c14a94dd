"""Self-check for the Neo4j test server (tests/support, tools/neo4j-test-server)."""

from __future__ import annotations

import uuid

import pytest
from neo4j import GraphDatabase

# Imported here too so this check runs even without the project conftest; the server is
# shared, so this does not start a second one.
from tests.support.neo4j_fixture import neo4j_uri  # noqa: F401

pytestmark = pytest.mark.neo4j


def test_server_answers_and_is_5_26(neo4j_uri: str) -> None:  # noqa: F811
    with GraphDatabase.driver(neo4j_uri, auth=None) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS x")
        assert records[0]["x"] == 1

        records, _, _ = driver.execute_query("CALL dbms.components() YIELD name, versions")
        kernel = next(r for r in records if r["name"] == "Neo4j Kernel")
        assert kernel["versions"][0].startswith("5.26")


def test_node_round_trip(neo4j_uri: str) -> None:  # noqa: F811
    marker = uuid.uuid4().hex
    with GraphDatabase.driver(neo4j_uri, auth=None) as driver:
        driver.execute_query("CREATE (:LauncherCheck {marker: $marker, n: 42})", marker=marker)
        records, _, _ = driver.execute_query(
            "MATCH (c:LauncherCheck {marker: $marker}) RETURN c.n AS n", marker=marker
        )
        assert [r["n"] for r in records] == [42]
        driver.execute_query("MATCH (c:LauncherCheck {marker: $marker}) DELETE c", marker=marker)
