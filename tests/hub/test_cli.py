"""The `gridhub` command: operator errors are one clear line and exit code 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

GRIDHUB = [sys.executable, "-c", "from hub.cli import main; main()"]


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GRIDHUB, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_an_unreachable_neo4j_stops_sync_fast_naming_the_uri(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run("sync", "--config", str(tmp_path), env={"GRIDHUB_GRAPH_URL": "bolt://127.0.0.1:1"})
    assert result.returncode == 2
    assert "bolt://127.0.0.1:1 is unavailable" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 30


def test_a_broken_source_declaration_names_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "sources"
    config.mkdir()
    shutil.copy(Path("hub/demo/sources/population.yaml"), config / "population.yaml")
    text = (config / "population.yaml").read_text(encoding="utf-8").replace("type: Person", "type: Persn")
    (config / "population.yaml").write_text(text, encoding="utf-8")
    result = run("sync", "--config", str(config), env={"GRIDHUB_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 2
    assert "population.yaml: entities.self.type: unknown entity type 'Persn'" in result.stderr


def test_schema_ddl_prints_derived_statements() -> None:
    result = run("schema", "ddl", "--target", "ladybug")
    assert result.returncode == 0
    assert "CREATE NODE TABLE IF NOT EXISTS Person (id STRING" in result.stdout


@pytest.mark.integration
def test_the_demo_ends_with_the_api_answering_the_documented_query(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run(
        "demo", "--persons", "400", "--once", "--port", str(port),
        env={"GRIDHUB_DATA_DIR": str(tmp_path), "GRIDHUB_GRAPH_URL": ""}, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"API up at http://127.0.0.1:{port}/graphql" in result.stdout
    assert '"person": {' in result.stdout
    assert '"companies": {' in result.stdout
    assert '"totalCount":' in result.stdout
    assert (tmp_path / "graph" / "gridhub.lbug").exists()


@pytest.mark.integration
def test_resolve_and_steward_commands(tmp_path: Path) -> None:
    """A sync that leaves resolution to `gridhub resolve`, then a steward's round trip."""
    import json

    from hub.demo.generator import generate_district

    generate_district(tmp_path / "demo", persons=300, seed=2)
    env = {
        "GRIDHUB_DATA_DIR": str(tmp_path),
        "GRIDHUB_RESOLVE_AFTER_SYNC": "false",
        "GRIDHUB_LOG_LEVEL": "WARNING",
    }
    synced = run("sync", "--config", "hub/demo/sources", "--json", env=env, timeout=300)
    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)["resolution"] == []
    resolved = run("resolve", "--json", env=env, timeout=300)
    assert resolved.returncode == 0, resolved.stderr
    person = next(r for r in json.loads(resolved.stdout) if r["entity_type"] == "Person")
    assert person["merged"] > 0

    from hub.settings import Settings
    from hub.state import StateStore

    with StateStore(Settings(data_dir=tmp_path).state_database_url) as state:
        entities = sorted(set(state.mention_columns("Person", []).entity_ids))[:2]
    judged = run(
        "judge", *entities, "different", "--steward", "王科员", "--reason", "different mothers", env=env
    )
    assert judged.returncode == 0, judged.stderr
    assert "kept apart from now on" in judged.stdout
    listed = run("judgements", "list", env=env)
    assert "王科员" in listed.stdout
    assert "different" in listed.stdout
    revoked = run("judgements", "revoke", "1", "--steward", "李科长", env=env)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked by 李科长" in revoked.stdout
    again = run("judgements", "revoke", "1", "--steward", "李科长", env=env)
    assert again.returncode == 2
    assert "was revoked by 李科长" in again.stderr
    for order in ("oldest", "informative"):
        queue = run("review", "list", "--kind", "merge", "--order", order, env=env)
        assert queue.returncode == 0, queue.stderr
        assert "item(s)" in queue.stdout
    assert run("review", "list", "--order", "random", env=env).returncode == 2
    # Every listing prints JSON for scripts and orchestrators.
    judgements = json.loads(run("judgements", "list", "--json", env=env).stdout)
    assert [(j["verdict"], j["steward"], j["revoked_by"]) for j in judgements] == [
        ("different", "王科员", "李科长")
    ]
    merges = json.loads(run("review", "list", "--kind", "merge", "--json", env=env).stdout)
    assert all(item["kind"] == "merge" for item in merges)
    created = run("apikey", "create", "--name", "民政", "--scopes", "read,pii", env=env)
    keys = json.loads(run("apikey", "list", "--json", env=env).stdout)
    assert [(k["name"], k["scopes"]) for k in keys] == [("民政", ["pii", "read"])]
    assert created.stdout.strip().splitlines()[-1] not in json.dumps(keys)  # never the secret
    quarantined = json.loads(run("quarantine", "list", "--json", env=env).stdout)
    assert quarantined
    assert all(q["error"] for q in quarantined)
    counts = json.loads(run("stats", "--json", env=env).stdout)
    assert counts["nodes"]["Person"] > 0
    runs = json.loads(run("runs", "--json", env=env).stdout)
    assert {r["status"] for r in runs} == {"succeeded"}


def test_the_spark_engine_without_full_is_refused_in_one_line(tmp_path: Path) -> None:
    result = run("resolve", "--engine", "spark", env={"GRIDHUB_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "error: the spark engine runs the full pass only: add --full" in result.stderr
    assert "Traceback" not in result.stderr
    unknown = run("resolve", "--full", "--engine", "dask", env={"GRIDHUB_DATA_DIR": str(tmp_path)})
    assert unknown.returncode == 2
    # Rich draws typer's usage errors in a box that wraps lines: checked piece by piece.
    assert "Invalid value for '--engine'" in unknown.stderr
    assert "'dask'" in unknown.stderr
