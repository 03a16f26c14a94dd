"""The `gridhub` command line. Commands parse input, call one service function, print the result."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import datetime
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connectors.config import load_source_configs
from connectors.errors import ConnectorError
from graph_schema import SchemaError, default_schema
from graph_schema.ddl import ladybug_statements, neo4j_statements
from hub.cli_decisions import register_decisions
from hub.cli_schedule import schedule_app
from hub.cli_tasks import tasks_app
from hub.console import print_crash, print_model, print_report, print_resolution, sync_progress
from hub.errors import HubError
from hub.jobs import JobResult, run_job
from hub.jobs.channel import find_server
from hub.logging import configure_logging
from hub.quality import build_report, print_quality, render_html
from hub.redact import redact_pii
from hub.resolution.engines import Engine
from hub.review.ordering import ranked_queue
from hub.settings import get_settings
from hub.state import ApiKeyRecord, StateStore, Verdict
from hub.state.mentions import SEP
from hub.store import open_store
from hub.sync import RunReport

app = typer.Typer(
    help="gridhub: one graph of the district's people, companies, buildings and licences.",
    pretty_exceptions_show_locals=False,  # locals would print the rows being synced (main() prints crashes)
)
demo_app = typer.Typer(help="A synthetic district to try the hub on.", invoke_without_command=True)
schema_app = typer.Typer(help="The canonical model.")
quarantine_app = typer.Typer(help="Rows that could not be mapped.")
export_app = typer.Typer(help="Exports of the graph.")
judgements_app = typer.Typer(help="Data stewards' same / different / unsure decisions.")
review_app = typer.Typer(
    help="What the resolver was unsure about, waiting for a data steward.", invoke_without_command=True
)
apikey_app = typer.Typer(help="API keys of the GraphQL API (shown once at creation, stored hashed).")
audit_app = typer.Typer(help="Who looked up whom through the API.")
sources_app = typer.Typer(help="The source declarations: what is declared, and whether it reads.")
runs_app = typer.Typer(
    help="Runs of the hub (syncs, resolution passes, judgements).", invoke_without_command=True
)
# The per-source figures `gridhub runs show` prints, in order.
SOURCE_FIGURES = ("read", "new", "changed", "unchanged", "retired", "quarantined", "seconds")
model_app = typer.Typer(help="The fitted match models (Fellegi-Sunter): parameters and diagnostics.")
app.add_typer(model_app, name="model")
app.add_typer(runs_app, name="runs")
app.add_typer(sources_app, name="sources")
app.add_typer(apikey_app, name="apikey")
app.add_typer(audit_app, name="audit")
app.add_typer(review_app, name="review")
app.add_typer(judgements_app, name="judgements")
app.add_typer(export_app, name="export")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(demo_app, name="demo")
app.add_typer(schema_app, name="schema")
app.add_typer(schedule_app, name="schedule")
app.add_typer(tasks_app, name="tasks")
register_decisions(review_app, quarantine_app)  # pick, bulk, revoke, decisions; quarantine fix
# Piped output (CI logs, files) gets wide tables instead of Rich's 80-column default.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

ConfigDir = Annotated[Path, typer.Option("--config", "-c", help="Directory of source declarations (*.yaml).")]


def _write_job(command: str, options: dict[str, Any], *, show_progress: bool = True) -> JobResult:
    """Run a write command on the store, or, when `gridhub serve` holds the embedded store,
    send it to that server (hub/jobs/channel.py) and show its progress here all the same."""
    settings = get_settings()
    server = find_server(settings)
    with sync_progress(out, disable=not show_progress) as progress:
        if server is not None:
            err.print(
                f"the API server (pid {server.pid}) holds the store: {command} runs there",
                highlight=False,
                markup=False,
            )
            return server.run(command, options, progress, lambda note: err.print(note, markup=False))
        with open_store(settings) as store, StateStore(settings.state_database_url) as state:
            return run_job(command, store, state, settings, options, progress)


@app.command()
def sync(
    sources: Annotated[list[str] | None, typer.Argument(help="Sources to sync (default: all).")] = None,
    config: ConfigDir = Path("config/sources"),
    full: Annotated[
        bool, typer.Option("--full", help="Forget hashes and cursors: re-read and rewrite all.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as JSON.")] = False,
    allow_retire: Annotated[
        bool,
        typer.Option(
            "--allow-retire",
            help="Retire what a snapshot read no longer has, even when the read is empty or would "
            "retire more than GRIDHUB_MAX_RETIRE_SHARE of a source's records.",
        ),
    ] = False,
) -> None:
    """Read the declared sources, resolve their records and write them to the graph.

    Exit 2 when a source is refused (its export breaks its data contract: a column missing from
    the header, a read that would retire too much, a path outside the data directory); the other
    sources are synced all the same."""
    options = {
        "sources": sources or [],
        "config": str(config.resolve()),
        "full": full,
        "allow_retire": allow_retire,
    }
    job = _write_job("sync", options, show_progress=not as_json)
    report = RunReport.from_dict(job.result)
    if as_json:
        print(json.dumps(job.result, ensure_ascii=False))
    else:
        print_report(out, report)
    for name, reason in report.refused.items():
        # markup off: a path or column name in brackets is not Rich markup.
        err.print(f"error: source {name!r} refused: {reason}", highlight=False, markup=False, soft_wrap=True)
    if job.exit_code:
        raise typer.Exit(job.exit_code)


@app.command()
def resolve(
    full: Annotated[
        bool, typer.Option("--full", help="Re-cluster every mention and refit the models.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the pass's report as JSON.")] = False,
    engine: Annotated[
        Engine,
        typer.Option(
            help="What computes a full pass: in this process, or on Spark (the 'spark' extra and "
            "Java 17; GRIDHUB_SPARK_MASTER says where). The incremental pass always runs in process.",
        ),
    ] = Engine.INPROCESS,
) -> None:
    """Run the resolution pass alone: what a sync does at its end (unless
    GRIDHUB_RESOLVE_AFTER_SYNC is off), or everything again with --full."""
    options = {"full": full, "engine": engine.value}
    reports = _write_job("resolve", options, show_progress=not as_json).result["resolution"]
    if as_json:
        out.print_json(json.dumps(reports, default=str))
    else:
        print_resolution(out, reports)


@quarantine_app.command("list")
def quarantine_list(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    run: Annotated[str | None, typer.Option(help="Only this run id.")] = None,
    replayed: Annotated[bool, typer.Option("--all", help="Include rows already replayed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """Rows that could not be mapped, with their error and raw values."""
    settings = get_settings()
    with StateStore(settings.state_database_url) as state:
        entries = state.quarantined(source, run, pending_only=not replayed)
    if as_json:
        print_json([asdict(e) for e in entries])
        return
    table = Table("id", "run", "source", "record", "error", "raw", "replayed")
    for e in entries:
        raw = json.dumps(e.raw, ensure_ascii=False)
        table.add_row(
            str(e.id), e.run_id, e.source, e.record_id or "", e.error, raw[:80], e.replayed_run or ""
        )
    out.print(table)
    out.print(f"{len(entries)} row(s)")


@quarantine_app.command("replay")
def quarantine_replay(
    sources: Annotated[list[str] | None, typer.Argument(help="Sources to replay (default: all).")] = None,
    config: ConfigDir = Path("config/sources"),
) -> None:
    """Map quarantined rows again with the current declarations and write those that now pass."""
    result = _write_job(
        "quarantine-replay", {"sources": sources or [], "config": str(config.resolve())}
    ).result
    for source, count in result["replayed"].items():
        out.print(f"{source}: {count} replayed, {result['still_failing'].get(source, 0)} still failing")


class ReviewOrder(StrEnum):
    OLDEST = "oldest"
    INFORMATIVE = "informative"
    PRIORITY = "priority"


@review_app.callback()
def review_default(ctx: typer.Context) -> None:
    """`gridhub review` alone lists the open items."""
    if ctx.invoked_subcommand is None:
        review_list(
            kind=None,
            limit=50,
            order=ReviewOrder.OLDEST,
            entity_type=None,
            source=None,
            street=None,
            community=None,
        )


@review_app.command("list")
def review_list(
    kind: Annotated[str | None, typer.Option(help="Only this kind (address, …).")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 50,
    order: Annotated[
        ReviewOrder,
        typer.Option(
            help="oldest: as filed; informative: the merge candidates whose answer would teach the "
            "model most first (uncertainty × candidate pairs sharing the comparison pattern); "
            "priority: uncertainty × impact (open tasks about the item's entities)."
        ),
    ] = ReviewOrder.OLDEST,
    entity_type: Annotated[
        str | None, typer.Option("--type", help="Only items about this entity type.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only items naming a record of this source.")] = None,
    street: Annotated[
        str | None, typer.Option(help="Only items whose entities all lie in this street (id, code or name).")
    ] = None,
    community: Annotated[
        str | None, typer.Option(help="Only items in this community (id, code or name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """Open review items (those no steward has decided yet), oldest first unless --order informative."""
    settings = get_settings()
    with StateStore(settings.state_database_url) as state:
        if street or community:
            # Placing items needs the graph (where their entities live); the queue alone does not.
            from hub.api.security.principal import Principal
            from hub.api.steward import visible_queue
            from hub.api.workbench.scope import narrowed

            with open_store(settings, read_only=True) as store:
                seeing = narrowed(store, Principal("cli", frozenset()), street, community)
                ranked = visible_queue(
                    store, state, seeing, kind, limit, order.value, entity_type=entity_type, source=source
                )
        else:
            ranked = ranked_queue(state, kind, limit, order.value, entity_type=entity_type, source=source)
    if as_json:
        print_json([{**r.item, "score": r.score, "pattern": r.pattern} for r in ranked])
        return
    table = Table("id", "kind", "subject", "what", "score", "pattern")
    for entry in ranked:
        item = entry.item
        payload = item["payload"]
        if item["kind"] == "address":
            candidates = "; ".join(
                f"{c['building_id']} ({c['score']})" for c in payload.get("candidates", [])
            )
            what = f"{payload.get('text', '')} — {payload.get('reason', '')} — candidates: {candidates}"
        elif item["kind"] == "quarantine":
            what = f"{payload['error']} — `gridhub quarantine fix {item['id']} --set field=value`"
        elif item["kind"] == "merge":
            what = f"{payload['left']} ~ {payload['right']} (p={payload['probability']:.3f}); `gridhub explain` shows why"
        else:
            what = json.dumps(payload, ensure_ascii=False)
        score = "" if entry.score is None else f"{entry.score:.3g}"
        table.add_row(str(item["id"]), item["kind"], item["subject"], what, score, entry.pattern)
    out.print(table)
    out.print(f"{len(ranked)} item(s)")


Steward = Annotated[str, typer.Option("--steward", help="Who decides (kept with the judgement).")]
Reason = Annotated[str | None, typer.Option(help="Why, in a few words.")]
VerdictArg = Annotated[Verdict, typer.Argument(help="same, different or unsure.")]
Confirm = Annotated[
    bool,
    typer.Option(
        "--confirm", help="Record it even though it contradicts (or repeats) the standing judgement."
    ),
]


@app.command()
def judge(
    a: Annotated[str, typer.Argument(help="A mention (source:record_id:role) or an entity id.")],
    b: Annotated[str, typer.Argument(help="Another mention or entity id.")],
    verdict: VerdictArg,
    steward: Steward,
    reason: Reason = None,
    confirm: Confirm = False,
) -> None:
    """Record that two mentions (or entities) are the same, different, or that you cannot tell.

    The decision holds on every later run: "same" merges now, "different" keeps them apart."""
    options = {
        "a": a,
        "b": b,
        "verdict": verdict.value,
        "steward": steward,
        "reason": reason,
        "confirm": confirm,
    }
    out.print(_write_job("judge", options).result["summary"])


@review_app.command("decide")
def review_decide(
    item: Annotated[int, typer.Argument(help="Review item id (see `gridhub review list`).")],
    verdict: VerdictArg,
    steward: Steward,
    reason: Reason = None,
    confirm: Confirm = False,
) -> None:
    """Answer a merge candidate from the review queue."""
    options = {
        "item": item,
        "verdict": verdict.value,
        "steward": steward,
        "reason": reason,
        "confirm": confirm,
    }
    out.print(_write_job("review-decide", options).result["summary"])


@review_app.command("choose")
def review_choose(
    item: Annotated[int, typer.Argument(help="A conflict item (see `gridhub review list --kind conflict`).")],
    value: Annotated[str, typer.Argument(help="The right value: one the sources gave, or typed.")],
    steward: Steward,
    reason: Reason = None,
) -> None:
    """Choose the golden value of a conflicted attribute: it holds on every later run."""
    options = {"item": item, "value": value, "steward": steward, "reason": reason}
    out.print(_write_job("review-choose", options).result["summary"], markup=False)


@review_app.command("unpin")
def review_unpin(
    pin: Annotated[int, typer.Argument(help="A chosen value's id (printed by `review choose`).")],
    steward: Steward,
) -> None:
    """Withdraw a chosen value (kept, marked revoked): the sources decide the attribute again."""
    out.print(_write_job("review-unpin", {"pin": pin, "steward": steward}).result["summary"], markup=False)


@judgements_app.command("list")
def judgements_list(
    entity_type: Annotated[str | None, typer.Option("--type", help="Only this entity type.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """Every judgement, newest first, revoked ones marked."""
    with StateStore(get_settings().state_database_url) as state:
        history = state.judgement_history(entity_type, limit)
    if as_json:
        print_json([asdict(j) for j in history])
        return
    table = Table("id", "verdict", "mentions", "entities then", "steward", "when", "revoked")
    for j in history:
        revoked = f"{j.revoked_by} {j.revoked_at:%Y-%m-%d %H:%M}" if j.revoked_at else ""
        table.add_row(
            str(j.id), j.verdict.value,
            f"{j.left_mention.replace(SEP, ':')}\n{j.right_mention.replace(SEP, ':')}",
            f"{j.left_entity}\n{j.right_entity}", j.steward, f"{j.created_at:%Y-%m-%d %H:%M}", revoked,
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(history)} judgement(s)")


@judgements_app.command("revoke")
def judgements_revoke(
    judgement: Annotated[int, typer.Argument(help="Judgement id.")],
    steward: Steward,
) -> None:
    """Withdraw a judgement (it stays in the history). A merge it made is not undone."""
    with StateStore(get_settings().state_database_url) as state:
        revoked = state.revoke_judgement(judgement, steward)
    out.print(f"judgement {revoked.id} ({revoked.verdict.value}) revoked by {revoked.revoked_by}")


@sources_app.command("list")
def sources_list(
    config: ConfigDir = Path("config/sources"),
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """The declared sources: kind, location, mode, trust, the entities they name, the last sync."""
    from hub.sync.check import declared_location

    settings = get_settings()
    configs = load_source_configs(config, default_schema())
    with StateStore(settings.state_database_url) as state:
        last: dict[str, dict[str, Any]] = {}
        for run in reversed(state.recent_runs(200)):  # oldest first: the newest run wins
            for source in run["report"].get("sources", []):
                last[source["source"]] = {"run": run["run_id"], "status": run["status"], **source}
    listed: list[dict[str, Any]] = [
        {
            "name": c.name, "title": c.title, "department": c.department, "kind": c.connector.kind,
            "location": declared_location(c), "mode": c.mode, "trust": c.trust,
            "entities": {role: e.type for role, e in c.entities.items()},
            "last_run": last.get(c.name, {}).get("run"), "last_status": last.get(c.name, {}).get("status"),
        }
        for c in configs
    ]  # fmt: skip
    if as_json:
        print_json(listed)
        return
    table = Table("source", "title", "kind", "location", "mode", "trust", "entities", "last run")
    for s in listed:
        entities = ", ".join(f"{role}:{kind}" for role, kind in s["entities"].items())
        last_run = f"{s['last_run']} ({s['last_status']})" if s["last_run"] else "never"
        table.add_row(
            s["name"],
            s["title"],
            s["kind"],
            escape(s["location"]),
            s["mode"],
            str(s["trust"]),
            entities,
            last_run,
        )
    out.print(table)


@sources_app.command("check")
def sources_check(
    sources: Annotated[list[str] | None, typer.Argument(help="Sources to check (default: all).")] = None,
    config: ConfigDir = Path("config/sources"),
    rows: Annotated[int, typer.Option("--rows", help="Rows to read and map per source.")] = 1_000,
    sample: Annotated[int, typer.Option("--sample", help="Rows to show raw beside mapped.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Try declarations on the real file, table or API without writing anything: the header
    contract, how many rows map, why the others would be quarantined, how often each property
    is filled, and sample rows raw beside mapped. Exit 2 when a source cannot be read."""
    from hub.sync.check import check_sources

    settings = get_settings()
    schema = default_schema()
    configs = load_source_configs(config, schema)
    if sources:
        unknown = sorted(set(sources) - {c.name for c in configs})
        if unknown:
            raise HubError(f"{config}: no source named {', '.join(unknown)}")
        configs = [c for c in configs if c.name in sources]
    checks = check_sources(configs, schema, settings, limit=rows, sample=sample)
    if as_json:
        print_json([c.to_dict() for c in checks])
    else:
        for check in checks:
            _print_check(check)
    if not all(c.ok for c in checks):
        raise typer.Exit(2)


