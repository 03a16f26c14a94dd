"""A steward fixes a quarantined row and replays it through the sync (fix-and-replay).

The steward corrects some of the row's field values (or the source's declaration, then replays
the row unchanged); the row is mapped with the current declaration and written as
`gridhub quarantine replay` writes rows (hub/sync/replay.py). A row that still fails is refused
with the mapping's error and nothing is recorded. The fix is kept as a decision (the row before
and after, who, when, why) under the source's row's content hash: every later sync reading that
same row from the source reads the fixed one instead (SourceSync.fixes), so the fix holds until
the source sends a changed row. Revoking the fix undoes what it wrote: the row waits in quarantine
again, and the record is what it was before the fix — its earlier version written again from the
row the graph keeps of it, or retired if the fix had made it (the source's row does not map). A
record the source has changed since is left as the source has it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.config import SourceConfig
from connectors.errors import RowError
from connectors.mapping import content_hash
from hub.review.remap import current_rows
from hub.settings import Settings
from hub.state import StateStore
from hub.state.decisions import Decision, DecisionError, NewDecision
from hub.store import GraphStore
from hub.sync.pipeline import DUPLICATE, SourceSync, new_run_id
from hub.sync.replay import write_replayed


@dataclass(frozen=True)
class RowFix:
    decision: Decision
    summary: str
    run_id: str


def fix_and_replay(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    entry_id: int,
    fields: Mapping[str, str | None],
    steward: str,
    reason: str | None = None,
) -> RowFix:
    """Replay quarantine entry ``entry_id`` with ``fields`` (field → corrected value) changed."""
    entry = state.quarantine_entry(entry_id)
    if entry is None:
        raise DecisionError(f"no quarantined row {entry_id}")
    if entry.replayed_run is not None:
        raise DecisionError(f"quarantined row {entry_id} was replayed already (run {entry.replayed_run})")
    config = next((c for c in configs if c.name == entry.source), None)
    if config is None:
        raise DecisionError(
            f"quarantined row {entry_id} is of source {entry.source!r}, which is not declared"
        )
    unknown = sorted(set(fields) - set(entry.raw))
    if unknown:
        raise DecisionError(
            f"quarantined row {entry_id} of {entry.source} has no field {', '.join(map(repr, unknown))} "
            f"(its fields: {', '.join(entry.raw)})"
        )
    fixed = {**entry.raw, **fields}
    run_id = new_run_id(datetime.now(UTC))
    store.apply_schema()
    sync = SourceSync(store, state, config, settings, run_id)
    try:
        row = sync.mapper.map_row(fixed)
    except RowError as exc:
        # Nothing is written or recorded: the steward sees why and corrects again.
        raise DecisionError(f"quarantined row {entry_id} of {entry.source} still fails: {exc}") from exc
    if entry.error.startswith(DUPLICATE, entry.error.find(": ") + 2) and row.record_id == entry.record_id:
        # The read kept another row of this record (as `quarantine replay` refuses it too).
        raise DecisionError(
            f"quarantined row {entry_id} repeats record {entry.record_id!r} of its read, whose other row "
            "was kept: writing it would overwrite that one; correct its record id, or the source"
        )
    # The record's version before the fix (None: it had none), which revoking the fix restores.
    before_hash = state.hashes(config.name, [row.record_id]).get(row.record_id)
    write_replayed(sync, [(entry.id, row)])
    changed = {name: {"before": entry.raw.get(name), "after": value} for name, value in fields.items()}
    after = {"row": fixed, "entry": entry.id, "record_id": row.record_id, "run": run_id, "changed": changed,
             "before_hash": before_hash}  # fmt: skip
    [decision] = state.record_decisions(
        "quarantine",
        [NewDecision(f"{entry.source}:{sync.mapper.content_hash(entry.raw)}", after, entry.raw)],
        steward,
        reason,
    )
    what = ", ".join(changed) or "no field (the declaration was fixed)"
    summary = (
        f"decision {decision.id}: row {entry_id} of {entry.source} (record {row.record_id}) replayed in run "
        f"{run_id}, fixed: {what}"
    )
    return RowFix(decision, summary, run_id)


def revoke_fix(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    decision: Decision,
) -> str:
    """Undo what the (revoked) fix ``decision`` wrote; returns what was done, in a sentence."""
    source = decision.subject.split(":", 1)[0]
    value = decision.value
    record_id, entry = str(value["record_id"]), int(value["entry"])
    state.reopen_quarantine([entry])
    config = next((c for c in configs if c.name == source), None)
    now_hash = state.hashes(source, [record_id]).get(record_id)
    fixed_hash = content_hash(value["row"], state.pseudonym_key(settings.pseudonym_key.get_secret_value()))
    if config is None or "before_hash" not in value or now_hash != fixed_hash:
        # A fix kept before its record's earlier version was, or one the source has overtaken
        # (it sent a changed row since, which the sync wrote): the record is left as it is.
        return f"row {entry} of {source} waits in quarantine again; record {record_id} is left as it is now"
    run_id = new_run_id(datetime.now(UTC))
    sync = SourceSync(store, state, config, settings, run_id, only={record_id})
    before = value["before_hash"]
    if not before:
        sync.retire([record_id])
        return f"row {entry} of {source} waits in quarantine again; record {record_id}, which the fix made, is retired"
    rows, missing = current_rows(store, sync, [record_id], {record_id: before})
    if missing:
        sync.retire([record_id])
        return (
            f"row {entry} of {source} waits in quarantine again; record {record_id}'s earlier version "
            "is not kept (or no longer maps): the record is retired"
        )
    asserted = sync.write(rows)
    state.commit_batch(source, run_id, {r.record_id: r.content_hash for r in rows}, None, asserted)
    return (
        f"row {entry} of {source} waits in quarantine again; record {record_id} is back to its version "
        f"before the fix (run {run_id})"
    )
