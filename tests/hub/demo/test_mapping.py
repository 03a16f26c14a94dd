"""Every source maps through the declared mapping; only the rows broken on purpose fail, and every
mention the mapping makes has its true entity in truth.csv. In every writing style, each with its
own declarations."""

from __future__ import annotations

from connectors.errors import RowError
from connectors.mapping import Mapper
from graph_schema import default_schema
from tests.hub.demo.conftest import StyledDistrict

BROKEN_ON_PURPOSE = {"impossible_date", "empty_record_id"}


def test_every_source_has_a_declaration_and_a_file(district: StyledDistrict) -> None:
    configs = district.configs
    assert {f.name for f in district.manifest.files} == set(configs)
    for f in district.manifest.files:
        assert getattr(configs[f.name].connector, "path", None) == f"demo/{f.path.name}"


def test_only_rows_broken_on_purpose_fail_to_map(district: StyledDistrict) -> None:
    broken = {(s, r) for (s, r, _), kind in district.noise.items() if kind in BROKEN_ON_PURPOSE}
    for name, config in district.configs.items():
        mapper = Mapper(config, default_schema())
        failed = []
        for raw in district.rows[name]:
            try:
                mapper.map_row(raw)
            except RowError:
                failed.append(str(raw.get(config.record_id[0]) or ""))
        assert {(name, r) for r in failed} == {b for b in broken if b[0] == name}, name
        assert len(failed) <= max(1, len(district.rows[name]) // 100), name
    assert {s for s, _ in broken} >= {"population", "grid_collection", "business_registry"}
    assert ("population", "") in broken  # an empty record id


def test_every_mention_has_its_true_entity(district: StyledDistrict) -> None:
    keyed = {(t["source"], t["record_id"], t["role"]): t for t in district.truth}
    assert len(keyed) == len(district.truth), "one truth row per mention"
    for name, config in district.configs.items():
        mapper = Mapper(config, default_schema())
        for raw in district.rows[name]:
            try:
                row = mapper.map_row(raw)
            except RowError:
                continue
            assert row.mentions
            for mention in row.mentions:
                expected = keyed[(name, row.record_id, mention.role)]
                if mention.entity_type == "Address":  # scored at building level, room in address_id
                    assert expected["entity_type"] == "Building"
                    # A building-level library's own addresses have no room.
                    building_level = district.style != "standard" and name == "address_library"
                    assert bool(expected["address_id"]) != building_level
                else:
                    assert expected["entity_type"] == mention.entity_type


def test_truth_ids_name_real_entities(district: StyledDistrict) -> None:
    prefixes = {"Person": "P-", "LegalEntity": "L-", "License": "LC-", "Building": "B-", "GridWorker": "GW-",
                "Grid": "G-", "Community": "C-", "Street": "S-"}  # fmt: skip
    for t in district.truth:
        assert t["entity_id"].startswith(prefixes[t["entity_type"]]), t
        assert t["record_id"]
    sources = {t["source"] for t in district.truth}
    assert len(sources) == 8
