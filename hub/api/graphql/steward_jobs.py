"""A steward's decision run from a GraphQL mutation: the scope and street checks, then the
server's write job in the caller's name (shared by every steward mutation module)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread

from hub.api.context import Info
from hub.api.errors import FORBIDDEN, ApiError
from hub.api.security.principal import STEWARD_SCOPE
from hub.api.workbench.scope import job_outside
from hub.errors import HubError


async def steward_job(info: Info, command: str, options: dict[str, Any]) -> dict[str, Any]:
    """Run a steward's decision as a write job of the server, in the caller's name."""
    ctx = info.context
    if not ctx.principal.has(STEWARD_SCOPE):
        raise ApiError(f"the {STEWARD_SCOPE} scope is needed to decide", code=FORBIDDEN)
    jobs = ctx.jobs
    if jobs is None or jobs.refusal is not None:
        raise ApiError(jobs.refusal if jobs is not None else "this server takes no decisions", code=FORBIDDEN)
    principal = ctx.principal

    # In a worker thread: the state database may be opened on first use, and the check reads it.
    def outside() -> tuple[bool, str] | None:
        store, state = jobs.reads()
        return job_outside(store, state, principal, command, options)

    refused = await anyio.to_thread.run_sync(outside)
    if refused is not None:
        raise ApiError(refused[1], code=FORBIDDEN)
    options = {**options, "steward": ctx.principal.name}
    try:
        outcome = await anyio.to_thread.run_sync(lambda: jobs.run(command, options))
    except HubError as exc:
        raise ApiError(str(exc)) from exc
    result: dict[str, Any] = outcome.result
    return result
