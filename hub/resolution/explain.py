"""`gridhub explain A B`: why the resolver scores two mentions (or two entities) as it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.errors import HubError
from hub.resolution.features import record_of
from hub.state import StateStore
from hub.state.mentions import SEP, mention_key
from resolvers.linking import Explanation, FSModel, explain_pair
from resolvers.linking.feature_columns import input_columns
from resolvers.linking.presets import get_spec, resolver_for


def mention_id(row: Mapping[str, Any]) -> str:
    """The id of a mention row of the state (source SEP record_id SEP role)."""
    return mention_key(row["source"], row["record_id"], row["role"])


def mentions_of(state: StateStore, token: str) -> tuple[str, list[dict[str, Any]]]:
    """A mention written source:record_id:role, or an entity id (all its mentions)."""
    parts = token.split(":")
    rows = state.mentions_matching(entity_id=state.resolve_alias(token))
    if not rows and len(parts) >= 3:
        source, role, record_id = parts[0], parts[-1], ":".join(parts[1:-1])
        rows = state.mentions_matching(source=source, record_id=record_id, role=role)
    if not rows:
        raise HubError(
            f"{token!r} is neither an entity id nor a mention (source:record_id:role) the hub knows"
        )
    return rows[0]["entity_type"], rows


# Pairs of records compared at most to find the best one (an entity of a thousand mentions has
# few distinct records: mentions repeating another's values are compared once).
MAX_PAIRS = 10_000


def _distinct(rows: list[dict[str, Any]], columns: list[str]) -> list[dict[str, Any]]:
    """The rows whose compared values differ from every earlier row's, most trusted first."""
    ordered = sorted(rows, key=lambda row: (-int(row.get("trust") or 0), mention_id(row)))
    seen: set[str] = set()
    kept = []
    for row in ordered:
        key = repr(sorted(record_of(row, columns).items()))
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def explain(state: StateStore, a: str, b: str) -> tuple[Explanation, str, str]:
    """The explanation of the best-scoring pair of mentions between ``a`` and ``b`` (a pair a key
    or a rule merges first)."""
    type_a, rows_a = mentions_of(state, a)
    type_b, rows_b = mentions_of(state, b)
    if type_a != type_b:
        raise HubError(f"{a} is a {type_a} and {b} a {type_b}: only mentions of one type compare")
    resolver = resolver_for(type_a)
    saved = state.model(type_a)
    if resolver is None or saved is None:
        raise HubError(f"no fitted model for {type_a} yet: run a sync first")
    spec, model = get_spec(resolver), FSModel.from_json(saved)
    columns = input_columns(spec)
    best: tuple[Explanation, str, str] | None = None
    distinct_a, distinct_b = _distinct(rows_a, columns), _distinct(rows_b, columns)
    # Every pair of distinct records, up to MAX_PAIRS: the most trusted ones first beyond that.
    keep_b = max(1, min(len(distinct_b), MAX_PAIRS // max(len(distinct_a), 1)))
    keep_a = max(1, min(len(distinct_a), MAX_PAIRS // keep_b))
    for row_a in distinct_a[:keep_a]:
        for row_b in distinct_b[:keep_b]:
            explained = explain_pair(spec, model, record_of(row_a, columns), record_of(row_b, columns))
            rank = (explained.decision == "merge", explained.weight)
            if best is None or rank > (best[0].decision == "merge", best[0].weight):
                best = (explained, mention_id(row_a).replace(SEP, ":"), mention_id(row_b).replace(SEP, ":"))
    assert best is not None
    return best
