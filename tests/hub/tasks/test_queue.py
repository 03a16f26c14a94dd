"""A dispatcher settles events waiting in the queue (hub/tasks/queue.py), on both stores: a task
opened and assigned where the dispatcher says (a grid, a standard address) or where intake found
the place, a later report of the event joining it; a close with the reason; bad answers refused
naming the field; nothing settled twice."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.search import SearchService
from hub.state.events import CLOSED, DISPATCHED, QUEUED, WAITING, EventStateError
from hub.tasks.catalog import GRID
from hub.tasks.dispatch import build_intake, dispatch_event
from hub.tasks.events import ADDRESS_UNRESOLVED, ITEM_UNKNOWN, EventIntake
from hub.tasks.places import Directory
from hub.tasks.queue import QueueAnswer, QueueAnswerError, settle_queued
from hub.tasks.run import TaskConfig, load_task_config
from tests.hub.tasks.conftest import CONFIG, TODAY, District
from tests.hub.tasks.test_dispatch import _events, _grid_codes

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
Setup = tuple[District, TaskConfig, EventIntake, Directory]


@pytest.fixture
def setup(district: District) -> Setup:
    district.store.apply_schema()
    config = load_task_config(CONFIG, district.store.schema)
    intake = build_intake(district.store, config, SearchService(district.store, district.state))
    return district, config, intake, Directory.load(district.store, config.catalog)


def _queued(setup: Setup, kind: str, **truth_wants: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Dispatch generated events until one waits in the queue for ``kind`` alone: (its queue
    entry, the event, its truth)."""
    district, config, intake, directory = setup
    raw, truth = _events(district.root)
    for event in raw:
        row = truth[event["event_id"]]
        if any(row[k] != v if v != "*" else not row[k] for k, v in truth_wants.items()):
            continue
        result = dispatch_event(
            district.store, district.state, config, intake, event, TODAY, NOW, directory=directory
        )
        if result.queued is not None and {r["kind"] for r in result.reasons} == {kind}:
            return result.queued, event, row
    raise AssertionError(f"no generated event was queued for {kind} alone ({truth_wants})")


def _settle(setup: Setup, report: int, **answer: str) -> Any:
    district, config, intake, directory = setup
    return settle_queued(
        district.store, district.state, config, intake, report,
        QueueAnswer.parse(report, answer), "dispatcher 王", TODAY, NOW, directory,
    )  # fmt: skip


def test_an_unplaced_event_is_dispatched_to_the_grid_the_dispatcher_names(setup: Setup) -> None:
    district = setup[0]
    report, _, row = _queued(setup, ADDRESS_UNRESOLVED, place_level="none", item_code="*")
    codes = _grid_codes(district)
    grid_id = next(g for g, code in codes.items() if code != row["grid_code"])
    settled = _settle(setup, report, item=row["item_code"], grid=codes[grid_id], note="打电话问清楚了")
    assert settled.status == DISPATCHED
    assert settled.task is not None
    assert not settled.joined
    task = district.state.task(settled.task)
    assert task is not None
    assert (task.item, task.grid_id, task.status) == (row["item_code"], grid_id, "assigned")
    assert task.assignee_id == settled.assignee["id"]
    stored = district.state.event_report_by_id(report)
    assert stored is not None
    assert (stored.outcome, stored.status, stored.task_id) == (QUEUED, DISPATCHED, settled.task)
    assert stored.handled_by == "dispatcher 王"
    assert stored.settlement is not None
    assert stored.settlement["note"] == "打电话问清楚了"
    assert report not in [r.id for r in district.state.event_queue(WAITING, limit=10_000)]
    # The graph has the task, in the grid the dispatcher named.
    rows = district.store.read(
        "MATCH (t:Task)-[:LOCATED_IN]->(g:Grid) WHERE t.id = $id RETURN g.id AS grid", {"id": settled.task}
    )
    assert [r["grid"] for r in rows] == [grid_id]
    with pytest.raises(EventStateError, match="not waiting"):
        _settle(setup, report, close="重复")


