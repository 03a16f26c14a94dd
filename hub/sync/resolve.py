"""The resolution pass: after a sync has written its records, the mentions of every type with a
resolver are clustered (blocking, Fellegi–Sunter scoring, clustering with judgements), entities
that turn out to be one are merged in the graph, and their golden values are recomputed.

Entity ids stay stable: a cluster keeps the id most of its mentions already carry (ties: the
smallest), and every id merged away leaves an alias to the survivor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import structlog

from graph_schema import NodeType, PropertyType
from hub.state import StateStore
from hub.state.mentions import SEP, MentionColumns, MentionValues, Objects, mention_key
from hub.store import GraphStore, MentionMove
from hub.sync.population import (
    LIST_DERIVATIONS,
    Oversized,
    Snapshot,
    appendable,
    batch_keys,
    candidate_mask,
    candidates,
    compacted,
    concat,
    distinct_entities,
    drop_snapshot,
    entity_sizes,
    list_columns,
    live_rows,
    load_snapshot,
    needs_compaction,
    remap_entities,
    removed,
    rule_columns,
    snapshot_path,
    to_columns,
    to_table,
    write_delta,
    write_snapshot,
)
from hub.sync.writer import record_node_id
from resolvers.linking import FSModel, LinkSpec, dedupe, legal_entity_spec, link, person_spec
from resolvers.linking.frame import prepare
from resolvers.survivorship import Statement, golden_record

log = structlog.get_logger(__name__)
# Entities whose golden values are written to the graph in one batch (ladybug takes a 50k-row
# batch three times faster per row than a 5k one).
GOLDEN_BATCH = 50_000
GoldenRow = tuple[str, dict[str, Any]]  # an entity id and its golden values
# Feature keys of columns derived for the linking engine (kept apart from mapped properties).
DERIVED_PREFIX = "~"
# Feature key marking the derivations a mention's derived values were computed under: a stored
# None is then a derived None (no branch in the company name), not "never derived".
DERIVED_MARK = "~derived"
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
    # Mentions the clustering put apart from the rest of their entity (a split not yet made).
    apart: int = 0
    # Mentions moved out of their entity (to another, or to a new one: a split).
    split: int = 0
    # "Same" judgements the clustering could not follow (a "different" or two valid keys in the way).
    judgement_conflicts: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def mention_id(row: Mapping[str, Any]) -> str:
    return mention_key(row["source"], row["record_id"], row["role"])


def input_columns(spec: LinkSpec) -> list[str]:
    """The columns a spec reads from its input (its derived columns it computes itself)."""
    derived = {d.name for d in spec.derived}
    inputs = [*spec.columns, *(c for d in spec.derived for c in d.columns)]
    return list(dict.fromkeys(c for c in inputs if c not in derived))


def record_of(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """The spec's inputs as a pass reads them back: features are stored as JSON, where a date
    becomes its text (derived at write time from a date object, a value could differ)."""
    features = row["features"]
    record = {c: features.get(COLUMN_FROM_FEATURE.get(c, c)) for c in columns}
    return {c: str(v) if isinstance(v, date) else v for c, v in record.items()}


def stored_derivations(spec: LinkSpec) -> list[str]:
    return [d.name for d in spec.derived if d.function not in LIST_DERIVATIONS]


def add_derived_features(spec: LinkSpec, rows: list[dict[str, Any]]) -> None:
    """Compute the spec's derived columns (pinyin, keys…) once, when a mention is written, and keep
    them with its features: re-deriving the whole population on every run would dominate a small
    incremental one."""
    if not rows:
        return
    tag = derivation_tag(spec)
    wanted = input_columns(spec)
    frame = pd.DataFrame.from_records([record_of(row, wanted) for row in rows], columns=wanted)
    prepared, _ = prepare(frame, spec.model_copy(update={"id_column": None}))
    complete = True
    for name in stored_derivations(spec):
        values = prepared[name].to_numpy(dtype=object)
        if not all(v is None or isinstance(v, str | int | float | bool) for v in values):
            complete = False  # JSON would change these values: the engine derives them again
            continue
        for row, value in zip(rows, values, strict=True):
            row["features"][f"{DERIVED_PREFIX}{name}"] = value.item() if hasattr(value, "item") else value
    if complete:
        for row in rows:
            row["features"][DERIVED_MARK] = tag


def derivation_tag(spec: LinkSpec) -> str:
    """Names the spec's derivations (a changed one makes stored derived values stale)."""
    text = json.dumps([d.model_dump(mode="json") for d in spec.derived], sort_keys=True)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


