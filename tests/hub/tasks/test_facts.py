"""Each shipped rule finds its cases in a generated district, on both stores.

Two checks per rule: the facts equal what an independent computation over the graph's nodes and
relationships (read with iter_nodes / iter_relationships, no Cypher) says, exactly; and they
cover what the generator's truth says is there, through the mentions' crosswalk (what the
resolver got wrong is the only slack).
"""

from __future__ import annotations

import calendar as cal
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from graph_schema import default_schema
from hub.demo.generator import World, build_world
from hub.demo.generator.licences import NEEDS
from hub.state.tables import mentions
from hub.store import GraphStore
from hub.tasks.facts import evaluate
from hub.tasks.rules import DateOffset, Fact, RuleDef
from hub.tasks.run import load_task_config
from tests.hub.tasks.conftest import CONFIG, GENERATED_AS_OF, PERSONS, SEED, District

TODAY = GENERATED_AS_OF
ACTIVE = {"存续", "在业", "开业"}


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(PERSONS, SEED, GENERATED_AS_OF)


@pytest.fixture(scope="module")
def rules() -> dict[str, RuleDef]:
    return {r.name: r for r in load_task_config(CONFIG, default_schema()).rules}


@dataclass
class Graph:
    """The graph as plain Python: properties by label and id, relationships by type."""

    nodes: dict[str, dict[str, dict[str, Any]]]
    out: dict[str, dict[str, set[str]]]  # type → src → dsts
    into: dict[str, dict[str, set[str]]]  # type → dst → srcs
    records: dict[str, list[tuple[str, str]]]  # entity → (source record, role)

    @classmethod
    def read(cls, store: GraphStore) -> Graph:
        labels = ("Person", "Address", "LegalEntity", "License", "SourceRecord")
        nodes = {label: {n.id: n.properties for n in store.iter_nodes(label)} for label in labels}
        out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        into: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for rel in ("LIVES_AT", "MOTHER_OF", "HOLDS", "REGISTERED_AT", "IN_BUILDING"):
            for link in store.iter_relationships(rel):
                out[rel][link.src].add(link.dst)
                into[rel][link.dst].add(link.src)
        records: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for link in store.iter_relationships("FROM_RECORD"):
            records[link.src].append((link.dst, link.properties["role"]))
        return cls(nodes, out, into, records)


def _facts(district: District, rule: RuleDef) -> dict[tuple[str, str], Fact]:
    found = evaluate(rule, district.store, district.state, TODAY)
    assert len({f.key for f in found}) == len(found)
    return {(f.subject_id, f.period): f for f in found}


def _truth_cases(district: District, rule: str) -> dict[str, bool]:
    """The generator's cases of a rule (tasks_truth.csv): key (an address code, …) → planted."""
    import csv

    with (district.root / "demo" / "tasks_truth.csv").open(encoding="utf-8", newline="") as handle:
        return {r["key"]: r["planted"] == "1" for r in csv.DictReader(handle) if r["rule"] == rule}


