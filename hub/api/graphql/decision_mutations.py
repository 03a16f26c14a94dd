"""Mutations (and the bulk preview query) for the steward decisions of issue 16 beyond pairs
and pins: a building picked for an address item, a quarantined row fixed and replayed, a bulk
decision applied with its preview's token, a decision revoked.

Merged into the schema's Mutation and Query types by inheritance (mutations.py, root.py). Each
needs the steward scope and runs as a job of the server (hub/jobs/decision_commands.py) in the
caller's name, as the REST routes under /steward do (hub/api/workbench/decision_routes.py).
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from typing import Any

import strawberry

from hub.api.context import Info
from hub.api.graphql.steward_jobs import steward_job
from hub.api.security.principal import PII_SCOPE
from hub.api.workbench.records import mask_decision


@strawberry.enum(description="A bulk decision's verdict: same is decided one pair at a time, never in bulk.")
class BulkVerdict(Enum):
    DIFFERENT = "different"  # merge candidates: a cannot-link each
    UNSURE = "unsure"  # merge candidates: the look recorded
    SKIP = "skip"  # any item: set aside, nothing changes in the graph


@strawberry.type(
    name="StewardDecisionRecord", description="A decision kept append-only: who, when, why, before and after."
)
class DecisionRecord:
    id: int
    batch: int | None = strawberry.field(
        description="The decision the row was made with (one act, several items)."
    )
    kind: str = strawberry.field(description="address, quarantine, skip or bulk.")
    subject: str = strawberry.field(description="The cleaned address text, the source row's hash, the item.")
    review_item: int | None
    value: str = strawberry.field(description="The after, as JSON text.")
    previous: str | None = strawberry.field(description="The before, as JSON text.")
    steward: str
    reason: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None


def decision_record(data: dict[str, Any]) -> DecisionRecord:
    """A decision as the jobs give it (hub/jobs/decision_commands.decision_dict)."""

    def when(value: Any) -> dt.datetime | None:
        return None if value is None else dt.datetime.fromisoformat(str(value))

    created = when(data["created_at"])
    assert created is not None
    return DecisionRecord(
        id=data["id"], batch=data["batch"], kind=data["kind"], subject=data["subject"],
        review_item=data["review_item"], value=json.dumps(data["value"], ensure_ascii=False),
        previous=None if data["previous"] is None else json.dumps(data["previous"], ensure_ascii=False),
        steward=data["steward"], reason=data["reason"], created_at=created,
        revoked_at=when(data["revoked_at"]), revoked_by=data["revoked_by"],
    )  # fmt: skip


@strawberry.type(description="What a decision did: one sentence, the sync that made it hold, the rows kept.")
class DecisionOutcome:
    summary: str
    run_id: str | None
    decisions: list[DecisionRecord]


@strawberry.type(description="A mention no longer with the entity split, and where it is now.")
class MovedMention:
    mention: str
    entity: str


@strawberry.type(description="What a split did: the entity kept, every mention moved, the judgements made.")
class SplitOutcome:
    summary: str
    entity: str = strawberry.field(description="The entity split (the mention kept is in it).")
    moved: list[MovedMention]
    judgements: list[int] = strawberry.field(description="Revoke these to undo the split's cannot-links.")


@strawberry.input(description="A corrected value of a quarantined row's field.")
class FieldValueInput:
    field: str
    value: str | None


@strawberry.input(description="Which open review items a bulk decision is for (each field narrows).")
class BulkFilterInput:
    kind: str | None = None
    entity_type: str | None = None
    source: str | None = strawberry.field(default=None, description="a record of this source is named")
    min_score: float | None = strawberry.field(default=None, description="merge candidates with p at least")
    max_score: float | None = strawberry.field(default=None, description="merge candidates with p below")


@strawberry.type(description="An open review item a bulk decision would decide.")
class BulkPreviewItem:
    id: int
    kind: str
    subject: str


@strawberry.type(description="What a bulk decision would decide, and the token that binds exactly that.")
class BulkPreview:
    verdict: BulkVerdict
    count: int
    items: list[BulkPreviewItem]
    token: str


@strawberry.type(description="An item a bulk decision left open, and why.")
class BulkRefusal:
    item: int
    reason: str


@strawberry.type(description="What a bulk decision decided.")
class BulkOutcome:
    summary: str
    decided: list[int]
    refused: list[BulkRefusal]
    batch: int | None = strawberry.field(description="The decision to revoke to undo it all.")


def _filter(wanted: BulkFilterInput | None) -> dict[str, Any]:
    wanted = wanted or BulkFilterInput()
    return {"kind": wanted.kind, "entity_type": wanted.entity_type, "source": wanted.source,
            "min_score": wanted.min_score, "max_score": wanted.max_score}  # fmt: skip


def _outcome(result: dict[str, Any]) -> DecisionOutcome:
    rows = result.get("decisions") or [result["decision"]]
    return DecisionOutcome(
        summary=result["summary"], run_id=result.get("run_id"), decisions=[decision_record(r) for r in rows]
    )


@strawberry.type
class DecisionMutations:
    # strawberry's decorators are untyped for mypy (no plugin here); the signatures are typed.
    @strawberry.mutation(
        description="Answer an address item: its text resolves to this building of the standard library on "
        "every later sync (an address alias); placed at once (steward scope)."
    )  # type: ignore[untyped-decorator]
    async def pick_building(
        self, info: Info, item: int, building: str, reason: str | None = None
    ) -> DecisionOutcome:
        result = await steward_job(
            info, "review-pick", {"item": item, "building": building, "reason": reason}
        )
        return _outcome(result)

    @strawberry.mutation(
        description="Split a cluster: move these mentions (source:record_id:role) out of the entity, each "
        "judged 'different' from the mention it keeps; the outcome names every mention that moved (steward "
        "scope)."
    )  # type: ignore[untyped-decorator]
    async def split_entity(
        self, info: Info, entity: str, mentions: list[str], reason: str | None = None, confirm: bool = False
    ) -> SplitOutcome:
        options = {"entity": entity, "mentions": mentions, "reason": reason, "confirm": confirm}
        result = await steward_job(info, "review-split", options)
        if result["entity_type"]:
            info.context.returned[result["entity_type"]].update({result["entity"], *result["moved"].values()})
        moved = [MovedMention(mention=m, entity=e) for m, e in sorted(result["moved"].items())]
        return SplitOutcome(
            summary=result["summary"], entity=result["entity"], moved=moved, judgements=result["judgements"]
        )

    @strawberry.mutation(
        description="Correct a quarantined row's fields and replay it through the sync; the fixed row is read "
        "in place of the source's unchanged one on later syncs (steward scope)."
    )  # type: ignore[untyped-decorator]
    async def fix_quarantined_row(
        self, info: Info, entry: int, fields: list[FieldValueInput], reason: str | None = None
    ) -> DecisionOutcome:
        changes = {f.field: f.value for f in fields}
        result = await steward_job(
            info, "quarantine-fix", {"entry": entry, "fields": changes, "reason": reason}
        )
        if not info.context.principal.has(PII_SCOPE):  # the row before and after the fix, as REST
            result = {**result, "decision": mask_decision(result["decision"])}
        return _outcome(result)

    @strawberry.mutation(
        description="Decide every open item the filter selects (different, unsure or skip), bound to the "
        "token of previewBulkDecision: refused if the queue changed since (steward scope)."
    )  # type: ignore[untyped-decorator]
    async def apply_bulk_decision(
        self,
        info: Info,
        verdict: BulkVerdict,
        token: str,
        filter: BulkFilterInput | None = None,
        reason: str | None = None,
    ) -> BulkOutcome:
        options = {**_filter(filter), "verdict": verdict.value, "token": token, "reason": reason}
        result = await steward_job(info, "review-bulk", options)
        refused = [BulkRefusal(item=int(k), reason=v) for k, v in result["refused"].items()]
        return BulkOutcome(
            summary=result["summary"], decided=result["decided"], refused=refused, batch=result["batch"]
        )

    @strawberry.mutation(
        description="Withdraw a picked building, a fixed row, a skip or a bulk decision (kept, marked revoked); "
        "what it did is undone (steward scope)."
    )  # type: ignore[untyped-decorator]
    async def revoke_decision(self, info: Info, decision: int) -> DecisionOutcome:
        result = await steward_job(info, "review-revoke", {"decision": decision})
        if not info.context.principal.has(PII_SCOPE):  # a revoked fix holds its row, as REST
            result = {**result, "decisions": [mask_decision(d) for d in result["decisions"]]}
        return _outcome(result)


@strawberry.type
class DecisionQueries:
    @strawberry.field(
        description="What a bulk decision would decide: the count, the first items, and the token "
        "applyBulkDecision needs. Writes nothing (steward scope)."
    )  # type: ignore[untyped-decorator]
    async def preview_bulk_decision(
        self, info: Info, verdict: BulkVerdict, filter: BulkFilterInput | None = None, first: int = 20
    ) -> BulkPreview:
        options = {**_filter(filter), "verdict": verdict.value, "first": max(0, min(first, 500))}
        result = await steward_job(info, "review-bulk-preview", options)
        items = [BulkPreviewItem(id=i["id"], kind=i["kind"], subject=i["subject"]) for i in result["items"]]
        return BulkPreview(
            verdict=BulkVerdict(result["verdict"]), count=result["count"], items=items, token=result["token"]
        )
