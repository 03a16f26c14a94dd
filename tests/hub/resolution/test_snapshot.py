"""The incremental pass from the columnar mention snapshot decides exactly as one that reads every
mention from the state database, and the snapshot (base and deltas) stays equal to the mention
table."""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.export.crosswalk import crosswalk
from hub.resolution import clustering, golden, passes, snapshot
from hub.resolution.snapshot import (
    Part,
    Snapshot,
    delta_path,
    drop_snapshot,
    load_snapshot,
    needs_compaction,
    snapshot_path,
    write_delta,
    write_snapshot,
)
from hub.resolution.snapshot_rows import (
    candidates,
    compacted,
    distinct_entities,
    entity_sizes,
    remap_entities,
    removed,
)
from hub.review import judge
from hub.settings import Settings
from hub.state import StateStore, Verdict
from hub.state.mentions import SEP
from hub.store import open_store
from hub.sync import sync_sources
from resolvers.linking import LinkSpec, person_spec
from resolvers.linking import presets as presets_module
from resolvers.linking.feature_columns import feature_keys
from resolvers.linking.prefilter import candidate_mask
from resolvers.linking.presets import get_spec
from resolvers.survivorship import golden_record

sys.path.insert(0, str(Path(__file__).parents[3] / "bench"))
from sync import change_one_percent  # the benchmark's own 1% change

PERSON_KEYS = feature_keys(get_spec("person"))


def _add_unnumbered_copies(demo: Path, count: int) -> dict[str, str]:
    """Re-register ``count`` residents under new record ids, without identity numbers and with
    a reformatted phone: new mentions only fuzzy matching can put with their person."""
    path = demo / "population.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    copies = []
    for i, row in enumerate(rows[:count]):
        copy = dict(row)
        copy["人员编号"] = f"RKX{i:08d}"
        copy["公民身份号码"] = ""
        copies.append(copy)
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=fields).writerows(copies)
    return {c["人员编号"]: r["人员编号"] for c, r in zip(copies, rows, strict=False)}


def _add_unregistered_companies(demo: Path, count: int) -> None:
    """Re-file ``count`` companies under new record ids without their credit code: new
    LegalEntity mentions only the fuzzy pass (name n-grams, representative) can place."""
    path = demo / "business_registry.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    copies = [
        {**row, "记录编号": f"QYX{i:08d}", "统一社会信用代码": "", "注册号": ""}
        for i, row in enumerate(rows[:count])
    ]
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0])).writerows(copies)


def _second_sync(
    root: Path, keep_snapshot: bool
) -> tuple[dict[tuple[str, str, str], str], dict[str, object]]:
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=512)
    if not keep_snapshot:
        for path in (root / "cache").glob("mentions-*.arrow"):
            path.unlink()
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        report = sync_sources(store, state, demo_sources(store.schema), settings)
        person = next(r for r in report.resolution if r["entity_type"] == "Person")
        walk = {row[:3]: row[4] for row in crosswalk(store) if row[3] in ("Person", "LegalEntity")}
        if keep_snapshot:
            snap = _snapshot_equals_state(root, state)
            assert len(snap.parts) == 2  # the incremental pass appended a delta
    return walk, person


def _snapshot_equals_state(root: Path, state: StateStore) -> Snapshot:
    """The Person snapshot, checked to hold the mention table: every current mention once, in
    its current version (run), with its entity (merges since the base read from the aliases)."""
    snap = load_snapshot(snapshot_path(root / "cache", "Person"), PERSON_KEYS)
    assert snap is not None
    table = compacted(snap, state.aliases_after(snap.base_run))
    columns = state.mention_columns("Person", [])
    in_state = dict(zip(columns.ids, zip(columns.entity_ids, columns.run_ids, strict=True), strict=True))
    ids = table["id"].to_pylist()
    assert len(ids) == len(set(ids))
    in_snapshot = dict(
        zip(ids, zip(table["entity_id"].to_pylist(), table["run_id"].to_pylist(), strict=True), strict=True)
    )
    assert in_snapshot == in_state  # the snapshot caught up, merges included
    return snap


def _low_caps() -> LinkSpec:
    """The person spec with block caps so low that the demo's blocks go over them."""
    spec = person_spec()
    rules = tuple(
        r.model_copy(update={"max_block_size": 2 if r.max_block_size else None}) for r in spec.blocking
    )
    return spec.model_copy(update={"blocking": rules, "max_block_size": 4})


