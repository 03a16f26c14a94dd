"""`gridhub tasks …`: the daily task run, the task list, status changes, and the dispatchers'
queue (`gridhub tasks queue list|settle`).

Registered in hub/cli.py with ``app.add_typer(tasks_app, name="tasks")``. The run, status changes
and a settled queue entry write the graph: when `gridhub serve` holds the embedded store they are
sent to it (as the other write commands are); listing and showing read the state database only.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hub.console import sync_progress
from hub.errors import HubError
from hub.jobs import JobResult, run_job
from hub.jobs.channel import find_server
from hub.redact import redact_pii, redact_value
from hub.settings import get_settings
from hub.state import StateStore
from hub.state.events import QUEUE_STATUSES, WAITING
from hub.state.tasks import TaskRecord
from hub.store import open_store
from hub.tasks.events import EventError
from hub.tasks.lifecycle import REASONS, Action, Status
from hub.tasks.queue import QueueAnswer
from hub.tasks.workdays import Calendar, load_calendar

tasks_app = typer.Typer(help="Tasks for grid workers and departments, matched by rules over the graph.")
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

TaskConfigDir = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Directory of the task config (default: GRIDHUB_TASKS_CONFIG_DIR, config/tasks).",
    ),
]
Today = Annotated[str | None, typer.Option("--today", help="The day to run as (YYYY-MM-DD; default: today).")]
By = Annotated[str, typer.Option("--by", help="Who makes the change (recorded in the task's history).")]
Note = Annotated[str | None, typer.Option("--note", help="A note kept with the change.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@tasks_app.callback()
def tasks() -> None:
    """Tasks for grid workers and departments, matched by rules over the graph."""


def _write_job(command: str, options: dict[str, Any], *, show_progress: bool) -> JobResult:
    """Run a write command here, or on the server that holds the embedded store."""
    settings = get_settings()
    server = find_server(settings)
    with sync_progress(out, disable=not show_progress) as progress:
        if server is not None:
            err.print(
                f"the API server (pid {server.pid}) holds the store: {command} runs there", markup=False
            )
            return server.run(command, options, progress, lambda note: err.print(note, markup=False))
        with open_store(settings) as store, StateStore(settings.state_database_url) as state:
            return run_job(command, store, state, settings, options, progress)


def _today(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint="--today") from None


@tasks_app.command("run")
def tasks_run(config: TaskConfigDir = None, today: Today = None, as_json: AsJson = False) -> None:
    """Run every rule and open a task for each new fact (the daily batch; running it twice
    opens nothing twice). Exit 1 when a rule failed (the others ran)."""
    options = {"config": str(_config(config)), "today": _today(today).isoformat()}
    job = _write_job("tasks-run", options, show_progress=False)
    report = job.result
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        table = Table("rule", "item", "found", "opened", "seconds", "error")
        for r in report["rules"]:
            table.add_row(
                r["rule"],
                r["item"],
                str(r["found"]),
                str(r["opened"]),
                f"{r['seconds']:.2f}",
                r["error"] or "",
            )
        out.print(table)
        assigned = ", ".join(f"{n} to {level}" for level, n in report["assigned"].items()) or "none"
        out.print(
            f"{report['opened']} task(s) opened as of {report['today']} ({assigned}); "
            f"{report['overdue_changed']} overdue flag(s) changed; {report['projected']} written to the graph; "
            f"item list {report['catalog_version']}; {report['seconds']:.1f} s",
            highlight=False,
        )
        for warning in report["warnings"]:
            err.print(f"warning: {warning}", markup=False)
    if job.exit_code:
        raise typer.Exit(job.exit_code)


def _config(config: Path | None) -> Path:
    return (config or get_settings().tasks_config_dir).resolve()


def _calendar(config: Path | None) -> Calendar:
    return load_calendar(_config(config))


def _late(task: TaskRecord, calendar: Calendar, today: date) -> int:
    return 0 if task.status == Status.DONE else calendar.overdue_by(task.due_date, today)


@tasks_app.command("list")
def tasks_list(
    worker: Annotated[str | None, typer.Option(help="A grid worker's code or id.")] = None,
    grid: Annotated[str | None, typer.Option(help="A grid's code or id (where the task lies).")] = None,
    department: Annotated[str | None, typer.Option(help="A department's code or id.")] = None,
    status: Annotated[list[Status] | None, typer.Option(help="Only these statuses (repeatable).")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only tasks past their due date, not done.")
    ] = False,
    item: Annotated[str | None, typer.Option(help="Only this item code.")] = None,
    rule: Annotated[str | None, typer.Option(help="Only tasks this rule opened.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
    config: TaskConfigDir = None,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """Tasks from the state database (authoritative), newest first."""
    day = _today(today)
    if worker and department:
        raise typer.BadParameter("give --worker or --department, not both")
    settings = get_settings()
    with StateStore(settings.state_database_url) as state:
        found = state.find_tasks(
            statuses=[s.value for s in status or ()],
            assignee=worker or department,
            assignee_label=("GridWorker" if worker else "Department") if worker or department else None,
            grid=grid,
            item=item,
            origin=rule,
            overdue_on=day if overdue else None,
            limit=limit,
        )
    calendar = _calendar(config)
    if as_json:
        print(
            json.dumps(
                [{**t.to_dict(), "overdue_by": _late(t, calendar, day)} for t in found], ensure_ascii=False
            )
        )
        return
    table = Table("id", "item", "status", "due", "late", "assignee", "grid", "subject", "note")
    for t in found:
        late = _late(t, calendar, day)
        who = f"{t.assignee_code} {t.assignee_name or ''}".strip() if t.assignee_code else "—"
        table.add_row(
            t.id, t.item, t.status, t.due_date.isoformat(), f"{late} wd" if late else "", who,
            t.grid_code or "—", f"{t.subject_label} {t.subject_id}", (t.note or "")[:40],
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(found)} task(s)", highlight=False)


@tasks_app.command("show")
def tasks_show(
    task_id: Annotated[str, typer.Argument(help="The task's id (T-…).")],
    config: TaskConfigDir = None,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """One task with its whole history: who changed it, when and why."""
    settings = get_settings()
    with StateStore(settings.state_database_url) as state:
        task = state.task(task_id)
        history = state.task_history(task_id)
    if task is None:
        err.print(f"error: no task {task_id}", markup=False)
        raise typer.Exit(2)
    late = _late(task, _calendar(config), _today(today))
    if as_json:
        body = {**task.to_dict(), "overdue_by": late, "history": [e.to_dict() for e in history]}
        print(json.dumps(body, ensure_ascii=False))
        return
    for name, value in task.to_dict().items():
        if name not in ("detail", "projected"):
            out.print(f"{name:>16}: {value if value is not None else '—'}", highlight=False, markup=False)
    out.print(f"{'overdue by':>16}: {late} working day(s)", highlight=False)
    for key, value in task.detail.items():
        out.print(f"{key:>16}: {value}", highlight=False, markup=False)
    table = Table("at", "actor", "action", "from", "to", "reason", "assignee", "counts against", "note")
    for e in history:
        against = e.counts_against or ("nobody" if e.action == Action.RETURN else "")
        table.add_row(
            f"{e.at:%Y-%m-%d %H:%M}", e.actor, e.action, e.from_status or "", e.to_status, e.reason or "",
            e.assignee_id or "", against, e.note or "",
        )  # fmt: skip
    out.print(table)


def _status_change(options: dict[str, Any], as_json: bool) -> None:
    job = _write_job("task-status", options, show_progress=False)
    if as_json:
        print(json.dumps(job.result, ensure_ascii=False))
    else:
        out.print(job.result["summary"], highlight=False, markup=False)


@tasks_app.command("accept")
def tasks_accept(
    task_id: Annotated[str, typer.Argument(help="The task's id (T-…).")],
    by: By,
    note: Note = None,
    config: TaskConfigDir = None,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """The assignee takes the task on (assigned → accepted)."""
    _status_change(_options(task_id, Action.ACCEPT, by, note, config, today), as_json)


@tasks_app.command("done")
def tasks_done(
    task_id: Annotated[str, typer.Argument(help="The task's id (T-…).")],
    by: By,
    note: Note = None,
    config: TaskConfigDir = None,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """The work is done (accepted → done)."""
    _status_change(_options(task_id, Action.DONE, by, note, config, today), as_json)


@tasks_app.command("return")
def tasks_return(
    task_id: Annotated[str, typer.Argument(help="The task's id (T-…).")],
    reason: Annotated[
        str,
        typer.Option("--reason", help="Why: " + "; ".join(f"{r.code} ({r.title})" for r in REASONS.values())),
    ],
    by: By,
    note: Note = None,
    config: TaskConfigDir = None,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """Hand the task back with a reason; it is assigned again at once, passing over whoever
    returned it (a "not my grid" return counts against nobody)."""
    _status_change({**_options(task_id, Action.RETURN, by, note, config, today), "reason": reason}, as_json)


@tasks_app.command("assign")
def tasks_assign(
    task_id: Annotated[str, typer.Argument(help="The task's id (T-…).")],
    to: Annotated[str, typer.Option("--to", help="A grid worker's or department's code (or id).")],
    by: By,
    note: Note = None,
    config: TaskConfigDir = None,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """Assign an open or returned task by hand (a dispatcher's decision, when nobody was left)."""
    _status_change({**_options(task_id, Action.ASSIGN, by, note, config, today), "to": to}, as_json)


def _options(
    task_id: str, action: Action, by: str, note: str | None, config: Path | None, today: str | None
) -> dict[str, Any]:
    return {
        "task": task_id,
        "action": action.value,
        "by": by,
        "note": note,
        "config": str(_config(config)),
        "today": _today(today).isoformat(),
    }


queue_app = typer.Typer(help="The dispatchers' queue: events intake could not dispatch, with the reasons.")
tasks_app.add_typer(queue_app, name="queue")


@queue_app.command("list")
def queue_list(
    status: Annotated[
        str, typer.Option(help=f"One of {', '.join(QUEUE_STATUSES)} (settled entries keep their answer).")
    ] = WAITING,
    limit: Annotated[int, typer.Option(help="At most this many, oldest first.")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many first.")] = 0,
    as_json: AsJson = False,
    show_pii: Annotated[
        bool, typer.Option("--show-pii", help="Show reporters' phone and identity numbers as written.")
    ] = False,
) -> None:
    """Events waiting for a dispatcher (or settled ones), from the state database, with why
    intake could not dispatch them and what it found. Reporters' phone and identity numbers are
    masked (as the API masks them without the pii scope) unless --show-pii."""
    if status not in QUEUE_STATUSES:
        raise typer.BadParameter(f"one of {', '.join(QUEUE_STATUSES)}, not {status!r}", param_hint="--status")
    with StateStore(get_settings().state_database_url) as state:
        entries = state.event_queue(status, limit, offset)
        total = state.count_event_queue(status)
    if as_json:
        print(
            json.dumps(
                {
                    "status": status,
                    "total": total,
                    "items": [e.to_dict() if show_pii else redact_value(e.to_dict()) for e in entries],
                },
                ensure_ascii=False,
            )
        )
        return
    table = Table("id", "received", "channel", "event", "reasons", "intake found", "text")
    for e in entries:
        found = ", ".join(f"{k} {e.decision[k]}" for k in ("item", "grid") if e.decision.get(k)) or "—"
        reasons = "; ".join(f"{r['kind']}: {r['detail']}" for r in e.reasons)
        table.add_row(
            str(e.id), f"{e.received_at:%Y-%m-%d %H:%M}", e.channel, e.event_id, reasons, found,
            str(e.raw.get("text", "") if show_pii else redact_pii(str(e.raw.get("text", ""))))[:40],
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(entries)} of {total} {status} event(s)", highlight=False)


@queue_app.command("settle")
def queue_settle(
    report: Annotated[int, typer.Argument(help="The queue entry's id (tasks queue list).")],
    by: By,
    item: Annotated[
        str | None, typer.Option(help="Dispatch it on this item (its code in the item list).")
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="Where it happened: a standard address (default: what intake found).")
    ] = None,
    grid: Annotated[str | None, typer.Option(help="Or the grid it lies in: its code or id.")] = None,
    close: Annotated[str | None, typer.Option("--close", help="Close it without a task, saying why.")] = None,
    note: Note = None,
    config: TaskConfigDir = None,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """A dispatcher's answer to a queued event: --item (with --address or --grid when intake did
    not find the place) opens and assigns its task as intake would, or joins the open task of an
    earlier report of it; --close closes it."""
    answer = {"item": item, "address": address, "grid": grid, "close": close, "note": note}
    answer = {k: v for k, v in answer.items() if v is not None}
    try:
        QueueAnswer.parse(report, answer)
    except EventError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"--{exc.field}" if exc.field else None) from None
    options = {
        "report": report,
        "answer": answer,
        "by": by,
        "config": str(_config(config)),
        "today": _today(today).isoformat(),
    }
    try:
        job = _write_job("queue-settle", options, show_progress=False)
    except HubError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    settled = job.result
    if as_json:
        print(json.dumps(settled, ensure_ascii=False))
    elif settled["status"] == "closed":
        out.print(
            f"queued event {report} closed: {settled['settlement']['close']}", highlight=False, markup=False
        )
    else:
        who = settled.get("assignee") or {}
        how = "joined the open task" if settled["joined"] else "dispatched to the new task"
        out.print(
            f"queued event {report} {how} {settled['task']} (item {settled['item']}), "
            f"assigned to {who.get('label', '—')} {who.get('code') or ''} {who.get('name') or ''}".rstrip(),
            highlight=False,
            markup=False,
        )
