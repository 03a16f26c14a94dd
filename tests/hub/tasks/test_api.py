"""Tasks over GraphQL, on both stores: a worker's, a department's and a grid's tasks with
filters, counts per street, the street restriction; and the status-change mutations (tasks
scope, run as write jobs of the server), with the Mutation type merged as hub/api/graphql/
mutations.py will merge it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import strawberry

from hub.api.context import RequestContext
from hub.api.graphql.filters import WhereInputs
from hub.api.graphql.mutations import Mutation
from hub.api.graphql.objects import NodeObjects
from hub.api.graphql.root import build_query
from hub.api.graphql.task_mutations import TaskMutations
from hub.api.jobs import JobRunner
from hub.api.security.principal import READ_SCOPE, TASKS_SCOPE, Principal
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.tasks.assign import Assigner
from hub.tasks.places import Directory
from hub.tasks.rules import Fact
from hub.tasks.run import load_task_config, open_facts, project_pending
from tests.hub.api.graphql.conftest import data, execute
from tests.hub.tasks.conftest import CONFIG, TODAY

WORKER = Principal(name="网格员1", scopes=frozenset({READ_SCOPE, TASKS_SCOPE}))
READER = Principal(name="reader", scopes=frozenset({READ_SCOPE}))
SOUTH = Principal(name="南园街道", scopes=frozenset({READ_SCOPE, TASKS_SCOPE}), streets=frozenset({"S2"}))


@pytest.fixture
def tasks(small: GraphStore, state: StateStore) -> dict[str, str]:
    """Elderly-allowance tasks for P1 … P4 (grids G1 … G4) and an expired licence (SCJG's)."""
    config = load_task_config(CONFIG, small.schema)
    directory = Directory.load(small, config.catalog)
    facts = [Fact("test", "YL-001", "Person", f"P{i}", "70") for i in (1, 2, 3, 4)]
    facts.append(Fact("test", "QY-002", "License", "LC1", "2026-10-01"))
    opened = open_facts(small, state, config, directory, Assigner(directory, {}), facts, TODAY)
    project_pending(small, state)
    by_subject = {}
    for task_id, _ in opened:
        task = state.task(task_id)
        assert task is not None
        by_subject[task.subject_id] = task_id
    return by_subject


def _ask(
    store: GraphStore, query: str, principal: Principal | None = None, **variables: Any
) -> dict[str, Any]:
    if principal is None:
        body, _ = execute(store, query, as_of=TODAY, **variables)
    else:
        body, _ = execute(store, query, principal, as_of=TODAY, **variables)
    return data(body)


def test_a_workers_tasks_with_filters(small: GraphStore, tasks: dict[str, str]) -> None:
    found = _ask(
        small,
        """{ gridWorker(workerCode: "FTWG00001") { assignedTasks(where: {status: {eq: "assigned"}, item: {eq: "YL-001"}}) {
             totalCount nodes { id item status level dueDate overdue assigneeLevel assignment grid { gridCode }
                                subject { id } } } } }""",
    )
    listed = found["gridWorker"]["assignedTasks"]
    assert listed["totalCount"] == 1
    [task] = listed["nodes"]
    assert task["id"] == tasks["P1"]
    assert (task["item"], task["status"], task["level"], task["overdue"]) == (
        "YL-001",
        "assigned",
        "一般",
        False,
    )
    assert task["dueDate"] == "2026-11-09"  # five working days from Monday 2 November
    assert task["grid"] == {"gridCode": "G001"}
    assert task["subject"] == {"id": "P1"}
    assert task["assignment"].endswith("GridWorker W1 FTWG00001 (0 open, fewest of 2)")


def test_a_departments_and_a_grids_tasks(small: GraphStore, tasks: dict[str, str]) -> None:
    found = _ask(
        small,
        """{ department(departmentCode: "SCJG") { name assignedTasks { totalCount nodes { id item } } }
             nanyuan: department(departmentCode: "NYJD") { assignedTasks { nodes { id assigneeLevel } } }
             grid(gridCode: "G002") { localTasks(where: {status: {in: ["assigned", "accepted"]}}) {
               totalCount nodes { id } } } }""",
    )
    assert found["department"]["name"] == "深圳市市场监督管理局福田监管局"
    assert found["department"]["assignedTasks"]["nodes"] == [{"id": tasks["LC1"], "item": "QY-002"}]
    # G4 has no worker and C3 no other grid: 南园街道's office has P4's task.
    assert found["nanyuan"]["assignedTasks"]["nodes"] == [{"id": tasks["P4"], "assigneeLevel": "street"}]
    assert {n["id"] for n in found["grid"]["localTasks"]["nodes"]} == {tasks["P2"], tasks["LC1"]}


def test_tasks_by_place_and_per_street(small: GraphStore, tasks: dict[str, str]) -> None:
    found = _ask(
        small,
        """{ tasks(where: {grid: {community: {street: {name: {eq: "福田街道"}}}}, overdue: {eq: false}},
                  sort: [{dueDate: ASC}]) { totalCount nodes { id } }
             tasksAggregate(groupBy: STREET) { count groups { place { id } count } } }""",
    )
    assert {n["id"] for n in found["tasks"]["nodes"]} == {tasks[s] for s in ("P1", "P2", "P3", "LC1")}
    groups = {g["place"]["id"]: g["count"] for g in found["tasksAggregate"]["groups"]}
    assert (found["tasksAggregate"]["count"], groups) == (5, {"S1": 4, "S2": 1})
    # A caller restricted to 南园街道 sees the tasks lying there, and only those.
    south = _ask(small, "{ tasks { totalCount nodes { id } } }", SOUTH)
    assert south["tasks"]["nodes"] == [{"id": tasks["P4"]}]


def _schema(small: GraphStore) -> strawberry.Schema:
    """The API's schema (its Mutation inherits the task mutations)."""
    assert issubclass(Mutation, TaskMutations)
    objects = NodeObjects(small.schema, WhereInputs(small.schema))
    return strawberry.Schema(
        query=build_query(small.schema, objects), mutation=Mutation, types=list(objects.classes.values())
    )


def _mutate(
    small: GraphStore, runner: JobRunner, principal: Principal, query: str, **variables: Any
) -> dict[str, Any]:
    ctx = RequestContext.create(small, principal, today=TODAY, jobs=runner)
    result = asyncio.run(_schema(small).execute(query, variable_values=variables, context_value=ctx))
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [
            {"message": e.message, "code": (e.extensions or {}).get("code")} for e in result.errors
        ]
    return body


ACCEPT = 'mutation($id: ID!) { acceptTask(id: $id, note: "on my way") { taskId status summary } }'
RETURN = """mutation($id: ID!) { returnTask(id: $id, reason: NOT_MY_GRID) {
  taskId status assigneeId assigneeLevel summary dueDate overdue } }"""


def test_status_changes_by_mutation(
    small: GraphStore, state: StateStore, tasks: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, tasks_config_dir=CONFIG)
    runner = JobRunner(small, settings, lambda: state)
    try:
        denied = _mutate(small, runner, READER, ACCEPT, id=tasks["P1"])
        assert denied["errors"][0]["code"] == "FORBIDDEN"
        elsewhere = _mutate(small, runner, SOUTH, ACCEPT, id=tasks["P1"])  # P1 lives in 福田街道
        assert elsewhere["errors"][0]["code"] == "FORBIDDEN"
        assert "not one of your streets'" in elsewhere["errors"][0]["message"]

        accepted = _mutate(small, runner, WORKER, ACCEPT, id=tasks["P1"])
        assert accepted["data"]["acceptTask"]["status"] == "accepted"
        again = _mutate(small, runner, WORKER, ACCEPT, id=tasks["P1"])
        assert again["errors"][0]["code"] == "BAD_USER_INPUT"
        assert "it was accepted already" in again["errors"][0]["message"]

        returned = _mutate(small, runner, WORKER, RETURN, id=tasks["P1"])["data"]["returnTask"]
        assert (returned["status"], returned["assigneeId"], returned["assigneeLevel"]) == (
            "assigned",
            "W2",
            "grid",
        )
        assert "counts against nobody" in returned["summary"]
        history = state.task_history(tasks["P1"])
        assert [(e.actor, e.action) for e in history][2:] == [
            ("网格员1", "accept"), ("网格员1", "return"), ("gridhub", "assign"),
        ]  # fmt: skip
        node = small.get_node("Task", tasks["P1"])
        assert node is not None
        assert node.properties["status"] == "assigned"
        assigned = [link.dst for link in small.iter_relationships("ASSIGNED_TO") if link.src == tasks["P1"]]
        assert assigned == ["W2"]
    finally:
        runner.close()


def test_the_merged_schema_offers_the_task_mutations(small: GraphStore) -> None:
    sdl = _schema(small).as_str()
    for field in (
        "acceptTask(id: ID!, note: String = null): TaskStatusChange!",
        "decideReviewItem(",
        "judge(",
    ):
        assert field in sdl
    assert "returnTask(id: ID!, reason: TaskReturnReason!, note: String = null): TaskStatusChange!" in sdl
    assert "enum TaskReturnReason {\n  NOT_MY_GRID\n  NEEDS_DEPARTMENT\n" in sdl
