"""Linking end to end: block, compare, fit (unless given a model), score, cluster.

``dedupe`` finds the mentions of one table that denote one entity; ``link`` pairs the records
of two tables. Steward judgements enter ``dedupe`` as must-links ("same") and cannot-links
("different"): they override the scores, refine the model, and are never merged through.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from time import perf_counter
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.linking.arrays import Ints, isin_sorted, sorted_unique
from resolvers.linking.blocking import BlockingDiagnostics, CandidatePairs, block_dedupe, block_link
from resolvers.linking.cluster import cluster
from resolvers.linking.compare import (
    PreparedFields,
    compare_pairs,
    deciding_rules,
    exclusive_keys,
    key_verdicts,
    level_sizes,
    prepare_fields,
)
from resolvers.linking.derive import reusing
from resolvers.linking.frame import prepare
from resolvers.linking.learning import fit_thresholds, pattern_sizes_among, thresholds
from resolvers.linking.model import FSModel, LevelMatrix
from resolvers.linking.scoring import Floats, TermAdjustment, score_frame, term_adjustments, total_weights
from resolvers.linking.spec import LinkSpec
from resolvers.linking.training import (
    CandidatePatterns,
    candidate_patterns,
    train_patterns,
    with_term_frequencies,
)

IdPairs = Iterable[tuple[object, object]]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class LinkResult:
    spec: LinkSpec
    model: FSModel
    # Scored pairs at or above the lower threshold (every candidate with keep_all): id_l, id_r,
    # weight, probability, w_prior, and per field gamma_<field> (level) and w_<field> (weight);
    # w_prior plus the w_ columns is the weight. decision: merge, review or apart; key_match: a key
    # or decision rule made the pair a match; rule: the decision rule that decided it, if any.
    pairs: pd.DataFrame
    clusters: pd.Series  # mention id (link: (side, id)) → cluster number
    blocking: BlockingDiagnostics
    candidate_pairs: int
    timings: Mapping[str, float] = field(default_factory=dict)
    conflicts: pd.DataFrame = field(default_factory=pd.DataFrame)  # must-links a cannot-link refused

    @property
    def matches(self) -> pd.DataFrame:
        return self.pairs[self.pairs["decision"] == "merge"]

    @property
    def review(self) -> pd.DataFrame:
        """Pairs between the thresholds, and pairs above the upper one that a cannot-link kept apart."""
        return self.pairs[self.pairs["decision"] == "review"]


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = perf_counter()

    def lap(self, name: str) -> None:
        now = perf_counter()
        self.timings[name] = round(now - self._last, 4)
        self._last = now


def _positions(ids: pd.Index, pairs: IdPairs) -> tuple[Ints, Ints]:
    """Record positions of judged pairs; a pair naming a mention not in this batch is ignored."""
    listed = list(pairs)
    if not listed:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a = ids.get_indexer(pd.Index([p[0] for p in listed]))
    b = ids.get_indexer(pd.Index([p[1] for p in listed]))
    keep = (a >= 0) & (b >= 0) & (a != b)
    return np.minimum(a, b)[keep].astype(np.int64), np.maximum(a, b)[keep].astype(np.int64)


NO_PAIRS: tuple[Ints, Ints] = (np.zeros(0, np.int64), np.zeros(0, np.int64))


@dataclass(frozen=True)
class _Judged:
    """Steward judgements in the coordinates each step needs.

    ``same``/``different`` index the left and right frames (for training); ``must``/``cannot``
    index the clustering's nodes (left records, then right ones in link mode); ``as_right``
    maps a left record to its position among the right ones (−1: absent), so a scored pair
    (a, b) can be checked against cannot-links given between right records.
    """

    same: tuple[Ints, Ints]
    different: tuple[Ints, Ints]
    must: tuple[Ints, Ints]
    cannot: tuple[Ints, Ints]
    cannot_right: tuple[Ints, Ints]
    as_right: Ints


def _judged_dedupe(ids: pd.Index, must_link: IdPairs, cannot_link: IdPairs) -> _Judged:
    must, cannot = _positions(ids, must_link), _positions(ids, cannot_link)
    return _Judged(must, cannot, must, cannot, cannot, np.arange(len(ids), dtype=np.int64))


def _judged_link(
    ids_left: pd.Index, ids_right: pd.Index, must_link: IdPairs, cannot_link: IdPairs
) -> _Judged:
    """Judgements name right-side records (the population a batch is matched against). A left
    record that is also on the right is tied to itself by a must-link, so a constraint on its
    right copy binds it too."""
    offset = len(ids_left)
    as_right = np.asarray(ids_right.get_indexer(ids_left), dtype=np.int64)
    both = np.flatnonzero(as_right >= 0).astype(np.int64)
    must_a, must_b = _positions(ids_right, must_link)
    cannot_a, cannot_b = _positions(ids_right, cannot_link)
    must = (
        np.concatenate((both, must_a + offset)),
        np.concatenate((as_right[both] + offset, must_b + offset)),
    )
    return _Judged(
        NO_PAIRS, NO_PAIRS, must, (cannot_a + offset, cannot_b + offset), (cannot_a, cannot_b), as_right
    )


def dedupe(
    df: pd.DataFrame,
    spec: LinkSpec,
    must_link: IdPairs = (),
    cannot_link: IdPairs = (),
    *,
    model: FSModel | None = None,
    keep_all: bool = False,
) -> LinkResult:
    """Cluster the mentions of ``df`` that denote one entity.

    ``must_link`` and ``cannot_link`` are pairs of mention ids judged "same" and "different";
    ids not in ``df`` are ignored (judgements outlive batches). ``model`` skips fitting;
    ``keep_all`` keeps every candidate pair in the result, not only those worth reviewing.
    """
    clock = _Clock()
    frame, ids = prepare(df, spec)
    clock.lap("preparing")
    candidates = block_dedupe(frame, spec.blocking, spec.max_block_size)
    clock.lap("blocking")
    with reusing(spec, frame):
        prepared = prepare_fields(spec.fields, frame, None)
    clock.lap("preparing fields")
    judged = _judged_dedupe(ids, must_link, cannot_link)
    return _resolve(spec, (frame, frame), (ids, ids), candidates, prepared, judged, model, keep_all, clock)


def dedupe_compared(
    frame: pd.DataFrame,
    ids: pd.Index,
    spec: LinkSpec,
    compared: ComparedPairs,
    must_link: IdPairs = (),
    cannot_link: IdPairs = (),
    *,
    model: FSModel | None = None,
    keep_all: bool = False,
) -> LinkResult:
    """:func:`dedupe` for candidates blocked, compared and scored elsewhere (resolvers/spark):
    ``frame`` and ``ids`` as :func:`resolvers.linking.frame.prepare` gives them, ``compared`` the
    pairs seen through their patterns and the pairs worth deciding. Fitting (on the patterns),
    deciding and clustering (on the pairs kept) are this module's own."""
    clock = _Clock()
    with reusing(spec, frame):
        prepared = prepare_fields(spec.fields, frame, None)
    clock.lap("preparing fields")
    judged = _judged_dedupe(ids, must_link, cannot_link)
    return _decide(spec, (frame, frame), (ids, ids), compared, prepared, judged, model, keep_all, clock)


