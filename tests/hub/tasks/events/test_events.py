"""Event intake on the 1,000 generated events of a 5,000-resident district: the grid, the item, the
dispatchers' queue with its reasons, repeated reports; and the event model itself."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from hub.search.hits import SearchHit
from hub.tasks.catalog import GRID, Catalog
from hub.tasks.events import (
    ADDRESS_UNRESOLVED,
    ITEM_UNKNOWN,
    SUBJECT_AMBIGUOUS,
    DispatchDecision,
    DuplicateFinder,
    EventError,
    EventIntake,
    duplicate_keys,
    find_duplicate,
    parse_event,
)
from hub.tasks.matching import ItemMatcher
from tests.hub.tasks.events.conftest import Events

GRID_TARGET = 0.99  # of the events whose words fix a grid, put in that grid
ITEM_TARGET = 0.95


def _kinds(decision: DispatchDecision) -> set[str]:
    return {q.kind for q in decision.queue}


def test_every_generated_event_parses(events: Events) -> None:
    parsed = [parse_event(raw) for raw in events.raw]
    assert Counter(e.channel for e in parsed).keys() == {"hotline", "wechat", "grid_app"}
    assert all(e.reported_at.utcoffset() == timedelta(hours=8) for e in parsed)
    phones = [e.reporter_phone for e in parsed if e.reporter_phone]
    assert sum(p.startswith("+86") for p in phones) >= 0.95 * len(phones)


def test_a_bad_event_is_refused_naming_the_field() -> None:
    good = {
        "event_id": "E1",
        "text": "楼下很吵",
        "reported_at": "2026-10-01 08:00:00",
        "channel": "12345热线",
    }
    assert parse_event(good).channel == "hotline"
    assert parse_event({**good, "channel": "i深圳微信公众号"}).channel == "wechat"
    assert parse_event({**good, "channel": "信箱"}).channel == "other"
    assert parse_event({**good, "category": "  "}).category is None
    with pytest.raises(EventError, match="E1: text"):
        parse_event({**good, "text": "  "})
    with pytest.raises(EventError, match="reported_at"):
        parse_event({**good, "reported_at": "昨天"})


def test_events_are_placed_in_the_right_grid(events: Events, decisions: list[DispatchDecision]) -> None:
    placed = wrong = resolvable = buildings = right_buildings = 0
    guessed = 0  # events whose words fix no grid, placed anyway
    for raw, d in zip(events.raw, decisions, strict=True):
        truth = events.truth[raw["event_id"]]
        if truth["place_level"] == "none":
            guessed += d.grid_id is not None
            continue
        resolvable += 1
        placed += d.grid_id == truth["grid_code"]
        wrong += d.grid_id is not None and d.grid_id != truth["grid_code"]
        if truth["place_level"] in ("building", "room"):
            buildings += 1
            right_buildings += d.building_id == truth["building_code"]
    print(
        f"\nplaces: {placed}/{resolvable} = {placed / resolvable:.1%} in the right grid, {wrong} in a wrong one; "
        f"buildings {right_buildings}/{buildings} = {right_buildings / buildings:.1%}; "
        f"{guessed} of {len(events.raw) - resolvable} without a usable place placed anyway"
    )
    assert placed / resolvable >= GRID_TARGET
    assert wrong == 0
    assert guessed == 0


def test_events_are_put_on_the_right_item(events: Events, decisions: list[DispatchDecision]) -> None:
    listed = [
        (events.truth[r["event_id"]]["item_code"], d) for r, d in zip(events.raw, decisions, strict=True)
    ]
    listed = [(want, d) for want, d in listed if want]
    right = sum(d.item_code == want for want, d in listed)
    wrong = sum(d.item_code not in (None, want) for want, d in listed)
    print(f"\nitems: {right}/{len(listed)} = {right / len(listed):.1%} right, {wrong} wrong")
    assert right / len(listed) >= ITEM_TARGET


def test_every_other_event_goes_to_the_queue_with_a_reason(
    events: Events, decisions: list[DispatchDecision], catalog: Catalog
) -> None:
    """An event is dispatched only when its grid (for items the grid handles) and its item are
    right; every other one waits for a dispatcher, with the reason."""
    reasons: Counter[str] = Counter()
    missed: Counter[str] = Counter()  # events that should wait for a dispatcher, and why
    wrong_dispatch: list[str] = []
    for raw, d in zip(events.raw, decisions, strict=True):
        truth = events.truth[raw["event_id"]]
        reasons.update(_kinds(d) or {"dispatched"})
        assert all(q.detail for q in d.queue), raw["event_id"]
        if truth["item_reason"]:
            missed["item outside the list"] += ITEM_UNKNOWN not in _kinds(d)
        handled_by_grid = truth["item_code"] and catalog.items[truth["item_code"]].handling_unit == GRID
        if truth["place_level"] == "none" and (
            handled_by_grid or truth["place_reason"] == "outside_district"
        ):
            missed[f"place: {truth['place_reason']}"] += ADDRESS_UNRESOLVED not in _kinds(d)
        if d.dispatch:
            right_item = d.item_code == truth["item_code"]
            right_grid = d.handling_unit != GRID or d.grid_id == truth["grid_code"]
            if not (right_item and right_grid):
                wrong_dispatch.append(raw["event_id"])
    print(f"\ndecisions: {dict(reasons)}; should have waited but did not: {dict(missed)}; "
          f"dispatched wrongly: {len(wrong_dispatch)}")  # fmt: skip
    assert len(wrong_dispatch) <= 0.01 * len(events.raw)
    assert sum(missed.values()) <= 0.01 * len(events.raw)


def test_an_item_a_department_handles_needs_no_place(events: Events, catalog: Catalog) -> None:
    department = next(code for code, item in catalog.items.items() if item.handling_unit != GRID)
    intake = EventIntake(events.gazetteer, ItemMatcher(catalog))
    raw = {
        "event_id": "E9",
        "text": "我家楼下出事了",
        "category": department,
        "reported_at": "2026-10-01 08:00",
    }
    decision = intake.decide_raw(raw)
    assert decision.dispatch
    assert decision.grid_id is None
    assert decision.handling_unit == catalog.items[department].handling_unit
    outside = intake.decide_raw({**raw, "address_text": "南山区科技园"})
    assert [q.kind for q in outside.queue] == [ADDRESS_UNRESOLVED]
    assert "outside the district" in outside.queue[0].detail


def test_repeated_reports_are_found(events: Events, decisions: list[DispatchDecision]) -> None:
    by_id = {d.event_id: d for d in decisions}
    finder = DuplicateFinder()
    found = {d.event_id: earlier.event_id for d in decisions if (earlier := finder.check(d)) is not None}
    truth = {e: t["duplicate_of"] for e, t in events.truth.items() if t["duplicate_of"]}
    # A repeat can be found only when both reports were placed and put on an item.
    findable = {e: o for e, o in truth.items() if duplicate_keys(by_id[e]) and duplicate_keys(by_id[o])}
    hits = sum(found.get(e) == o for e, o in findable.items())
    false = sum(truth.get(e) != o for e, o in found.items())
    print(
        f"\nrepeated reports: {len(truth)}, {len(findable)} placed with their item; found {hits}; "
        f"{false} of {len(found)} found are not repeats"
    )
    assert hits >= 0.9 * len(findable)
    assert false <= 0.05 * max(1, len(found))
    repeat, original = next(iter(findable.items()))
    assert find_duplicate(by_id[repeat], decisions) is not None
    assert find_duplicate(by_id[repeat], [by_id[original]], window=timedelta(minutes=1)) is None


class _Shops:
    """A search service that knows the generated district's shops by their names."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names

    def persons(self, name: str, birth_year: int | None = None, gender: str | None = None,
                community: str | None = None, limit: int = 10) -> list[SearchHit]:  # fmt: skip
        return []

    def companies(self, name: str, community: str | None = None, limit: int = 10) -> list[SearchHit]:
        return [SearchHit(entity, name, 1.0) for entity in self.names.get(name, [])][:limit]