def _frame(mentions: MentionColumns, spec: LinkSpec) -> pd.DataFrame:
    """The engine's input, straight from the mention columns (no per-mention objects)."""
    columns: dict[str, Any] = {}
    for column in input_columns(spec):
        columns[column] = mentions.features[COLUMN_FROM_FEATURE.get(column, column)]
    marks = mentions.features.get(DERIVED_MARK)
    current = marks is not None and bool((marks == derivation_tag(spec)).all())
    stored = set(stored_derivations(spec))
    for derived in spec.derived:
        key = f"{DERIVED_PREFIX}{derived.name}"
        if derived.name not in stored:
            continue
        # Stored with every mention when it was written; if some mentions lack it (written
        # before the spec derived it), the engine derives the column for all.
        if key in mentions.features and (current or _complete(mentions, key, derived.columns)):
            columns[derived.name] = mentions.features[key]
    return pd.DataFrame(columns, index=pd.Index(mentions.ids, name="mention"), copy=False)


def _complete(mentions: MentionColumns, key: str, sources: tuple[str, ...]) -> bool:
    """Whether every mention with a value to derive from also has the stored derived value."""
    stored = mentions.features[key]
    has_source = np.zeros(len(mentions), dtype=bool)
    for column in sources:
        values = mentions.features.get(COLUMN_FROM_FEATURE.get(column, column))
        if values is None:
            values = mentions.features.get(f"{DERIVED_PREFIX}{column}")
        if values is None:
            return False
        has_source |= pd.notna(values)
    return bool((pd.notna(stored) | ~has_source).all())


def feature_keys(spec: LinkSpec) -> list[str]:
    """The mention feature keys the spec reads: its input columns and its stored derived ones."""
    inputs = [COLUMN_FROM_FEATURE.get(c, c) for c in input_columns(spec)]
    return [*inputs, *(f"{DERIVED_PREFIX}{name}" for name in stored_derivations(spec)), DERIVED_MARK]


def resolve_type(
    store: GraphStore,
    state: StateStore,
    node: NodeType,
    run_id: str,
    entities: Collection[str] | None = None,
    cache_dir: Path | None = None,
    full: bool = False,
) -> TypeReport:
    """Resolve the type's mentions: new and changed ones against everyone when few changed
    (incremental), all of them otherwise, or only those of ``entities`` under the saved model
    (what a steward's judgement about them needs). ``cache_dir`` keeps the columnar snapshot
    that makes the incremental pass read only candidates."""
    assert node.resolver is not None
    spec = PRESETS[node.resolver]()
    keys = feature_keys(spec)
    saved = state.model(node.name)
    path = snapshot_path(cache_dir, node.name) if cache_dir is not None else None
    if entities is not None:
        if saved is None:
            return TypeReport(node.name)
        mentions = state.mention_columns(node.name, keys, entities)
        report, merges = _pass(store, state, node, spec, run_id, mentions, saved, "entities", entities)
        if path is not None and report.split:
            drop_snapshot(path)  # mentions moved one by one: rebuilt at the next pass
        elif merges and path is not None and (snap := load_snapshot(path, keys)) is not None:
            # One compacted base, with the ids merged since the base (these merges too) replaced.
            table = compacted(snap, state.aliases_after(snap.base_run))
            write_snapshot(path, table, keys, snap.run_id, snap.mark)
        return report
    snap = load_snapshot(path, keys) if path is not None and saved is not None and not full else None
    if snap is not None and saved is not None and path is not None:
        touched, mark = state.changed_records_since(snap.mark)
        batch = state.mention_columns(node.name, keys, since_run=snap.run_id)
        # The snapshot's rows gone since they were written: an Arrow mask, nothing copied.
        gone = removed(snap, touched, batch.ids)
        rows = live_rows(gone)
        if not len(batch) and not touched:  # nothing of this type changed since the snapshot
            report = TypeReport(node.name, mentions=rows)
            aliases = state.aliases_after(snap.base_run)
            report.entities_before = report.entities_after = distinct_entities(
                snap.table, gone, aliases, np.zeros(0, dtype=object)
            )
            return report
        if len(batch) <= INCREMENTAL_SHARE * (rows + len(batch)):
            return _incremental(
                store, state, node, spec, run_id, saved, snap, batch, (path, keys, mark, touched, gone)
            )
    mark = state.mention_changes_mark()
    mentions = state.mention_columns(node.name, keys)
    # Without a snapshot, what is new is what was written after the saved model's pass.
    since = state.model_run(node.name) or ""
    changed = mentions.run_ids > since if saved is not None else np.ones(len(mentions), dtype=bool)
    incremental = not full and saved is not None and changed.sum() <= INCREMENTAL_SHARE * len(mentions)
    report, merges = _pass(
        store, state, node, spec, run_id, mentions, saved if incremental else None,
        "incremental" if incremental else "full", set(mentions.entity_ids[changed]),
        changed if incremental else None,
    )  # fmt: skip
    if path is not None and len(mentions):
        table = to_table(
            mentions,
            np.array([merges.get(e, e) for e in mentions.entity_ids], dtype=object),
            _token_lists(mentions, spec),
        )
        if table is not None:
            write_snapshot(path, table, keys, run_id, mark)
    return report