def link(
    left: pd.DataFrame,
    right: pd.DataFrame,
    spec: LinkSpec,
    must_link: IdPairs = (),
    cannot_link: IdPairs = (),
    *,
    model: FSModel | None = None,
    keep_all: bool = False,
    model_frequencies: bool = False,
    oversized: Mapping[str, Collection[tuple[str, ...]]] | None = None,
) -> LinkResult:
    """Pair the records of ``left`` with those of ``right`` that denote one entity.

    ``model_frequencies``: use the term frequencies the given model was fitted with rather than
    counting them in ``left`` and ``right`` (which may be just the candidates of a batch).
    ``oversized``: per blocking rule, the keys of blocks over the cap among records not passed
    in (see :func:`block_link`).

    Judgements (``must_link``, ``cannot_link``) are pairs of ``right`` ids; a record on both
    sides (a changed mention matched against the whole population) is one node, so a
    judgement about it holds however it is reached.
    """
    clock = _Clock()
    frame_left, ids_left = prepare(left, spec)
    frame_right, ids_right = prepare(right, spec)
    clock.lap("preparing")
    candidates = block_link(frame_left, frame_right, spec.blocking, spec.max_block_size, oversized)
    keep_frequencies = model_frequencies and model is not None
    if keep_frequencies:
        frame_right, ids_right, candidates = _reached(
            frame_right, ids_right, ids_left, candidates, (*must_link, *cannot_link)
        )
    clock.lap("blocking")
    with reusing(spec, frame_left, frame_right):
        prepared = prepare_fields(spec.fields, frame_left, frame_right)
    clock.lap("preparing fields")
    judged = _judged_link(ids_left, ids_right, must_link, cannot_link)
    return _resolve(
        spec,
        (frame_left, frame_right),
        (ids_left, ids_right),
        candidates,
        prepared,
        judged,
        model,
        keep_all,
        clock,
        keep_frequencies=keep_frequencies,
    )


