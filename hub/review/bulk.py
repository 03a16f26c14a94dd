"""Bulk decisions: one verdict for every open review item a filter selects, previewed first.

The preview writes nothing: it counts the items the filter selects now, shows the first few, and
gives a token that binds exactly that set (the filter, the verdict and every item's id). Applying
needs the token: if the queue changed since (an item answered, a new one filed), the token no
longer matches and the steward is asked to preview again, so nobody decides items they were
never shown the count of.

Verdicts: "different" and "unsure" (merge candidates: a judgement per item, as `review decide`
records it), and "skip" (any kind: the item is set aside, leaving the queue with nothing changed
in the graph). "same" is not offered in bulk: each merge rewrites the graph and may be refused
(two valid identifiers), so it is decided one pair at a time. A bulk decision is kept as one
batch of decisions; revoking it revokes every judgement and skip it made.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hub.errors import HubError
from hub.review.judging import decide_item
from hub.review.ordering import QUARANTINE, review_kind
from hub.state import JudgementError, StateStore, Verdict
from hub.state.decisions import Decision, DecisionError, NewDecision
from hub.state.mentions import SEP
from hub.store import GraphStore

BULK_VERDICTS = ("different", "unsure", "skip")


@dataclass(frozen=True)
class BulkFilter:
    """Which open items: all of them narrowed by each field given (None: not narrowed)."""

    kind: str | None = None
    entity_type: str | None = None  # merge and conflict items name one
    source: str | None = None  # a merge item's either mention, an address item's record
    min_score: float | None = None  # a merge item's match probability, at least …
    max_score: float | None = None  # … and below

    def normal(self) -> BulkFilter:
        kind = review_kind(self.kind)
        if kind == QUARANTINE:
            raise HubError("quarantined rows are fixed and replayed one at a time, not decided in bulk")
        for name in ("min_score", "max_score"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:
                raise HubError(f"{name} is a match probability between 0 and 1, not {value}")
        entity_type = (self.entity_type or "").strip() or None
        source = (self.source or "").strip().lower() or None
        return BulkFilter(kind, entity_type, source, self.min_score, self.max_score)

    def selects(self, item: dict[str, Any]) -> bool:
        payload = item["payload"]
        if self.kind is not None and item["kind"] != self.kind:
            return False
        if (
            self.entity_type is not None
            and str(payload.get("entity_type", "")).lower() != self.entity_type.lower()
        ):
            return False
        if self.source is not None and self.source not in _sources(item):
            return False
        if self.min_score is not None or self.max_score is not None:
            p = payload.get("probability")
            if p is None:
                return False
            if self.min_score is not None and float(p) < self.min_score:
                return False
            if self.max_score is not None and float(p) >= self.max_score:
                return False
        return True


def _sources(item: dict[str, Any]) -> set[str]:
    payload = item["payload"]
    if item["kind"] == "merge":
        return {str(m).split(SEP)[0].lower() for m in payload.get("mentions", ())}
    return {str(payload["source"]).lower()} if payload.get("source") else set()


@dataclass(frozen=True)
class Preview:
    verdict: str
    filter: BulkFilter
    count: int
    items: list[dict[str, Any]]  # the first ones, as the queue lists them
    token: str  # binds the filter, the verdict and every selected item


def _verdict(verdict: str) -> str:
    normal = verdict.strip().lower()
    if normal == "same":
        raise HubError('"same" is decided one pair at a time (each merge rewrites the graph), not in bulk')
    if normal not in BULK_VERDICTS:
        raise HubError(f"a bulk verdict is one of {', '.join(BULK_VERDICTS)}, not {verdict!r}")
    return normal


def _selected(state: StateStore, verdict: str, wanted: BulkFilter) -> list[dict[str, Any]]:
    items = [i for i in state.review_queue(wanted.kind, 2**62) if wanted.selects(i)]
    if verdict != "skip":
        merges = [i for i in items if i["kind"] == "merge"]
        if len(merges) != len(items):
            raise HubError(
                f'"{verdict}" answers merge candidates only: narrow the filter to kind merge, or skip the items'
            )
    return items


def _token(verdict: str, wanted: BulkFilter, ids: list[int]) -> str:
    text = json.dumps({"verdict": verdict, "filter": asdict(wanted), "items": ids}, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def preview_bulk(state: StateStore, verdict: str, wanted: BulkFilter, first: int = 20) -> Preview:
    """What applying would decide, without deciding anything."""
    verdict, wanted = _verdict(verdict), wanted.normal()
    items = _selected(state, verdict, wanted)
    token = _token(verdict, wanted, [i["id"] for i in items])
    return Preview(verdict, wanted, len(items), items[: max(first, 0)], token)


@dataclass(frozen=True)
class BulkOutcome:
    decisions: list[Decision]  # the batch (one row per item decided)
    refused: dict[int, str]  # item → why it was not decided (a standing judgement about the pair…)
    summary: str


def apply_bulk(
    store: GraphStore,
    state: StateStore,
    verdict: str,
    wanted: BulkFilter,
    token: str,
    steward: str,
    reason: str | None = None,
    cache_dir: Path | None = None,
) -> BulkOutcome:
    """Decide every item the preview with ``token`` showed; refused if the queue changed since."""
    verdict, wanted = _verdict(verdict), wanted.normal()
    items = _selected(state, verdict, wanted)
    if _token(verdict, wanted, [i["id"] for i in items]) != token.strip():
        raise DecisionError(
            f"the queue changed since the preview (the filter selects {len(items)} item(s) now) or the token "
            "is not that preview's: preview again and confirm what it shows"
        )
    if not items:
        raise DecisionError("the filter selects no open item: nothing to decide")
    note = f"bulk {verdict}" + (f": {reason}" if reason else "")
    rows: list[NewDecision] = []
    refused: dict[int, str] = {}
    for item in items:
        if verdict == "skip":
            rows.append(NewDecision(f"item:{item['id']}", {"verdict": "skip"}, None, item["id"]))
            continue
        try:
            outcome = decide_item(store, state, item["id"], Verdict(verdict), steward, note, cache_dir)
        except JudgementError as exc:
            refused[item["id"]] = str(exc)
            continue
        # The judgement answers the item; the row keeps it in the batch (revoked with it).
        rows.append(
            NewDecision(f"item:{item['id']}", {"verdict": verdict, "judgement": outcome.judgement.id})
        )
    decisions = (
        state.record_decisions("skip" if verdict == "skip" else "bulk", rows, steward, note) if rows else []
    )
    summary = (
        f"bulk {verdict}: {len(decisions)} of {len(items)} item(s) decided"
        + (f" as decision batch {decisions[0].id}" if decisions else "")
        + (f"; {len(refused)} refused (see the outcome)" if refused else "")
    )
    return BulkOutcome(decisions, refused, summary)
