"""The order stewards answer merge candidates in: oldest first, or the most informative first.

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

Order = Literal["oldest", "informative"]
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


def ranked_queue(state: StateStore, kind: str | None, limit: int, order: Order) -> list[Ranked]:
    """The open review items (of ``kind``), in ``order``, the first ``limit``."""
    kind = review_kind(kind)
    if kind == QUARANTINE:
        return [Ranked(quarantine_item(entry), None, "") for entry in state.quarantined()[:limit]]
    everything = 2**62
    if order == "oldest":
        open_items = state.review_queue(kind, limit)
    else:
        open_items = state.review_queue(kind, everything)
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