def _reached(
    frame: pd.DataFrame, ids: pd.Index, ids_left: pd.Index, candidates: CandidatePairs, judged: IdPairs
) -> tuple[pd.DataFrame, pd.Index, CandidatePairs]:
    """The right records a link can reach: in a candidate pair, judged, or a left record's own
    copy. The others cannot join a cluster, so preparing their fields is wasted (an incremental
    pass reads every record of the blocks its batch reaches, most of which pair with nothing).
    Only with the model's term frequencies: counted over this frame they would change."""
    judged_ids = pd.Index([i for pair in judged for i in pair[:2]])
    used = np.concatenate((candidates.right, ids.get_indexer(ids_left), ids.get_indexer(judged_ids))).astype(
        np.int64
    )
    keep = np.unique(used[used >= 0])
    if len(keep) == len(ids):
        return frame, ids, candidates
    position = np.full(len(ids), -1, dtype=np.int64)
    position[keep] = np.arange(len(keep), dtype=np.int64)
    reached = CandidatePairs(candidates.left, position[candidates.right], candidates.diagnostics)
    return frame.iloc[keep].reset_index(drop=True), ids[keep], reached


def _resolve(
    spec: LinkSpec,
    frames: tuple[pd.DataFrame, pd.DataFrame],
    ids: tuple[pd.Index, pd.Index],
    candidates: CandidatePairs,
    prepared: PreparedFields,
    judged: _Judged,
    model: FSModel | None,
    keep_all: bool,
    clock: _Clock,
    keep_frequencies: bool = False,
) -> LinkResult:
    """Compare, fit, score and cluster; the same for one table (frames identical) or two."""
    a, b = candidates.left, candidates.right
    levels = compare_pairs(prepared, a, b)
    known, known_apart = key_verdicts(spec, levels, frames[0], frames[1], a, b)
    verdicts = (known + 2 * known_apart).astype(np.int8)
    compared = InMemoryPairs(a, b, levels, verdicts, candidates.diagnostics, level_sizes(spec.fields))
    clock.lap("comparing")
    return _decide(spec, frames, ids, compared, prepared, judged, model, keep_all, clock, keep_frequencies)


@dataclass(frozen=True)
class Retained:
    """The candidate pairs worth deciding about, ascending by left, then right record (the
    order :func:`block_dedupe` gives: ties in weight are broken by it)."""

    a: Ints
    b: Ints
    levels: LevelMatrix
    verdicts: npt.NDArray[np.int8]  # key and decision rules: 0 neither, 1 same, 2 different


class ComparedPairs(Protocol):
    """Compared candidate pairs as fitting and deciding see them: in memory here, in Spark
    (resolvers/spark/engine.py) for a city. Fitting needs the patterns and their counts only;
    deciding needs the pairs at or above the lower threshold, and those a rule decides."""

    diagnostics: BlockingDiagnostics

    def patterns(self) -> CandidatePatterns: ...

    def retained(
        self, model: FSModel, adjustments: Sequence[TermAdjustment], lower: float, keep_all: bool
    ) -> Retained:
        """Pairs whose :func:`total_weights` is at least ``lower`` or that a key or decision rule
        calls the same (every pair with ``keep_all``)."""
        ...


