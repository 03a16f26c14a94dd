"""Mutations: the stewards' decisions, as the /steward POST routes make them.

A department system's review screen answers a merge candidate, or judges two records it shows,
without a second API. Both need the steward scope; both run as write jobs of the server (one at
a time, beside the reads) and hold on every later resolution run.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from hub.api.context import Info
from hub.api.graphql.decision_mutations import DecisionMutations
from hub.api.graphql.event_mutations import EventMutations, QueueMutations
from hub.api.graphql.steward_jobs import steward_job
from hub.api.graphql.task_mutations import TaskMutations


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


async def _choose(info: Info, item: int, value: str, reason: str | None) -> ChosenValue:
    result = await steward_job(info, "review-choose", {"item": item, "value": value, "reason": reason})
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