def _token_lists(mentions: MentionColumns, spec: LinkSpec) -> dict[str, Any]:
    """The token-list blocking columns of the mentions (company-name n-grams), for the snapshot:
    with them an incremental pass reads only the mentions sharing a token with the new ones."""
    names = list_columns(spec)
    if not names or not len(mentions):
        return {}
    prepared, _ = prepare(_frame(mentions, spec), spec.model_copy(update={"id_column": None}))
    return {f"{DERIVED_PREFIX}{n}": prepared[n].to_numpy(dtype=object) for n in names}


def _incremental(
    store: GraphStore,
    state: StateStore,
    node: NodeType,
    spec: LinkSpec,
    run_id: str,
    saved: str,
    snap: Snapshot,
    batch: MentionColumns,
    catch_up: tuple[Path, list[str], int, set[str], pa.ChunkedArray],
) -> TypeReport:
    """Match the mentions written since the snapshot (``batch``) against those of the snapshot
    that share a blocking key with them, then append them to the snapshot. ``catch_up``: the
    snapshot's file, features, the log mark now, the records removed since the snapshot's mark,
    and which of its rows are gone (of those records or of ``batch``, or removed by a newer part)."""
    path, keys, mark, touched, gone = catch_up
    # Entity ids as of the pass that wrote each part: merges since the base left aliases.
    aliases = state.aliases_after(snap.base_run)
    rows = live_rows(gone)
    losing = _left_behind(snap, gone, aliases)
    if len(batch):
        frame = _frame(batch, spec)
        prepared, _ = prepare(frame, spec.model_copy(update={"id_column": None}))
        mask, oversized = candidate_mask(
            snap.table, rule_columns(spec, COLUMN_FROM_FEATURE), batch_keys(prepared, spec), gone
        )
        found = to_columns(remap_entities(candidates(snap, mask, gone), aliases), keys)
        population = concat(found, batch)
        # Counting entities over the whole snapshot is Arrow work that releases the GIL: it goes
        # on beside the linking (which is Python's, on one core).
        in_batch = np.zeros(len(population), dtype=bool)
        in_batch[len(found) :] = True
        with ThreadPoolExecutor(max_workers=1) as counter:
            counted = counter.submit(distinct_entities, snap.table, gone, aliases, batch.entity_ids)
            sizes = counter.submit(
                entity_sizes, snap.table, gone, aliases, batch.entity_ids, set(population.entity_ids)
            )
            report, merges = _pass(
                store,
                state,
                node,
                spec,
                run_id,
                population,
                saved,
                "incremental",
                set(batch.entity_ids) | losing,
                in_batch,
                sizes,
                oversized,
            )
        lists = {f"{DERIVED_PREFIX}{n}": prepared[n].to_numpy(dtype=object) for n in list_columns(spec)}
        added = to_table(batch, lists=lists)
        entities_before = counted.result()
    else:
        report, merges = TypeReport(node.name), {}
        added = snap.table.schema.empty_table()
        entities_before = distinct_entities(snap.table, gone, aliases, batch.entity_ids)
        if losing:
            report.conflicts_opened = _golden_values(store, state, node, losing, run_id, set())
    report.mentions = rows + len(batch)
    report.entities_before = entities_before
    report.entities_after = entities_before - len(merges)
    if added is None or not appendable(snap, added):
        drop_snapshot(path)  # rebuilt from the state database next time
        return report
    added = remap_entities(added, merges)
    if needs_compaction(snap, added.num_rows):
        # The ids merged since the base, then by this pass.
        merged = {old: merges.get(new, new) for old, new in aliases.items()} | merges
        write_snapshot(path, compacted(snap, merged, gone, added), keys, run_id, mark)
    else:
        write_delta(path, snap, added, run_id, mark, touched, batch.ids)
    return report