def test_the_shop_a_complaint_names_is_its_subject(events: Events, catalog: Catalog) -> None:
    companies = events.manifest.out_dir / "business_registry.csv"
    assert companies.is_file()
    from hub.demo.generator import build_world

    world = build_world(events.manifest.persons, events.manifest.seed, events.manifest.as_of)
    shops = world.companies[world.companies.kind == "individual"]
    names: dict[str, list[str]] = {}
    for trade, industry, truth in zip(shops.trade, shops.industry, shops.truth, strict=True):
        names.setdefault(f"{trade}{industry}", []).append(truth)
    intake = EventIntake(events.gazetteer, ItemMatcher(catalog), _Shops(names))
    named = [raw for raw in events.raw if events.truth[raw["event_id"]]["subject_id"]]
    found = 0
    for raw in named:
        decision = intake.decide_raw(raw)
        found += [s.entity_id for s in decision.subjects] == [events.truth[raw["event_id"]]["subject_id"]]
    print(f"\nsubjects: {found}/{len(named)} shops named in complaints found")
    assert len(named) >= 30
    assert found >= 0.95 * len(named)


def test_a_subject_two_entities_fit_goes_to_the_queue(events: Events, catalog: Catalog) -> None:
    intake = EventIntake(events.gazetteer, ItemMatcher(catalog), _Shops({"华信便利店": ["L-1", "L-2"]}))
    decision = intake.decide_raw(
        {
            "event_id": "E2",
            "text": "华信便利店卖烟给学生",
            "reported_at": "2026-10-01 08:00",
            "channel": "微信",
        }
    )
    assert SUBJECT_AMBIGUOUS in _kinds(decision)
    assert decision.subjects == ()
