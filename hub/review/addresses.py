"""A steward picks the building of an address the matcher could not place (an address item).

The pick is an address alias: the item's text, cleaned as the matcher cleans it, resolves to
that building (and to the room the matcher found in it, if any) on every later sync and full
pass, before the matcher is asked (AddressBook consults the aliases first). One pick answers
every open address item of the same text, and the records naming the text are synced again at
once (hub/review/resync.py). Revoking the pick gives the text back to the matcher, and syncs
those records again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connectors.config import SourceConfig
from hub.review.resync import address_book, resync_address_records
from hub.settings import Settings
from hub.state import StateStore
from hub.state.decisions import Decision, DecisionError, NewDecision
from hub.store import GraphStore
from hub.sync.pipeline import Progress
from resolvers.address.text import clean
from resolvers.ids import building_address_id, text_address_id


@dataclass(frozen=True)
class AddressPick:
    decisions: list[Decision]  # one per item the pick answered (the first is the one asked)
    summary: str
    run_id: str | None  # the sync that made it hold, None when no record needed one


def _open_address_items(state: StateStore) -> list[dict[str, Any]]:
    return state.review_queue("address", 2**62)


def _address_id(store: GraphStore, picked: dict[str, Any]) -> str:
    """The address entity a pick gives its text: the room, else the building's own address."""
    if picked.get("address_id"):
        return str(picked["address_id"])
    prefix = store.schema.node(store.schema.roles.standard_address).id_prefix
    return building_address_id(prefix, str(picked["building_id"]))


def pick_building(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    item_id: int,
    building_id: str,
    steward: str,
    reason: str | None = None,
    progress: Progress | None = None,
) -> AddressPick:
    """Answer address item ``item_id`` with the library's building ``building_id``."""
    item = state.review_item(item_id)
    if item is None:
        raise DecisionError(f"no review item {item_id}")
    if item["kind"] != "address":
        raise DecisionError(
            f"review item {item_id} is a {item['kind']} item; a building is picked for address items"
        )
    open_items = _open_address_items(state)
    if item_id not in {i["id"] for i in open_items}:
        # Two stewards answering one item: the second is shown the first answer, and changes it
        # only by revoking it (kept in the history), as with judgements.
        earlier = state.item_decision(item_id)
        what = (
            f"decision {earlier.batch or earlier.id} ({earlier.kind}) by {earlier.steward} at "
            f"{earlier.created_at:%Y-%m-%d %H:%M}" + (f" ({earlier.reason})" if earlier.reason else "")
            if earlier is not None
            else "another decision"
        )
        raise DecisionError(
            f"review item {item_id} was answered already by {what}; revoke it to answer the item again"
        )
    payload = item["payload"]
    declared = {c.name for c in configs}
    if str(payload.get("source")) not in declared:
        # Recorded but never written, the pick would look done and change nothing in the graph.
        raise DecisionError(
            f"review item {item_id} names a record of source {payload.get('source')!r}, which is not among "
            f"the source declarations the decisions write with ({', '.join(sorted(declared)) or 'none'}): "
            "point GRIDHUB_SOURCES_CONFIG_DIR (or --config) at its declaration"
        )
    text = str(payload["text"])
    cleaned = clean(text)
    book = address_book(store, state, configs, settings)
    library = book.library
    labels = {b.building_id: b.label for b in library.buildings}
    building_id = building_id.strip()
    if building_id not in labels:
        raise DecisionError(f"no building {building_id!r} in the standard address library")
    # The room the matcher read in that building (5楼501 of the building picked), if it was a candidate.
    candidate = next((c for c in payload.get("candidates", ()) if c.get("building_id") == building_id), None)
    room = candidate.get("address_id") if candidate else None
    prefix = store.schema.node(store.schema.roles.standard_address).id_prefix
    before = state.address_aliases().get(cleaned)
    if before is not None:
        previous: dict[str, Any] = {
            "building_id": before["building_id"],
            "address_id": _address_id(store, before),
        }
    else:
        previous = {"building_id": None, "address_id": text_address_id(prefix, cleaned)}
    after = {"building_id": building_id, "address_id": room, "label": labels[building_id], "text": text}
    same_text = [i for i in open_items if clean(str(i["payload"].get("text", ""))) == cleaned]
    same_text.sort(key=lambda i: (i["id"] != item_id, i["id"]))  # the item asked about first
    rows = [NewDecision(cleaned, after, previous, i["id"]) for i in same_text]
    decisions = state.record_decisions("address", rows, steward, reason)
    records = {(str(i["payload"]["source"]), str(i["payload"]["record_id"])) for i in same_text}
    book.use_aliases(state.address_aliases())  # with this pick (the library is not read twice)
    run_id = resync_address_records(
        store, state, configs, settings, records, {previous["address_id"]}, progress, book
    )
    others = len(decisions) - 1
    summary = (
        f"decision {decisions[0].id}: {text!r} is {labels[building_id]} ({building_id}) from now on"
        + (f"; {others} other item(s) of the same text answered too" if others else "")
        + (f"; synced again in run {run_id}" if run_id else "")
    )
    return AddressPick(decisions, summary, run_id)


def revoke_pick(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    decisions: list[Decision],
    progress: Progress | None = None,
) -> str | None:
    """After a pick was revoked (``decisions``: its batch), sync again the records it placed."""
    records = set()
    for decision in decisions:
        if decision.review_item is None:
            continue
        item = state.review_item(decision.review_item)
        if item is not None:
            records.add((str(item["payload"]["source"]), str(item["payload"]["record_id"])))
    placed = {_address_id(store, d.value) for d in decisions}
    return resync_address_records(store, state, configs, settings, records, placed, progress)
