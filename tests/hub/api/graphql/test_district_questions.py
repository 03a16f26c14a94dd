"""The department questions of the GraphQL issue, each one query, on a generated district.

Expected answers come from the generator's truth, not from the graph: who lives in which
building (what the sources say, by their declared LIVES_AT / REGISTERED_AT / HOLDS), birth
dates, licence dates, the place hierarchy. They are turned into hub ids through the mentions'
crosswalk (a person the resolver split into two entities expects both), so the test checks
the API and the graph together, on both stores.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from connectors.config import load_source_configs
from hub.demo.generator import DEFAULT_AS_OF, World, build_world, generate_district
from hub.demo.run import SOURCES_DIR, demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.state.tables import mentions
from hub.store import GraphStore
from hub.sync import sync_sources
from tests.hub.api.graphql.conftest import data, execute

PERSONS = 1200
SEED = 5
TODAY = DEFAULT_AS_OF  # the generator's day; the GraphQL context is told the same


@dataclass
class District:
    store: GraphStore
    world: World
    # truth id → hub entity ids its mentions belong to (Person, LegalEntity)
    entities: dict[str, set[str]]
    # What the sources assert, by the mention that asserts it: (hub entity of that mention,
    # truth subject, truth building) for every LIVES_AT / REGISTERED_AT to a building's address.
    homes: set[tuple[str, str, str]]
    offices: set[tuple[str, str, str]]
    state_url: str


def _assertions(schema: Any) -> dict[str, list[tuple[str, str, str]]]:
    """(relationship type, from role, to role) per source, as declared."""
    configs = load_source_configs(SOURCES_DIR, schema)
    return {c.name: [(r.type, r.from_role, r.to_role) for r in c.relationships] for c in configs}


@pytest.fixture(scope="module", params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def district(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    from graph_schema import default_schema
    from hub.store.ladybug_store import LadybugStore
    from hub.store.neo4j_store import Neo4jStore
    from tests.conftest import _wipe_neo4j

    root = tmp_path_factory.mktemp(f"questions-{request.param}")
    generate_district(root / "demo", persons=PERSONS, seed=SEED)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=512)
    store: GraphStore
    if request.param == "ladybug":
        store = LadybugStore(default_schema(), root / "graph" / "g.lbug", buffer_pool_mb=512)
    else:
        uri = request.getfixturevalue("neo4j_uri")
        _wipe_neo4j(uri)
        store = Neo4jStore(default_schema(), uri)
    store.apply_schema()
    truth: dict[tuple[str, str, str], tuple[str, str]] = {}
    with (root / "demo" / "truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            truth[(row["source"], row["record_id"], row["role"])] = (row["entity_type"], row["entity_id"])
    declared = _assertions(store.schema)
    with StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
        entities: dict[str, set[str]] = defaultdict(set)
        hub_of: dict[tuple[str, str, str], str] = {}
        query = select(mentions.c.source, mentions.c.record_id, mentions.c.role, mentions.c.entity_id)
        with state.engine.connect() as conn:
            for source, record, role, entity in conn.execute(query):
                hub_of[(source, record, role)] = entity
                if (source, record, role) in truth:
                    entities[truth[(source, record, role)][1]].add(entity)
    homes: set[tuple[str, str, str]] = set()
    offices: set[tuple[str, str, str]] = set()
    for source, record in {(s, r) for s, r, _ in truth}:
        for rel, from_role, to_role in declared.get(source, ()):
            subject, place = truth.get((source, record, from_role)), truth.get((source, record, to_role))
            entity = hub_of.get((source, record, from_role))
            if rel not in ("LIVES_AT", "REGISTERED_AT") or subject is None or place is None or entity is None:
                continue
            if place[0] == "Building":
                (homes if rel == "LIVES_AT" else offices).add((entity, subject[1], place[1]))
    try:
        world = build_world(PERSONS, SEED, DEFAULT_AS_OF)
        yield District(store, world, dict(entities), homes, offices, settings.state_database_url)
    finally:
        store.close()


def _ask(district: District, query: str, **variables: Any) -> dict[str, Any]:
    body, ctx = execute(district.store, query, as_of=TODAY, **variables)
    assert ctx.round_trips <= 10, ctx.round_trips
    return data(body)


def _hub(district: District, truth_ids: set[str]) -> set[str]:
    return {entity for t in truth_ids for entity in district.entities.get(t, ())}


def _age(born: date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


def _buildings(world: World) -> dict[str, dict[str, Any]]:
    return {row["truth"]: row for row in world.district.buildings.to_dict("records")}


def _busiest(counts: dict[str, int]) -> str:
    return max(sorted(counts), key=lambda k: counts[k])


def test_elderly_residents_of_a_building_and_of_a_grid(district: District) -> None:
    world = district.world
    born = {row["truth"]: row["birth"].date() for row in world.people.to_dict("records")}
    buildings = _buildings(world)
    elderly: dict[str, set[str]] = defaultdict(set)  # truth building → hub persons aged 70+
    for entity, person, building in district.homes:
        if person in born and _age(born[person]) >= 70:
            elderly[building].add(entity)
    building = _busiest({b: len(ps) for b, ps in elderly.items()})
    code = buildings[building]["code"]
    found = _ask(
        district,
        """query ($code: String!) { persons(where: {age: {gte: 70},
             addresses: {some: {building: {buildingCode: {eq: $code}}}}}, first: 1000) {
             totalCount nodes { id age } } }""",
        code=code,
    )["persons"]
    assert {n["id"] for n in found["nodes"]} == elderly[building]
    assert found["totalCount"] == len(found["nodes"]) > 0
    assert all(n["age"] >= 70 for n in found["nodes"])

    grid = buildings[building]["grid"]
    grid_row = world.district.grids.iloc[grid]
    in_grid = {p for b, ps in elderly.items() if buildings[b]["grid"] == grid for p in ps}
    found = _ask(
        district,
        """query ($code: String!) { persons(where: {age: {gte: 70},
             addresses: {some: {building: {grid: {gridCode: {eq: $code}}}}}}, first: 1000) { nodes { id } } }""",
        code=grid_row["code"],
    )["persons"]
    assert {n["id"] for n in found["nodes"]} == in_grid


def test_companies_at_a_building_with_licences_expiring_within_90_days(district: District) -> None:
    world = district.world
    buildings = _buildings(world)
    companies = world.companies.to_dict("records")
    until = TODAY + timedelta(days=90)
    expiring: dict[str, set[str]] = defaultdict(set)  # company truth → expiring licence numbers
    for licence in world.licences.to_dict("records"):
        if TODAY <= licence["valid_until"].date() <= until:
            expiring[companies[licence["holder"]]["truth"]].add(licence["number"])
    candidates: dict[str, set[tuple[str, str]]] = defaultdict(set)  # building → (hub id, truth id)
    for entity, company, building in district.offices:
        if company in expiring:
            candidates[building].add((entity, company))
    building = _busiest({b: len(cs) for b, cs in candidates.items()})
    assert candidates[building], "the district has no building with a licence about to expire"
    found = _ask(
        district,
        """query ($code: String!, $today: Date!, $until: Date!) {
             legalEntities(where: {registeredAddresses: {some: {building: {buildingCode: {eq: $code}}}},
                                   licenses: {some: {validUntil: {gte: $today, lte: $until}}}}, first: 200) {
               nodes { id licenses(where: {validUntil: {gte: $today, lte: $until}}, first: 20) { nodes { licenseNumber validUntil } }
                       soon: licensesAggregate(where: {validUntil: {gte: $today, lte: $until}}) { count validUntil { min max } } } } }""",
        code=buildings[building]["code"],
        today=TODAY.isoformat(),
        until=until.isoformat(),
    )["legalEntities"]["nodes"]
    assert {n["id"] for n in found} == {entity for entity, _ in candidates[building]}
    numbers = {num for n in found for num in (x["licenseNumber"] for x in n["licenses"]["nodes"])}
    assert numbers == {num for _, c in candidates[building] for num in expiring[c]}
    # The same licences counted per company, with the first and last expiry, without listing them.
    for company in found:
        days = sorted(x["validUntil"] for x in company["licenses"]["nodes"])
        assert company["soon"] == {"count": len(days), "validUntil": {"min": days[0], "max": days[-1]}}


def test_businesses_without_a_licence(district: District) -> None:
    """A task rule's question (a business without a licence), one query: the companies whose
    count of licences is zero, against the generator's licences and their holders."""
    world = district.world
    companies = world.companies.to_dict("records")
    licensed = {companies[licence["holder"]]["truth"] for licence in world.licences.to_dict("records")}
    unlicensed = _hub(district, {c["truth"] for c in companies} - licensed)
    found = _ask(
        district,
        """{ legalEntities(where: {licensesAggregate: {count: {eq: 0}}}, first: 1000) {
             totalCount nodes { id licenses { totalCount } } } }""",
    )["legalEntities"]
    assert {n["id"] for n in found["nodes"]} == unlicensed
    assert found["totalCount"] == len(unlicensed) > 0
    assert all(n["licenses"]["totalCount"] == 0 for n in found["nodes"])