def _print_check(check: Any) -> None:
    if check.problem:
        err.print(f"[red]{escape(check.source)}: {escape(check.problem)}[/red]")
        return
    out.print(
        f"[bold]{escape(check.source)}[/bold] ({escape(check.location)}): {check.read:,} rows read, "
        f"{check.mapped:,} map, {check.read - check.mapped:,} would go to quarantine"
    )
    for reason, count in check.errors.most_common(5):
        out.print(f"  quarantine: {escape(reason)} ({count:,})")
    if check.personal_ids:
        out.print(
            f"  [yellow]record ids: {check.personal_ids:,} of {check.mapped:,} are identity or mobile numbers; "
            "set `record_id_pii: true` so that rows are kept under pseudonyms, not the numbers[/yellow]"
        )
    if check.mapped:
        fill = Table("role.property", "filled", "invalid")
        for key, count in sorted(check.filled.items()):
            fill.add_row(key, f"{count / check.mapped:.0%}", str(check.invalid.get(key, "")))
        out.print(fill)
    for raw, row in check.samples:
        pair = Table("raw", "mapped", show_lines=True)
        mapped = "\n".join(
            f"{m.role}: {m.entity_type} {json.dumps(m.properties, ensure_ascii=False, default=str)}"
            + (f" problems {m.problems}" if m.problems else "")
            for m in row.mentions
        )
        pair.add_row(escape(json.dumps(raw, ensure_ascii=False, default=str)), escape(mapped))
        out.print(pair)