def _left_behind(snap: Snapshot, gone: pa.ChunkedArray, aliases: Mapping[str, str]) -> set[str]:
    """The entities of the snapshot's rows this pass finds gone (their records retired or
    changed since): their golden values must lose what those mentions said."""
    if not pc.any(gone).as_py():
        return set()
    now = pc.and_not(gone, removed(snap))  # not those gone before, which earlier passes saw
    if not pc.any(now).as_py():
        return set()
    return set(remap_entities(snap.table.filter(now).select(["entity_id"]), aliases)["entity_id"].to_pylist())


def _pass(
    store: GraphStore,
    state: StateStore,
    node: NodeType,
    spec: LinkSpec,
    run_id: str,
    mentions: MentionColumns,
    saved: str | None,
    mode: str,
    touched: Collection[str],
    left: npt.NDArray[np.bool_] | None = None,
    sizes: Future[pd.Series] | None = None,
    oversized: Oversized | None = None,
) -> tuple[TypeReport, dict[str, str]]:
    """Cluster ``mentions`` and apply the outcome: merges in the graph and the state, golden
    values, review items. ``mode``: "full" (fit a model on everyone), "incremental" (link the
    ``left`` mentions against all of ``mentions`` under the saved model) or "entities"
    (re-cluster these mentions under the saved model). Golden values are recomputed for
    ``touched`` entities and those merged into (all in "full"). ``sizes``: mentions per entity
    when ``mentions`` are only candidates (the population's term frequencies then come from
    the saved model too), being counted beside the linking; ``oversized``: blocks over the cap
    among mentions not read (see candidate_mask)."""
    report = TypeReport(node.name, mentions=len(mentions))
    if len(mentions) < 2 or (left is not None and not left.any()):
        return report, {}
    frame = _frame(mentions, spec)
    must, cannot = state.links(node.name)
    model = None if saved is None else FSModel.from_json(saved)
    if left is not None:
        result = link(
            frame[left],
            frame,
            spec,
            must,
            cannot,
            model=model,
            model_frequencies=sizes is not None,
            oversized=oversized,
        )
        clustered = result.clusters.index.get_level_values("id")
    else:
        result = dedupe(frame, spec, must, cannot, model=model)
        clustered = result.clusters.index
        if model is None:
            state.save_model(node.name, run_id, result.model.to_json())
    del frame
    position = pd.Index(mentions.ids)
    located = position.get_indexer(clustered)
    entity_of = mentions.entity_ids[located]
    report.candidate_pairs = result.candidate_pairs
    report.seconds = dict(result.timings)
    sizes_now = pd.Series(mentions.entity_ids).value_counts() if sizes is None else sizes.result()
    merges, apart = _merges(result.clusters.to_numpy(), entity_of, sizes_now, mentions.run_ids[located])
    # In a link, unchanged mentions not reached by this batch are singletons: "apart" means nothing.
    report.apart = apart if mode == "full" else 0
    report.entities_before = len(sizes_now)
    report.entities_after = report.entities_before - len(merges)
    rewritten = set(merges.values())
    computed: list[list[GoldenRow]] | None = None
    conflicts: dict[str, dict[str, Any]] = {}
    joining: dict[str, list[Statement]] = {}
    if merges:
        # The graph database merges without holding the GIL: the state's bookkeeping and, in a
        # link (no splits to wait for), the golden values go on beside it on the other core.
        with ThreadPoolExecutor(max_workers=1) as pool:
            folding = pool.submit(store.merge_nodes, node.name, merges)
            try:
                if left is not None:
                    # Entities merged into whose own mentions did not change: read what joins
                    # them (before it is theirs), then compute only those it may change.
                    joining = _joining(state, node, merges, rewritten - set(touched))
                state.reassign_mentions(merges, run_id)
                if left is not None:
                    linked = _survivors(touched, merges, rewritten) - joining.keys()
                    computed = list(_golden_batches(state, node, linked, rewritten, conflicts))
            finally:
                report.merged = folding.result()
        if joining:
            assert computed is not None
            changing = _changed_by(store, node.name, joining)
            computed.extend(_golden_batches(state, node, changing, rewritten, conflicts))
    if left is None:
        # Complete clusters: mentions the clustering puts apart from their entity leave it.
        moves = _splits(
            result.clusters.to_numpy(), entity_of, np.asarray(clustered, dtype=object), merges, node
        )
        if moves:
            report.split = _apply_splits(store, state, node, moves)
            report.entities_after += len(
                {new for _, _, new in moves} - set(sizes_now.index) - set(merges.values())
            )
            rewritten |= {old for _, old, _ in moves} | {new for _, _, new in moves}
            if mode == "full":
                moved = {mention: new for mention, _, new in moves}
                mentions.entity_ids[:] = [
                    moved.get(m, merges.get(e, e))
                    for m, e in zip(mentions.ids, mentions.entity_ids, strict=True)
                ]
    survivors = None if mode == "full" else _survivors(touched, merges, rewritten)
    report.conflicts_opened = _golden_values(
        store, state, node, survivors, run_id, rewritten, computed, conflicts
    )
    report.review_opened = _review(state, node, result.review, position, mentions.entity_ids, merges, run_id)
    report.judgement_conflicts = len(result.conflicts)
    log.info(
        "resolved", run_id=run_id, mode=mode, **{k: v for k, v in vars(report).items() if k != "seconds"}
    )
    return report, merges


