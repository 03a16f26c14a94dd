"""The generated complaints (events.jsonl) and their truth (events_truth.csv)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.demo.generator import EVENTS, DemoManifest, generate_district
from hub.demo.generator.complaints import TOPICS
from tests.hub.demo.conftest import PERSONS, SEED, read_rows

CHANNELS = {"12345热线", "微信公众号", "网格员APP"}
REASONS = {"no_place", "outside_district", "unknown_landmark", "place_ambiguous"}


@pytest.fixture(scope="module")
def events(manifest: DemoManifest) -> list[dict[str, Any]]:
    return read_rows(manifest.events.path)


@pytest.fixture(scope="module")
def events_truth(manifest: DemoManifest) -> dict[str, dict[str, Any]]:
    return {r["event_id"]: r for r in read_rows(manifest.events_truth.path)}


def _when(text: str) -> datetime:
    digits = re.sub(r"\D", "", text)[:14].ljust(14, "0")
    return datetime.strptime(digits, "%Y%m%d%H%M%S")


def test_a_thousand_events_each_with_its_truth(
    events: list[dict[str, Any]], events_truth: dict[str, Any]
) -> None:
    assert len(events) == EVENTS
    assert len({e["event_id"] for e in events}) == EVENTS
    assert {e["event_id"] for e in events} == set(events_truth)
    fields = {
        "event_id",
        "channel",
        "reported_at",
        "reporter_name",
        "reporter_phone",
        "category",
        "address_text",
        "text",
    }
    assert all(set(e) == fields and e["text"] for e in events)
    assert {e["channel"] for e in events} == CHANNELS


def test_events_are_written_as_residents_write_them(events: list[dict[str, Any]]) -> None:
    with_category = sum(e["category"] is not None for e in events)
    traditional = sum(bool(re.search("[這個們樓區裡車電話麼]", e["text"])) for e in events)
    typos = sum(any(t in e["text"] for t in ("拉圾", "以经", "冲电", "小去", "处里")) for e in events)
    no_field = sum(not e["address_text"] for e in events)
    print(
        f"\ncategory {with_category}, traditional {traditional}, typos {typos}, no address field {no_field}"
    )
    assert with_category < 0.4 * len(events)
    assert traditional >= 10
    assert typos >= 20
    assert no_field >= 0.3 * len(events)


def test_the_truth_says_where_and_what(
    manifest: DemoManifest,
    events: list[dict[str, Any]],
    events_truth: dict[str, Any],
    truth: list[dict[str, Any]],
) -> None:
    codes = {t.item for t in TOPICS.values() if t.item}
    levels = Counter(r["place_level"] for r in events_truth.values())
    reasons = Counter(r["place_reason"] for r in events_truth.values() if r["place_reason"])
    print(f"\nplace levels {dict(levels)}; reasons {dict(reasons)}")
    assert set(levels) == {"room", "building", "grid", "none"}
    # place_ambiguous needs a larger district (an estate or two roads across grids).
    assert REASONS - {"place_ambiguous"} <= set(reasons) <= REASONS
    library = {r["entity_id"] for r in truth if r["source"] == "address_library" and r["role"] == "building"}
    companies = {r["entity_id"] for r in truth if r["entity_type"] == "LegalEntity"}
    for row in events_truth.values():
        assert (row["place_level"] == "none") == bool(row["place_reason"])
        assert bool(row["item_code"]) != bool(row["item_reason"])
        assert not row["item_code"] or row["item_code"] in codes
        if row["place_level"] in ("room", "building"):
            assert row["building_id"] in library  # a standing building: the library lists it
        if row["place_reason"] != "outside_district":
            assert row["grid_code"]
        if row["subject_id"]:
            assert row["subject_id"] in companies
    outside = sum(r["item_reason"] == "item_outside_list" for r in events_truth.values())
    assert 0.02 * len(events) <= outside <= 0.1 * len(events)


def test_repeated_reports_follow_their_original(
    events: list[dict[str, Any]], events_truth: dict[str, Any]
) -> None:
    at = {e["event_id"]: _when(e["reported_at"]) for e in events}
    repeats = {e: r["duplicate_of"] for e, r in events_truth.items() if r["duplicate_of"]}
    assert 0.03 * len(events) <= len(repeats) <= 0.1 * len(events)
    for repeat, original in repeats.items():
        assert timedelta(0) < at[repeat] - at[original] <= timedelta(hours=48)
        assert events_truth[repeat]["item_code"] == events_truth[original]["item_code"]
        assert events_truth[repeat]["grid_code"] == events_truth[original]["grid_code"]
        assert not events_truth[original]["duplicate_of"]


def test_events_do_not_change_the_other_files(manifest: DemoManifest, tmp_path: Path) -> None:
    """Events draw from their own stream: a district with 10 of them has the same other files."""
    few = generate_district(tmp_path, persons=PERSONS, seed=SEED, events=10)
    assert few.events.rows == 10
    for ours, theirs in zip((*manifest.files, manifest.truth, manifest.noise, manifest.tasks_truth),
                            (*few.files, few.truth, few.noise, few.tasks_truth), strict=True):  # fmt: skip
        assert ours.path.read_bytes() == theirs.path.read_bytes(), ours.name