def print_json(value: Any) -> None:
    """Machine-readable output for scripts and orchestrators: JSON on stdout, nothing else."""

    def plain(item: Any) -> Any:
        if isinstance(item, frozenset | set):
            return sorted(item)
        if isinstance(item, Enum):
            return item.value
        return str(item)

    print(json.dumps(value, ensure_ascii=False, default=plain, indent=2))


@runs_app.callback()
def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """Recent runs (syncs, resolution passes, judgements) and their status; `runs show RUN` for one."""
    if ctx.invoked_subcommand is not None:
        return
    with StateStore(get_settings().state_database_url) as state:
        recent = state.recent_runs(limit)
    if as_json:
        print_json(recent)
        return
    table = Table("run", "kind", "status", "started", "sources", "error")
    for r in recent:
        sources = ", ".join(
            f"{s['source']}:{s['new']}+{s['changed']}~{s['retired']}-" for s in r["report"].get("sources", [])
        )
        table.add_row(
            r["run_id"], r["report"].get("kind", "sync"), r["status"], str(r["started_at"]), sources,
            escape(str(r["report"].get("error") or "")),
        )  # fmt: skip
    out.print(table)


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="The run (see `gridhub runs`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON.")] = False,
) -> None:
    """One run: its status, times, error if it failed, and what each source and pass did."""
    with StateStore(get_settings().state_database_url) as state:
        found = state.run(run_id)
    if found is None:
        err.print(f"no run {escape(run_id)} (see `gridhub runs`)")
        raise typer.Exit(2)
    if as_json:
        print_json(found)
        return
    report = found["report"]
    out.print(
        f"run {found['run_id']}: {found['status']}, {found['started_at']} → {found['finished_at'] or '—'}"
    )
    if report.get("error"):
        out.print(f"error: {escape(str(report['error']))}")
    sources = Table("source", *SOURCE_FIGURES)
    for source in report.get("sources", []):
        sources.add_row(str(source["source"]), *(str(source.get(f, "")) for f in SOURCE_FIGURES))
    if report.get("sources"):
        out.print(sources)
    for entry in report.get("resolution", []):
        out.print(
            f"resolved {entry.get('entity_type')}: {entry.get('mentions', 0):,} mentions, "
            f"{entry.get('merged', 0):,} merged, {entry.get('review_opened', 0):,} to review"
        )


