"""Assignment: subject → address → building → grid → its worker with the fewest open tasks;
a grid without a worker → a worker of its community → its street office → the responsible
unit; a department's item → that department. Every assignment says why."""

from __future__ import annotations

import pytest

from hub.store import GraphStore
from hub.tasks.assign import Assigner
from hub.tasks.catalog import Catalog, load_catalog
from hub.tasks.places import Directory, Place, department_id, place_subjects
from tests.hub.tasks.conftest import CONFIG


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONFIG)


def _assigner(store: GraphStore, catalog: Catalog, load: dict[str, int] | None = None) -> Assigner:
    return Assigner(Directory.load(store, catalog), load or {})


def _place(store: GraphStore, label: str, node_id: str, place: str | None = None) -> Place:
    places = {node_id: place} if place else None
    return place_subjects(store, "Grid", [(label, node_id)], places)[(label, node_id)]


def test_a_subject_is_walked_to_its_grid(small: GraphStore, catalog: Catalog) -> None:
    place = _place(small, "Person", "P1")
    assert place.grid == "G1"
    assert place.text() == "Person P1 → Address A1 → Building B1 → Grid G1"
    licence = _place(small, "License", "LC1")  # its business address (VALID_AT)
    assert licence.text() == "License LC1 → Address A2 → Building B2 → Grid G2"
    named = _place(small, "Person", "P5", place="A3")  # a rule named the place
    assert named.text() == "Person P5 → Address A3 → Building B3 → Grid G3"
    two = _place(small, "Person", "P6")  # two homes in two grids: the first stands, the other is told
    assert (two.grid, two.others) == ("G1", 1)
    assert _place(small, "Person", "P5").grid is None  # A9 is in no building


def test_a_grid_item_goes_to_the_grid_worker_with_the_fewest_open_tasks(
    small: GraphStore, catalog: Catalog
) -> None:
    assigner = _assigner(small, catalog, {"W1": 3, "W2": 1})
    place = _place(small, "Person", "P1")
    item = catalog.item("YL-001")
    chosen = [assigner.assign(item, place) for _ in range(4)]
    assert [a.assignee.id for a in chosen if a] == ["W2", "W2", "W1", "W2"]  # 1,2 then 3 each: ties by id
    first = chosen[0]
    assert first is not None
    assert first.level == "grid"
    assert first.why == (
        "Person P1 → Address A1 → Building B1 → Grid G1 → GridWorker W2 FTWG00002 (1 open, fewest of 2)"
    )
    assert assigner.load == {"W1": 4, "W2": 4}


def test_a_grid_without_workers_falls_back_to_its_community_then_its_street(
    small: GraphStore, catalog: Catalog
) -> None:
    item = catalog.item("YL-001")
    small.delete_relationships("COVERS", "Grid", ["G2"])  # G2 loses W3: G1's workers in C1 take it
    community = _assigner(small, catalog, {"W1": 2}).assign(item, _place(small, "Person", "P2"))
    assert community is not None
    assert (community.level, community.assignee.id) == ("community", "W2")
    assert community.why == (
        "Person P2 → Address A2 → Building B2 → Grid G2 (no worker) → Community C1 → "
        "GridWorker W2 FTWG00002 of Grid G1 (0 open, fewest of 2)"
    )
    small.delete_relationships("COVERS", "Grid", ["G3"])  # C2 has no other grid: 福田街道's office
    street = _assigner(small, catalog).assign(item, _place(small, "Person", "P3"))
    assert street is not None
    assert (street.level, street.assignee.code) == ("street", "FTJD")
    assert street.assignee.id == department_id(small.schema, "FTJD")
    assert street.why.endswith(
        "Grid G3 (no worker) → Community C2 (no worker) → Street S1 → Department "
        f"{street.assignee.id} FTJD 福田区福田街道办事处"
    )
    south = _assigner(small, catalog).assign(item, _place(small, "Person", "P4"))  # G4 never had one
    assert south is not None
    assert (south.level, south.assignee.code) == ("street", "NYJD")


def test_no_grid_on_record_goes_to_the_responsible_unit_and_a_department_item_to_its_department(
    small: GraphStore, catalog: Catalog
) -> None:
    assigner = _assigner(small, catalog)
    unplaced = assigner.assign(catalog.item("RK-004"), _place(small, "Person", "P5"))
    assert unplaced is not None
    assert (unplaced.level, unplaced.assignee.code) == ("department", "GAJ")
    assert unplaced.why.startswith("Person P5: no grid on record → Department ")
    assert unplaced.why.endswith("(responsible unit of RK-004)")
    handled = assigner.assign(catalog.item("QY-002"), _place(small, "License", "LC1"))
    assert handled is not None
    assert (handled.level, handled.assignee.code) == ("department", "SCJG")
    assert "QY-002 is handled by a department" in handled.why


def test_those_who_returned_a_task_are_passed_over(small: GraphStore, catalog: Catalog) -> None:
    item = catalog.item("YL-001")
    assigner = _assigner(small, catalog)
    place = _place(small, "Person", "P1")
    other = assigner.assign(item, place, exclude={"W1": "not_my_grid"})
    assert other is not None
    assert other.assignee.id == "W2"
    assert other.why.endswith("; returned by W1 (not_my_grid)")
    both = assigner.assign(item, place, exclude={"W1": "not_my_grid", "W2": "cannot_handle"})
    assert both is not None
    assert (both.level, both.assignee.id) == ("community", "W3")  # G2's worker, same community
    everyone = dict.fromkeys(("W1", "W2", "W3", "W4"), "cannot_handle")
    office = assigner.assign(item, place, exclude=everyone)
    assert office is not None
    assert office.assignee.code == "FTJD"
    last = assigner.assign(item, place, exclude={**everyone, office.assignee.id: "other"})
    assert last is not None
    assert (last.level, last.assignee.code) == ("department", "MZJ")  # the responsible unit
