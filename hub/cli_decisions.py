"""`gridhub review pick|bulk|revoke|decisions` and `gridhub quarantine fix`: the steward
decisions of issue 16 beyond pairs and pins (hub/review/addresses.py, bulk.py, quarantine.py).

Registered on the `review` and `quarantine` groups by hub/cli.py (``register_decisions``). The
decisions write the graph: when `gridhub serve` holds the embedded store they are sent to it,
as the other write commands are; a bulk preview and the history read the state database only.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hub.console import sync_progress
from hub.jobs import JobResult, run_job
from hub.jobs.channel import find_server
from hub.review.bulk import BulkFilter, preview_bulk
from hub.settings import get_settings
from hub.state import StateStore
from hub.store import open_store

out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

Steward = Annotated[str, typer.Option("--steward", help="Who decides (kept with the decision).")]
Reason = Annotated[str | None, typer.Option(help="Why, in a few words.")]
Config = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Source declarations to sync with (default: GRIDHUB_SOURCES_CONFIG_DIR)."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _write_job(command: str, options: dict[str, Any]) -> JobResult:
    """Run a write command here, or on the server that holds the embedded store."""
    settings = get_settings()
    server = find_server(settings)
    with sync_progress(out) as progress:
        if server is not None:
            err.print(
                f"the API server (pid {server.pid}) holds the store: {command} runs there", markup=False
            )
            return server.run(command, options, progress, lambda note: err.print(note, markup=False))
        with open_store(settings) as store, StateStore(settings.state_database_url) as state:
            return run_job(command, store, state, settings, options, progress)


def _config(config: Path | None) -> str | None:
    return None if config is None else str(config.resolve())


def review_pick(
    item: Annotated[int, typer.Argument(help="An address item (see `gridhub review list --kind address`).")],
    building: Annotated[str, typer.Argument(help="The building's id in the standard address library.")],
    steward: Steward,
    reason: Reason = None,
    config: Config = None,
) -> None:
    """Pick the building of an address: its text resolves to it on every later sync (an alias)."""
    options = {
        "item": item,
        "building": building,
        "steward": steward,
        "reason": reason,
        "config": _config(config),
    }
    out.print(_write_job("review-pick", options).result["summary"], markup=False)


def review_split(
    entity: Annotated[str, typer.Argument(help="The entity to split (its id).")],
    mentions: Annotated[
        list[str], typer.Argument(help="The mentions that are not this entity (source:record_id:role).")
    ],
    steward: Steward,
    reason: Reason = None,
    confirm: Annotated[
        bool, typer.Option(help="Record it even against an earlier 'same' about the pair.")
    ] = False,
) -> None:
    """Split a cluster: move mentions out of an entity (a 'different' judgement each, kept and revocable)."""
    options = {
        "entity": entity,
        "mentions": mentions,
        "steward": steward,
        "reason": reason,
        "confirm": confirm,
    }
    out.print(_write_job("review-split", options).result["summary"], markup=False)


def review_revoke(
    decision: Annotated[int, typer.Argument(help="A decision's id (see `gridhub review decisions`).")],
    steward: Steward,
    config: Config = None,
) -> None:
    """Withdraw a picked building, a fixed row, a skip or a bulk decision (kept, marked revoked)."""
    options = {"decision": decision, "steward": steward, "config": _config(config)}
    out.print(_write_job("review-revoke", options).result["summary"], markup=False)


def review_decisions(
    kind: Annotated[str | None, typer.Option(help="address, quarantine, skip or bulk.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: AsJson = False,
) -> None:
    """Picked buildings, fixed rows, skips and bulk decisions, newest first, revoked ones marked."""
    with StateStore(get_settings().state_database_url) as state:
        history = state.decision_history(kind, limit)
    if as_json:
        print(json.dumps([asdict(d) for d in history], ensure_ascii=False, default=str))
        return
    table = Table("id", "batch", "kind", "item", "subject", "after", "steward", "when", "revoked")
    for d in history:
        revoked = f"{d.revoked_by} {d.revoked_at:%Y-%m-%d %H:%M}" if d.revoked_at else ""
        after = json.dumps(d.value, ensure_ascii=False, default=str)
        table.add_row(
            str(d.id), str(d.batch or ""), d.kind, str(d.review_item or ""), d.subject[:40], after[:60],
            d.steward, f"{d.created_at:%Y-%m-%d %H:%M}", revoked,
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(history)} decision(s)")


def review_bulk(
    verdict: Annotated[str, typer.Argument(help="different, unsure (merge candidates) or skip (any item).")],
    kind: Annotated[
        str | None, typer.Option(help="Only items of this kind (merge, conflict, address).")
    ] = None,
    entity_type: Annotated[
        str | None, typer.Option("--type", help="Only items about this entity type.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only items naming a record of this source.")] = None,
    min_score: Annotated[
        float | None, typer.Option(help="Only merge candidates with p at least this.")
    ] = None,
    below: Annotated[float | None, typer.Option(help="Only merge candidates with p below this.")] = None,
    apply: Annotated[
        bool, typer.Option("--apply/--preview", help="Preview (the default: writes nothing) or apply.")
    ] = False,
    token: Annotated[str | None, typer.Option(help="The preview's token (needed to apply).")] = None,
    first: Annotated[int, typer.Option(help="How many items the preview shows.")] = 20,
    steward: Annotated[str | None, typer.Option("--steward", help="Who decides (needed to apply).")] = None,
    reason: Reason = None,
    as_json: AsJson = False,
) -> None:
    """One verdict for every open item a filter selects: preview first (the count, the first
    items and a token), then apply with that token (refused if the queue changed since)."""
    wanted = BulkFilter(kind, entity_type, source, min_score, below)
    if not apply:
        with StateStore(get_settings().state_database_url) as state:
            preview = preview_bulk(state, verdict, wanted, first)
        if as_json:
            print(json.dumps({**asdict(preview)}, ensure_ascii=False, default=str))
            return
        table = Table("id", "kind", "subject")
        for item in preview.items:
            table.add_row(str(item["id"]), item["kind"], item["subject"])
        out.print(table)
        out.print(f"{preview.count} item(s) would be decided {preview.verdict!r}; token {preview.token}")
        out.print(
            f"apply with: --apply --token {preview.token} --steward NAME (and the same filter)", markup=False
        )
        return
    if not token or not steward:
        raise typer.BadParameter("--apply needs the preview's --token and --steward", param_hint="--apply")
    options = {**asdict(wanted), "verdict": verdict, "token": token, "steward": steward, "reason": reason}
    result = _write_job("review-bulk", options).result
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    out.print(result["summary"], markup=False)
    for item, why in result["refused"].items():
        out.print(f"  item {item} refused: {why}", markup=False)


def quarantine_fix(
    entry: Annotated[int, typer.Argument(help="A quarantined row's id (see `gridhub quarantine list`).")],
    steward: Steward,
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="field=value: a corrected value (repeat for more). None: the declaration was fixed."
        ),
    ] = None,
    reason: Reason = None,
    config: Config = None,
) -> None:
    """Correct a quarantined row's values and replay it through the sync (before and after kept)."""
    changes: dict[str, str] = {}
    for text in fields or []:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{text!r} is not field=value", param_hint="--set")
        changes[name.strip()] = value
    options = {
        "entry": entry,
        "fields": changes,
        "steward": steward,
        "reason": reason,
        "config": _config(config),
    }
    out.print(_write_job("quarantine-fix", options).result["summary"], markup=False)


def register_decisions(review_app: typer.Typer, quarantine_app: typer.Typer) -> None:
    """Add the commands to the `review` and `quarantine` groups of hub/cli.py."""
    review_app.command("pick")(review_pick)
    review_app.command("split")(review_split)
    review_app.command("bulk")(review_bulk)
    review_app.command("revoke")(review_revoke)
    review_app.command("decisions")(review_decisions)
    quarantine_app.command("fix")(quarantine_fix)
