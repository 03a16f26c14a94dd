"""`gridhub schedule …`: the sources' sync schedules, read off the declarations (no server needed).

Registered in hub/cli.py with ``app.add_typer(schedule_app, name="schedule")``.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from connectors.config import load_source_configs
from graph_schema import default_schema
from hub.schedule.plan import planned

schedule_app = typer.Typer(help="When the server syncs each source by itself (`schedule:` in a declaration).")
out = Console(width=None if sys.stdout.isatty() else 160)


@schedule_app.callback()
def schedule() -> None:
    """When the server syncs each source by itself (`schedule:` in a declaration)."""


@schedule_app.command("list")
def schedule_list(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Directory of source declarations (*.yaml).")
    ] = Path("config/sources"),
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """The scheduled sources: cron expression, time zone, next firing, retries. Sources without a
    `schedule:` are synced only when asked (`gridhub sync`, an orchestrator)."""
    configs = load_source_configs(config, default_schema())
    listed = planned(configs, datetime.now(UTC))
    if as_json:
        print(json.dumps([p.to_dict() for p in listed], ensure_ascii=False, indent=2))
        return
    table = Table("source", "cron", "time zone", "next run", "retries", "retry delay", "jitter")
    for p in listed:
        table.add_row(
            p.source, p.cron, p.timezone or "server's local",
            f"{p.next_run:%Y-%m-%d %H:%M %z}" if p.next_run else "never",
            str(p.retries), f"{p.retry_delay_s:g} s", f"{p.jitter_s} s",
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(listed)} of {len(configs)} source(s) scheduled", highlight=False)
