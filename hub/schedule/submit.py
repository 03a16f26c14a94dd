"""Two ways for the scheduler to run a sync (its ``submit``): in the server's own process over
the store it serves, or as a `gridhub sync` process. Either returns `gridhub sync`'s exit code.

- ``in_process``: the embedded store admits one writer, the server; a `gridhub sync` process
  could not open it while the server runs. Use it with a single-process server.
- ``as_command``: a separate process with its own memory, exactly what an orchestrator runs;
  for a Neo4j store (any number of API worker processes may run beside it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import structlog

from connectors.config import load_source_configs
from hub.errors import HubError
from hub.schedule.retry import FAILED, REFUSED, SUCCEEDED, Submit
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore

log = structlog.get_logger("gridhub.schedule")
# How much of the `error: …` line a failed `gridhub sync` wrote to stderr goes to the log.
_ERROR_CHARS = 300


def in_process(store: GraphStore, settings: Settings, config_dir: Path) -> Submit:
    """Sync the sources named with the declarations as they are now in ``config_dir``, into
    ``store``. The API's read timeout (GRIDHUB_API_TIMEOUT_S, set on the store by the app) is
    lifted while the sync runs, or a long write or resolution query would be stopped by it; the
    API's own request timeout still answers slow requests meanwhile."""

    def submit(sources: list[str]) -> int:
        from hub.sync import sync_sources  # the sync pipeline is loaded when first needed

        configs = [c for c in load_source_configs(config_dir, store.schema) if c.name in sources]
        missing = sorted(set(sources) - {c.name for c in configs})
        if missing:
            raise HubError(f"{config_dir}: no source named {', '.join(missing)} (declaration removed?)")
        store.set_read_timeout(None)
        try:
            with StateStore(settings.state_database_url) as state:
                report = sync_sources(store, state, configs, settings)
        finally:
            store.set_read_timeout(settings.api_timeout_s)
        log.info("scheduled sync run", run_id=report.run_id, status=report.status, sources=sources)
        return REFUSED if report.refused else SUCCEEDED

    return submit


def as_command(
    config_dir: Path,
    *,
    command: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float | None = None,
) -> Submit:
    """Run ``gridhub sync --json --config DIR SOURCE…`` (``command`` replaces the
    ``python -m hub.cli`` it starts with; ``env`` replaces the server's environment) and return
    its exit code. Exit 2 without a report (an operator error: a declaration, file or store to
    fix, not a data contract) is returned as 1, as ``in_process`` gives it (an exception), so
    that 2 always means refused. A sync running longer than ``timeout_s`` is killed: 1."""
    program = list(command or [sys.executable, "-m", "hub.cli"])

    def submit(sources: list[str]) -> int:
        args = [*program, "sync", "--json", "--config", str(config_dir), *sources]
        try:
            done = subprocess.run(
                args, capture_output=True, text=True, env=None if env is None else dict(env),
                timeout=timeout_s, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            log.error("scheduled sync killed: it ran too long", sources=sources, timeout_s=timeout_s)
            return FAILED
        run = _report(done.stdout)
        if run:
            log.info(
                "scheduled sync run", run_id=run.get("run_id"), status=run.get("status"), sources=sources
            )
        if done.returncode != SUCCEEDED:
            log.warning(
                "gridhub sync did not succeed", sources=sources, exit_code=done.returncode,
                stderr=_last_error(done.stderr),
            )  # fmt: skip
        if done.returncode == REFUSED and run is None:
            return FAILED
        return done.returncode

    return submit


def _last_error(stderr: str) -> str:
    """The last line of a failed `gridhub sync`'s stderr as the log shows it: the hub's own
    `error: …` line whole; of a traceback's last line only the exception type, as its message
    may hold values read from a row."""
    last = (stderr.strip().splitlines() or [""])[-1]
    if last.startswith("error:"):
        return last[:_ERROR_CHARS]
    return f"{last.split(':', 1)[0][:_ERROR_CHARS]} (the run's report has the message: gridhub runs)"


def _report(stdout: str) -> dict[str, object] | None:
    """The run report `gridhub sync --json` printed (one line), or None."""
    lines = stdout.strip().splitlines()
    if not lines:
        return None
    try:
        report = json.loads(lines[-1])
    except json.JSONDecodeError:
        return None
    return report if isinstance(report, dict) else None
