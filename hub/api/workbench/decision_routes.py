"""Routes for the steward decisions of issue 16 beyond pairs and pins: a building picked for an
address item, quarantined rows listed and fixed-and-replayed, bulk decisions (preview, then apply
with the preview's token), the decisions' history and their revocation.

The decisions run as write jobs of the server (hub/jobs/decision_commands.py), in the caller's
name, like POST /steward/review/{item}/decision. Quarantined rows hold personal data: their
values are shown with the pii scope only (in the listing, in a fix's answer and in the history
of fixes), and who looked is audited. A row that failed to load cannot be placed in a street, so
a steward restricted to some streets or communities is refused the quarantine; the history shows
it the decisions about its own items only, and a bulk decision (preview included) not at all.
"""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from hub.api.jobs import JobRunner
from hub.api.security.authenticator import PrincipalDependency, require_scope
from hub.api.security.principal import PII_SCOPE, STEWARD_SCOPE, Principal
from hub.api.steward import _audit, _steward_job
from hub.api.workbench.records import HIDDEN, mask_decision, mask_item
from hub.api.workbench.scope import (
    QUARANTINE_UNPLACED,
    decision_history,
    job_outside,
    shown_ids,
    visible_ids,
)
from hub.errors import HubError
from hub.jobs.decision_commands import bulk_filter, decision_dict
from hub.review.bulk import preview_bulk
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync.addresses import AddressBook
from resolvers.address.text import clean

LIBRARY_TTL_S = 300.0  # how long the building list for the picker is reused


class SplitMentions(BaseModel):
    """The mentions (source:record_id:role) of an entity that are not that entity."""

    mentions: list[str] = Field(min_length=1, max_length=200)
    reason: str | None = Field(None, max_length=2_000)
    confirm: bool = False  # record it even against an earlier "same" about a pair


class PickedBuilding(BaseModel):
    """A steward's answer to an address item: the library's building the text means."""

    building: str = Field(min_length=1, max_length=200)
    reason: str | None = Field(None, max_length=2_000)


class RowFix(BaseModel):
    """Corrected values of a quarantined row's fields (none: the declaration was fixed)."""

    fields: dict[str, str | None] = Field(default_factory=dict, max_length=200)
    reason: str | None = Field(None, max_length=2_000)


class BulkRequest(BaseModel):
    """A verdict and the filter selecting the open items it is for."""

    verdict: str = Field(min_length=1, max_length=20)
    kind: str | None = Field(None, max_length=40)
    entity_type: str | None = Field(None, max_length=100)
    source: str | None = Field(None, max_length=100)
    min_score: float | None = None
    max_score: float | None = None


class BulkPreviewRequest(BulkRequest):
    first: int = Field(20, ge=0, le=500)


class BulkApply(BulkRequest):
    token: str = Field(min_length=1, max_length=100)
    reason: str | None = Field(None, max_length=2_000)


