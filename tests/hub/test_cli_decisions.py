"""`gridhub review pick|bulk|revoke|decisions` and `gridhub quarantine fix` (hub/cli_decisions.py):
what a steward types, and the clear one-line errors of what cannot be."""

from __future__ import annotations

import json

import pytest

from hub.demo.generator import generate_district
from hub.demo.run import SOURCES_DIR, demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from tests.hub.test_cli import run

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli-decisions")
    generate_district(root / "demo", persons=400, seed=3)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=256)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    return {"GRIDHUB_DATA_DIR": str(root), "GRIDHUB_SOURCES_CONFIG_DIR": str(SOURCES_DIR)}


def test_a_bulk_skip_is_previewed_applied_listed_and_revoked(env: dict[str, str]) -> None:
    preview = run("review", "bulk", "skip", "--kind", "conflict", "--json", env=env)
    assert preview.returncode == 0, preview.stderr
    shown = json.loads(preview.stdout)
    assert shown["count"] >= 1
    apply = ["review", "bulk", "skip", "--kind", "conflict", "--apply", "--steward", "王科员"]
    missing = run(*apply, env=env)
    assert missing.returncode == 2
    assert "--token" in missing.stderr
    stale = run(*apply, "--token", "0" * 24, env=env)
    assert stale.returncode == 2
    assert "preview again" in stale.stderr
    applied = run(*apply, "--token", shown["token"], "--reason", "旧数据", env=env)
    assert applied.returncode == 0, applied.stderr
    assert f"{shown['count']} of {shown['count']} item(s) decided" in applied.stdout
    assert run("review", "list", "--kind", "conflict", "--json", env=env).stdout.strip() == "[]"

    listed = json.loads(run("review", "decisions", "--kind", "skip", "--json", env=env).stdout)
    assert {d["steward"] for d in listed} == {"王科员"}
    revoked = run("review", "revoke", str(listed[-1]["batch"]), "--steward", "李科长", env=env)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked by 李科长" in revoked.stdout
    assert (
        len(json.loads(run("review", "list", "--kind", "conflict", "--json", env=env).stdout))
        == shown["count"]
    )


def test_a_quarantined_row_is_fixed_from_the_command_line(env: dict[str, str]) -> None:
    rows = json.loads(run("quarantine", "list", "--json", env=env).stdout)
    row = next(r for r in rows if "not a calendar date" in r["error"] and r["record_id"])
    column = row["error"].split("(column '")[1].split("'")[0]
    fix = ["quarantine", "fix", str(row["id"]), "--steward", "王科员"]
    malformed = run(*fix, "--set", column, env=env)
    assert malformed.returncode == 2
    assert "is not field=value" in malformed.stderr
    unknown = run(*fix, "--set", "nosuch=1", env=env)
    assert unknown.returncode == 2
    assert "has no field 'nosuch'" in unknown.stderr
    fixed = run(*fix, "--set", f"{column}=1990-02-28", env=env)
    assert fixed.returncode == 0, fixed.stderr
    assert f"row {row['id']} of {row['source']}" in fixed.stdout
    assert row["id"] not in {r["id"] for r in json.loads(run("quarantine", "list", "--json", env=env).stdout)}


def test_a_pick_names_what_is_wrong(env: dict[str, str]) -> None:
    result = run("review", "pick", "99999", "B-1", "--steward", "王", env=env)
    assert result.returncode == 2
    assert "no review item 99999" in result.stderr