@pytest.mark.integration
@pytest.mark.parametrize("low_caps", [False, True])
def test_snapshot_pass_decides_like_the_full_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, low_caps: bool
) -> None:
    """The incremental pass reads only the snapshot rows its batch reaches (less the blocks
    over a cap) and decides as one that reads every mention from the state database."""
    told: list[dict[str, set[tuple[str, ...]]]] = []
    if low_caps:
        monkeypatch.setitem(presets_module.PRESETS, "person", _low_caps)
        mask = passes.candidate_mask

        def spying(*args: Any) -> Any:
            found = mask(*args)
            told.append(found[1])
            return found

        monkeypatch.setattr(passes, "candidate_mask", spying)
    first = tmp_path / "a"
    generate_district(first / "demo", persons=700, seed=4)
    settings = Settings(data_dir=first, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    assert snapshot_path(first / "cache", "Person").exists()
    copies = _add_unnumbered_copies(first / "demo", 25)
    _add_unregistered_companies(first / "demo", 10)
    second = tmp_path / "b"
    shutil.copytree(first, second)

    with_snapshot, report = _second_sync(first, keep_snapshot=True)
    from_state, read_all = _second_sync(second, keep_snapshot=False)
    assert with_snapshot == from_state
    assert report["candidate_pairs"] == read_all["candidate_pairs"]  # the same blocks, skipped or not
    assert report["merged"] > 0
    if low_caps:
        assert any(told), "no block went over its cap: the test shows nothing"
        return
    # Most copies joined the entity of the record they copy.
    joined = sum(
        with_snapshot.get(("population", copy, "self")) == with_snapshot.get(("population", original, "self"))
        for copy, original in copies.items()
        if ("population", original, "self") in with_snapshot
    )
    assert joined >= 0.8 * len(copies)


def test_candidate_mask_keeps_whole_blocks_and_snapshot_edits() -> None:
    sep = "\x1f"
    table = pa.table(
        {
            "id": ["s\x1f1\x1fself", "s\x1f2\x1fself", "s\x1f3\x1fself", "t\x1f1\x1fself"],
            "record": ["s\x1f1", "s\x1f2", "s\x1f3", "t\x1f1"],
            "entity_id": ["P-1", "P-2", "P-3", "P-1"],
            "f:~name_pinyin": ["zhangwei", "zhangwei", "lina", None],
            "f:~birth_key": ["19800101", "19900101", "19800101", "19800101"],
        }
    )
    rules = [("name", ["f:~name_pinyin"], 10), ("name+birth", ["f:~name_pinyin", "f:~birth_key"], 10)]
    mask, oversized = candidate_mask(table, rules, {"name": [], "name+birth": [f"lina{sep}19800101"]})
    assert mask is not None
    assert mask.to_pylist() == [False, False, True, False]
    assert oversized == {}
    mask, _ = candidate_mask(table, rules, {"name": ["zhangwei"]})
    assert mask is not None
    assert mask.to_pylist() == [True, True, False, False]
    assert candidate_mask(table, [("tokens", ["f:~name_tokens"], 10)], {"tokens": ["ab"]}) == (None, {})
    # A token list (company-name n-grams): a row is in the block of each of its tokens.
    tokens = pa.chunked_array(
        [
            pa.array([["福田", "田贸"], None], pa.list_(pa.string())),
            pa.array([["贸易"], ["福田"]], pa.list_(pa.string())),
        ]
    )
    with_tokens = table.append_column("f:~name_tokens", tokens)
    mask, _ = candidate_mask(with_tokens, [("tokens", ["f:~name_tokens"], 10)], {"tokens": ["福田"]})
    assert mask is not None
    assert mask.to_pylist() == [True, False, False, True]
    snap = Snapshot(table, "r1", 0, "r1", "base", (Part(table.num_rows),))
    gone = removed(snap, {"s\x1f2"}, np.array(["t\x1f1\x1fself"], dtype=object))
    assert gone.to_pylist() == [False, True, False, True]
    assert candidates(snap, None, gone)["id"].to_pylist() == ["s\x1f1\x1fself", "s\x1f3\x1fself"]
    remapped = remap_entities(table, {"P-1": "P-3"})
    assert remapped["entity_id"].to_pylist() == ["P-3", "P-2", "P-3", "P-3"]


def _part(run_id: str, *rows: tuple[str, str, str]) -> pa.Table:
    """Snapshot rows of (record, entity id, name pinyin), all of role "self", written by ``run_id``."""
    return pa.table(
        {
            "id": pa.array([f"{record}{SEP}self" for record, _, _ in rows], pa.string()),
            "record": pa.array([record for record, _, _ in rows], pa.string()),
            "entity_id": pa.array([entity for _, entity, _ in rows], pa.string()),
            "run_id": pa.array([run_id] * len(rows), pa.string()),
            "trust": pa.array([50] * len(rows), pa.int64()),
            "f:~name_pinyin": pa.array([name for _, _, name in rows], pa.string()),
        }
    )


def _loaded(path: Path) -> Snapshot:
    snap = load_snapshot(path, ["~name_pinyin"])
    assert snap is not None
    return snap


def _ids(table: pa.Table) -> list[tuple[str, str]]:
    return list(zip(table["id"].to_pylist(), table["run_id"].to_pylist(), strict=True))


def test_deltas_append_and_rows_removed_never_come_back(tmp_path: Path) -> None:
    path = snapshot_path(tmp_path, "Person")
    one, two, three = f"s{SEP}1", f"s{SEP}2", f"s{SEP}3"
    base = _part("r1", (one, "P-1", "zhangwei"), (two, "P-2", "zhangwei"), (three, "P-3", "lina"))
    write_snapshot(path, base, ["~name_pinyin"], "r1", 5)
    written = path.read_bytes()
    # Pass r2: record 2 was rewritten (same name), record 3 retired; 2's new row is the delta.
    write_delta(
        path, _loaded(path), _part("r2", (two, "P-2", "zhangwei")), "r2", 7, {two, three}, [f"{two}{SEP}self"]
    )
    assert path.read_bytes() == written  # the base is not rewritten
    assert delta_path(path, 1).exists()

    snap = _loaded(path)
    assert (snap.run_id, snap.mark, snap.base_run, len(snap.parts)) == ("r2", 7, "r1", 2)
    assert snap.table.num_rows == 4  # base and delta as they are: nothing dropped on load
    gone = removed(snap)
    assert gone.to_pylist() == [False, True, True, False]
    rules = [("name", ["f:~name_pinyin"], 10)]
    # The old rows of 2 and 3 are in the blocks reached, yet only the current row of 2 comes back.
    mask, _ = candidate_mask(snap.table, rules, {"name": ["zhangwei", "lina"]})
    assert mask is not None
    assert mask.to_pylist() == [True, True, True, True]
    assert _ids(candidates(snap, mask, gone)) == [(f"{one}{SEP}self", "r1"), (f"{two}{SEP}self", "r2")]
    # Removed by the pass now running (1 rewritten again): gone from the base and the delta alike.
    now = removed(snap, {two}, [f"{one}{SEP}self"])
    assert now.to_pylist() == [True, True, True, True]
    assert candidates(snap, mask, now).num_rows == 0

    # Pass r3 merged P-2 into P-1 and appends nothing: its removals still hold for older parts.
    write_delta(path, snap, _part("r3"), "r3", 9, {one}, [])
    snap = _loaded(path)
    assert (snap.run_id, snap.mark, len(snap.parts)) == ("r3", 9, 3)
    gone = removed(snap)
    assert gone.to_pylist() == [True, True, True, False]
    aliases = {"P-2": "P-1"}
    table = compacted(snap, aliases)
    assert table["entity_id"].to_pylist() == ["P-1"]
    assert table["run_id"].to_pylist() == ["r2"]
    extra = np.array(["P-1", "P-9"], dtype=object)
    sizes = entity_sizes(snap.table, gone, aliases, extra, {"P-1"})
    assert sizes.to_dict() == {"P-1": 2}
    assert distinct_entities(snap.table, gone, aliases, extra) == 2
    assert distinct_entities(snap.table, removed(snap, {two}), aliases, extra) == 2  # P-1 (extra), P-9


def test_a_delta_that_does_not_follow_on_makes_the_snapshot_unreadable(tmp_path: Path) -> None:
    path = snapshot_path(tmp_path, "Person")
    write_snapshot(path, _part("r1", (f"s{SEP}1", "P-1", "a")), ["~name_pinyin"], "r1", 1)
    for n, run in enumerate(("r2", "r3", "r4"), start=2):
        write_delta(path, _loaded(path), _part(run, (f"s{SEP}{n}", f"P-{n}", "a")), run, n, [], [])
    assert len(_loaded(path).parts) == 4
    kept = {n: delta_path(path, n).read_bytes() for n in (1, 2, 3)}

    delta_path(path, 2).unlink()  # delta 3's predecessor is missing
    assert load_snapshot(path, ["~name_pinyin"]) is None
    delta_path(path, 2).write_bytes(b"not an arrow file")
    assert load_snapshot(path, ["~name_pinyin"]) is None
    delta_path(path, 2).write_bytes(kept[2])
    assert len(_loaded(path).parts) == 4

    # A new base deletes its predecessor's deltas; one left behind (a crash in between) is of
    # another base: ignored, and never taken for a delta of the new one.
    write_snapshot(path, _part("r5", (f"s{SEP}9", "P-9", "b")), ["~name_pinyin"], "r5", 5)
    assert not any(delta_path(path, n).exists() for n in (1, 2, 3))
    delta_path(path, 1).write_bytes(kept[1])
    delta_path(path, 3).write_bytes(kept[3])
    snap = _loaded(path)
    assert (snap.run_id, len(snap.parts), snap.table["id"].to_pylist()) == ("r5", 1, [f"s{SEP}9{SEP}self"])
    write_delta(path, snap, _part("r6", (f"s{SEP}8", "P-8", "b")), "r6", 6, [], [])
    assert not delta_path(path, 3).exists()  # would not follow on from the new delta 1
    snap = _loaded(path)
    assert (snap.run_id, snap.table["id"].to_pylist()) == ("r6", [f"s{SEP}9{SEP}self", f"s{SEP}8{SEP}self"])

    drop_snapshot(path)
    assert not path.exists()
    assert not delta_path(path, 1).exists()
    assert load_snapshot(path, ["~name_pinyin"]) is None


def test_compaction_once_deltas_are_large_or_many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = snapshot_path(tmp_path, "Person")
    rows = [(f"s{SEP}{i}", f"P-{i}", "a") for i in range(100)]
    write_snapshot(path, _part("r0", *rows), ["~name_pinyin"], "r0", 0)
    assert not needs_compaction(_loaded(path), 5)  # 5% of the base
    assert needs_compaction(_loaded(path), 6)
    write_delta(path, _loaded(path), _part("r1", *rows[:3]), "r1", 1, [], [])
    assert not needs_compaction(_loaded(path), 2)
    assert needs_compaction(_loaded(path), 3)
    monkeypatch.setattr(snapshot, "MAX_DELTAS", 1)
    assert needs_compaction(_loaded(path), 0)


def _copies(demo: Path, rows: list[dict[str, str]], prefix: str) -> None:
    """Append ``rows`` to the population register under new record ids, without identity numbers."""
    path = demo / "population.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        fields = list(next(csv.reader(handle)))
    copies = [{**row, "人员编号": f"{prefix}{i:08d}", "公民身份号码": ""} for i, row in enumerate(rows)]
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=fields).writerows(copies)