class InMemoryPairs:
    """Candidate pairs compared in process: all of them in memory."""

    def __init__(
        self,
        a: Ints,
        b: Ints,
        levels: LevelMatrix,
        verdicts: npt.NDArray[np.int8],
        diagnostics: BlockingDiagnostics,
        sizes: Sequence[int],
    ) -> None:
        self.a, self.b, self.levels, self.verdicts = a, b, levels, verdicts
        self.diagnostics = diagnostics
        self._sizes = list(sizes)

    def patterns(self) -> CandidatePatterns:
        return candidate_patterns(self.levels, (self.a, self.b), self.verdicts, self._sizes)

    def retained(
        self, model: FSModel, adjustments: Sequence[TermAdjustment], lower: float, keep_all: bool
    ) -> Retained:
        if keep_all:
            return Retained(self.a, self.b, self.levels, self.verdicts)
        weights = total_weights(self.levels, self.a, self.b, model, adjustments)
        keep = np.flatnonzero((weights >= lower) | (self.verdicts == 1))
        return Retained(self.a[keep], self.b[keep], self.levels[keep], self.verdicts[keep])


def _decide(
    spec: LinkSpec,
    frames: tuple[pd.DataFrame, pd.DataFrame],
    ids: tuple[pd.Index, pd.Index],
    compared: ComparedPairs,
    prepared: PreparedFields,
    judged: _Judged,
    model: FSModel | None,
    keep_all: bool,
    clock: _Clock,
    keep_frequencies: bool = False,
) -> LinkResult:
    """Fit on the patterns (unless given a model), score, keep the pairs worth deciding and
    cluster. Everything after fitting reads only the retained pairs: a pair below the lower
    threshold that no rule decides is never an edge, never a review and not in the result."""
    dedupe_mode = frames[0] is frames[1]
    n_left, n_right = len(frames[0]), len(frames[1])
    must_a, must_b = judged.must
    cannot_a, cannot_b = judged.cannot
    counted = compared.patterns()
    labelled = None
    if model is None:
        same, different = compare_pairs(prepared, *judged.same), compare_pairs(prepared, *judged.different)
        model = train_patterns(
            spec,
            prepared,
            (frames[0], None if dedupe_mode else frames[1]),
            counted,
            same=same,
            different=different,
        )
        labelled = (same, different)
        clock.lap("training")
    if not keep_frequencies:
        model = with_term_frequencies(model, spec, [frames[0]] if dedupe_mode else list(frames))
    adjustments = term_adjustments(model, frames[0], frames[1])
    if labelled is not None and model.learned is not None:
        model = _learn_thresholds(spec, model, adjustments, frames, judged, labelled)
    lower, upper = thresholds(model, spec)
    kept = compared.retained(model, adjustments, lower, keep_all)
    a, b, levels = kept.a, kept.b, kept.levels
    known, known_apart = kept.verdicts == 1, kept.verdicts == 2
    weights = total_weights(levels, a, b, model, adjustments)
    clock.lap("scoring")
    # A pair stewards called different, or two valid values of an exclusive key, is never an
    # edge; must-links and key matches always are.
    apart = known_apart | _kept_apart(a, b, n_right, judged)
    edge = ((weights >= upper) | known) & ~apart
    scored_edge = edge.copy()  # before ambiguity takes some away
    offset = 0 if dedupe_mode else n_left  # the right records follow the left ones in the clustering
    keys = _steward_keys(exclusive_keys(spec, prepared, frames[0], frames[1]), must_a, must_b)
    if keys is not None:
        edge &= ~ambiguous_edges(a, b + offset, weights, edge & ~known, keys)
    edge_a = np.concatenate((must_a, a[edge]))
    edge_b = np.concatenate((must_b, b[edge] + offset))
    priority = np.concatenate((np.full(len(must_a), np.inf), np.where(known[edge], np.inf, weights[edge])))
    order = np.argsort(-priority, kind="stable")
    nodes = n_left if dedupe_mode else n_left + n_right
    clustering = cluster(nodes, edge_a, edge_b, order, cannot_a, cannot_b, keys)
    clock.lap("clustering")
    refused = np.zeros(len(weights), dtype=bool)
    refused[np.flatnonzero(edge)] = clustering.refused[len(must_a) :]
    keep = np.ones(len(weights), bool) if keep_all else (weights >= lower) | known
    pairs = _pairs_table(
        (a, b), levels, weights, keep, model, adjustments, ids, (lower, edge, refused, apart)
    )
    pairs["key_match"] = known[keep]
    # Why a pair is left to a steward (hub/resolution/reviews.py says it in words).
    why = np.full(len(weights), "", dtype=object)
    why[(weights >= lower) & (weights < upper) & ~known] = "uncertain"
    why[scored_edge & ~edge] = "ambiguous"
    why[refused] = "refused"
    pairs["why"] = why[keep]
    # Candidate pairs sharing each pair's comparison pattern (what an answer about it teaches).
    pairs["pattern_pairs"] = pattern_sizes_among(*counted.levels_only(level_sizes(spec.fields)), levels[keep])
    pairs["rule"] = _rule_column(spec, levels[keep], known[keep], known_apart[keep])
    refused_must = clustering.refused[: len(must_a)]
    node_ids = ids[0] if dedupe_mode else pd.Index(np.concatenate((ids[0], ids[1])))
    conflicts = pd.DataFrame({"id_l": node_ids[must_a[refused_must]], "id_r": node_ids[must_b[refused_must]]})
    if dedupe_mode:
        index: pd.Index = ids[0]
    else:
        sides = np.repeat(np.array(["left", "right"], dtype=object), [n_left, n_right])
        index = pd.MultiIndex.from_arrays([sides, np.asarray(node_ids)], names=["side", "id"])
    clusters = pd.Series(clustering.labels, index=index, name="cluster")
    clock.lap("results")
    return LinkResult(
        spec, model, pairs, clusters, compared.diagnostics, counted.pairs, clock.timings, conflicts
    )


