"""The incremental pass from the columnar mention snapshot decides exactly as one that reads every
mention from the state database, and the snapshot stays equal to the mention table."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.export.crosswalk import crosswalk
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from hub.sync.population import candidate_mask, load_snapshot, remap_entities, snapshot_path, without
from hub.sync.resolve import PRESETS, feature_keys


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
            snap = load_snapshot(snapshot_path(root / "cache", "Person"), feature_keys(PRESETS["person"]()))
            assert snap is not None
            columns = state.mention_columns("Person", [])
            in_state = dict(zip(columns.ids, columns.entity_ids, strict=True))
            in_snapshot = dict(
                zip(snap.table["id"].to_pylist(), snap.table["entity_id"].to_pylist(), strict=True)
            )
            assert in_snapshot == in_state  # the snapshot caught up, merges included
    return walk, person


@pytest.mark.integration
def test_snapshot_pass_decides_like_the_full_read(tmp_path: Path) -> None:
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
    from_state, _ = _second_sync(second, keep_snapshot=False)
    assert with_snapshot == from_state
    assert report["merged"] > 0
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
    rules = [("name", ["f:~name_pinyin"]), ("name+birth", ["f:~name_pinyin", "f:~birth_key"])]
    mask = candidate_mask(table, rules, {"name": [], "name+birth": [f"lina{sep}19800101"]})
    assert mask is not None
    assert mask.to_pylist() == [False, False, True, False]
    mask = candidate_mask(table, rules, {"name": ["zhangwei"]})
    assert mask is not None
    assert mask.to_pylist() == [True, True, False, False]
    assert candidate_mask(table, [("tokens", ["f:~name_tokens"])], {"tokens": ["ab"]}) is None
    # A token list (company-name n-grams): a row is in the block of each of its tokens.
    tokens = pa.chunked_array(
        [
            pa.array([["福田", "田贸"], None], pa.list_(pa.string())),
            pa.array([["贸易"], ["福田"]], pa.list_(pa.string())),
        ]
    )
    with_tokens = table.append_column("f:~name_tokens", tokens)
    mask = candidate_mask(with_tokens, [("tokens", ["f:~name_tokens"])], {"tokens": ["福田"]})
    assert mask is not None
    assert mask.to_pylist() == [True, False, False, True]

    kept = without(table, {"s\x1f2"}, np.array(["t\x1f1\x1fself"], dtype=object))
    assert kept["id"].to_pylist() == ["s\x1f1\x1fself", "s\x1f3\x1fself"]
    remapped = remap_entities(table, {"P-1": "P-3"})
    assert remapped["entity_id"].to_pylist() == ["P-3", "P-2", "P-3", "P-3"]
