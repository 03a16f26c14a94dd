"""Session fixture ``postgres_url``: a SQLAlchemy URL of a real PostgreSQL server.

Use it by importing it into a conftest or a test module::

    from tests.support.postgres_fixture import postgres_url  # noqa: F401

The URL (``postgresql+psycopg://gridhub:<password>@127.0.0.1:PORT/gridhub``) names a role
that owns its database and must give its password.

Environment:

* ``GRIDHUB_TEST_POSTGRES_URL`` - use this already running server instead of starting one.
* ``GRIDHUB_REQUIRE_POSTGRES=1`` - fail instead of skip when the PostgreSQL server binaries
  are missing (for CI, which installs Debian's ``postgresql`` package).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from tests.support.postgres import PostgresTestServer, find_bin_dir

# As for Neo4j: each import of the fixture registers its own session fixture, so the server
# is shared here and stopped when its last user is torn down - one server per test process.
_lock = threading.Lock()
_server: PostgresTestServer | None = None
_users = 0


def _acquire_server() -> PostgresTestServer:
    global _server, _users
    with _lock:
        if _server is None:
            bin_dir = find_bin_dir()
            assert bin_dir is not None
            server = PostgresTestServer(bin_dir)
            server.start()
            _server = server
        _users += 1
        return _server


def _release_server() -> None:
    global _server, _users
    with _lock:
        _users -= 1
        if _users == 0 and _server is not None:
            server, _server = _server, None
            server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL (psycopg 3 driver, with password) of a PostgreSQL server for this session."""
    external = os.environ.get("GRIDHUB_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    if find_bin_dir() is None:
        reason = "PostgreSQL tests need the server binaries (initdb, postgres): apt-get install postgresql"
        if os.environ.get("GRIDHUB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (GRIDHUB_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    server = _acquire_server()
    try:
        yield server.url
    finally:
        _release_server()
