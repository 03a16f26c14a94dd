"""The steward's queue over GraphQL (issue 16, item 4): what GET /steward/review, /steward/counts
and /steward/decisions give the workbench, for other systems.

Merged into the schema's Query type by inheritance (root.py). Each field needs the steward
scope; a steward restricted to some streets sees only the items about its streets' entities
(the same check as the REST routes, hub/api/steward.visible_queue) and the decisions about
them; the values an item or a decision carries (a conflict's identity numbers, a quarantined
row's phone, a fixed row before and after) are masked without the pii scope;
the entities the queue names are audited as the REST queue's are.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

import anyio.to_thread
import strawberry

from graph_schema import Schema
from hub.api.context import Info
from hub.api.errors import FORBIDDEN, ApiError
from hub.api.graphql.decision_mutations import DecisionRecord, decision_record
from hub.api.security.principal import PII_SCOPE, STEWARD_SCOPE
from hub.api.steward import visible_queue
from hub.api.workbench.records import mask_decision, mask_item
from hub.api.workbench.scope import decision_history, narrowed, shown_ids, visible_items
from hub.errors import HubError
from hub.jobs.decision_commands import decision_dict
from hub.review.ordering import REVIEW_KINDS, Ranked
from hub.state import StateStore
from hub.store import GraphStore

MAX_FIRST = 500
# The queue is read whole to count a restricted steward's items (as GET /steward/counts does).
_EVERYTHING = 2**62


@strawberry.enum(description="The order of the review queue.")
class ReviewOrder(Enum):
    OLDEST = "oldest"
    INFORMATIVE = "informative"  # what an answer would teach the model most
    PRIORITY = "priority"  # uncertainty × impact (open tasks about the item's entities)


@strawberry.type(description="An open review item: why it is in review, what it names, as filed.")
class ReviewItem:
    id: int = strawberry.field(description="The item (a quarantined row's entry id for kind quarantine).")
    kind: str = strawberry.field(description="merge, conflict, address or quarantine.")
    subject: str = strawberry.field(description="What it is about (a pair, an entity's attribute, a text).")
    reason: str | None = strawberry.field(
        description="Why it is in review, as the resolver or the sync said."
    )
    entity_type: str | None
    entity_ids: list[str] = strawberry.field(description="The entities it names (after merges).")
    score: float | None = strawberry.field(description="The order's score (None where the order has none).")
    pattern: str = strawberry.field(description="A merge candidate's comparison pattern, else empty.")
    run_id: str | None = strawberry.field(description="The sync or resolution run that filed it.")
    payload: str = strawberry.field(
        description="The item as filed, as JSON text (identity numbers and phones masked without pii)."
    )


@strawberry.type(description="Open review items of one kind.")
class ReviewCount:
    kind: str
    count: int


def _item(schema: Schema, ranked: Ranked, show_pii: bool) -> ReviewItem:
    item = ranked.item if show_pii else mask_item(schema, ranked.item)
    payload = item.get("payload") or {}
    return ReviewItem(
        id=int(item["id"]),
        kind=str(item["kind"]),
        subject=str(item.get("subject") or ""),
        reason=payload.get("why") or payload.get("reason") or payload.get("error"),
        entity_type=payload.get("entity_type"),
        entity_ids=shown_ids(item),
        score=ranked.score,
        pattern=ranked.pattern,
        run_id=item.get("run_id"),
        payload=json.dumps(payload, ensure_ascii=False, default=str),
    )


def _reads(info: Info) -> Callable[[], tuple[GraphStore, StateStore]]:
    """What reads the store and the state database (in a worker thread: the state may be opened
    on first use), for a caller with the steward scope."""
    ctx = info.context
    if not ctx.principal.has(STEWARD_SCOPE):
        raise ApiError(f"the {STEWARD_SCOPE} scope is needed to read the review queue", code=FORBIDDEN)
    jobs = ctx.jobs
    if jobs is None:
        raise ApiError("this server keeps no review queue", code=FORBIDDEN)

    def reads() -> tuple[GraphStore, StateStore]:
        store, state = jobs.reads()
        return store, state

    return reads


@strawberry.type
class ReviewQueries:
    @strawberry.field(
        description="Open review items, in `order`, narrowed by kind, entity type, source, street and community "
        "(steward scope; a restricted steward sees its streets' items only)."
    )  # type: ignore[untyped-decorator]
    async def review_queue(
        self,
        info: Info,
        kind: str | None = None,
        entity_type: str | None = None,
        source: str | None = None,
        order: ReviewOrder = ReviewOrder.OLDEST,
        first: int = 50,
        street: Annotated[
            str | None,
            strawberry.argument(
                description="Only items whose entities all lie in this street (id, code or name)."
            ),
        ] = None,
        community: Annotated[
            str | None, strawberry.argument(description="Only items in this community (id, code or name).")
        ] = None,
    ) -> list[ReviewItem]:
        principal = info.context.principal
        limit = max(1, min(first, MAX_FIRST))
        reads = _reads(info)

        def ranked() -> list[Ranked]:
            store, state = reads()
            seeing = narrowed(store, principal, street, community)
            return visible_queue(
                store, state, seeing, kind, limit, order.value, entity_type=entity_type, source=source
            )

        try:
            found = await anyio.to_thread.run_sync(ranked)
        except HubError as exc:  # an unknown kind, street or community
            raise ApiError(str(exc)) from exc
        items = [_item(info.context.schema, r, principal.has(PII_SCOPE)) for r in found]
        # The queue names entities in review: who looked is audited, as for GET /steward/review.
        for item in items:
            info.context.returned[item.entity_type or item.kind].update(item.entity_ids)
        return items

    @strawberry.field(
        description="Open review items per kind (those in the steward's streets when it is restricted)."
    )  # type: ignore[untyped-decorator]
    async def review_counts(self, info: Info) -> list[ReviewCount]:
        principal = info.context.principal
        reads = _reads(info)

        def counted() -> dict[str, int]:
            store, state = reads()
            if not principal.restricted:
                return state.open_review_counts()
            mine = visible_items(store, state, principal, state.review_queue(None, _EVERYTHING))
            return dict(Counter(str(item["kind"]) for item in mine))

        counts = await anyio.to_thread.run_sync(counted)
        return [ReviewCount(kind=k, count=counts.get(k, 0)) for k in REVIEW_KINDS if k in counts]

    @strawberry.field(
        description="Decisions kept (picked buildings, fixed rows, skips, bulk), newest first, revoked ones "
        "included (steward scope; a restricted steward sees those answering its streets' items only; a fixed "
        "row's values need the pii scope)."
    )  # type: ignore[untyped-decorator]
    async def steward_decisions(
        self, info: Info, kind: str | None = None, first: int = 100
    ) -> list[DecisionRecord]:
        principal = info.context.principal
        limit = max(1, min(first, 1000))
        reads = _reads(info)

        def history() -> list[dict[str, Any]]:
            store, state = reads()
            # The same decisions and masking as GET /steward/decisions.
            shown = [decision_dict(d) for d in decision_history(store, state, principal, kind, limit)]
            return shown if principal.has(PII_SCOPE) else [mask_decision(d) for d in shown]

        return [decision_record(d) for d in await anyio.to_thread.run_sync(history)]
