"""Mutations: a task's status changes, as `gridhub tasks accept|done|return` makes them.

They need the ``tasks`` scope; a caller restricted to some streets or communities may change
only tasks lying there (the same restriction its queries get). Each runs as a write job of the
server (hub/jobs/commands.py ``task-status``), which records it in the state database with the
caller as who made it, and writes the Task node at once.

Merged into the schema's Mutation type by inheritance (``class Mutation(TaskMutations)``).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import anyio.to_thread
import strawberry

from hub.api.context import Info
from hub.api.errors import FORBIDDEN, ApiError
from hub.api.graphql.objects import restricted
from hub.api.security.principal import TASKS_SCOPE
from hub.errors import HubError
from hub.store.query import Compare, Op
from hub.tasks.lifecycle import REASONS

# Built from the lifecycle's reasons, so that the API offers exactly what the CLI does.
_REASONS: Any = Enum("TaskReturnReason", {code.upper(): code for code in REASONS})  # type: ignore[misc]
TaskReturnReason: Any = strawberry.enum(
    _REASONS,
    description="Why a task is handed back: "
    + "; ".join(f"{r.code.upper()} — {r.title}" for r in REASONS.values())
    + ". NOT_MY_GRID and NEEDS_DEPARTMENT count against nobody.",
)


@strawberry.type(description="What a status change did: the task as it is now, and one sentence saying so.")
class TaskStatusChange:
    summary: str = strawberry.field(description="What happened, with the new assignee after a return.")
    task_id: strawberry.ID
    status: str
    assignee_id: strawberry.ID | None
    assignee_level: str | None
    due_date: dt.date
    overdue: bool


async def _change(info: Info, task_id: str, action: str, options: dict[str, Any]) -> TaskStatusChange:
    ctx = info.context
    if not ctx.principal.has(TASKS_SCOPE):
        raise ApiError(f"the {TASKS_SCOPE} scope is needed to change a task", code=FORBIDDEN)
    jobs = ctx.jobs
    if jobs is None or jobs.refusal is not None:
        raise ApiError(jobs.refusal if jobs is not None else "this server takes no changes", code=FORBIDDEN)
    label = ctx.schema.roles.task
    if ctx.principal.restricted:
        mine = restricted(ctx, label, Compare(ctx.schema.id_property, Op.EQ, task_id))
        if not await ctx.call(ctx.store.count, label, mine):
            raise ApiError(f"task {task_id} is not one of your streets' or communities'", code=FORBIDDEN)
    options = {
        **options,
        "task": task_id,
        "action": action,
        "by": ctx.principal.name,
        "today": ctx.today.isoformat(),
    }
    try:
        outcome = await anyio.to_thread.run_sync(lambda: jobs.run("task-status", options))
    except HubError as exc:
        raise ApiError(str(exc)) from exc
    task = outcome.result["task"]
    ctx.returned[label].add(task["id"])
    return TaskStatusChange(
        summary=outcome.result["summary"],
        task_id=strawberry.ID(task["id"]),
        status=task["status"],
        assignee_id=strawberry.ID(task["assignee_id"]) if task["assignee_id"] else None,
        assignee_level=task["assignee_level"],
        due_date=dt.date.fromisoformat(task["due_date"]),
        overdue=bool(task["overdue"]),
    )


@strawberry.type
class TaskMutations:
    # strawberry's decorators are untyped for mypy (no plugin here); the signatures are typed.
    @strawberry.mutation(description="Take an assigned task on (tasks scope).")  # type: ignore[untyped-decorator]
    async def accept_task(self, info: Info, id: strawberry.ID, note: str | None = None) -> TaskStatusChange:
        return await _change(info, str(id), "accept", {"note": note})

    @strawberry.mutation(description="Mark an accepted task done (tasks scope).")  # type: ignore[untyped-decorator]
    async def complete_task(self, info: Info, id: strawberry.ID, note: str | None = None) -> TaskStatusChange:
        return await _change(info, str(id), "done", {"note": note})

    @strawberry.mutation(
        description="Hand a task back with a reason; it is assigned again at once, passing over "
        "whoever returned it (tasks scope)."
    )  # type: ignore[untyped-decorator]
    async def return_task(
        self,
        info: Info,
        id: strawberry.ID,
        reason: TaskReturnReason,
        note: str | None = None,
    ) -> TaskStatusChange:
        return await _change(info, str(id), "return", {"reason": reason.value, "note": note})