def _crosswalk(district: District) -> dict[str, set[str]]:
    """Truth id (P-…, L-…) → the hub entities of its mentions."""
    import csv

    truth: dict[tuple[str, str, str], str] = {}
    with (district.root / "demo" / "truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            truth[(row["source"], row["record_id"], row["role"])] = row["entity_id"]
    found: dict[str, set[str]] = defaultdict(set)
    query = select(mentions.c.source, mentions.c.record_id, mentions.c.role, mentions.c.entity_id)
    with district.state.engine.connect() as conn:
        for source, record, role, entity in conn.execute(query):
            if (source, record, role) in truth:
                found[truth[(source, record, role)]].add(entity)
    return found


def _recall(expected: set[Any], found: set[Any]) -> float:
    return len(expected & found) / max(1, len(expected))


def _birthday(born: date, age: int) -> date:
    day = min(born.day, cal.monthrange(born.year + age, born.month)[1])
    return born.replace(year=born.year + age, day=day)


def test_elderly_allowance(district: District, rules: dict[str, RuleDef], world: World) -> None:
    rule = rules["elderly-allowance"].model_copy(update={"dates": {"until": DateOffset(days=365)}})
    found = _facts(district, rule)
    until = TODAY + timedelta(days=365)
    graph = Graph.read(district.store)
    leap = _born_on_29_february(graph)  # the stores disagree about their birthdays: left out
    expected = {}
    for pid, props in graph.nodes["Person"].items():
        for age in (70, 80, 90, 100):
            day = _birthday(props["birth_date"], age) if props.get("birth_date") else None
            if day is not None and pid not in leap and TODAY < day <= until:
                expected[(pid, str(age))] = day
    assert {key: f.due for key, f in found.items() if key[0] not in leap} == expected
    assert len(expected) >= 10
    crosswalk = _crosswalk(district)
    people = world.people
    truth = set()
    for truth_id, birth, resident in zip(people.truth, people.birth, people.resident, strict=True):
        born = birth.date()
        # Residents some source knows of (an unregistered migrant nobody visited is unknown).
        known = bool(resident) and str(truth_id) in crosswalk
        if known and any(TODAY < _birthday(born, a) <= until for a in (70, 80, 90, 100)):
            truth.add(str(truth_id))
    hit = {t for t in truth if crosswalk.get(t, set()) & {pid for pid, _ in found}}
    assert _recall(truth, hit) >= 0.95, sorted(truth - hit)[:10]


def _born_on_29_february(graph: Graph) -> set[str]:
    return {
        pid
        for pid, p in graph.nodes["Person"].items()
        if p.get("birth_date") and (p["birth_date"].month, p["birth_date"].day) == (2, 29)
    }


def _latest_licences(graph: Graph) -> dict[str, tuple[str, date]]:
    """Licence id → (holder, valid_until) for the latest licence of each kind of an active holder."""
    latest: dict[tuple[str, str], tuple[date, str]] = {}
    for holder, licences in graph.out["HOLDS"].items():
        if graph.nodes["LegalEntity"].get(holder, {}).get("status") not in ACTIVE:
            continue
        for lic in licences:
            props = graph.nodes["License"][lic]
            if props.get("valid_until") is None:
                continue
            key = (holder, props.get("license_type", ""))
            if key not in latest or latest[key][0] < props["valid_until"]:
                latest[key] = (props["valid_until"], lic)
    return {lic: (holder, until) for (holder, _), (until, lic) in latest.items()}


def _truth_latest(world: World) -> dict[str, date]:
    """Licence number → valid_until of the latest licence of each kind of each active company."""
    lic = world.licences
    active = world.companies.status.to_numpy()[lic.holder.to_numpy()] == "存续"
    latest = lic[active].sort_values("valid_until").groupby(["holder", "type"]).tail(1)
    return {str(n): u.date() for n, u in zip(latest.number, latest.valid_until, strict=True)}


def _numbers(graph: Graph, licence_ids: set[str]) -> set[str]:
    return {graph.nodes["License"][i]["license_number"] for i in licence_ids}


def test_licences_expiring_and_expired(district: District, rules: dict[str, RuleDef], world: World) -> None:
    expiring, expired = (
        _facts(district, rules["licence-expiring"]),
        _facts(district, rules["licence-expired-active"]),
    )
    graph = Graph.read(district.store)
    latest = _latest_licences(graph)
    until = TODAY + timedelta(days=60)
    assert {(lic, str(u)) for lic, (_, u) in latest.items() if TODAY <= u <= until} == set(expiring)
    assert {(lic, str(u)) for lic, (_, u) in latest.items() if u < TODAY} == set(expired)
    assert all(f.due == date.fromisoformat(f.period) for f in expiring.values())
    assert expiring
    assert expired
    truth = _truth_latest(world)
    normalise = {n: n.upper().replace(" ", "") for n in truth}
    soon = {normalise[n] for n, u in truth.items() if TODAY <= u <= until}
    gone = {normalise[n] for n, u in truth.items() if u < TODAY}
    assert _recall(soon, _numbers(graph, {lic for lic, _ in expiring})) >= 0.9
    assert _recall(gone, _numbers(graph, {lic for lic, _ in expired})) >= 0.9


def test_licence_missing(district: District, rules: dict[str, RuleDef], world: World) -> None:
    found = _facts(district, rules["licence-missing"])
    graph = Graph.read(district.store)
    needs = [(n["industry"], n["license"]) for n in rules["licence-missing"].params["needs"]]
    expected = set()
    for eid, props in graph.nodes["LegalEntity"].items():
        if props.get("status") not in ACTIVE or not graph.out["REGISTERED_AT"].get(eid):
            continue
        held = {graph.nodes["License"][lic].get("license_type") for lic in graph.out["HOLDS"].get(eid, ())}
        expected |= {
            (eid, kind) for industry, kind in needs if props.get("industry") == industry and kind not in held
        }
    assert set(found) == expected
    assert expected
    # The truth: active companies in the district whose industry needs a kind they hold none of.
    companies, lic = world.companies, world.licences
    held_truth = set(zip(lic.holder, lic.type, strict=True))
    crosswalk = _crosswalk(district)
    rows = zip(companies.truth, companies.status, companies.room, companies.industry, strict=True)
    truth = {
        (str(truth_id), kind)
        for i, (truth_id, status, room, industry) in enumerate(rows)
        if status == "存续" and int(room) >= 0
        for kind in NEEDS.get(str(industry), ())
        if (i, kind) not in held_truth
    }
    hit = {(t, k) for t, k in truth if any((e, k) in found for e in crosswalk.get(t, ()))}
    assert _recall(truth, hit) >= 0.9, sorted(truth - hit)[:10]


def test_rental_rooms_unoccupied_and_crowded(
    district: District, rules: dict[str, RuleDef], world: World
) -> None:
    empty, crowded = _facts(district, rules["rental-unoccupied"]), _facts(district, rules["rental-crowded"])
    graph = Graph.read(district.store)
    records = graph.nodes["SourceRecord"]
    listed = {
        a for a in graph.nodes["Address"]
        if any(role == "address" and records[r].get("source") == "housing" and records[r].get("current")
               for r, role in graph.records.get(a, ()))
    }  # fmt: skip
    residents = {a: graph.into["LIVES_AT"].get(a, set()) for a in listed}
    assert {a for a in listed if not residents[a]} == {a for a, _ in empty}
    # Crowded: more people registered at the room (current rows of the population register naming
    # the room, each person once) than the register's head count of the room (0: listed vacant, no
    # crowding), or than the fixed limit where the register gives none.
    params = rules["rental-crowded"].params
    fallback, counted = params["max_occupants"], set(params["residents_from"])
    registrants: dict[str, set[str]] = {}  # a registering record → the people it registers
    for p in graph.nodes["Person"]:
        for r, role in graph.records.get(p, ()):
            if role == params["resident_role"]:
                registrants.setdefault(r, set()).add(p)
    registered = {
        a: {
            p
            for r, role in graph.records.get(a, ())
            if role == "address" and records[r].get("source") in counted and records[r].get("current")
            for p in registrants.get(r, ())
        }
        for a in listed
    }
    declared = {a: graph.nodes["Address"][a].get("registered_occupants") for a in listed}
    assert sum(n is not None for n in declared.values()) >= 0.8 * len(listed)  # the register maps it
    # A room's head count stays on the room: an address placed only in its building has none.
    assert all(
        p.get("address_code")
        for p in graph.nodes["Address"].values()
        if p.get("registered_occupants") is not None
    )
    limit = {a: fallback if declared[a] is None else int(declared[a]) for a in listed}
    expected = {
        a: (len(registered[a]), limit[a])
        for a in listed
        if declared[a] != 0 and len(registered[a]) > limit[a]
    }
    assert {
        a: (int(f.detail["occupants"]), int(f.detail["limit"])) for (a, _), f in crowded.items()
    } == expected
    # Someone on record there beyond the registrations (a grid visit, the tenant) is not counted.
    assert any(len(residents[a]) > len(registered[a]) for a in listed)
    assert all(period == "2026Q4" for _, period in (*empty, *crowded))
    # The truth: the let rooms where more people are registered than the register declares (the
    # planted ones among them) are the rooms found; a case the rule cannot see is one whose rental
    # row names no room of the library (noise), so the room is not on the register for the hub.
    code_of = {a: str(p.get("address_code")) for a, p in graph.nodes["Address"].items()}
    found_crowded = {code_of[a] for a, _ in crowded}
    truth_crowded = _truth_cases(district, "rental_overcrowded")
    planted = {code for code, is_planted in truth_crowded.items() if is_planted}
    assert planted
    assert planted <= found_crowded, sorted(planted - found_crowded)
    listed_codes = {code_of[a] for a in listed}
    assert set(truth_crowded) & listed_codes <= found_crowded, sorted(
        (set(truth_crowded) & listed_codes) - found_crowded
    )
    assert _recall(set(truth_crowded), found_crowded) >= 0.95, sorted(set(truth_crowded) - found_crowded)
    assert found_crowded <= set(truth_crowded), sorted(found_crowded - set(truth_crowded))
    print(
        f"\nrental-crowded: {len(crowded)} found, {len(truth_crowded)} in the truth ({len(planted)} planted), "
        f"{len(set(truth_crowded) & found_crowded)} of them found, {len(found_crowded - set(truth_crowded))} beyond"
    )
    # The truth: rooms listed vacant (no tenant) are found, unless someone is on record there.
    codes = world.district.rooms.code.to_numpy()
    vacant = {str(codes[r]) for r in world.rentals[world.rentals.tenant < 0].room}
    found_codes = {code_of[a] for a, _ in empty}
    assert vacant
    assert _recall(vacant, found_codes) >= 0.8, sorted(vacant - found_codes)[:10]


def test_newborns_whose_mother_is_on_record_elsewhere(district: District, rules: dict[str, RuleDef]) -> None:
    found = _facts(district, rules["newborn-mother-elsewhere"])
    graph = Graph.read(district.store)
    since = TODAY.replace(year=TODAY.year - 1)
    expected = set()
    for mother, children in graph.out["MOTHER_OF"].items():
        for child in children:
            born = graph.nodes["Person"][child].get("birth_date")
            homes = graph.out["LIVES_AT"].get(child, set())
            if born is None or born < since or not homes:
                continue
            if graph.out["LIVES_AT"].get(mother, set()) - homes:
                expected.add((child, born.isoformat()))
    assert set(found) == expected
    assert expected
    for (child, _), fact in found.items():
        assert fact.place in graph.out["LIVES_AT"][child]  # the baby's home decides the grid
        assert fact.detail["mother_address"] not in graph.out["LIVES_AT"][child]
        assert fact.note
        assert fact.note.startswith("新生儿")


def test_residents_on_record_at_an_address_outside_the_library(
    district: District, rules: dict[str, RuleDef], world: World
) -> None:
    found = _facts(district, rules["registered-off-library"])
    graph = Graph.read(district.store)
    expected = {
        (person, address)
        for address, people in graph.into["LIVES_AT"].items()
        if not graph.out["IN_BUILDING"].get(address)
        for person in people
    }
    assert set(found) == expected
    crosswalk = _crosswalk(district)
    people = world.people
    demolished = set(people[(people.register_kind == "demolished_building") & people.registered].truth)
    assert demolished
    hit = {t for t in demolished if crosswalk.get(t, set()) & {p for p, _ in found}}
    assert hit == demolished


def test_review_items_waiting_for_a_week(district: District, rules: dict[str, RuleDef]) -> None:
    rule = rules["review-backlog"]
    waiting = district.state.review_queue(limit=1000)
    assert waiting  # the sync left questions for the stewards
    assert evaluate(rule, district.store, district.state, date.today()) == []  # filed today
    later = date.today() + timedelta(days=7)
    found = evaluate(rule, district.store, district.state, later)
    assert sorted(int(f.subject_id) for f in found) == sorted(
        i["id"] for i in waiting if i["kind"] in rule.params["kinds"]
    )
    for fact in found:
        assert fact.about is not None
        label, entity = fact.about
        assert district.store.get_node(label, entity) is not None