def _ownership(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mentions per (entity, cluster), and the cluster each entity belongs to: the one holding
    most of its mentions (ties: the lowest cluster number)."""
    counts = table.groupby(["entity", "cluster"], sort=True).size().rename("n").reset_index()
    owned = counts.sort_values(["entity", "n", "cluster"], ascending=[True, False, True])
    return counts, owned.drop_duplicates("entity", keep="first")


def _splits(
    clusters: npt.NDArray[np.int64],
    entity_of: Objects,
    ids: Objects,
    merges: Mapping[str, str],
    node: NodeType,
) -> list[tuple[str, str, str]]:
    """(mention id, entity it is in now, entity it goes to) for mentions whose cluster is not
    their entity's: they join the entity that cluster belongs to, or a new one when it belongs
    to none (a split). With the ownership rule of ``_merges``, every entity keeps the cluster
    holding most of its mentions, so the old id stays with the larger part."""
    table = pd.DataFrame({"cluster": clusters, "entity": entity_of, "id": ids})
    counts, owned = _ownership(table)
    if len(owned) == len(counts):
        return []  # every entity's mentions are in one cluster
    home = {
        int(c): merges.get(str(e), str(e)) for e, c in zip(owned["entity"], owned["cluster"], strict=True)
    }
    moves = []
    for cluster, members in table.groupby("cluster", sort=True):
        target = home.get(int(str(cluster)))
        if target is None:
            target = f"{node.id_prefix}-{_digest('split', node.name, str(members['id'].min()))}"
        for mention, entity in zip(members["id"], members["entity"], strict=True):
            now = merges.get(str(entity), str(entity))
            if now != target:
                moves.append((str(mention), now, target))
    return moves


def _apply_splits(
    store: GraphStore, state: StateStore, node: NodeType, moves: list[tuple[str, str, str]]
) -> int:
    """Move mentions to their new entities in the graph (provenance and what their records
    assert) and in the state; new entities are created first (golden values follow)."""
    new = sorted({target for _, _, target in moves})
    missing = set(new) - store.existing_ids(node.name, new)
    if missing:
        store.upsert_nodes(node.name, [{store.schema.id_property: e} for e in sorted(missing)])
    graph_moves = []
    for mention, old, target in moves:
        source, record_id, role = mention.split(SEP)
        graph_moves.append(MentionMove(record_node_id(source, record_id), role, old, target))
    store.move_mentions(node.name, graph_moves)
    state.move_mentions([(*mention.split(SEP), target) for mention, _, target in moves])  # type: ignore[misc]
    log.info("split", entity_type=node.name, mentions=len(moves), new_entities=len(missing))
    return len(moves)


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def _merges(
    clusters: npt.NDArray[np.int64], entity_of: Objects, sizes: pd.Series, run_of: Objects
) -> tuple[dict[str, str], int]:
    """Old entity id → survivor, and how many mentions sit apart from their entity's cluster.

    Each entity belongs to the cluster holding most of its mentions (ties: the lowest cluster
    number, i.e. one with this batch's mentions in a link); a cluster's survivor is the entity
    with most mentions overall (``sizes``), then the one known longest (the earliest run among
    its clustered mentions, ``run_of``), then the smallest id, among those belonging to it: so
    established ids stay put, and a new mention joins the entity it matches rather than the
    other way round (which would retire a known id and move its whole neighbourhood). An
    entity's mentions in another cluster stay with it (they would need a split, which is not
    done here), and that cluster's entities are not merged into it: the clustering's "apart"
    is never bridged.
    """
    table = pd.DataFrame({"cluster": clusters, "entity": entity_of})
    _, owned = _ownership(table)
    apart = int(len(table) - owned["n"].sum())
    owned = owned[owned.groupby("cluster")["entity"].transform("size") > 1]
    contested = table["entity"].isin(owned["entity"]).to_numpy()
    # Run ids sort by time: the earliest per entity as a minimum over sorted codes (a groupby
    # over the objects themselves runs in Python, 0.5 s for 8k entities).
    order, _ = pd.factorize(run_of[contested], sort=True)
    entity_codes, contested_ids = pd.factorize(entity_of[contested])
    earliest = np.full(len(contested_ids), len(order), dtype=np.int64)
    np.minimum.at(earliest, entity_codes, order)
    first_run = pd.Series(earliest, index=contested_ids)
    owned = owned.assign(
        size=sizes.reindex(owned["entity"]).to_numpy(), since=first_run.reindex(owned["entity"]).to_numpy()
    )
    ranked = owned.sort_values(["cluster", "size", "since", "entity"], ascending=[True, False, True, True])
    survivor = ranked.groupby("cluster")["entity"].transform("first")
    folded = ranked["entity"].to_numpy() != survivor.to_numpy()
    merges = dict(
        zip(ranked["entity"].to_numpy()[folded].tolist(), survivor.to_numpy()[folded].tolist(), strict=True)
    )
    return merges, apart


def _survivors(touched: Collection[str], merges: Mapping[str, str], rewritten: set[str]) -> set[str]:
    """The entities whose golden values a pass recomputes: those it touched (as they are after
    its merges) and those it merged into or split."""
    return {merges.get(e, e) for e in touched} | rewritten


def _joining(
    state: StateStore, node: NodeType, merges: Mapping[str, str], targets: set[str]
) -> dict[str, list[Statement]]:
    """Per entity of ``targets``, the statements of the mentions of the entities merged into it."""
    into = {old: new for old, new in merges.items() if new in targets}
    if not into:
        return {}
    types = {p.name: p.type for p in node.properties}
    joining: dict[str, list[Statement]] = {target: [] for target in targets}
    for entity, group in state.mention_groups(node.name, into):
        joining[into[entity]].extend(_statements(group, types))
    return joining


def _changed_by(store: GraphStore, label: str, joining: Mapping[str, list[Statement]]) -> set[str]:
    """The entities whose golden values the joining statements may change: those with a
    statement whose value is not the entity's golden value now. A statement that agrees with
    the golden value only adds to that value's standing (its trust, frequency or recency can
    beat the winning statement's, never another value's), so the golden value stays; a node's
    values are its golden values, written by the pass that last touched it (or, for an entity
    of one mention, by the sync; a record retired while there was no snapshot is the exception
    until the next full pass, see _left_behind)."""
    current = store.get_nodes(label, list(joining))
    changing = set()
    for entity, statements in joining.items():
        found = current.get(entity)
        values = found.properties if found is not None else {}
        if found is None or any(values.get(s.prop) != s.value for s in statements):
            changing.add(entity)
    return changing


def _statements(group: list[MentionValues], types: Mapping[str, PropertyType]) -> Iterator[Statement]:
    """The statements of a group of mentions: each value of a property of the type."""
    for mention in group:
        features = mention.features
        problems = set(features.get("problems", ()))
        for prop, value in features.items():
            if prop in types and value is not None:
                yield Statement(
                    prop, _typed(types[prop], value), mention.trust, mention.run_id, prop not in problems
                )


def _golden_values(
    store: GraphStore,
    state: StateStore,
    node: NodeType,
    survivors: set[str] | None,
    run_id: str,
    merged_into: set[str],
    computed: list[list[GoldenRow]] | None = None,
    conflicts: dict[str, dict[str, Any]] | None = None,
) -> int:
    """Recompute the golden values of ``survivors`` (None: every entity of the type) and write
    those that changed; file conflicts on strong attributes. ``computed``/``conflicts``: the
    batches :func:`_golden_batches` already gave for them."""
    conflicts = {} if conflicts is None else conflicts
    batches = (
        _golden_batches(state, node, survivors, merged_into, conflicts) if computed is None else computed
    )
    for updates in batches:
        _write_changed(store, node.name, updates)
    return state.open_review_items("conflict", run_id, conflicts)


def _golden_batches(
    state: StateStore,
    node: NodeType,
    survivors: set[str] | None,
    merged_into: set[str],
    conflicts: dict[str, dict[str, Any]],
) -> Iterator[list[GoldenRow]]:
    """The golden values of ``survivors`` in batches, streaming one entity's mentions at a time;
    conflicts on strong attributes are added to ``conflicts``.

    Over every entity, one whose mentions agree on every property is left out: the sync wrote
    those values already. Entities merged into always are in (the merged-away node's values
    went with it)."""
    types = {p.name: p.type for p in node.properties}
    strong = {p.name for p in node.properties if p.strong}
    rules = {p.name: tuple(r.value for r in p.survivorship) for p in node.properties}
    updates: list[GoldenRow] = []
    if survivors is not None and not survivors:
        return
    for entity, group in state.mention_groups(node.name, survivors):
        statements = list(_statements(group, types))
        if survivors is None and entity not in merged_into and _agree(statements):
            continue
        golden = golden_record(statements, strong, rules)  # type: ignore[arg-type]
        updates.append((entity, golden.values))
        for conflict in golden.conflicts:
            conflicts[f"conflict:{entity}:{conflict.prop}"] = {
                "entity_type": node.name, "entity_id": entity, "property": conflict.prop,
                "values": [str(v) for v in conflict.values],
            }  # fmt: skip
        if len(updates) >= GOLDEN_BATCH:
            yield updates
            updates = []
    if updates:
        yield updates


def _write_changed(store: GraphStore, label: str, updates: list[GoldenRow]) -> None:
    """Write the golden values that differ from the node's. Mostly none do (a new mention
    that agrees with its entity), and on ladybug every column written costs a rewrite of the
    table's node groups at checkpoint (0.8 s for 3,780 unchanged persons at a million)."""
    key = store.schema.id_property
    current = store.get_nodes(label, [entity for entity, _ in updates])
    changed, missing = [], []
    for entity, golden in updates:
        node = current.get(entity)
        stored = node.properties if node is not None else {}
        values = {p: v for p, v in golden.items() if v is not None and stored.get(p) != v}
        if node is None:
            missing.append({key: entity, **values})
        elif values:
            changed.append({key: entity, **values})
    if changed:
        store.update_nodes(label, changed)
    if missing:
        store.upsert_nodes(label, missing)


