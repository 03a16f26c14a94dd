"""The write commands as functions of (store, state, settings, options, progress) → JobResult.

Options are plain JSON values, so that the same call travels over the server's local channel
unchanged; results are JSON too, and the CLI prints them the same way whoever ran the job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from connectors.config import SourceConfig, load_source_configs
from hub.errors import HubError
from hub.resolution.engines import parse_engine
from hub.resolution.golden import golden_values
from hub.review import decide_item
from hub.review import judge as judge_pair
from hub.review.choosing import choose_value
from hub.search import SearchService
from hub.settings import Settings
from hub.state import StateStore, Verdict
from hub.state.pins import Pin
from hub.store import GraphStore
from hub.sync import resolve_pass, sync_sources
from hub.sync.pipeline import Progress, new_run_id
from hub.sync.replay import replay_quarantine
from hub.tasks.changes import TaskChanges
from hub.tasks.dispatch import build_intake, dispatch_event
from hub.tasks.events import EventIntake
from hub.tasks.lifecycle import Action
from hub.tasks.queue import QueueAnswer, settle_queued
from hub.tasks.run import load_task_config, run_tasks

# Exit codes, as `gridhub` and orchestrators read them.
OK, FAILED, REFUSED = 0, 1, 2


class JobError(HubError):
    """A job that cannot run as asked (an unknown command or source, a bad option)."""


@dataclass
class JobResult:
    exit_code: int
    result: dict[str, Any] = field(default_factory=dict)


Command = Callable[[GraphStore, StateStore, Settings, Mapping[str, Any], Progress | None], JobResult]


def _configs(store: GraphStore, options: Mapping[str, Any]) -> list[SourceConfig]:
    config_dir = Path(str(options.get("config") or "config/sources"))
    configs = load_source_configs(config_dir, store.schema)
    only = options.get("sources") or []
    if only:
        unknown = sorted(set(only) - {c.name for c in configs})
        if unknown:
            raise JobError(f"{config_dir}: no source named {', '.join(unknown)}")
        configs = [c for c in configs if c.name in only]
    return configs


def sync(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    configs = _configs(store, options)
    if options.get("full"):
        for source in configs:
            state.reset_source(source.name)
    report = sync_sources(
        store, state, configs, settings, progress, allow_retire=bool(options.get("allow_retire"))
    )
    return JobResult(REFUSED if report.refused else OK, report.to_dict())


def resolve(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    engine = parse_engine(options.get("engine"))
    reports = resolve_pass(store, state, settings, full=bool(options.get("full")), engine=engine)
    return JobResult(OK, {"resolution": reports})


def _verdict(options: Mapping[str, Any]) -> Verdict:
    try:
        return Verdict(str(options["verdict"]))
    except (KeyError, ValueError) as exc:
        raise JobError(f"verdict must be one of {', '.join(v.value for v in Verdict)}") from exc


def _outcome(outcome: Any) -> dict[str, Any]:
    judgement = outcome.judgement
    return {
        "summary": outcome.summary,
        "judgement": {
            "id": judgement.id,
            "entity_type": judgement.entity_type,
            "verdict": judgement.verdict.value,
            "steward": judgement.steward,
            "left_entity": judgement.left_entity,
            "right_entity": judgement.right_entity,
            "review_item": judgement.review_item,
        },
    }


def judge(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    outcome = judge_pair(
        store,
        state,
        str(options["a"]),
        str(options["b"]),
        _verdict(options),
        str(options["steward"]),
        options.get("reason"),
        cache_dir=settings.data_dir / "cache",
        confirm=bool(options.get("confirm")),
    )
    return JobResult(OK, _outcome(outcome))


def review_decide(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    outcome = decide_item(
        store,
        state,
        int(options["item"]),
        _verdict(options),
        str(options["steward"]),
        options.get("reason"),
        settings.data_dir / "cache",
        confirm=bool(options.get("confirm")),
    )
    return JobResult(OK, _outcome(outcome))


def quarantine_replay(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    report = replay_quarantine(store, state, _configs(store, options), settings)
    return JobResult(
        OK, {"run_id": report.run_id, "replayed": report.replayed, "still_failing": report.still_failing}
    )


def review_choose(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    choice = choose_value(
        store,
        state,
        int(options["item"]),
        str(options["value"]),
        str(options["steward"]),
        options.get("reason"),
    )
    return JobResult(OK, {"summary": choice.summary, "pin": _pin(choice.pin)})


def review_unpin(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    pin = state.revoke_pin(int(options["pin"]), str(options["steward"]))
    node = store.schema.node(pin.entity_type)
    entity = state.resolve_alias(pin.entity_id)
    golden_values(store, state, node, {entity}, new_run_id(datetime.now(UTC)), set())
    summary = f"chosen value {pin.id} revoked by {pin.revoked_by}; {entity}.{pin.property} follows the sources again"
    return JobResult(OK, {"summary": summary, "pin": _pin(pin)})


def _pin(pin: Pin) -> dict[str, Any]:
    return {
        "id": pin.id, "entity_type": pin.entity_type, "entity_id": pin.entity_id, "property": pin.property,
        "value": str(pin.value), "previous": None if pin.previous is None else str(pin.previous),
        "steward": pin.steward, "review_item": pin.review_item,
    }  # fmt: skip


def _tasks_config(settings: Settings, options: Mapping[str, Any]) -> tuple[Path, date]:
    config_dir = Path(str(options.get("config") or settings.tasks_config_dir))
    try:
        today = date.fromisoformat(str(options["today"])) if options.get("today") else date.today()
    except ValueError as exc:
        raise JobError(f"today must be a date (YYYY-MM-DD), not {options['today']!r}") from exc
    return config_dir, today


def tasks_run(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    config_dir, today = _tasks_config(settings, options)
    report = run_tasks(store, state, config_dir, today, progress)
    return JobResult(FAILED if report.failed else OK, report.to_dict())


def task_status(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    config_dir, today = _tasks_config(settings, options)
    try:
        action = Action(str(options["action"]))
    except ValueError as exc:
        raise JobError(
            f"action must be one of accept, done, return, assign, not {options['action']!r}"
        ) from exc
    outcome = TaskChanges(store, state, config_dir, today).change(
        str(options["task"]),
        action,
        str(options["by"]),
        reason_code=options.get("reason"),
        note=options.get("note"),
        to=options.get("to"),
    )
    return JobResult(OK, outcome.to_dict())


def event(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    """One event (complaint) dispatched: a task opened or joined, or the dispatchers' queue
    (hub/tasks/dispatch.py). Options: ``event`` (the event as the channel sent it), ``reporter``
    (who sent it), ``today``, ``config``; in the server's own process also ``intake`` (its
    EventIntake, built once per app) — without it one is built here from the store."""
    config_dir, today = _tasks_config(settings, options)
    raw = options["event"]
    if not isinstance(raw, Mapping):
        raise JobError(f"event must be a JSON object, not {type(raw).__name__}")
    config = load_task_config(config_dir, store.schema)
    intake = options.get("intake")
    if not isinstance(intake, EventIntake):
        intake = build_intake(store, config, SearchService(store, state))
    reporter = options.get("reporter")
    outcome = dispatch_event(
        store,
        state,
        config,
        intake,
        raw,
        today,
        datetime.now(UTC),
        reporter=None if reporter is None else str(reporter),
    )
    return JobResult(OK, outcome.answer())


def queue_settle(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    """A dispatcher's answer to an event waiting in the queue: dispatched to a task or closed
    (hub/tasks/queue.py). Options: ``report`` (its id), ``answer`` (item, address or grid, note;
    or close), ``by``, ``today``, ``config``; ``intake`` in the server's own process, as for
    ``event``."""
    config_dir, today = _tasks_config(settings, options)
    config = load_task_config(config_dir, store.schema)
    report = int(options["report"])
    answer = QueueAnswer.parse(report, options["answer"])
    intake = options.get("intake")
    if not isinstance(intake, EventIntake):
        # Without a search service: a dispatcher's answer keeps the subjects intake found.
        intake = build_intake(store, config, None)
    settled = settle_queued(
        store, state, config, intake, report, answer, str(options["by"]), today, datetime.now(UTC)
    )
    return JobResult(OK, settled.to_dict())


COMMANDS: dict[str, Command] = {
    "sync": sync,
    "resolve": resolve,
    "judge": judge,
    "review-decide": review_decide,
    "quarantine-replay": quarantine_replay,
    "review-choose": review_choose,
    "review-unpin": review_unpin,
    "tasks-run": tasks_run,
    "task-status": task_status,
    "event": event,
    "queue-settle": queue_settle,
}


def run_job(
    command: str,
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None = None,
) -> JobResult:
    """Run one write command; a missing option is a JobError naming it."""
    run = COMMANDS.get(command)
    if run is None:
        raise JobError(f"no write command {command!r} (one of {', '.join(COMMANDS)})")
    try:
        return run(store, state, settings, options, progress)
    except KeyError as exc:
        raise JobError(f"{command}: option {exc.args[0]!r} is required") from exc
