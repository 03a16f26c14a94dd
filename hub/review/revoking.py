"""Revoking a steward decision of hub/state/decisions.py, and undoing what it did.

The decision (its whole batch) stays, marked with who revoked it and when; its review items are
open again. A picked building: the records it placed are synced again (the matcher decides the
text again). A bulk verdict: each judgement it made is revoked too. A skip: nothing else. A
fixed quarantined row: it waits in quarantine again, and its record is as before the fix
(hub/review/quarantine.revoke_fix).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connectors.config import SourceConfig
from hub.review.addresses import revoke_pick
from hub.review.quarantine import revoke_fix
from hub.settings import Settings
from hub.state import JudgementError, StateStore
from hub.state.decisions import Decision
from hub.store import GraphStore


@dataclass(frozen=True)
class Revocation:
    decisions: list[Decision]
    summary: str


def revoke(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    decision_id: int,
    steward: str,
) -> Revocation:
    decisions = state.revoke_decision(decision_id, steward)
    kind = decisions[0].kind
    what = f"decision {decision_id} ({kind}, {len(decisions)} row(s)) revoked by {steward.strip()}"
    if kind == "address":
        run_id = revoke_pick(store, state, configs, settings, decisions)
        what += f"; {decisions[0].value.get('text')!r} goes to the matcher again" + (
            f" (synced again in run {run_id})" if run_id else ""
        )
    elif kind == "bulk":
        revoked = 0
        for decision in decisions:
            try:
                state.revoke_judgement(int(decision.value["judgement"]), steward)
                revoked += 1
            except JudgementError:  # revoked already, one by one
                pass
        what += f"; {revoked} judgement(s) revoked with it"
    elif kind == "quarantine":
        what += "; " + "; ".join(revoke_fix(store, state, configs, settings, d) for d in decisions)
    return Revocation(decisions, what)
