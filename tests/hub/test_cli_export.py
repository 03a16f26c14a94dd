"""`gridhub export neo4j-import`: the files and the importer's command, or one clear error line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from graph_schema import default_schema
from hub.settings import Settings
from hub.store import RelRow
from hub.store.ladybug_store import LadybugStore

GRIDHUB = [sys.executable, "-c", "from hub.cli import main; main()"]


def export(data_dir: Path, directory: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRIDHUB_DATA_DIR": str(data_dir), "GRIDHUB_GRAPH_URL": ""}
    return subprocess.run(
        [*GRIDHUB, "export", "neo4j-import", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_export_writes_the_files_and_prints_the_import_command(tmp_path: Path) -> None:
    with LadybugStore(default_schema(), Settings(data_dir=tmp_path).embedded_graph_path) as store:
        store.apply_schema()
        store.upsert_nodes("Person", [{"id": "P1", "name": "张伟"}])
        store.upsert_nodes("Address", [{"id": "A1"}])
        store.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P1", "A1", {"records": ["r1"]})])
    out = tmp_path / "import"
    result = export(tmp_path, out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"cd {out} && neo4j-admin database import full neo4j @import.args"
    assert "2 nodes, 1 relationships" in result.stderr
    assert (out / "nodes" / "Person.csv").read_text(encoding="utf-8") == '"P1","张伟"' + "," * (
        len(default_schema().node("Person").properties) - 1
    ) + "\n"

    again = export(tmp_path, out)
    assert again.returncode == 2
    assert f"{out}: not empty" in again.stderr
    assert "Traceback" not in again.stderr