@app.command()
def report(
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML page here.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of tables.")
    ] = False,
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only these sources.")] = None,
) -> None:
    """Coverage and quality per source (数据质量核查): mentions by resolution outcome, address
    outcomes with their top reasons, invalid identifiers, completeness per mapped field."""
    with StateStore(get_settings().state_database_url) as state:
        quality = build_report(state, source or ())
    if as_json:
        sys.stdout.write(json.dumps(quality.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_quality(out, quality)
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_html(quality), encoding="utf-8")
        (err if as_json else out).print(f"HTML report written to {html}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes (0: one per core on Neo4j, one on the embedded store, which "
            "then takes writes; default GRIDHUB_API_WORKERS)."
        ),
    ] = None,
    config: ConfigDir = Path("config/sources"),
) -> None:
    """Serve the GraphQL API (and /health, /metrics) over the configured graph store, and run
    the `schedule:` of the sources declared in --config."""
    from hub.api.workers import READ_ONLY_ENV, worker_count

    settings = get_settings()
    bind_host, bind_port = host or settings.api_host, port or settings.api_port
    from hub.store.factory import embedded_path

    requested = settings.api_workers if workers is None else workers
    # Auto (0) on the embedded store is one worker: it holds the store writable, so syncs,
    # decisions and schedules run through it. Several workers must open it read-only (ladybug:
    # one writing process, or many reading ones) and then nothing can write while they serve.
    count = 1 if requested == 0 and embedded_path(settings) is not None else worker_count(requested)
    if count > 1:
        import os

        from hub.api.supervisor import run_workers
        from hub.schedule import scheduler_for
        from hub.schedule.submit import as_command

        # Every worker opens the store itself; the embedded one read-only (many readers may).
        os.environ[READ_ONLY_ENV] = "1"
        # Schedules run in this parent process (once, not once per worker), each sync as a
        # `gridhub sync` process writing Neo4j itself; a read-only embedded store cannot sync.
        scheduler = scheduler_for(config, default_schema(), as_command(config.resolve()))
        if scheduler is not None and embedded_path(settings) is not None:
            err.print(
                f"warning: the schedules in {config} do not run: {count} workers open the embedded "
                "store read-only (serve with one worker to run them)",
                markup=False,
            )
            scheduler = None
        out.print(f"GraphQL on http://{bind_host}:{bind_port}/graphql ({count} worker processes)")
        if scheduler is not None:
            scheduler.start()
        try:
            # One listening socket per worker, so that new connections are shared evenly.
            run_workers("hub.api.workers:worker_app", bind_host, bind_port, count)
        finally:
            if scheduler is not None:
                scheduler.stop()
        return
    from hub.api.app import create_app
    from hub.jobs.channel import close_channel, local_url, open_channel
    from hub.long_lived import keep_long_lived_out_of_gc
    from hub.serve import serve as run_server

    keep_long_lived_out_of_gc()  # a serving process (hub/long_lived.py)
    store = open_store(settings)
    embedded = embedded_path(settings)
    token: str | None = None
    try:
        api = create_app(store, settings, schedules=config.resolve())
        token = str(api.state.jobs.token)

        def open_local_channel(_: object) -> None:
            # Once it accepts connections: the CLI's write commands come here from now on.
            if embedded is not None and token is not None:
                open_channel(embedded, local_url(bind_host, bind_port), token)

        out.print(f"GraphQL on http://{bind_host}:{bind_port}/graphql (store {store.uri})")
        run_server(api, bind_host, bind_port, on_ready=open_local_channel)
    finally:
        if embedded is not None and token is not None:
            close_channel(embedded, token)
        store.close()


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """Count nodes and relationships per type."""
    store = open_store(get_settings(), read_only=True)
    try:
        counts = store.counts()
    finally:
        store.close()
    if as_json:
        print_json({"nodes": counts.nodes, "relationships": counts.relationships})
        return
    table = Table("type", "count")
    for name, value in {**counts.nodes, **counts.relationships}.items():
        table.add_row(name, str(value))
    out.print(table)


