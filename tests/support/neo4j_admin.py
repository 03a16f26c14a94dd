"""Run ``neo4j-admin`` from the test launcher's Maven artifacts, without a Neo4j distribution.

The launcher's dependency on ``org.neo4j:neo4j`` brings ``neo4j-command-line`` (the
``org.neo4j.cli.AdminTool`` entry point of ``neo4j-admin``) and ``neo4j-import-tool`` (its
``database import`` commands, found through Java's service loader) onto the classpath, so the
real importer runs here as it does from ``bin/neo4j-admin``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.neo4j_server import build_launcher

_MAIN_CLASS = "org.neo4j.cli.AdminTool"


def neo4j_admin(
    home: Path, *args: str, cwd: Path | None = None, heap: str = "512m", timeout_s: float = 300
) -> subprocess.CompletedProcess[str]:
    """``neo4j-admin ARGS`` on the Neo4j home ``home`` (made, with an empty ``conf``, if missing)."""
    conf = home / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    # Settings as the test server's (tests/support/neo4j_server.py): small memory, no phoning home.
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(conf)}
    return subprocess.run(
        ["java", f"-Xmx{heap}", "-cp", build_launcher(), _MAIN_CLASS, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
