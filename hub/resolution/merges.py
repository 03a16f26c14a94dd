"""What a clustering changes about entities: which entities merge (and which id survives), which
mentions leave their entity (a split), and the splits applied to the graph and the state.

Entity ids stay stable: a cluster keeps the id most of its mentions already carry (see
:func:`choose_merges`), and every id merged away leaves an alias to the survivor.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd
import structlog

from graph_schema import NodeType
from hub.state import StateStore
from hub.state.mentions import SEP, Objects
from hub.store import GraphStore, MentionMove
from resolvers.ids import record_node_id, split_entity_id

log = structlog.get_logger(__name__)


def _ownership(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mentions per (entity, cluster), and the cluster each entity belongs to: the one holding
    most of its mentions (ties: the lowest cluster number)."""
    counts = table.groupby(["entity", "cluster"], sort=True).size().rename("n").reset_index()
    owned = counts.sort_values(["entity", "n", "cluster"], ascending=[True, False, True])
    return counts, owned.drop_duplicates("entity", keep="first")


def choose_merges(
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


def find_splits(
    clusters: npt.NDArray[np.int64],
    entity_of: Objects,
    ids: Objects,
    merges: Mapping[str, str],
    node: NodeType,
) -> list[tuple[str, str, str]]:
    """(mention id, entity it is in now, entity it goes to) for mentions whose cluster is not
    their entity's: they join the entity that cluster belongs to, or a new one when it belongs
    to none (a split). With the ownership rule of ``choose_merges``, every entity keeps the cluster
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
            target = split_entity_id(node.id_prefix, node.name, str(members["id"].min()))
        for mention, entity in zip(members["id"], members["entity"], strict=True):
            now = merges.get(str(entity), str(entity))
            if now != target:
                moves.append((str(mention), now, target))
    return moves


def apply_splits(
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


def finish_graph_merges(store: GraphStore, state: StateStore, run_id: str) -> int:
    """Make in the graph the merges that run ``run_id`` (a pass that was interrupted) recorded in
    the state; returns how many nodes were still to fold.

    A pass folds the graph's nodes beside the state's reassignment of their mentions (see
    cluster_and_apply), so a pass killed there can leave the state saying the entities merged
    while the graph still holds the merged-away nodes; the next pass, reading the state, finds
    nothing left to merge. Folding is idempotent: a node folded already is not found again."""
    merges = state.aliases_of_run(run_id)
    if not merges:
        return 0
    folded = 0
    for node in store.schema.node_types:
        if node.resolver:
            left = store.existing_ids(node.name, list(merges))
            if left:
                folded += store.merge_nodes(node.name, {old: merges[old] for old in sorted(left)})
    if folded:
        log.warning("graph merges of an interrupted pass made", run_id=run_id, folded=folded)
    return folded
