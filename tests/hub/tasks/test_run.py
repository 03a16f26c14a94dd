"""The daily run on a generated district, on both stores: tasks opened, assigned and written to
the graph; a second run opens nothing; deadlines pass and tasks become overdue; a grid that
loses its workers sends its tasks to the street office."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from hub.store import GraphStore
from hub.tasks.places import department_id
from hub.tasks.run import run_tasks
from tests.hub.tasks.conftest import CONFIG, GENERATED_AS_OF, District

TODAY = GENERATED_AS_OF


def _graph_tasks(store: GraphStore) -> dict[str, dict[str, str]]:
    """Task id → the ids its ABOUT, ASSIGNED_TO and LOCATED_IN lead to (several: a bug)."""
    ends: dict[str, dict[str, str]] = defaultdict(dict)
    for rel in ("ABOUT", "ASSIGNED_TO", "LOCATED_IN"):
        for link in store.iter_relationships(rel):
            assert rel not in ends[link.src], f"task {link.src} has two {rel}"
            ends[link.src][rel] = link.dst
    return ends


def test_the_run_opens_assigns_and_writes_each_task_once(district: District) -> None:
    store, state = district.store, district.state
    report = run_tasks(store, state, CONFIG, TODAY)
    assert not report.failed, report.rules
    opened = {r.rule: r.opened for r in report.rules}
    assert all(opened[rule] > 0 for rule in opened if rule not in ("review-backlog", "elderly-allowance")), (
        opened
    )
    assert report.opened == report.projected == sum(opened.values())
    assert report.departments == 29
    tasks = state.find_tasks(limit=10_000)
    assert len(tasks) == report.opened
    assert {t.status for t in tasks} == {"assigned"}

    nodes = {n.id: n.properties for n in store.iter_nodes("Task")}
    assert set(nodes) == {t.id for t in tasks}
    ends = _graph_tasks(store)
    covers = defaultdict(set)
    for link in store.iter_relationships("COVERS"):
        covers[link.dst].add(link.src)
    for task in tasks:
        node = nodes[task.id]
        assert (node["status"], node["item"], node["fact_key"], node["due_date"]) == (
            task.status, task.item, task.fact_key, task.due_date,
        )  # fmt: skip
        assert node["assignment"] == task.assignment
        assert ends[task.id]["ASSIGNED_TO"] == task.assignee_id
        assert ends[task.id]["ABOUT"] == task.about_id == task.subject_id
        assert task.due_date >= TODAY
        if task.assignee_level == "grid":
            assert ends[task.id]["LOCATED_IN"] == task.grid_id
            assert task.assignee_id in covers[task.grid_id]  # a worker of the task's own grid
            assert task.assignment
            assert task.assignment.startswith(f"{task.subject_label} {task.subject_id} → ")
            assert f"→ Grid {task.grid_id} → GridWorker {task.assignee_id} " in task.assignment
        else:
            assert task.assignee_level == "department"
            assert task.item in ("QY-002", "RK-004")  # handled by a department / no grid on record
    assert Counter(t.assignee_level for t in tasks) == Counter(report.assigned)

    # Balanced: in a grid whose workers cover it alone, their new tasks differ by one at most.
    load = Counter(t.assignee_id for t in tasks if t.assignee_level == "grid")
    only = {w for g, ws in covers.items() for w in ws if sum(w in other for other in covers.values()) == 1}
    for workers in covers.values():
        if len(workers) > 1 and workers <= only:
            counts = [load[w] for w in workers]
            assert max(counts) - min(counts) <= 1, counts

    written = store.counts()
    again = run_tasks(store, state, CONFIG, TODAY)
    assert (again.opened, again.projected) == (0, 0)
    assert {r.rule: r.found for r in again.rules} == {r.rule: r.found for r in report.rules}
    assert store.counts() == written
    assert len(state.find_tasks(limit=10_000)) == len(tasks)


def test_tasks_become_overdue_by_working_days(district: District) -> None:
    store, state = district.store, district.state
    run_tasks(store, state, CONFIG, TODAY)
    tasks = state.find_tasks(limit=10_000)
    later = max(t.due_date for t in tasks) - timedelta(days=1)
    late = {t.id for t in tasks if t.due_date < later}
    assert late
    report = run_tasks(store, state, CONFIG, later)
    assert report.overdue_changed == len(late)
    flags = {n.id: n.properties.get("overdue") for n in store.iter_nodes("Task")}
    assert {t for t, overdue in flags.items() if overdue} == late
    assert {t.id for t in state.find_tasks(overdue_on=later, limit=10_000)} == late


def test_grids_without_workers_send_their_tasks_to_their_street_office(district: District) -> None:
    store, state = district.store, district.state
    grids = sorted({link.dst for link in store.iter_relationships("COVERS")})
    store.delete_relationships("COVERS", "Grid", grids)  # nobody left: a community in a district
    # this small has one grid, so the office of the grid's street takes its tasks (属地兜底)
    street_of = {}
    community_street = {link.src: link.dst for link in store.iter_relationships("IN_STREET")}
    for link in store.iter_relationships("IN_COMMUNITY"):
        street_of[link.src] = community_street[link.dst]
    names = {n.id: n.properties["name"] for n in store.iter_nodes("Street")}
    offices = {"福田街道": "FTJD", "南园街道": "NYJD", "园岭街道": "YLJD", "沙头街道": "STJD", "梅林街道": "MLJD",
               "华富街道": "HFJD", "香蜜湖街道": "XMHJD", "莲花街道": "LHJD", "华强北街道": "HQBJD", "福保街道": "FBJD"}  # fmt: skip
    report = run_tasks(store, state, CONFIG, TODAY)
    assert report.assigned.get("street", 0) > 0
    assert "grid" not in report.assigned
    for task in state.find_tasks(limit=10_000):
        if task.assignee_level == "department":
            continue  # a department's item, or no grid on record
        street = street_of[task.grid_id or ""]
        assert task.assignee_level == "street"
        assert task.assignee_code == offices[names[street]]
        assert task.assignee_id == department_id(store.schema, task.assignee_code)
        assert task.assignment is not None
        assert f"Grid {task.grid_id} (no worker) → Community " in task.assignment
        assert f"(no worker) → Street {street} → Department {task.assignee_id} {task.assignee_code} " in (
            task.assignment
        )