def _learn_thresholds(
    spec: LinkSpec,
    model: FSModel,
    adjustments: list[TermAdjustment],
    frames: tuple[pd.DataFrame, pd.DataFrame],
    judged: _Judged,
    labelled: tuple[LevelMatrix, LevelMatrix],
) -> FSModel:
    """The model with the thresholds the labelled pairs set (see resolvers.linking.learning):
    their weights under the fitted model, those a key or decision rule decides left out."""
    scores = []
    for (la, lb), levels in zip((judged.same, judged.different), labelled, strict=True):
        decided, decided_apart = key_verdicts(spec, levels, frames[0], frames[1], la, lb)
        free = ~(decided | decided_apart)
        scores.append(total_weights(levels[free], la[free], lb[free], model, adjustments))
    lower, upper = spec.thresholds.as_weights()
    fit = fit_thresholds(scores[0], scores[1], lower, upper)
    assert model.learned is not None
    learned = replace(
        model.learned,
        labels=(len(scores[0]), len(scores[1])),
        thresholds_after=(fit.lower, fit.upper) if fit.moved else None,
        errors_before=fit.errors_before,
        errors_after=fit.errors_after,
        reason=fit.reason,
    )
    return replace(model, learned=learned)


# How close (in bits of match weight) two entities must fit one mention for it to be ambiguous.
AMBIGUITY_MARGIN = 1.0


def ambiguous_edges(a: Ints, b: Ints, weights: npt.NDArray[np.float64], scored: Bools, keys: Ints) -> Bools:
    """The ``scored`` merge edges (a[i], b[i]) of a record without an exclusive key that fits two
    different key values about equally well (within AMBIGUITY_MARGIN): twins share a birth date,
    a sex and a home, and a birth registered before the child was named fits both. Such a record
    belongs to neither for sure; its edges go to review instead of merging it with whichever
    twin scored a hair higher."""
    out = np.zeros(len(a), dtype=bool)
    ka, kb = keys[a], keys[b]
    left = scored & (ka < 0) & (kb >= 0)  # the record without a key on the left of the edge
    right = scored & (kb < 0) & (ka >= 0)
    rows = np.concatenate((np.flatnonzero(left), np.flatnonzero(right)))
    if not len(rows):
        return out
    table = pd.DataFrame(
        {
            "record": np.concatenate((a[left], b[right])),
            "key": np.concatenate((kb[left], ka[right])),
            "weight": weights[rows],
            "row": rows,
        }
    )
    best = table.groupby(["record", "key"], sort=False)["weight"].max().reset_index()
    best = best.sort_values(["record", "weight"], ascending=[True, False], kind="stable")
    rank = best.groupby("record", sort=False).cumcount().to_numpy()
    first = best[rank == 0].set_index("record")["weight"]
    second = best[rank == 1].set_index("record")["weight"]
    torn = second.index[second.to_numpy() >= first.loc[second.index].to_numpy() - AMBIGUITY_MARGIN]
    # All its scored edges: one to another record without a key (the named twin's birth record)
    # would take it to that twin all the same.
    torn_records = np.asarray(torn, dtype=np.int64)
    return scored & (np.isin(a, torn_records) | np.isin(b, torn_records))


