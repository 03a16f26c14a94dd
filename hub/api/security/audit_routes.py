"""GET /audit: the audit log for holders of the audit scope (who looked up whom, when).

The log covers the whole district: every key's lookups of every entity, with the fields shown
and the client's address. A caller restricted to streets or communities is refused (403)
rather than served a filtered log: whether an entry is about an entity in the caller's places
is a question for the graph (an entity's addresses, buildings, grids), per entity of every
entry, and an entry also tells who else looked (other keys, their clients' addresses), which
a street office has no need to see.
"""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

from datetime import datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request

from hub.api.security.audit_log import AuditLog
from hub.api.security.authenticator import PrincipalDependency, require_scope
from hub.api.security.errors import forbidden
from hub.api.security.principal import AUDIT_SCOPE, Principal

RESTRICTED_REFUSAL = (
    "the audit log covers the whole district: a key or token restricted to streets or "
    "communities cannot read it (an unrestricted key with the audit scope can)"
)


def audit_router(authenticate: PrincipalDependency) -> APIRouter:
    """The route; the app keeps its :class:`AuditLog` on ``app.state.audit``."""
    router = APIRouter()
    require_scope_audit = require_scope(authenticate, AUDIT_SCOPE)

    async def require_audit(principal: Annotated[Principal, Depends(require_scope_audit)]) -> Principal:
        if principal.restricted:
            raise forbidden(RESTRICTED_REFUSAL)
        return principal

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
