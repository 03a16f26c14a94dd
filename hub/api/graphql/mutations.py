"""Mutations: the stewards' decisions, as the /steward POST routes make them.

A department system's review screen answers a merge candidate, or judges two records it shows,
without a second API. Both need the steward scope; both run as write jobs of the server (one at
a time, beside the reads) and hold on every later resolution run.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import anyio.to_thread
import strawberry

from hub.api.context import Info
from hub.api.errors import FORBIDDEN, ApiError
from hub.api.graphql.decision_mutations import DecisionMutations
from hub.api.graphql.event_mutations import EventMutations, QueueMutations
from hub.api.graphql.steward_jobs import steward_job
from hub.api.graphql.task_mutations import TaskMutations
from hub.api.masking import mask_pii
from hub.api.security.principal import STEWARD_SCOPE
from hub.api.workbench.scope import job_outside
from hub.review.choosing import masked_result, pii_refusal


@strawberry.enum(description="A steward's verdict about two records.")
class Verdict(Enum):
    SAME = "same"
    DIFFERENT = "different"
    UNSURE = "unsure"


@strawberry.type(description="What a decision did: the judgement recorded, and what happened in the graph.")
class StewardDecision:
    summary: str = strawberry.field(description="One sentence: what happened in the graph.")
    judgement_id: int
    entity_type: str
    verdict: Verdict
    left_entity: strawberry.ID = strawberry.field(
        description="The first record's entity, before the decision."
    )
    right_entity: strawberry.ID = strawberry.field(
        description="The second record's entity, before the decision."
    )
    review_item: int | None


async def _decide(info: Info, command: str, options: dict[str, Any]) -> StewardDecision:
    ctx = info.context
    result = await steward_job(info, command, options)
    j = result["judgement"]
    # Audited like a read of the two entities: who decided about whom.
    ctx.returned[j["entity_type"]].update((j["left_entity"], j["right_entity"]))
    return StewardDecision(
        summary=result["summary"],
        judgement_id=j["id"],
        entity_type=j["entity_type"],
        verdict=Verdict(j["verdict"]),
        left_entity=strawberry.ID(j["left_entity"]),
        right_entity=strawberry.ID(j["right_entity"]),
        review_item=j["review_item"],
    )


@strawberry.type(description="A value a steward chose for a conflicted attribute (kept on every later run).")
class ChosenValue:
    summary: str
    pin_id: int
    entity_type: str
    entity_id: strawberry.ID
    property: str
    value: str
    previous: str | None


async def _refuse_masked_choice(info: Info, options: dict[str, Any]) -> None:
    """FORBIDDEN for a steward without the pii scope answering a conflict about a personal
    property: it sees the values masked, so it cannot know which it chooses. Asked after the
    checks every decision has (steward scope, the item in a restricted steward's streets), so a
    refusal says nothing about an item the caller may not see."""
    ctx = info.context
    jobs = ctx.jobs
    if ctx.can_read_pii or not ctx.principal.has(STEWARD_SCOPE) or jobs is None or jobs.refusal is not None:
        return  # steward_job refuses what it refuses, for every decision
    principal, schema = ctx.principal, ctx.schema

    def refusal() -> str | None:
        store, state = jobs.reads()
        if job_outside(store, state, principal, "review-choose", options) is not None:
            return None
        return pii_refusal(schema, state, int(options["item"]))

    why = await anyio.to_thread.run_sync(refusal)
    if why is not None:
        raise ApiError(why, code=FORBIDDEN)


async def _choose(info: Info, item: int, value: str, reason: str | None) -> ChosenValue:
    options: dict[str, Any] = {"item": item, "value": value, "reason": reason}
    await _refuse_masked_choice(info, options)
    result = await steward_job(info, "review-choose", options)
    pin = result["pin"]
    if (
        not info.context.can_read_pii
        and info.context.schema.node(pin["entity_type"]).prop(pin["property"]).pii
    ):
        result = masked_result(result, mask_pii)  # as the item's values were shown: masked
        pin = result["pin"]
    info.context.returned[pin["entity_type"]].add(pin["entity_id"])
    return ChosenValue(
        summary=result["summary"],
        pin_id=pin["id"],
        entity_type=pin["entity_type"],
        entity_id=strawberry.ID(pin["entity_id"]),
        property=pin["property"],
        value=pin["value"],
        previous=pin["previous"],
    )


@strawberry.type
class Mutation(
    TaskMutations, EventMutations, QueueMutations, DecisionMutations
):  # task status changes, reportEvent, the dispatchers' queue, steward decisions (task_, event_, decision_mutations.py)
    # strawberry's decorators are untyped for mypy (no plugin here); the signatures are typed.
    @strawberry.mutation(description="Answer a merge candidate of the review queue (steward scope).")  # type: ignore[untyped-decorator]
    async def decide_review_item(
        self, info: Info, item: int, verdict: Verdict, reason: str | None = None, confirm: bool = False
    ) -> StewardDecision:
        options = {"item": item, "verdict": verdict.value, "reason": reason, "confirm": confirm}
        return await _decide(info, "review-decide", options)

    @strawberry.mutation(
        description="Answer a conflict item: the right value of the attribute (one the sources gave, or "
        "typed), kept on every later run (steward scope)."
    )  # type: ignore[untyped-decorator]
    async def choose_value(self, info: Info, item: int, value: str, reason: str | None = None) -> ChosenValue:
        return await _choose(info, item, value, reason)

    @strawberry.mutation(
        description="Judge two mentions (source:record_id:role) or entity ids: the same, different, "
        "or unsure (steward scope)."
    )  # type: ignore[untyped-decorator]
    async def judge(
        self, info: Info, a: str, b: str, verdict: Verdict, reason: str | None = None, confirm: bool = False
    ) -> StewardDecision:
        options = {"a": a, "b": b, "verdict": verdict.value, "reason": reason, "confirm": confirm}
        return await _decide(info, "judge", options)
