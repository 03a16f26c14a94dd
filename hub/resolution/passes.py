"""The resolution pass: which mentions of a type are clustered, and how.

Over every type with a resolver (:func:`resolve_entities`), or one type (:func:`resolve_type`):
when few mentions changed, the new and changed ones are linked against the others under the saved
model (incremental; from the columnar snapshot, only those sharing a blocking key with them);
when many did, or a linking spec changed, all of them are clustered again and the model refitted
(full); for a steward's judgement, only the mentions of the entities judged (entities).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from time import perf_counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph_schema import NodeType
from hub.resolution.clustering import Clustering, TypePass, cluster_and_apply
from hub.resolution.engines import Dedupe
from hub.resolution.features import mention_frame, prepared_token_lists, token_lists
from hub.resolution.golden import golden_values
from hub.resolution.report import TypeReport
from hub.resolution.snapshot import (
    FEATURE,
    Snapshot,
    appendable,
    drop_snapshot,
    load_snapshot,
    needs_compaction,
    snapshot_path,
    to_table,
    write_delta,
    write_snapshot,
)
from hub.resolution.snapshot_rows import (
    candidates,
    compacted,
    concat,
    distinct_entities,
    entity_sizes,
    live_rows,
    remap_entities,
    removed,
    to_columns,
)
from hub.state import StateStore
from hub.state.mentions import MentionColumns
from hub.store import GraphStore
from resolvers.linking import FSModel, LinkSpec, dedupe
from resolvers.linking.feature_columns import feature_keys
from resolvers.linking.frame import prepare
from resolvers.linking.prefilter import batch_keys, candidate_mask, rule_columns
from resolvers.linking.presets import get_spec

# Up to this share of changed mentions, a run matches them against the rest (incremental);
# beyond it, the whole population is clustered again and the model refitted.
INCREMENTAL_SHARE = 0.2


def resolve_entities(
    store: GraphStore,
    state: StateStore,
    run_id: str,
    cache_dir: Path | None = None,
    full: bool = False,
    redo: Collection[str] = (),
    full_dedupe: Dedupe = dedupe,
) -> list[TypeReport]:
    """The resolution pass over every type with a resolver (``full``: re-cluster everyone and
    refit the models, as after changing a linking spec). ``redo``: the types whose full
    clustering an interrupted pass left half done, clustered in full again with every golden
    value recomputed. Each type's end is recorded as it comes (see StateStore.finish_type_pass).
    ``full_dedupe``: what clusters a type in full (see hub.resolution.engines)."""
    reports = []
    for node in store.schema.node_types:
        if node.resolver:
            started = perf_counter()
            again = node.name in redo
            report = resolve_type(
                store,
                state,
                node,
                run_id,
                cache_dir=cache_dir,
                full=full or again,
                redo=again,
                full_dedupe=full_dedupe,
            )
            report.seconds["total"] = round(perf_counter() - started, 3)
            state.finish_type_pass(node.name, run_id)
            reports.append(report)
    return reports


def resolve_type(
    store: GraphStore,
    state: StateStore,
    node: NodeType,
    run_id: str,
    entities: Collection[str] | None = None,
    cache_dir: Path | None = None,
    full: bool = False,
    redo: bool = False,
    full_dedupe: Dedupe = dedupe,
) -> TypeReport:
    """Resolve the type's mentions: new and changed ones against everyone when few changed
    (incremental), all of them otherwise, or only those of ``entities`` under the saved model
    (what a steward's judgement about them needs). ``cache_dir`` keeps the columnar snapshot
    that makes the incremental pass read only candidates. ``redo`` (with ``full``): a full
    clustering an interrupted pass left half done, so every golden value is recomputed."""
    assert node.resolver is not None
    spec = get_spec(node.resolver)
    run = TypePass(store, state, node, spec, run_id)
    keys = feature_keys(spec)
    saved = _fitting_model(state.model(node.name), spec)
    path = snapshot_path(cache_dir, node.name) if cache_dir is not None else None
    if entities is not None:
        if saved is None:
            return TypeReport(node.name)
        mentions = state.mention_columns(node.name, keys, entities)
        state.begin_targeted_pass(node.name, run_id)
        report, merges = cluster_and_apply(run, Clustering(mentions, "entities", entities, saved))
        if path is not None and report.split:
            drop_snapshot(path)  # mentions moved one by one: rebuilt at the next pass
        elif merges and path is not None and (snap := load_snapshot(path, keys)) is not None:
            # One compacted base, with the ids merged since the base (these merges too) replaced.
            table = compacted(snap, state.aliases_after(snap.base_run))
            write_snapshot(path, table, keys, snap.run_id, snap.mark)
        state.end_targeted_pass(node.name)
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
            return _incremental(run, saved, snap, batch, (path, keys, mark, touched, gone))
    mark = state.mention_changes_mark()
    mentions = state.mention_columns(node.name, keys)
    # Without a snapshot, what is new is what was written after the saved model's pass.
    since = state.model_run(node.name) or ""
    changed = mentions.run_ids > since if saved is not None else np.ones(len(mentions), dtype=bool)
    incremental = not full and saved is not None and changed.sum() <= INCREMENTAL_SHARE * len(mentions)
    work = Clustering(
        mentions,
        "incremental" if incremental else "full",
        set(mentions.entity_ids[changed]),
        saved if incremental else None,
        changed if incremental else None,
        recompute=redo,
        # Only a full clustering may run elsewhere: an incremental one stays in process.
        dedupe=dedupe if incremental else full_dedupe,
    )
    if not incremental:
        # From here the model, the entities and the snapshot change: killed before the type is
        # finished, the next pass must cluster it in full again (see hub.sync.owed_resolution).
        state.begin_full_pass(node.name, run_id)
    report, merges = cluster_and_apply(run, work)
    if path is not None and len(mentions):
        table = to_table(
            mentions,
            np.array([merges.get(e, e) for e in mentions.entity_ids], dtype=object),
            token_lists(mentions, spec),
        )
        if table is not None:
            write_snapshot(path, table, keys, run_id, mark)
    return report


def _incremental(
    run: TypePass,
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
    state, spec, run_id = run.state, run.spec, run.run_id
    # Entity ids as of the pass that wrote each part: merges since the base left aliases.
    aliases = state.aliases_after(snap.base_run)
    rows = live_rows(gone)
    losing = _left_behind(snap, gone, aliases)
    if len(batch):
        frame = mention_frame(batch, spec)
        prepared, _ = prepare(frame, spec.model_copy(update={"id_column": None}))
        mask, oversized = candidate_mask(
            snap.table, rule_columns(spec, prefix=FEATURE), batch_keys(prepared, spec), gone
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
            work = Clustering(
                population, "incremental", set(batch.entity_ids) | losing, saved, in_batch, sizes, oversized
            )
            report, merges = cluster_and_apply(run, work)
        added = to_table(batch, lists=prepared_token_lists(prepared, spec))
        entities_before = counted.result()
    else:
        report, merges = TypeReport(run.node.name), {}
        added = snap.table.schema.empty_table()
        entities_before = distinct_entities(snap.table, gone, aliases, batch.entity_ids)
        if losing:
            report.conflicts_opened = golden_values(run.store, state, run.node, losing, run_id, set())
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


def _fitting_model(saved: str | None, spec: LinkSpec) -> str | None:
    """The saved model, unless the spec's fields or their levels changed since it was fitted (a
    comparator's new level would index past its weights): then the pass refits, as a full one."""
    if saved is None:
        return None
    fields = [(f.name, f.level_descriptions()) for f in spec.fields]
    return saved if FSModel.from_json(saved).compares_like(fields) else None
