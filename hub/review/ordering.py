"""The order stewards answer review items in: oldest first, the most informative first, or by
priority (uncertainty × impact).

"priority": an item's score is the uncertainty about it (a merge candidate's 1 − |2p − 1|; 1 for
the other kinds, which no model scored) times its impact, 1 + the open tasks about the entities
it names (a person some grid worker is being sent to see comes first), highest first, then
oldest first. Items can be narrowed by entity type and by source (the source of a record the
item names).

"informative" (active learning, see :mod:`resolvers.linking.learning`): an item's score is the
model's uncertainty about the pair (1 − |2p − 1|, p the match probability when the item was
opened) times the number of candidate pairs of that pass sharing its comparison pattern,
divided by 1 + the answers already given or ranked ahead about that pattern (the second answer
about a pattern teaches less than the first, so the queue does not ask about one pattern over
and over). Items filed before patterns were recorded count as one pair of a pattern of their own
(uncertainty only). Items that are not merge candidates follow, oldest first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hub.errors import HubError
from hub.state import QuarantineEntry, StateStore
from resolvers.linking.learning import pattern_text, uncertainty

Order = Literal["oldest", "informative", "priority"]
# What files review items: the resolution pass (merge candidates, conflicts on golden values)
# and the sync (addresses it could not place, rows it could not map: "quarantine", listed from
# the quarantine table; their ids are quarantine entry ids, so they are listed only when asked
# for by kind, never mixed with review items whose ids they could be mistaken for).
REVIEW_KINDS = ("address", "conflict", "merge", "quarantine")
QUARANTINE = "quarantine"


def review_kind(kind: str | None) -> str | None:
    """``kind`` as filed (case and spaces forgiven); an unknown kind is an error, not an empty
    queue that looks like nothing to do."""
    if kind is None or not kind.strip():
        return None
    normal = kind.strip().lower()
    if normal not in REVIEW_KINDS:
        raise HubError(f"no review item kind {kind!r} (one of {', '.join(REVIEW_KINDS)})")
    return normal


@dataclass(frozen=True)
class Ranked:
    item: dict[str, Any]
    score: float | None  # None: not a merge candidate (no score)
    pattern: str  # "name:3 birth_date:2 …", "" when the item has none


def _pattern_key(payload: dict[str, Any]) -> tuple[Any, ...] | None:
    pattern = payload.get("pattern")
    if pattern is None:
        return None
    return (payload.get("entity_type"), tuple(payload.get("fields", ())), tuple(pattern))


def informative(
    open_items: Sequence[dict[str, Any]], answered: Iterable[dict[str, Any]] = ()
) -> list[Ranked]:
    """``open_items`` in order of what an answer would teach (see the module's docstring);
    ``answered``: merge items already decided, whose patterns count as asked about."""
    asked = Counter(k for item in answered if (k := _pattern_key(item["payload"])) is not None)
    merges = [item for item in open_items if item["kind"] == "merge"]
    # Within a pattern, the most uncertain first; each later one is worth less.
    base = {
        item["id"]: float(uncertainty(float(item["payload"].get("probability", 0.5))))
        * max(int(item["payload"].get("pattern_pairs", 1) or 1), 1)
        for item in merges
    }
    ranked: list[Ranked] = []
    seen: Counter[tuple[Any, ...]] = Counter()
    for item in sorted(merges, key=lambda i: (-base[i["id"]], i["id"])):
        key = _pattern_key(item["payload"])
        ahead = 0 if key is None else asked[key] + seen[key]
        if key is not None:
            seen[key] += 1
        payload = item["payload"]
        text = pattern_text(payload["pattern"], payload.get("fields", ())) if key is not None else ""
        ranked.append(Ranked(item, base[item["id"]] / (1 + ahead), text))
    ranked.sort(key=lambda r: (-(r.score or 0.0), r.item["id"]))
    others = [Ranked(item, None, "") for item in open_items if item["kind"] != "merge"]
    return ranked + others


def review_order(
    open_items: Sequence[dict[str, Any]], order: Order, answered: Iterable[dict[str, Any]] = ()
) -> list[Ranked]:
    """The open items in ``order`` ("oldest": as filed; "informative": see :func:`informative`)."""
    if order == "informative":
        return informative(open_items, answered)
    ranked = informative([i for i in open_items if i["kind"] == "merge"], answered)
    scores = {r.item["id"]: r for r in ranked}
    return [scores.get(item["id"], Ranked(item, None, "")) for item in open_items]


def item_sources(item: dict[str, Any]) -> set[str]:
    """The sources of the records an item names: a merge candidate's two mentions
    (source:record_id:role), an address item's or a quarantined row's source."""
    payload = item["payload"]
    found = {str(m).split(":", 1)[0] for m in payload.get("mentions", ())}
    if payload.get("source"):
        found.add(str(payload["source"]))
    return found


def item_entity_ids(item: dict[str, Any]) -> list[str]:
    payload = item["payload"]
    return [str(payload[k]) for k in ("left", "right", "entity_id") if payload.get(k)]


def _matches(item: dict[str, Any], entity_type: str | None, source: str | None) -> bool:
    if entity_type is not None and str(item["payload"].get("entity_type", "")).lower() != entity_type.lower():
        return False
    return source is None or source in item_sources(item)


def by_priority(state: StateStore, open_items: Sequence[dict[str, Any]]) -> list[Ranked]:
    """``open_items`` by uncertainty × impact (see the module's docstring)."""
    tasks = state.open_tasks_about({e for item in open_items for e in item_entity_ids(item)})
    ranked = []
    for item in open_items:
        payload = item["payload"]
        doubt = float(uncertainty(float(payload["probability"]))) if "probability" in payload else 1.0
        impact = 1 + sum(tasks.get(e, 0) for e in item_entity_ids(item))
        ranked.append(Ranked(item, doubt * impact, ""))
    return sorted(ranked, key=lambda r: (-(r.score or 0.0), r.item["id"]))


def ranked_queue(
    state: StateStore,
    kind: str | None,
    limit: int,
    order: Order,
    *,
    entity_type: str | None = None,
    source: str | None = None,
) -> list[Ranked]:
    """The open review items (of ``kind``, ``entity_type``, naming a record of ``source``), in
    ``order``, the first ``limit``."""
    kind = review_kind(kind)
    if kind == QUARANTINE:
        rows = [quarantine_item(entry) for entry in state.quarantined()]
        return [Ranked(item, None, "") for item in rows if _matches(item, None, source)][:limit]
    everything = 2**62
    narrowed = entity_type is not None or source is not None
    if order == "oldest" and not narrowed:
        open_items = state.review_queue(kind, limit)
    else:
        open_items = [i for i in state.review_queue(kind, everything) if _matches(i, entity_type, source)]
    if order == "priority":
        return by_priority(state, open_items)[:limit]
    if order == "oldest":
        open_items = open_items[:limit]
    if kind not in (None, "merge") or not any(i["kind"] == "merge" for i in open_items):
        return [Ranked(item, None, "") for item in open_items][:limit]
    open_ids = {i["id"] for i in state.review_queue("merge", everything)}
    answered = [
        i for i in state.review_queue("merge", everything, open_only=False) if i["id"] not in open_ids
    ]
    return review_order(open_items, order, answered)[:limit]


def quarantine_item(entry: QuarantineEntry) -> dict[str, Any]:
    """A quarantined row as the queue lists items: why it is there is the mapping's error."""
    payload = {"source": entry.source, "record_id": entry.record_id, "error": entry.error, "raw": entry.raw,
               "run_id": entry.run_id}  # fmt: skip
    subject = f"quarantine:{entry.source}:{entry.record_id or entry.id}"
    return {
        "id": entry.id,
        "kind": QUARANTINE,
        "subject": subject,
        "run_id": entry.run_id,
        "payload": payload,
    }
