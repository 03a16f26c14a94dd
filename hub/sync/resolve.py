"""The resolution pass: after a sync has written its records, the mentions of every type with a
resolver are clustered (blocking, Fellegi–Sunter scoring, clustering with judgements), entities
that turn out to be one are merged in the graph, and their golden values are recomputed.

Entity ids stay stable: a cluster keeps the id most of its mentions already carry (ties: the
smallest), and every id merged away leaves an alias to the survivor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
import structlog

from graph_schema import NodeType, PropertyType
from hub.state import StateStore
from hub.store import GraphStore
from resolvers.linking import FSModel, LinkSpec, dedupe, legal_entity_spec, link, person_spec
from resolvers.linking.frame import prepare
from resolvers.survivorship import Statement, golden_record

log = structlog.get_logger(__name__)
SEP = "\x1f"
# Feature keys of columns derived for the linking engine (kept apart from mapped properties).
DERIVED_PREFIX = "~"
# Up to this share of changed mentions, a run matches them against the rest (incremental);
# beyond it, the whole population is clustered again and the model refitted.
INCREMENTAL_SHARE = 0.2

PRESETS: dict[str, Callable[[], LinkSpec]] = {"person": person_spec, "legal_entity": legal_entity_spec}
# Mention features → the columns a preset reads, where the names differ.
COLUMN_FROM_FEATURE = {"legal_rep_id": "REPRESENTS.identity_number"}


@dataclass
class TypeReport:
    entity_type: str
    mentions: int = 0
    candidate_pairs: int = 0
    entities_before: int = 0
    entities_after: int = 0
    merged: int = 0
    review_opened: int = 0
    conflicts_opened: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def mention_id(row: dict[str, Any]) -> str:
    return SEP.join((row["source"], row["record_id"], row["role"]))


def input_columns(spec: LinkSpec) -> list[str]:
    """The columns a spec reads from its input (its derived columns it computes itself)."""
    derived = {d.name for d in spec.derived}
    inputs = [*spec.columns, *(c for d in spec.derived for c in d.columns)]
    return list(dict.fromkeys(c for c in inputs if c not in derived))


def record_of(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    features = row["features"]
    return {c: features.get(COLUMN_FROM_FEATURE.get(c, c)) for c in columns}


def add_derived_features(spec: LinkSpec, rows: list[dict[str, Any]]) -> None:
    """Compute the spec's derived columns (pinyin, keys…) once, when a mention is written, and keep
    them with its features: re-deriving the whole population on every run would dominate a small
    incremental one."""
    if not rows:
        return
    wanted = input_columns(spec)
    frame = pd.DataFrame.from_records([record_of(row, wanted) for row in rows], columns=wanted)
    prepared, _ = prepare(frame, spec.model_copy(update={"id_column": None}))
    for name in (d.name for d in spec.derived):
        values = prepared[name].to_numpy(dtype=object)
        if not all(v is None or isinstance(v, str | int | float | bool) for v in values):
            continue  # token lists and the like are derived again when needed: JSON would change them
        for row, value in zip(rows, values, strict=True):
            row["features"][f"{DERIVED_PREFIX}{name}"] = value.item() if hasattr(value, "item") else value


def _frame(rows: list[dict[str, Any]], spec: LinkSpec) -> pd.DataFrame:
    wanted = input_columns(spec)
    derived = [d.name for d in spec.derived]
    records = []
    for row in rows:
        record = record_of(row, wanted)
        features = row["features"]
        for name in derived:
            key = f"{DERIVED_PREFIX}{name}"
            if key in features:
                record[name] = features[key]
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    for column in wanted:
        if column not in frame.columns:
            frame[column] = None
    frame.index = pd.Index([mention_id(r) for r in rows], name="mention")
    return frame


def resolve_type(store: GraphStore, state: StateStore, node: NodeType, run_id: str) -> TypeReport:
    assert node.resolver is not None
    spec = PRESETS[node.resolver]()
    rows = state.mentions_of(node.name)
    report = TypeReport(node.name, mentions=len(rows))
    if len(rows) < 2:
        return report
    current = {mention_id(r): r["entity_id"] for r in rows}
    changed = [r for r in rows if r["run_id"] == run_id]
    saved = state.model(node.name)
    incremental = saved is not None and len(changed) <= INCREMENTAL_SHARE * len(rows)
    if incremental:
        # Incremental: only this run's new and changed mentions are compared, with everyone,
        # under the model fitted on the whole population before.
        assert saved is not None
        result = link(_frame(changed, spec), _frame(rows, spec), spec, model=FSModel.from_json(saved))
        clusters = pd.Series(result.clusters.to_numpy(), index=result.clusters.index.get_level_values("id"))
    else:
        result = dedupe(_frame(rows, spec), spec)
        clusters = result.clusters
        state.save_model(node.name, run_id, result.model.to_json())
    report.candidate_pairs = result.candidate_pairs
    report.seconds = dict(result.timings)
    merges = _merges(clusters, current)
    report.entities_before = len(set(current.values()))
    report.entities_after = report.entities_before - len(merges)
    if merges:
        report.merged = store.merge_nodes(node.name, merges)
        state.reassign_mentions(merges, run_id)
    if incremental:
        # Only entities this run touched: those of changed mentions, and those merged into.
        survivors = {merges.get(r["entity_id"], r["entity_id"]) for r in changed} | set(merges.values())
    else:
        survivors = {merges.get(e, e) for e in current.values()}
    report.conflicts_opened = _golden_values(store, state, node, rows, merges, survivors, run_id)
    report.review_opened = _review(state, node, result.review, current, merges, run_id)
    log.info("resolved", run_id=run_id, **{k: v for k, v in vars(report).items() if k != "seconds"})
    return report


def _merges(clusters: pd.Series, current: dict[str, str]) -> dict[str, str]:
    """Old entity id → survivor, for clusters that hold mentions of more than one entity."""
    members: dict[int, Counter[str]] = {}
    for mention, cluster in clusters.items():
        members.setdefault(int(cluster), Counter())[current[str(mention)]] += 1
    merges: dict[str, str] = {}
    for counts in members.values():
        if len(counts) < 2:
            continue
        survivor = min(counts, key=lambda entity: (-counts[entity], entity))
        merges.update({entity: survivor for entity in counts if entity != survivor})
    return merges


def _golden_values(
    store: GraphStore,
    state: StateStore,
    node: NodeType,
    rows: list[dict[str, Any]],
    merges: dict[str, str],
    survivors: set[str],
    run_id: str,
) -> int:
    types = {p.name: p.type for p in node.properties}
    strong = {p.name for p in node.properties if p.strong}
    statements: dict[str, list[Statement]] = {}
    for row in rows:
        entity = merges.get(row["entity_id"], row["entity_id"])
        if entity not in survivors:
            continue
        features, problems = row["features"], set(row["features"].get("problems", ()))
        for prop, value in features.items():
            if prop in types and value is not None:
                typed = _typed(types[prop], value)
                statements.setdefault(entity, []).append(
                    Statement(prop, typed, int(row["trust"]), str(row["run_id"]), prop not in problems)
                )
    updates, conflicts = [], {}
    for entity in sorted(survivors):
        golden = golden_record(statements.get(entity, []), strong)
        updates.append({store.schema.id_property: entity, **golden.values})
        for conflict in golden.conflicts:
            conflicts[f"conflict:{entity}:{conflict.prop}"] = {
                "entity_type": node.name, "entity_id": entity, "property": conflict.prop,
                "values": [str(v) for v in conflict.values],
            }  # fmt: skip
    store.upsert_nodes(node.name, updates)
    return state.open_review_items("conflict", run_id, conflicts)


def _typed(kind: PropertyType, value: Any) -> Any:
    """Mention features come back from JSON: dates and timestamps as ISO text."""
    if isinstance(value, str) and kind is PropertyType.DATE:
        return date.fromisoformat(value[:10])
    if isinstance(value, str) and kind is PropertyType.DATETIME:
        return datetime.fromisoformat(value)
    return value


def _review(
    state: StateStore,
    node: NodeType,
    review: pd.DataFrame,
    current: dict[str, str],
    merges: dict[str, str],
    run_id: str,
) -> int:
    items = {}
    for pair in review.itertuples(index=False):
        left = merges.get(current[str(pair.id_l)], current[str(pair.id_l)])
        right = merges.get(current[str(pair.id_r)], current[str(pair.id_r)])
        if left == right:
            continue
        a, b = sorted((left, right))
        items[f"merge:{a}:{b}"] = {
            "entity_type": node.name, "left": a, "right": b, "probability": float(str(pair.probability)),
            "mentions": [str(pair.id_l), str(pair.id_r)],
        }  # fmt: skip
    return state.open_review_items("merge", run_id, items)


def resolve_entities(store: GraphStore, state: StateStore, run_id: str) -> list[TypeReport]:
    return [resolve_type(store, state, node, run_id) for node in store.schema.node_types if node.resolver]
