"""Session fixture ``neo4j_uri``: a Bolt URI of a real Neo4j 5.26 server.

Use it by importing it into a conftest (or a test module)::

    from tests.support.neo4j_fixture import neo4j_uri  # noqa: F401

Environment:

* ``GRIDHUB_TEST_NEO4J_URI`` - use this already running server (auth disabled) instead of
  starting one.
* ``GRIDHUB_REQUIRE_NEO4J=1`` - fail instead of skip when java/mvn are missing (for CI).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.neo4j_server import Neo4jTestServer, build_launcher, java_and_maven_available
from tests.support.shared_server import SharedServer

_shared = SharedServer(lambda: Neo4jTestServer(build_launcher()))


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """Bolt URI (``bolt://127.0.0.1:PORT``, no auth) of a Neo4j server for this session."""
    external = os.environ.get("GRIDHUB_TEST_NEO4J_URI")
    if external:
        yield external
        return
    if not java_and_maven_available():
        reason = "Neo4j tests need `java` (17+) and `mvn` on PATH to build and run tools/neo4j-test-server"
        if os.environ.get("GRIDHUB_REQUIRE_NEO4J") == "1":
            pytest.fail(f"{reason} (GRIDHUB_REQUIRE_NEO4J=1)")
        pytest.skip(reason)
    server = _shared.acquire()
    try:
        yield server.uri
    finally:
        _shared.release()