def test_residents_and_companies_of_a_community(district: District) -> None:
    world = district.world
    buildings = _buildings(world)
    grids = world.district.grids
    community_of = {b: int(grids.iloc[row["grid"]]["community"]) for b, row in buildings.items()}
    people: dict[int, set[str]] = defaultdict(set)  # community → hub persons living there
    firms: dict[int, set[str]] = defaultdict(set)
    for entity, _, b in district.homes:
        people[community_of[b]].add(entity)
    for entity, _, b in district.offices:
        firms[community_of[b]].add(entity)
    community = max(sorted(people), key=lambda c: len(people[c]))
    code = world.district.communities.iloc[community]["code"]
    found = _ask(
        district,
        """query ($code: String!) {
             personsAggregate(where: {addresses: {some: {building: {grid: {community: {communityCode: {eq: $code}}}}}}}) { count }
             legalEntitiesAggregate(where: {registeredAddresses: {some: {building: {grid: {community: {communityCode: {eq: $code}}}}}}}) { count }
           }""",
        code=code,
    )
    assert found["personsAggregate"]["count"] == len(people[community])
    assert found["legalEntitiesAggregate"]["count"] == len(firms[community])
    # The same counts for every community at once, grouped.
    grouped = _ask(
        district,
        "{ personsAggregate(groupBy: COMMUNITY) { groups { place { id ... on Community { communityCode } } count } } }",
    )
    by_code = {
        g["place"]["communityCode"]: g["count"] for g in grouped["personsAggregate"]["groups"] if g["place"]
    }
    assert by_code[code] == len(people[community])