def _agree(statements: list[Statement]) -> bool:
    """Whether no property has two different values among the statements."""
    seen: dict[str, Any] = {}
    for statement in statements:
        if seen.setdefault(statement.prop, statement.value) != statement.value:
            return False
    return True


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
    position: pd.Index,
    entity_ids: Objects,
    merges: dict[str, str],
    run_id: str,
) -> int:
    items = {}
    if review.empty:
        return 0
    lefts = entity_ids[position.get_indexer(pd.Index(review["id_l"]))]
    rights = entity_ids[position.get_indexer(pd.Index(review["id_r"]))]
    for pair, left, right in zip(review.itertuples(index=False), lefts, rights, strict=True):
        left, right = merges.get(left, left), merges.get(right, right)
        if left == right:
            continue
        a, b = sorted((left, right))
        items[f"merge:{a}:{b}"] = {
            "entity_type": node.name, "left": a, "right": b, "probability": float(str(pair.probability)),
            "mentions": [str(pair.id_l), str(pair.id_r)],
        }  # fmt: skip
    return state.open_review_items("merge", run_id, items)


def resolve_entities(
    store: GraphStore, state: StateStore, run_id: str, cache_dir: Path | None = None, full: bool = False
) -> list[TypeReport]:
    """The resolution pass over every type with a resolver (``full``: re-cluster everyone and
    refit the models, as after changing a linking spec)."""
    reports = []
    for node in store.schema.node_types:
        if node.resolver:
            started = perf_counter()
            report = resolve_type(store, state, node, run_id, cache_dir=cache_dir, full=full)
            report.seconds["total"] = round(perf_counter() - started, 3)
            reports.append(report)
    return reports