def decision_router(
    authenticate: PrincipalDependency, state: Callable[[], StateStore], jobs: JobRunner, store: GraphStore
) -> APIRouter:
    """The routes, for callers with the steward scope (see the module's docstring)."""
    require_steward = require_scope(authenticate, STEWARD_SCOPE)
    Steward = Annotated[Principal, Depends(require_steward)]  # noqa: N806  (a type alias)
    router = APIRouter(prefix="/steward")
    library: dict[str, Any] = {"at": 0.0, "buildings": []}

    def buildings() -> list[tuple[str, str, str]]:
        """(building id, label, cleaned label) of the library, re-read every few minutes."""
        if time.monotonic() - library["at"] > LIBRARY_TTL_S:
            found = AddressBook(store).library.buildings
            library["buildings"] = [(b.building_id, b.label, clean(b.label)) for b in found]
            library["at"] = time.monotonic()
        result: list[tuple[str, str, str]] = library["buildings"]
        return result

    async def run(principal: Principal, command: str, options: dict[str, Any]) -> dict[str, Any]:
        return await _steward_job(jobs, principal, command, options)

    def mine(principal: Principal, matching: list[tuple[str, str]], limit: int) -> list[tuple[str, str]]:
        """The first ``limit`` of the matching buildings the principal may see: a restricted
        steward's are looked for a few pages at a time (a short text matches half the district)."""
        if not principal.restricted:
            return matching[:limit]
        label, page = store.schema.roles.building, limit * 4
        out: list[tuple[str, str]] = []
        for start in range(0, len(matching), page):
            chunk = matching[start : start + page]
            seen = visible_ids(store, principal, label, [b for b, _ in chunk])
            out += [(b, text) for b, text in chunk if b in seen]
            if len(out) >= limit:
                break
        return out[:limit]

    @router.get("/buildings")
    async def find_buildings(
        principal: Steward,
        q: Annotated[str, Query(min_length=1, max_length=200, description="part of the building's address")],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> list[dict[str, str]]:
        """Buildings of the standard address library whose address contains ``q`` (for picking);
        a restricted steward's only those in its streets / communities."""
        wanted = clean(q)
        found = await anyio.to_thread.run_sync(buildings)
        matching = [(b, label) for b, label, folded in found if wanted in folded]
        shown = await anyio.to_thread.run_sync(lambda: mine(principal, matching, limit))
        return [{"building_id": b, "label": label} for b, label in shown]

    @router.post("/review/{item}/building")
    async def pick_building(
        request: Request,
        principal: Steward,
        item: Annotated[int, Path(ge=1, description="an address item (GET /steward/review?kind=address)")],
        picked: PickedBuilding,
    ) -> dict[str, Any]:
        """Answer an address item: its text resolves to the building on every later sync."""
        options = {"item": item, "building": picked.building, "reason": picked.reason}
        result = await run(principal, "review-pick", options)
        _audit(request, principal, store.schema.roles.standard_address, [picked.building], [])
        return result

    @router.post("/entities/{entity_type}/{entity}/split")
    async def split_entity(
        request: Request,
        principal: Steward,
        entity_type: Annotated[str, Path(max_length=100, description="the entity's node type")],
        entity: Annotated[str, Path(max_length=200, description="the entity to split")],
        split: SplitMentions,
    ) -> dict[str, Any]:
        """Split a cluster: move these mentions out of the entity ('different' from the mention kept)."""
        options = {
            "entity": entity,
            "mentions": split.mentions,
            "reason": split.reason,
            "confirm": split.confirm,
        }
        result = await run(principal, "review-split", options)
        _audit(request, principal, entity_type, sorted({result["entity"], *result["moved"].values()}), [])
        return result

    @router.get("/quarantine")
    async def quarantined(
        request: Request,
        principal: Steward,
        source: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, Any]]:
        """Rows waiting in quarantine: source, record, the mapping's error and the row's values."""
        if principal.restricted:
            # Nothing tells which street a row that failed to load is of (see QUARANTINE_UNPLACED).
            raise HTTPException(403, QUARANTINE_UNPLACED)
        opened = await anyio.to_thread.run_sync(state)
        entries = (await anyio.to_thread.run_sync(lambda: opened.quarantined(source)))[:limit]
        show = principal.has(PII_SCOPE)
        rows = [
            {
                **asdict(e),
                "raw": e.raw if show else dict.fromkeys(e.raw, HIDDEN),
                "created_at": e.created_at.isoformat(),
            }
            for e in entries
        ]
        if show:  # the rows' values are personal data: who looked is audited
            _audit(request, principal, "quarantine", [f"{e.source}:{e.record_id}" for e in entries], [])
        return rows

    @router.post("/quarantine/{entry}/replay")
    async def replay_fixed(
        principal: Steward,
        entry: Annotated[int, Path(ge=1, description="a quarantined row (GET /steward/quarantine)")],
        fix: RowFix,
    ) -> dict[str, Any]:
        """Correct the row's fields and replay it through the sync (before and after recorded)."""
        if principal.restricted:  # a row it may not list, it may not fix either
            raise HTTPException(403, QUARANTINE_UNPLACED)
        result = await run(
            principal, "quarantine-fix", {"entry": entry, "fields": fix.fields, "reason": fix.reason}
        )
        if not principal.has(PII_SCOPE):  # the decision holds the row before and after the fix
            result = {**result, "decision": mask_decision(result["decision"])}
        return result

    @router.post("/bulk/preview")
    async def bulk_preview(
        request: Request, principal: Steward, wanted: BulkPreviewRequest
    ) -> dict[str, Any]:
        """What applying would decide (the count, the first items, the token); writes nothing."""
        opened = await anyio.to_thread.run_sync(state)
        options = wanted.model_dump()
        # A filter selects items of the whole district (their count too): refused to a restricted
        # steward as applying it is, and as GraphQL's previewBulkDecision refuses it.
        refused = await anyio.to_thread.run_sync(
            lambda: job_outside(store, opened, principal, "review-bulk-preview", options)
        )
        if refused is not None:
            raise HTTPException(404 if refused[0] else 403, refused[1])
        try:
            preview = await anyio.to_thread.run_sync(
                lambda: preview_bulk(opened, wanted.verdict, bulk_filter(options), wanted.first)
            )
        except HubError as exc:
            raise HTTPException(422, str(exc)) from exc
        body = asdict(preview)
        # The items as filed: a conflict's values, personal ones masked without the pii scope,
        # and the entities they name audited, as GET /steward/review does.
        if not principal.has(PII_SCOPE):
            body["items"] = [mask_item(store.schema, item) for item in preview.items]
        ids = sorted({i for item in preview.items for i in shown_ids(item)})
        client = request.client.host if request.client else None
        request.app.state.audit.record(principal, f"POST {request.url.path}", None, ids, ["review"], client)
        return body

    @router.post("/bulk/apply")
    async def bulk_apply(principal: Steward, wanted: BulkApply) -> dict[str, Any]:
        """Decide every item the preview with this token showed (422 if the queue changed since)."""
        return await run(principal, "review-bulk", wanted.model_dump())

    @router.get("/decisions")
    async def decisions(
        principal: Steward,
        kind: Annotated[str | None, Query(description="address, quarantine, skip or bulk")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        """Picked buildings, fixed rows, skips and bulk decisions, newest first, revoked ones
        included; a restricted steward's only those answering items about its streets (see
        :func:`hub.api.workbench.scope.visible_decisions`); fixed rows' values need the pii scope."""
        opened = await anyio.to_thread.run_sync(state)
        history = await anyio.to_thread.run_sync(
            lambda: decision_history(store, opened, principal, kind, limit)
        )
        shown = [decision_dict(d) for d in history]
        return shown if principal.has(PII_SCOPE) else [mask_decision(d) for d in shown]

    @router.post("/decisions/{decision}/revoke")
    async def revoke(
        principal: Steward,
        decision: Annotated[int, Path(ge=1, description="a decision (GET /steward/decisions)")],
    ) -> dict[str, Any]:
        """Withdraw a decision (it stays, marked); what it did is undone (see hub/review/revoking.py)."""
        result = await run(principal, "review-revoke", {"decision": decision})
        if not principal.has(PII_SCOPE):  # a revoked fix holds its row, as the history does
            result = {**result, "decisions": [mask_decision(d) for d in result["decisions"]]}
        return result

    return router