@app.command()
def explain(
    a: Annotated[str, typer.Argument(help="An entity id, or a mention as source:record_id:role.")],
    b: Annotated[str, typer.Argument(help="The other one.")],
) -> None:
    """Per-field contributions and the score the resolver gives two mentions or entities."""
    from hub.resolution.explain import explain as explain_pair

    with StateStore(get_settings().state_database_url) as state:
        explained, mention_a, mention_b = explain_pair(state, a, b)
    out.print(f"{mention_a}  vs  {mention_b}", highlight=False)
    out.print(explained.render(), highlight=False)


@model_app.command("show")
def model_show(
    entity_type: Annotated[
        str | None, typer.Argument(help="Entity type (Person, LegalEntity; default: every fitted one).")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML page with the match-weight chart."),
    ] = None,
) -> None:
    """λ, m, u, match weight and candidate pairs per comparison level of the model the last full
    pass fitted, with warnings about degenerate or implausible parameters."""
    from hub.resolution.models import model_diagnostics
    from resolvers.linking.charts import models_html

    with StateStore(get_settings().state_database_url) as state:
        shown = model_diagnostics(state, entity_type)
    for diagnostics in shown:
        print_model(out, diagnostics)
    if html is not None:
        html.write_text(models_html(shown), encoding="utf-8")
        out.print(f"wrote {html}", highlight=False)


