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
from collections.abc import Iterator

import pytest

from tests.support.postgres import PostgresTestServer, find_bin_dir
from tests.support.shared_server import SharedServer


def _make_server() -> PostgresTestServer:
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    return PostgresTestServer(bin_dir)


_shared = SharedServer(_make_server)


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
    server = _shared.acquire()
    try:
        yield server.url
    finally:
        _shared.release()
