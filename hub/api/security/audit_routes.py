"""GET /audit: the audit log for holders of the audit scope (who looked up whom, when)."""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

from datetime import datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request

from hub.api.security.audit_log import AuditLog
from hub.api.security.authenticator import PrincipalDependency, require_scope
from hub.api.security.principal import AUDIT_SCOPE, Principal


def audit_router(authenticate: PrincipalDependency) -> APIRouter:
    """The route; the app keeps its :class:`AuditLog` on ``app.state.audit``."""
    router = APIRouter()
    require_audit = require_scope(authenticate, AUDIT_SCOPE)

    @router.get("/audit")
    async def audit_entries(
        request: Request,
        principal: Annotated[Principal, Depends(require_audit)],
        since: Annotated[datetime | None, Query(description="ISO 8601; without a zone, UTC")] = None,
        caller: Annotated[
            str | None, Query(alias="principal", description="as logged: key:<id> (<name>) or jwt:<subject>")
        ] = None,
        entity: Annotated[str | None, Query(description="entries that returned this entity id")] = None,
        key: Annotated[str | None, Query(description="entries made with this API key id")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        audit: AuditLog = request.app.state.audit
        entries = await anyio.to_thread.run_sync(
            lambda: audit.query(since, caller, entity, limit, key_id=key)
        )
        # Reading the audit log is itself looking at who looked up whom: it is audited too.
        client = request.client.host if request.client else None
        audit.record(principal, "GET /audit", None, [entity] if entity else [], [], client)
        return [entry.to_dict() for entry in entries]

    return router
