"""The daily task run (`gridhub tasks run`): every rule's facts become tasks, once each.

A fact (rule, subject, period) already on file opens nothing, so the run may be repeated any
number of times a day. New tasks are assigned (hub/tasks/assign.py) and filed in the state
database, which holds their lifecycle; then the graph is brought up to date: Department nodes,
and every task whose row changed since it was last written (new ones, status changes the graph
missed, tasks that became overdue today). A rule that fails is reported and the others run.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from graph_schema import Schema
from hub.errors import HubError
from hub.state import StateStore
from hub.state.tasks import TaskRecord
from hub.store import GraphStore
from hub.sync.pipeline import Progress
from hub.tasks.assign import Assigner, Assignment
from hub.tasks.catalog import Catalog, load_catalog
from hub.tasks.facts import REVIEW_ITEM, evaluate
from hub.tasks.graph import project, write_departments
from hub.tasks.lifecycle import Action, Status
from hub.tasks.places import Directory, Place, place_subjects
from hub.tasks.rules import Fact, RuleDef, load_rules
from hub.tasks.workdays import Calendar, load_calendar
from resolvers.ids import identifier_entity_id

log = logging.getLogger(__name__)
SYSTEM = "gridhub"  # the actor of what the hub does by itself
_PROJECT_BATCH = 10_000


@dataclass(frozen=True)
class TaskConfig:
    catalog: Catalog
    rules: list[RuleDef]
    calendar: Calendar


def load_task_config(config_dir: Path, schema: Schema) -> TaskConfig:
    """config_dir/{departments,items,calendar}.yaml and config_dir/rules/*.yaml."""
    catalog = load_catalog(config_dir)
    return TaskConfig(catalog, load_rules(config_dir / "rules", catalog, schema), load_calendar(config_dir))


@dataclass
class RuleReport:
    rule: str
    item: str
    found: int = 0
    opened: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class TaskRunReport:
    today: date
    catalog_version: str
    rules: list[RuleReport] = field(default_factory=list)
    assigned: dict[str, int] = field(default_factory=dict)  # by level; "nobody": left open
    departments: int = 0
    overdue_changed: int = 0
    projected: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return any(r.error for r in self.rules)

    @property
    def opened(self) -> int:
        return sum(r.opened for r in self.rules)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        data["opened"] = self.opened
        return data


def task_id(schema: Schema, fact_key: str) -> str:
    node = schema.node(schema.roles.task)
    return identifier_entity_id(node.id_prefix, node.name, "fact_key", fact_key)


def due_date(calendar: Calendar, today: date, deadline_days: int, fact_due: date | None) -> date:
    """The item's deadline in working days, or the fact's own date when that comes first (never
    before today)."""
    due = calendar.add(today, deadline_days)
    if fact_due is not None:
        due = max(today, min(due, fact_due))
    return due


def _rows(
    schema: Schema,
    config: TaskConfig,
    directory: Directory,
    fact: Fact,
    place: Place | None,
    assignment: Assignment | None,
    today: date,
    now: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    item = config.catalog.item(fact.item)
    tid = task_id(schema, fact.key)
    grid = directory.grids.get(place.grid) if place is not None and place.grid else None
    about = fact.about_node if fact.subject_label != REVIEW_ITEM or fact.about else None
    due = due_date(config.calendar, today, item.deadline_days, fact.due)
    status = Status.ASSIGNED if assignment is not None else Status.OPEN
    who = assignment.assignee if assignment is not None else None
    row = {
        "id": tid, "fact_key": fact.key, "origin": fact.origin, "item": item.code, "level": item.level,
        "catalog_version": config.catalog.version, "subject_label": fact.subject_label,
        "subject_id": fact.subject_id, "period": fact.period,
        "about_label": about[0] if about else None, "about_id": about[1] if about else None,
        "status": status.value,
        "assignee_label": who.label if who else None, "assignee_id": who.id if who else None,
        "assignee_code": who.code if who else None, "assignee_name": who.name if who else None,
        "assignee_level": assignment.level if assignment else None,
        "assignment": assignment.why if assignment else None,
        "grid_id": grid.id if grid else None, "grid_code": grid.code if grid else None,
        "community_id": grid.community if grid else None, "street_id": grid.street if grid else None,
        "opened_on": today, "due_date": due, "overdue": due < today, "note": fact.note,
        "detail": fact.detail, "projected": False, "created_at": now, "updated_at": now,
    }  # fmt: skip
    events = [
        {"task_id": tid, "at": now, "actor": SYSTEM, "action": Action.OPEN.value, "from_status": None,
         "to_status": Status.OPEN.value, "note": fact.note},
    ]  # fmt: skip
    if assignment is not None:
        events.append(
            {"task_id": tid, "at": now, "actor": SYSTEM, "action": Action.ASSIGN.value,
             "from_status": Status.OPEN.value, "to_status": status.value, "note": assignment.why,
             "assignee_id": assignment.assignee.id}
        )  # fmt: skip
    return row, events


def open_facts(
    store: GraphStore,
    state: StateStore,
    config: TaskConfig,
    directory: Directory,
    assigner: Assigner,
    facts: Sequence[Fact],
    today: date,
) -> list[tuple[str, str | None]]:
    """File a task for every fact not on file yet (by its key), assigned; returns their ids
    with the level each was assigned at (None: nobody could take it, it stays open). The
    graph gets them at the next projection (:func:`project_pending`)."""
    known: set[str] = set()
    for origin in {f.origin for f in facts}:
        known |= state.known_fact_keys(origin)
    new = [f for f in {f.key: f for f in facts}.values() if f.key not in known]
    if not new:
        return []
    # Subjects the model has: a review item (a state row) or an event with no place is not walked.
    labels = {n.name for n in store.schema.node_types}
    placed = [f for f in new if f.subject_label != REVIEW_ITEM and f.subject_label in labels]
    places = place_subjects(
        store,
        directory.grid_level,
        [(f.subject_label, f.subject_id) for f in placed],
        {f.subject_id: f.place for f in placed if f.place},
    )
    now = datetime.now(UTC)
    rows, events = [], []
    for fact in new:
        place = places.get((fact.subject_label, fact.subject_id))
        assignment = assigner.assign(config.catalog.item(fact.item), place)
        row, evs = _rows(store.schema, config, directory, fact, place, assignment, today, now)
        rows.append(row)
        events += evs
    state.add_tasks(rows, events)
    return [(str(r["id"]), r["assignee_level"]) for r in rows]


def project_pending(store: GraphStore, state: StateStore) -> int:
    """Write every task whose row changed since the graph last had it; returns how many."""
    pending: list[TaskRecord] = state.unprojected_tasks()
    for start in range(0, len(pending), _PROJECT_BATCH):
        batch = pending[start : start + _PROJECT_BATCH]
        project(store, batch)
        state.mark_projected((t.id, t.updated_at) for t in batch)
    return len(pending)


def run_tasks(
    store: GraphStore,
    state: StateStore,
    config_dir: Path,
    today: date,
    progress: Progress | None = None,
) -> TaskRunReport:
    started = time.perf_counter()
    config = load_task_config(config_dir, store.schema)
    report = TaskRunReport(today, config.catalog.version)
    if not config.calendar.covers(today):
        report.warnings.append(
            f"{config_dir / 'calendar.yaml'} lists no holidays for {today.year}: deadlines count weekends only"
        )
    store.apply_schema()  # a store made before tasks were placed gains what they need
    directory = Directory.load(store, config.catalog)
    report.departments = write_departments(store, directory)
    assigner = Assigner(directory, state.open_load())
    levels: Counter[str] = Counter()
    for rule in config.rules:
        rule_report = RuleReport(rule.name, rule.item)
        report.rules.append(rule_report)
        began = time.perf_counter()
        try:
            facts = evaluate(rule, store, state, today)
            rule_report.found = len(facts)
            opened = open_facts(store, state, config, directory, assigner, facts, today)
            rule_report.opened = len(opened)
            levels.update(level or "nobody" for _, level in opened)
        except HubError as exc:
            rule_report.error = str(exc)
            log.warning("task rule failed", extra={"rule": rule.name, "error": str(exc)})
        rule_report.seconds = round(time.perf_counter() - began, 3)
        if progress is not None:
            progress(f"rule {rule.name}", rule_report.opened, finished=True)
    report.assigned = dict(sorted(levels.items()))
    report.overdue_changed = state.refresh_overdue(today, datetime.now(UTC))
    report.projected = project_pending(store, state)
    report.seconds = round(time.perf_counter() - started, 3)
    return report