@export_app.command("crosswalk")
def export_crosswalk(out: Annotated[Path, typer.Option("--out", help="CSV file to write.")]) -> None:
    """source,record_id,role,entity_type,entity_id for every role of every current record."""
    from hub.export.crosswalk import write_crosswalk

    with open_store(get_settings(), read_only=True) as store:
        rows = write_crosswalk(store, out)
    err.print(f"{rows:,} rows → {out}")


@export_app.command("neo4j-import")
def export_neo4j_import(
    directory: Annotated[Path, typer.Argument(help="An empty directory to write the CSV files into.")],
) -> None:
    """The whole graph as `neo4j-admin database import full` files: a city's first load into Neo4j
    (docs/city.md); the constraints follow when the hub first opens the imported database."""
    from hub.export.neo4j_import import write_import_files

    with open_store(get_settings(), read_only=True) as store:
        files = write_import_files(store, directory)
    nodes, rels = sum(files.nodes.values()), sum(files.relationships.values())
    err.print(f"{nodes:,} nodes, {rels:,} relationships → {directory}", highlight=False, markup=False)
    print(files.command())  # a shell command to copy: not wrapped, no markup


@schema_app.command("ddl")
def schema_ddl(target: Annotated[str, typer.Option(help="neo4j or ladybug")] = "neo4j") -> None:
    """Print the constraints/indexes (neo4j) or tables (ladybug) derived from the schema."""
    statements = {"neo4j": neo4j_statements, "ladybug": ladybug_statements}.get(target)
    if statements is None:
        raise typer.BadParameter("choose neo4j or ladybug", param_hint="--target")
    for statement in statements(default_schema()):
        print(f"{statement};")