def _retire(demo: Path, ids: set[str]) -> None:
    """Take these residents out of the population register (a snapshot source: they retire)."""
    path = demo / "population.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if row["人员编号"] not in ids)


def _sync(root: Path) -> tuple[dict[tuple[str, str, str], str], dict[str, Any]]:
    """Sync the demo sources; the crosswalk of resolved entities and the Person report."""
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        report = sync_sources(store, state, demo_sources(store.schema), settings)
        person = next(r for r in report.resolution if r["entity_type"] == "Person")
        walk = {row[:3]: row[4] for row in crosswalk(store) if row[3] in ("Person", "LegalEntity")}
        _snapshot_equals_state(root, state)
    return walk, person


def _deltas(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "cache").glob("mentions-Person.delta-*.arrow"))


@pytest.mark.integration
def test_incremental_passes_append_deltas_and_decide_like_rewrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    generate_district(a / "demo", persons=700, seed=4)
    _sync(a)
    shutil.copytree(a, b)
    with (a / "demo" / "population.csv").open(encoding="utf-8", newline="") as handle:
        register = list(csv.DictReader(handle))
    gone = register[:6]
    # Round by round: retire six residents and copy others; copy the six (their old rows block
    # with the copies) and rewrite 1% of every source; copy the others of round 1 again (their
    # rows of the base carry entity ids that round 1 merged away: see below), rewrite 1% again.
    rounds = [
        lambda demo: (_retire(demo, {r["人员编号"] for r in gone}), _copies(demo, register[20:35], "RKA")),
        lambda demo: (_copies(demo, gone, "RKB"), change_one_percent(demo)),
        lambda demo: (_copies(demo, register[20:35], "RKC"), change_one_percent(demo)),
    ]
    retired = {f"population{SEP}{r['人员编号']}{SEP}self" for r in gone}
    populations: list[Any] = []
    original = passes.cluster_and_apply

    def spy(run: clustering.TypePass, work: clustering.Clustering) -> Any:
        if run.node.name == "Person" and work.mode == "incremental":
            now = run.state.mention_columns("Person", [])
            versions = zip(now.entity_ids, now.run_ids, strict=True)
            current = dict(zip(now.ids, versions, strict=True))
            populations.append((work.mentions, work.left, work.sizes, current))
        return original(run, work)

    original_merges = clustering.choose_merges

    def retiring_known_ids(clusters: Any, entity_of: Any, sizes: Any, run_of: Any) -> Any:
        # Round 1 keeps the smallest id of a cluster, new or known: entities of the base are
        # merged away (as a mention bridging two known entities, or a steward, would), so the
        # base carries ids that later passes must map to their survivors.
        return original_merges(clusters, entity_of, sizes, np.full(len(run_of), "", dtype=object))

    merged = 0
    for number, change in enumerate(rounds, start=1):
        change(a / "demo")
        change(b / "demo")
        if number == 2:
            snap = load_snapshot(snapshot_path(a / "cache", "Person"), PERSON_KEYS)
            assert snap is not None
            assert retired <= set(snap.table["id"].to_pylist())  # still in the base, as rows gone
        with monkeypatch.context() as patch:
            patch.setattr(passes, "cluster_and_apply", spy)
            if number == 1:
                patch.setattr(clustering, "choose_merges", retiring_known_ids)
            with_deltas, report = _sync(a)
        with monkeypatch.context() as patch:
            patch.setattr(snapshot, "MAX_DELTAS", 0)  # every pass rewrites the snapshot
            if number == 1:
                patch.setattr(clustering, "choose_merges", retiring_known_ids)
            rewritten, _ = _sync(b)
        assert with_deltas == rewritten
        assert _deltas(a) == [f"mentions-Person.delta-{n}.arrow" for n in range(1, number + 1)]
        assert _deltas(b) == []
        if number == 1:
            # The pass merged an entity of the base away; the base still carries its id.
            snap = load_snapshot(snapshot_path(a / "cache", "Person"), PERSON_KEYS)
            assert snap is not None
            with StateStore(Settings(data_dir=a).state_database_url) as state:
                aliases = state.aliases_after(snap.base_run)
            assert set(aliases) & set(snap.table["entity_id"].slice(0, snap.parts[0].rows).to_pylist())
        merged += report["merged"]
        # The pass's population: each mention once, candidates in their current version only.
        mentions, left, sizes, current = populations.pop()
        assert len(set(mentions.ids)) == len(mentions.ids)
        assert not retired & set(mentions.ids)
        # Entity ids too: merged since the base (by earlier rounds' passes), mapped to survivors.
        versions = zip(mentions.entity_ids[~left], mentions.run_ids[~left], strict=True)
        found = dict(zip(mentions.ids[~left], versions, strict=True))
        assert found
        assert {m: current.get(m) for m in found} == found
        # Counted over everyone, as they were before the pass: mentions, entities, their sizes.
        entities = pd.Series([entity for entity, _ in current.values()]).value_counts()
        assert (report["mentions"], report["entities_before"]) == (len(current), len(entities))
        assert sizes.result().sort_index().to_dict() == entities[sorted(set(mentions.entity_ids))].to_dict()
    assert merged > 0
    assert not populations

    # A steward's merge compacts: one base, with the merge and the earlier ones applied.
    settings = Settings(data_dir=a, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        counts: dict[str, int] = {}
        for entity in state.mention_columns("Person", []).entity_ids:
            counts[str(entity)] = counts.get(str(entity), 0) + 1
        one, other = sorted(e for e, n in counts.items() if n == 1)[:2]
        # About a mention (not two entities, which may each hold a valid identity number).
        [row] = state.mentions_matching(entity_id=one)
        mention = f"{row['source']}:{row['record_id']}:{row['role']}"
        judge(store, state, mention, other, Verdict.SAME, "steward-1", cache_dir=a / "cache")
        assert _deltas(a) == []
        snap = _snapshot_equals_state(a, state)
        assert len(snap.parts) == 1

    # A delta that does not follow on from its base: the snapshot is rebuilt from the state.
    change_one_percent(a / "demo")
    _sync(a)
    change_one_percent(a / "demo")
    _sync(a)
    assert _deltas(a) == ["mentions-Person.delta-1.arrow", "mentions-Person.delta-2.arrow"]
    (a / "cache" / "mentions-Person.delta-1.arrow").unlink()
    assert load_snapshot(snapshot_path(a / "cache", "Person"), PERSON_KEYS) is None
    change_one_percent(a / "demo")
    _sync(a)
    assert _deltas(a) == []


@pytest.mark.integration
def test_merged_into_entities_keep_golden_values_as_computed_from_all_mentions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An incremental pass recomputes the golden values of an entity a new mention joins only
    when the mention says something the entity's golden values do not; either way the node ends
    with the golden values of all its mentions."""
    generate_district(tmp_path / "demo", persons=700, seed=6)
    _sync(tmp_path)
    with (tmp_path / "demo" / "population.csv").open(encoding="utf-8", newline="") as handle:
        register = list(csv.DictReader(handle))
    # Twenty copies say what their resident's record says; ten give another ethnicity.
    other = [{**row, "民族": "满族" if row["民族"] != "满族" else "回族"} for row in register[60:70]]
    _copies(tmp_path / "demo", [*register[40:60], *other], "RKG")
    seen: list[tuple[int, set[str]]] = []
    changed_by = clustering.changed_by

    def spy(store: Any, label: str, joining: Any) -> set[str]:
        changing = changed_by(store, label, joining)
        seen.append((len(joining), changing))
        return changing

    monkeypatch.setattr(clustering, "changed_by", spy)
    _, report = _sync(tmp_path)
    assert report["merged"] >= 20
    joined, changing = next((n, c) for n, c in seen if n)
    assert 0 < len(changing) < joined  # some joins skip the computation, some do not

    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=512)
    with StateStore(settings.state_database_url) as state:
        entities = {
            m["entity_id"]
            for row in register[40:70]
            for m in state.mentions_matching(source="population", record_id=row["人员编号"], role="self")
        }
    assert changing <= entities
    _golden_as_stored(tmp_path, entities)


def _golden_as_stored(root: Path, entities: set[str]) -> None:
    """Every one of ``entities`` holds the golden values of the mentions it has now."""
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        node = store.schema.node("Person")
        types = {p.name: p.type for p in node.properties}
        strong = {p.name for p in node.properties if p.strong}
        rules = {p.name: tuple(r.value for r in p.survivorship) for p in node.properties}
        nodes = store.get_nodes("Person", entities)
        checked = 0
        for entity, group in state.mention_groups("Person", entities):
            expected = golden_record(list(golden.mention_statements(group, types)), strong, rules).values
            stored = nodes[entity].properties
            assert {p: stored.get(p) for p in expected} == expected, entity
            checked += 1
        assert checked == len(entities)


@pytest.mark.integration
def test_a_retired_record_takes_its_values_out_of_the_golden_ones(tmp_path: Path) -> None:
    """A copy of a resident with another ethnicity joins the resident's entity and, the newest,
    gives the golden ethnicity; once the copy is retired, the golden value is the resident's again."""
    generate_district(tmp_path / "demo", persons=700, seed=6)
    _sync(tmp_path)
    with (tmp_path / "demo" / "population.csv").open(encoding="utf-8", newline="") as handle:
        resident = list(csv.DictReader(handle))[80]
    other = "满族" if resident["民族"] != "满族" else "回族"
    _copies(tmp_path / "demo", [{**resident, "民族": other}], "RKR")
    walk, report = _sync(tmp_path)
    entity = walk[("population", resident["人员编号"], "self")]
    assert report["merged"] == 1
    assert walk[("population", "RKR00000000", "self")] == entity
    _golden_as_stored(tmp_path, {entity})

    _retire(tmp_path / "demo", {"RKR00000000"})
    walk, _ = _sync(tmp_path)
    assert walk[("population", resident["人员编号"], "self")] == entity
    _golden_as_stored(tmp_path, {entity})
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store:
        found = store.get_node("Person", entity)
        assert found is not None
        assert found.properties.get("ethnicity") != other