def test_person_360_by_identity_number(district: District) -> None:
    world = district.world
    buildings = _buildings(world)
    people = world.people.to_dict("records")
    companies = world.companies.to_dict("records")
    represents: dict[str, set[str]] = defaultdict(set)
    for company in companies:
        if company["rep"] >= 0:
            represents[people[company["rep"]]["truth"]].add(company["truth"])
    homes: dict[str, set[str]] = defaultdict(set)  # hub person → truth buildings
    for entity, _, b in district.homes:
        homes[entity].add(b)
    person = next(
        p
        for p in people
        if p["truth"] in represents and p["id_number"] and len(district.entities.get(p["truth"], ())) == 1
    )
    found = _ask(
        district,
        """query ($idn: String!) { person(identityNumber: $idn) { id
             addresses { nodes { building { buildingCode grid { community { street { id } } } } } }
             companies { nodes { id } } } }""",
        idn=person["id_number"].lower(),  # as typed, with a lowercase x if it has one
    )["person"]
    assert found["id"] in district.entities[person["truth"]]
    shown = {a["building"]["buildingCode"] for a in found["addresses"]["nodes"] if a["building"]}
    assert shown == {buildings[b]["code"] for b in homes[found["id"]]}
    assert {c["id"] for c in found["companies"]["nodes"]} == _hub(district, represents[person["truth"]])


def test_search_by_name_and_birth_year(district: District) -> None:
    from hub.search import SearchService

    world = district.world
    people = world.people.to_dict("records")
    names = defaultdict(list)
    for p in people:
        names[p["name"]].append(p)
    unique = [ps[0] for ps in names.values() if len(ps) == 1 and ps[0]["truth"] in district.entities][:20]
    # The search service reads the mentions of the district's own state database.
    with StateStore(district.state_url) as state:
        service = SearchService(district.store, state, background=False)
        hits = 0
        for p in unique:
            body, _ = execute(
                district.store,
                "query ($n: String!, $y: Int) { searchPersons(name: $n, birthYear: $y, first: 3) { score node { id } } }",
                search=service,
                as_of=TODAY,
                n=p["name"],
                y=p["birth"].year,
            )
            top = data(body)["searchPersons"]
            hits += bool(top) and top[0]["node"]["id"] in district.entities[p["truth"]]
    assert hits >= 0.95 * len(unique)