def _rule_column(
    spec: LinkSpec, levels: LevelMatrix, known: Bools, known_apart: Bools
) -> npt.NDArray[np.object_]:
    """The decision rule that decided each pair ("" where a key or the score did)."""
    names = deciding_rules(spec, levels)
    if not spec.rules:
        return names
    decision = {r.name: r.decision for r in spec.rules}
    same = np.asarray([decision.get(n) == "same" for n in names], dtype=bool)
    different = np.asarray([decision.get(n) == "different" for n in names], dtype=bool)
    names[~((same & known) | (different & known_apart))] = ""
    return names


def _steward_keys(keys: Ints | None, must_a: Ints, must_b: Ints) -> Ints | None:
    """A steward's "same" outranks an exclusive key: of two must-linked records with different
    valid identifiers, the second takes the first's key (its identifier is the wrong one), so
    the pair can merge while everyone holding the other identifier stays apart.

    Taken in the judgements' order, a record takes a key with every record a "same" already tied
    it to, and records tied by an earlier "same" keep theirs: a later "same" re-keying one
    record alone would set it apart from what an earlier one joined it to, and the earlier
    judgement, not the later, would then be refused (by the order of the records' ids)."""
    if keys is None or len(must_a) == 0:
        return keys
    keys = keys.copy()
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}  # root → the records tied to it
    key: dict[int, int] = {}  # root → its group's key (−1: none)
    tied: dict[int, int] = {}  # root → the first judgement that tied its group (lone records: none)

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for turn, (x, y) in enumerate(zip(must_a.tolist(), must_b.tolist(), strict=True)):
        rx, ry = find(x), find(y)
        if rx == ry:
            continue
        # The group an earlier judgement made keeps its key; of two lone records, the first's.
        if tied.get(ry, turn) < tied.get(rx, turn):
            rx, ry = ry, rx
        key_x, key_y = key.get(rx, int(keys[rx])), key.pop(ry, int(keys[ry]))
        moved = members.pop(ry, [ry])
        if key_x >= 0 and key_y >= 0 and key_x != key_y:
            keyed = [m for m in moved if keys[m] >= 0]  # a record without an identifier gets none
            keys[keyed] = key_x
        key[rx] = key_x if key_x >= 0 else key_y
        parent[ry] = rx
        members[rx] = members.get(rx, [rx]) + moved
        tied[rx] = min(tied.get(rx, turn), tied.pop(ry, turn), turn)
    return keys


def _kept_apart(a: Ints, b: Ints, n_right: int, judged: _Judged) -> Bools:
    """Scored pairs a steward called different (in either order)."""
    cannot_a, cannot_b = judged.cannot_right
    if len(cannot_a) == 0:
        return np.zeros(len(a), dtype=bool)
    keys = sorted_unique(np.concatenate((cannot_a * n_right + cannot_b, cannot_b * n_right + cannot_a)))
    left = judged.as_right[a]
    return (left >= 0) & isin_sorted(np.where(left >= 0, left, 0) * n_right + b, keys)


def _pairs_table(
    candidates: tuple[Ints, Ints],
    levels: LevelMatrix,
    weights: Floats,
    keep: Bools,
    model: FSModel,
    adjustments: list[TermAdjustment],
    ids: tuple[pd.Index, pd.Index],
    decisions: tuple[float, Bools, Bools, Bools],
) -> pd.DataFrame:
    """The kept pairs scored, with their decision: merge (an accepted edge), review (between the
    thresholds, or above the upper one but refused by a cannot-link), or apart (below the lower
    threshold, or decided apart by a steward or an exclusive key)."""
    lower, edge, refused, apart = decisions
    rows = np.flatnonzero(keep)
    table = score_frame(levels[rows], candidates[0][rows], candidates[1][rows], model, adjustments, *ids)
    decision = np.where(weights[rows] >= lower, "review", "apart").astype(object)
    decision[edge[rows] & ~refused[rows]] = "merge"
    decision[apart[rows]] = "apart"
    table["decision"] = decision
    return table