@schema_app.command("graphql")
def schema_graphql(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write it here (default: print it).")] = None,
) -> None:
    """Print the GraphQL schema (SDL) the API serves; schema.graphql in the repository is this."""
    from hub.api.schema import graphql_sdl  # the API package is loaded only when asked for

    sdl = graphql_sdl(default_schema())
    if out_file is None:
        sys.stdout.write(sdl)
    else:
        out_file.write_text(sdl, encoding="utf-8")
        out.print(f"wrote {out_file}")


# Every scope of hub/api/security/principal.py (importing it loads the whole API package, seconds
# before any command runs); tests/hub/test_cli_apikey_places.py fails when one is missing here.
SCOPES_HELP = (
    "Comma-separated: read (every node type), read:<Type> (one, e.g. read:Person), pii, steward, "
    "tasks, events, audit, admin. See README, Security."
)


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="Who or what uses the key (a department system).")],
    scopes: Annotated[str, typer.Option(help=SCOPES_HELP)],
    street: Annotated[
        list[str] | None,
        typer.Option(help="Only entities in this street: its id (S-…), code or name (repeat for more)."),
    ] = None,
    community: Annotated[
        list[str] | None,
        typer.Option(help="Only entities in this community: its id (C-…), code or name (repeat for more)."),
    ] = None,
    created_by: Annotated[str | None, typer.Option(help="Who creates it (default: your login).")] = None,
) -> None:
    """Create an API key and print it. It is shown this once: only a hash of it is kept.

    Each --street / --community (id, code or name) is looked up in the graph and kept as a node id."""
    from hub.api.security.api_keys import ApiKeys  # loads the API package: only when asked
    from hub.api.security.places import Place, PlaceError, community_label, resolve_places, street_label
    from hub.api.security.scopes import validate_scopes

    settings = get_settings()
    validate_scopes(scopes.split(","), default_schema())  # a bad scope before the graph is opened
    streets: list[Place] = []
    communities: list[Place] = []
    if street or community:
        try:
            with open_store(settings, read_only=True) as store:
                streets = resolve_places(store, street_label(store.schema), street or (), "--street")
                communities = resolve_places(
                    store, community_label(store.schema), community or (), "--community"
                )
        except PlaceError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
    with StateStore(settings.state_database_url) as state:
        created = ApiKeys(state).create(
            name, scopes.split(","), created_by=created_by or _login(),
            streets=[p.id for p in streets] or None, communities=[p.id for p in communities] or None,
        )  # fmt: skip
    places = [f"street {p}" for p in streets] + [f"community {p}" for p in communities]
    restricted = f", restricted to {', '.join(places)}" if places else ""
    out.print(
        f"API key {created.key_id} ({created.record.name}) created{restricted}. "
        "Keep it now, it is not shown again:",
        markup=False, highlight=False, soft_wrap=True,
    )  # fmt: skip
    print(created.key)  # the last line: scripts take it from there


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        return "unknown"


