"""Two ways for the scheduler to run a sync (its ``submit``): in the server's own process over
the store it serves, or as a `gridhub sync` process. Either returns `gridhub sync`'s exit code.

- ``in_process``: the embedded store admits one writer, the server; a `gridhub sync` process
  sent there goes through the same job runner (hub/api/jobs.py). Use it with a single-process
  server.
- ``as_command``: a separate process with its own memory, exactly what an orchestrator runs;
  for a Neo4j store (any number of API worker processes may run beside it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import structlog

from hub.jobs import JobResult
from hub.schedule.retry import FAILED, REFUSED, SUCCEEDED, Submit

# A server's JobRunner.run: (command, options) → its result.
RunJob = Callable[[str, Mapping[str, Any]], JobResult]

log = structlog.get_logger("gridhub.schedule")
# How much of the `error: …` line a failed `gridhub sync` wrote to stderr goes to the log.
_ERROR_CHARS = 300


def in_process(run: RunJob, config_dir: Path) -> Submit:
    """Sync the sources named with the declarations as they are now in ``config_dir``, as a
    write job of the server (``run`` is its ``JobRunner.run``): one job at a time with the CLI's
    jobs and the stewards' decisions, on the store's writer twin (no API read timeout)."""

    def submit(sources: list[str]) -> int:
        outcome = run("sync", {"sources": sources, "config": str(config_dir)})
        log.info(
            "scheduled sync run", run_id=outcome.result.get("run_id"),
            status=outcome.result.get("status"), sources=sources,
        )  # fmt: skip
        return REFUSED if outcome.exit_code == REFUSED else SUCCEEDED if outcome.exit_code == 0 else FAILED

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
