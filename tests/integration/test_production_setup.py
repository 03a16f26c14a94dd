"""The docker-compose deployment without Docker: the same configuration, run for real.

docker-compose.yml wires the hub to a Neo4j 5.26 whose password is set with NEO4J_AUTH and to
PostgreSQL for the state. There is no Docker engine here, so this test runs that configuration
with the project's own servers — Neo4j from the Java launcher with auth on, the state in the
test PostgreSQL — through the `gridhub` command as an operator would: generate exports, sync,
resolve, create a key, serve in production mode, query. The file itself is checked too: what
the compose file sets must be what the hub and the images read.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import yaml

from hub.logging import LOG_JSON_ENV, LOG_LEVEL_ENV
from hub.settings import Settings
from tests.support.neo4j_server import Neo4jTestServer, java_and_maven_available
from tests.support.postgres_fixture import postgres_url  # noqa: F401  (session fixture)

ROOT = Path(__file__).parents[2]
PASSWORD = "a-long-neo4j-password"
GRIDHUB = [sys.executable, "-m", "hub.cli"]


def test_the_compose_file_sets_what_the_hub_and_neo4j_read() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    neo4j_env = services["neo4j"]["environment"]
    # Neo4j 5 reads every other NEO4J_* variable as a setting and refuses unknown ones.
    assert [k for k in neo4j_env if k.startswith("NEO4J_") and not k.startswith("NEO4J_server_")] == [
        "NEO4J_AUTH"
    ]
    hub = services["hub"]
    known = {f"GRIDHUB_{name.upper()}" for name in Settings.model_fields} | {LOG_JSON_ENV, LOG_LEVEL_ENV}
    assert set(hub["environment"]) <= known, set(hub["environment"]) - known
    assert hub["environment"]["GRIDHUB_STATE_URL"].startswith("postgresql+psycopg://")
    assert {"neo4j", "postgres"} <= set(hub["depends_on"])
    # Published on the loopback interface only; department files mounted read-only.
    assert all(str(port).startswith("127.0.0.1:") for s in services.values() for port in s.get("ports", []))
    assert any(v.endswith("/data/exports:ro") for v in hub["volumes"])
    # The image installs the locked versions.
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "requirements.lock" in dockerfile


def test_the_lock_file_pins_every_dependency() -> None:
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    locked = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            locked[canonicalize_name(name)] = version
    for dependency in project["dependencies"]:
        requirement = Requirement(dependency)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in requirements.lock"
        assert requirement.specifier.contains(locked[name]), (dependency, locked[name])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def neo4j_with_auth() -> Iterator[str]:
    if not java_and_maven_available():
        if os.environ.get("GRIDHUB_REQUIRE_NEO4J") == "1":
            pytest.fail("java and mvn are needed (GRIDHUB_REQUIRE_NEO4J=1)")
        pytest.skip("java and mvn are needed for the Neo4j launcher")
    with Neo4jTestServer(password=PASSWORD) as server:
        yield server.uri


@pytest.fixture
def state_url(postgres_url: str) -> Iterator[str]:  # noqa: F811
    """The state in its own schema of the test PostgreSQL (other tests share the database)."""
    schema = f"prod_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*GRIDHUB, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"gridhub {' '.join(args)}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.neo4j
@pytest.mark.integration
def test_sync_resolve_serve_and_query_as_deployed(
    neo4j_with_auth: str, state_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "GRIDHUB_GRAPH_URL": neo4j_with_auth,
        "GRIDHUB_NEO4J_USER": "neo4j",
        "GRIDHUB_NEO4J_PASSWORD": PASSWORD,
        "GRIDHUB_STATE_URL": state_url,
        "GRIDHUB_DATA_DIR": str(tmp_path / "data"),
        "GRIDHUB_API_MODE": "production",
        "GRIDHUB_LOG_JSON": "1",
        "PYTHONPATH": str(ROOT),
    }
    _run(env, "demo", "generate", "--persons", "300", "--seed", "5")
    _run(env, "sync", "--config", str(ROOT / "hub" / "demo" / "sources"))
    _run(env, "resolve")
    key = _run(env, "apikey", "create", "--name", "dept", "--scopes", "read").strip().splitlines()[-1]

    # The state is in PostgreSQL, not in a SQLite file of the data directory.
    assert not (tmp_path / "data" / "state.db").exists()
    engine = sa.create_engine(state_url)
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT status FROM runs")).scalars().all()
    engine.dispose()
    assert runs
    assert set(runs) == {"succeeded"}

    # A wrong Neo4j password stops a command with a message, not a traceback.
    wrong = subprocess.run(
        [*GRIDHUB, "stats"], env={**env, "GRIDHUB_NEO4J_PASSWORD": "wrong-password"},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert wrong.returncode != 0
    assert "Traceback" not in wrong.stderr
    assert PASSWORD not in wrong.stderr + wrong.stdout

    port = _free_port()
    server = subprocess.Popen(
        [*GRIDHUB, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, server)
        query = {"query": "{ personsAggregate { count } persons(first: 1) { nodes { id name } } }"}
        answered = httpx.post(f"{base}/graphql", json=query, headers={"Authorization": f"Bearer {key}"})
        body: dict[str, Any] = answered.json()
        assert answered.status_code == 200, body
        assert "errors" not in body, body
        assert body["data"]["personsAggregate"]["count"] >= 250
        assert len(body["data"]["persons"]["nodes"]) == 1
        assert httpx.post(f"{base}/graphql", json=query).status_code == 401
        # Production mode: no introspection, no GraphiQL.
        schema = httpx.post(
            f"{base}/graphql", json={"query": "{ __schema { types { name } } }"},
            headers={"Authorization": f"Bearer {key}"},
        ).json()  # fmt: skip
        assert schema.get("errors")
        assert httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}).status_code != 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_healthy(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gridhub serve exited: {server.stderr.read() if server.stderr else ''}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("gridhub serve did not become healthy within 60 s")