@apikey_app.command("list")
def apikey_list(
    active: Annotated[bool, typer.Option("--active", help="Leave out revoked keys.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """Every API key with its scopes and restriction (never the secret)."""
    with StateStore(get_settings().state_database_url) as state:
        keys = state.api_key_records(include_revoked=not active)
    if as_json:  # the records hold no secret and no hash
        print_json([asdict(k) for k in keys])
        return
    named = _place_names(keys)
    table = Table("id", "name", "scopes", "restricted to", "created", "by", "last used", "revoked")
    for k in keys:
        places = [f"street {named.get(s, s)}" for s in sorted(k.streets or ())] + [
            f"community {named.get(c, c)}" for c in sorted(k.communities or ())
        ]
        table.add_row(
            k.key_id, k.name, " ".join(sorted(k.scopes)), ", ".join(places),
            f"{k.created_at:%Y-%m-%d %H:%M}", k.created_by,
            f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(keys)} key(s)")


def _place_names(keys: list[ApiKeyRecord]) -> dict[str, str]:
    """``name (id)`` of every street and community the keys are restricted to, ``id (not in the
    graph)`` for one no node has (a key that sees nothing there); empty when no key is
    restricted, or (with a note) when the graph cannot be read."""
    streets = {s for k in keys for s in k.streets or ()}
    communities = {c for k in keys for c in k.communities or ()}
    if not streets and not communities:
        return {}
    from hub.api.security.places import community_label, places_by_id, street_label
    from hub.store.errors import StoreError

    try:
        with open_store(get_settings(), read_only=True) as store:
            found = {
                **places_by_id(store, street_label(store.schema), streets),
                **places_by_id(store, community_label(store.schema), communities),
            }
    except StoreError as exc:
        err.print(f"(street and community names left out: {exc})", markup=False, highlight=False)
        return {}
    missing = {i: f"{i} (not in the graph)" for i in (streets | communities) - found.keys()}
    return {**missing, **{place_id: str(place) for place_id, place in found.items()}}


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see `gridhub apikey list`).")],
) -> None:
    """Revoke an API key: a running API refuses it within seconds (GRIDHUB_API_KEY_CACHE_S)."""
    with StateStore(get_settings().state_database_url) as state:
        revoked = state.revoke_api_key(key_id)
    out.print(f"API key {revoked.key_id} ({revoked.name}) revoked")


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            "an ISO 8601 date or time, e.g. 2025-03-01T08:00", param_hint="--since"
        ) from exc


@audit_app.command("list")
def audit_list(
    entity: Annotated[
        str | None, typer.Option("--entity", help="Entries that returned this entity id.")
    ] = None,
    key: Annotated[str | None, typer.Option("--key", help="Entries made with this API key id.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="ISO 8601 (2025-03-01T08:00); without a zone, UTC.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The API's audit log: who was shown which fields of which entities, when, from where."""
    with StateStore(get_settings().state_database_url) as state:
        entries = state.audit_entries(_since(since), entity_id=entity, key_id=key, limit=limit)
    if as_json:
        for entry in entries:
            print(json.dumps(entry.to_dict(), ensure_ascii=False))
        return
    table = Table("id", "at (UTC)", "principal", "operation", "type", "entities", "fields", "client")
    for e in entries:
        table.add_row(
            str(e.id), f"{e.at:%Y-%m-%d %H:%M:%S}", e.principal, e.operation, e.entity_type or "",
            ", ".join(e.entity_ids), ", ".join(e.fields), e.client or "",
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")


@demo_app.callback()
def demo(
    ctx: typer.Context,
    persons: Annotated[
        int | None, typer.Option(help="Residents to generate (default from demo.yaml).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    port: Annotated[int | None, typer.Option(help="API port.")] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Stop after the first query has been answered.")
    ] = False,
    style: Annotated[
        str, typer.Option(help="How the department exports are written: standard or county.")
    ] = "standard",
) -> None:
    """Generate a district, sync its six department sources, serve the API and ask it a first query."""
    if ctx.invoked_subcommand is not None:
        return
    from hub.demo.main import run_demo

    settings = get_settings()
    run_demo(
        settings,
        persons=persons,
        seed=seed,
        port=port or settings.api_port,
        once=once,
        console=out,
        style=style,
    )


@demo_app.command("generate")
def demo_generate(
    persons: Annotated[int, typer.Option(help="Residents to generate.")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Directory (default: <data dir>/demo).")
    ] = None,
    style: Annotated[
        str,
        typer.Option(
            help="How the department exports are written: standard, or county (other columns, "
            "date and gender codes, a building-level address library; sources in hub/demo/sources_county)."
        ),
    ] = "standard",
    events: Annotated[
        int, typer.Option(help="Residents' complaints to write (events.jsonl, with events_truth.csv).")
    ] = 1000,
) -> None:
    """Write the demo district's source files and its ground truth."""
    from hub.demo.generator import generate_district

    target = out_dir or get_settings().data_dir / "demo"
    manifest = generate_district(target, persons=persons, seed=seed, style=style, events=events)
    out.print(manifest)


def main() -> None:
    """Console entry point: operator errors become one clear line and exit code 2, not a traceback."""
    configure_logging()
    try:
        app()
    except (HubError, ConnectorError, SchemaError) as exc:
        err.print(f"[bold red]error:[/] {redact_pii(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except Exception as exc:  # a bug: its traceback, without locals, identifiers masked
        print_crash(err, exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