def test_an_event_of_an_unknown_item_keeps_the_place_intake_found(setup: Setup) -> None:
    district = setup[0]
    report, _, row = _queued(setup, ITEM_UNKNOWN, place_level="building")
    item = row["item_code"] or "HJ-003"  # outside the list in truth: the dispatcher picks one
    settled = _settle(setup, report, item=item.lower())
    task = district.state.task(settled.task)
    assert task is not None
    assert task.item == item
    assert _grid_codes(district)[task.grid_id or ""] == row["grid_code"]


def test_a_later_report_joins_the_task_of_the_address_the_dispatcher_gave(setup: Setup) -> None:
    district, config, intake, directory = setup
    report, event, row = _queued(setup, ADDRESS_UNRESOLVED, place_level="none", item_code="*")
    with (district.root / "demo" / "address_library.csv").open(encoding="utf-8", newline="") as handle:
        room = next(csv.DictReader(handle))
    settled = _settle(setup, report, item=row["item_code"], address=room["标准地址"])
    task = district.state.task(settled.task)
    assert task is not None
    assert _grid_codes(district)[task.grid_id or ""] == room["网格编码"]
    repeat = {**event, "event_id": event["event_id"] + "-R", "channel": "12345热线",
              "address_text": room["标准地址"], "category": row["item_code"]}  # fmt: skip
    joined = dispatch_event(
        district.store, district.state, config, intake, repeat, TODAY, NOW, directory=directory
    )
    assert joined.joined, joined
    assert joined.task == settled.task


def test_a_closed_event_keeps_the_reason_and_opens_nothing(setup: Setup) -> None:
    district = setup[0]
    report, _, _ = _queued(setup, ADDRESS_UNRESOLVED, place_level="none")
    before = len(district.state.find_tasks(limit=10_000))
    settled = _settle(setup, report, close="不属于本区", note="已告知来电人")
    assert (settled.status, settled.task) == (CLOSED, None)
    stored = district.state.event_report_by_id(report)
    assert stored is not None
    assert (stored.status, stored.task_id) == (CLOSED, None)
    assert stored.settlement == {"close": "不属于本区", "note": "已告知来电人"}
    assert len(district.state.find_tasks(limit=10_000)) == before


def test_bad_answers_are_refused_naming_the_field(setup: Setup) -> None:
    district, config = setup[0], setup[1]
    report, _, row = _queued(setup, ADDRESS_UNRESOLVED, place_level="none", item_code="*")
    cases = [
        ({"item": "XX-999", "grid": "whatever"}, "item", "no item"),
        ({"item": row["item_code"], "grid": "no-such-grid"}, "grid", "no grid"),
        ({"item": row["item_code"], "address": "火星大道1号"}, "address", "火星大道1号"),
    ]
    for answer, field, words in cases:
        with pytest.raises(QueueAnswerError, match=words) as caught:
            _settle(setup, report, **answer)
        assert caught.value.field == field
    grid_item = next(code for code, item in config.catalog.items.items() if item.handling_unit == GRID)
    with pytest.raises(QueueAnswerError, match="handled by the grid") as caught:
        _settle(setup, report, item=grid_item)
    assert caught.value.field == "address"
    stored = district.state.event_report_by_id(report)
    assert stored is not None
    assert stored.status == WAITING
    with pytest.raises(EventStateError, match="no event report"):
        _settle(setup, 999_999, close="x")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "item"),
        ({"item": "HJ-003", "close": "x"}, "close"),
        ({"item": "HJ-003", "address": "a", "grid": "b"}, "grid"),
        ({"item": 3}, "item"),
        ({"item": "HJ-003", "where": "x"}, "where"),
    ],
)
def test_an_answer_that_is_not_one_is_refused_before_any_work(body: dict[str, Any], field: str) -> None:
    with pytest.raises(QueueAnswerError, match="queued event 7") as caught:
        QueueAnswer.parse(7, body)
    assert caught.value.field == field
