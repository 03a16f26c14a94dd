"""The department questions of bench/api.py: each as a GraphQL document, its hand-written
Cypher peer (one query, in the subset both stores speak), and how to compare their answers.

Subjects (a resident, a building, its grid and community, a building with companies) are picked
from the store by Cypher, deterministically (largest count first, then smallest id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EXPIRY_DAYS = 90
ELDERLY_AGE = 70
FIRST = 1000  # the page the elderly lists ask for
COMPANIES_FIRST = 100


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February → 28 February): someone born on or before
    it is at least ``years`` old on ``day``, as the API's `age` filter reads it."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# -- subjects ---------------------------------------------------------------------------------

PICK_PERSON = """
MATCH (p:Person)-[:REPRESENTS]->(:LegalEntity)-[:HOLDS]->(:License)
MATCH (p)-[:LIVES_AT]->(:Address)-[:IN_BUILDING]->(:Building)-[:IN_GRID]->(:Grid)
WHERE p.identity_number IS NOT NULL AND p.name IS NOT NULL AND p.birth_date IS NOT NULL
RETURN DISTINCT p.id AS id, p.identity_number AS identity_number, p.name AS name, p.birth_date AS birth_date
ORDER BY id LIMIT 1
"""
PICK_BUILDING = """
MATCH (b:Building)<-[:IN_BUILDING]-(:Address)<-[:LIVES_AT]-(p:Person)
WHERE p.birth_date <= $born_by
WITH b, count(DISTINCT p) AS elderly
RETURN b.id AS id, elderly ORDER BY elderly DESC, id LIMIT 1
"""
PLACE_OF_BUILDING = """
MATCH (b:Building {id: $building})-[:IN_GRID]->(g:Grid)-[:IN_COMMUNITY]->(c:Community)-[:IN_STREET]->(s:Street)
RETURN g.id AS grid, c.id AS community, s.id AS street
"""
RESIDENTS_OF_BUILDING = """
MATCH (:Building {id: $building})<-[:IN_BUILDING]-(:Address)<-[:LIVES_AT]-(p:Person)
RETURN count(DISTINCT p) AS n
"""
PICK_COMPANY_BUILDING = """
MATCH (b:Building)<-[:IN_BUILDING]-(:Address)<-[:REGISTERED_AT]-(e:LegalEntity)-[:HOLDS]->(l:License)
WHERE l.valid_until >= $today AND l.valid_until <= $until
WITH b, count(DISTINCT e) AS n
RETURN b.id AS id, n ORDER BY n DESC, id LIMIT 1
"""


def pick_subjects(
    read: Callable[[str, dict[str, Any]], list[dict[str, Any]]], today: dt.date
) -> dict[str, Any]:
    """The questions' subjects, chosen by Cypher through ``read`` (a store's ``read``)."""
    params = window(today)
    person = read(PICK_PERSON, {})
    if not person:
        raise SystemExit("the district has no resident with an address and a licensed company")
    building = read(PICK_BUILDING, {"born_by": params["born_by"]})
    if not building:
        raise SystemExit(f"the district has no resident aged {ELDERLY_AGE} or more at a building")
    place = read(PLACE_OF_BUILDING, {"building": building[0]["id"]})
    if not place:
        raise SystemExit(f"building {building[0]['id']} lies in no grid of a community of a street")
    residents = read(RESIDENTS_OF_BUILDING, {"building": building[0]["id"]})[0]["n"]
    company = read(PICK_COMPANY_BUILDING, {"today": today, "until": params["until"]})
    if not company:
        raise SystemExit(f"no company holds a licence expiring within {EXPIRY_DAYS} days of {today}")
    born = person[0]["birth_date"]
    return {
        "person": person[0]["id"],
        "identity_number": person[0]["identity_number"],
        "building": building[0]["id"],
        "building_residents": int(residents),
        "building_elderly": int(building[0]["elderly"]),
        "grid": place[0]["grid"],
        "community": place[0]["community"],
        "street": place[0]["street"],
        "company_building": company[0]["id"],
        "company_building_expiring": int(company[0]["n"]),
        "name": person[0]["name"],
        "birth_year": born.year if isinstance(born, dt.date) else int(str(born)[:4]),
    }


def window(today: dt.date) -> dict[str, dt.date]:
    return {"born_by": years_before(today, ELDERLY_AGE), "until": today + dt.timedelta(days=EXPIRY_DAYS)}


def describe_subjects(s: dict[str, Any]) -> str:
    return (
        f"resident {s['person']} (identity number {s['identity_number'][:6]}…); building {s['building']} "
        f"({s['building_residents']} residents, {s['building_elderly']} aged ≥ {ELDERLY_AGE}: the most); "
        f"its grid {s['grid']}, community {s['community']} and street {s['street']}; companies' building {s['company_building']} "
        f"({s['company_building_expiring']} companies with a licence expiring within {EXPIRY_DAYS} days: the most); "
        f"search {s['name']!r} born {s['birth_year']}"
    )


# -- questions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    key: str
    title: str
    graphql: str
    variables: Callable[[dict[str, Any], dt.date], dict[str, Any]]
    # The peer: one Cypher query and its parameters; None where there is no Cypher peer.
    cypher: str | None
    params: Callable[[dict[str, Any], dt.date], dict[str, Any]] | None
    # Both answers brought to one comparable shape (ids, counts, the values asked for).
    from_graphql: Callable[[dict[str, Any], dt.date], Any]
    from_cypher: Callable[[list[dict[str, Any]], dt.date], Any] | None
    # Asked with a key restricted to the subjects' street (a street office's system), not with
    # the key that sees the whole district.
    street_key: bool = False


PERSON_360 = """
query ($idn: String!) {
  person(identityNumber: $idn) {
    id name identityNumber phone age
    addresses { totalCount nodes { fullText building { name grid { name community { name street { name } } } } } }
    companies { nodes { name uscc licenses { nodes { licenseNumber validUntil } } } }
  }
}
"""
PERSON_360_CYPHER = """
MATCH (p:Person {identity_number: $idn})
OPTIONAL MATCH (p)-[:LIVES_AT]->(a:Address)
OPTIONAL MATCH (a)-[:IN_BUILDING]->(b:Building)
OPTIONAL MATCH (b)-[:IN_GRID]->(g:Grid)
OPTIONAL MATCH (g)-[:IN_COMMUNITY]->(c:Community)
OPTIONAL MATCH (c)-[:IN_STREET]->(s:Street)
WITH p, collect({id: a.id, full_text: a.full_text, building: b.id, building_name: b.name, grid: g.name,
                 community: c.name, street: s.name}) AS addresses
OPTIONAL MATCH (p)-[:REPRESENTS]->(e:LegalEntity)
OPTIONAL MATCH (e)-[:HOLDS]->(l:License)
WITH p, addresses, e, collect({id: l.id, license_number: l.license_number, valid_until: l.valid_until}) AS licenses
RETURN p.id AS id, p.name AS name, p.identity_number AS identity_number, p.phone AS phone,
       p.birth_date AS birth_date, addresses,
       collect({id: e.id, name: e.name, uscc: e.uscc, licenses: licenses}) AS companies
"""


def _person_graphql(data: dict[str, Any], today: dt.date) -> Any:
    p = data["person"]
    if p is None:
        return None
    addresses = []
    for a in p["addresses"]["nodes"]:
        b = a["building"] or {}
        g = b.get("grid") or {}
        c = g.get("community") or {}
        s = c.get("street") or {}
        addresses.append((a["fullText"], b.get("name"), g.get("name"), c.get("name"), s.get("name")))
    companies = [
        (
            e["name"],
            e["uscc"],
            sorted((lc["licenseNumber"], lc["validUntil"]) for lc in e["licenses"]["nodes"]),
        )
        for e in p["companies"]["nodes"]
    ]
    return {
        "id": p["id"], "name": p["name"], "identity_number": p["identityNumber"], "phone": p["phone"],
        "age": p["age"], "address_count": p["addresses"]["totalCount"], "addresses": sorted(addresses, key=str),
        "companies": sorted(companies, key=str),
    }  # fmt: skip


def _person_cypher(rows: list[dict[str, Any]], today: dt.date) -> Any:
    if not rows:
        return None
    (p,) = rows
    addresses = [
        (a["full_text"], a["building_name"], a["grid"], a["community"], a["street"])
        for a in p["addresses"]
        if a["id"] is not None
    ]
    companies = [
        (
            e["name"],
            e["uscc"],
            sorted(
                (lc["license_number"], iso(lc["valid_until"])) for lc in e["licenses"] if lc["id"] is not None
            ),
        )
        for e in p["companies"]
        if e["id"] is not None
    ]
    born = p["birth_date"]
    return {
        "id": p["id"], "name": p["name"], "identity_number": p["identity_number"], "phone": p["phone"],
        "age": None if born is None else age_on(born, today), "address_count": len(addresses),
        "addresses": sorted(addresses, key=str), "companies": sorted(companies, key=str),
    }  # fmt: skip


def _elderly(where: str) -> str:
    return f"""
query ($place: ID!) {{
  persons(where: {{age: {{gte: {ELDERLY_AGE}}}, addresses: {{some: {{building: {where}}}}}}}, first: {FIRST}) {{
    totalCount nodes {{ id name birthDate }}
  }}
}}
"""


ELDERLY_BUILDING = _elderly("{id: {eq: $place}}")
ELDERLY_GRID = _elderly("{grid: {id: {eq: $place}}}")
ELDERLY_BUILDING_CYPHER = """
MATCH (:Building {id: $place})<-[:IN_BUILDING]-(:Address)<-[:LIVES_AT]-(p:Person)
WHERE p.birth_date <= $born_by
WITH DISTINCT p
RETURN p.id AS id, p.name AS name, p.birth_date AS birth_date ORDER BY id
"""
ELDERLY_GRID_CYPHER = """
MATCH (:Grid {id: $place})<-[:IN_GRID]-(:Building)<-[:IN_BUILDING]-(:Address)<-[:LIVES_AT]-(p:Person)
WHERE p.birth_date <= $born_by
WITH DISTINCT p
RETURN p.id AS id, p.name AS name, p.birth_date AS birth_date ORDER BY id
"""

# What a street office's own query would be: the grid reached from its street.
ELDERLY_GRID_IN_STREET_CYPHER = """
MATCH (:Street {id: $street})<-[:IN_STREET]-(:Community)<-[:IN_COMMUNITY]-(:Grid {id: $place})
      <-[:IN_GRID]-(:Building)<-[:IN_BUILDING]-(:Address)<-[:LIVES_AT]-(p:Person)
WHERE p.birth_date <= $born_by
WITH DISTINCT p
RETURN p.id AS id, p.name AS name, p.birth_date AS birth_date ORDER BY id
"""


def _persons_graphql(data: dict[str, Any], today: dt.date) -> Any:
    found = data["persons"]
    return {
        "count": found["totalCount"],
        "persons": [(n["id"], n["name"], n["birthDate"]) for n in found["nodes"]],
    }


def _persons_cypher(rows: list[dict[str, Any]], today: dt.date) -> Any:
    # The API pages by id; the Cypher answer holds them all.
    return {"count": len(rows), "persons": [(r["id"], r["name"], iso(r["birth_date"])) for r in rows[:FIRST]]}


EXPIRING = f"""
query ($building: ID!, $today: Date!, $until: Date!) {{
  legalEntities(
    where: {{registeredAddresses: {{some: {{building: {{id: {{eq: $building}}}}}}}},
            licenses: {{some: {{validUntil: {{lte: $until, gte: $today}}}}}}}}
    first: {COMPANIES_FIRST}
  ) {{
    nodes {{ id name licenses(where: {{validUntil: {{lte: $until}}}}) {{ nodes {{ licenseNumber validUntil }} }} }}
  }}
}}
"""
EXPIRING_CYPHER = f"""
MATCH (:Building {{id: $building}})<-[:IN_BUILDING]-(:Address)<-[:REGISTERED_AT]-(e:LegalEntity)-[:HOLDS]->(l:License)
WHERE l.valid_until >= $today AND l.valid_until <= $until
WITH DISTINCT e ORDER BY e.id LIMIT {COMPANIES_FIRST}
MATCH (e)-[:HOLDS]->(l:License)
WHERE l.valid_until <= $until
RETURN e.id AS id, e.name AS name,
       collect({{license_number: l.license_number, valid_until: l.valid_until}}) AS licenses
ORDER BY id
"""


def _expiring_graphql(data: dict[str, Any], today: dt.date) -> Any:
    return [
        (e["id"], e["name"], sorted((lc["licenseNumber"], lc["validUntil"]) for lc in e["licenses"]["nodes"]))
        for e in data["legalEntities"]["nodes"]
    ]


def _expiring_cypher(rows: list[dict[str, Any]], today: dt.date) -> Any:
    return [
        (r["id"], r["name"], sorted((lc["license_number"], iso(lc["valid_until"])) for lc in r["licenses"]))
        for r in rows
    ]


_IN_COMMUNITY = "{some: {building: {grid: {community: {id: {eq: $community}}}}}}"
COMMUNITY_COUNTS = f"""
query ($community: ID!) {{
  personsAggregate(where: {{addresses: {_IN_COMMUNITY}}}) {{ count }}
  legalEntitiesAggregate(where: {{registeredAddresses: {_IN_COMMUNITY}}}) {{ count }}
}}
"""
COMMUNITY_COUNTS_CYPHER = """
MATCH (:Community {id: $community})<-[:IN_COMMUNITY]-(:Grid)<-[:IN_GRID]-(:Building)<-[:IN_BUILDING]-(:Address)<-[:LIVES_AT]-(p:Person)
RETURN 'persons' AS what, count(DISTINCT p) AS n
UNION ALL
MATCH (:Community {id: $community})<-[:IN_COMMUNITY]-(:Grid)<-[:IN_GRID]-(:Building)<-[:IN_BUILDING]-(:Address)<-[:REGISTERED_AT]-(e:LegalEntity)
RETURN 'companies' AS what, count(DISTINCT e) AS n
"""


def _counts_graphql(data: dict[str, Any], today: dt.date) -> Any:
    return {
        "persons": data["personsAggregate"]["count"],
        "companies": data["legalEntitiesAggregate"]["count"],
    }


def _counts_cypher(rows: list[dict[str, Any]], today: dt.date) -> Any:
    return {r["what"]: int(r["n"]) for r in rows}


SEARCH = """
query ($name: String!, $year: Int) {
  searchPersons(name: $name, birthYear: $year) { score node { id name } }
}
"""


def _search_graphql(data: dict[str, Any], today: dt.date) -> Any:
    return [(h["node"]["id"], h["node"]["name"]) for h in data["searchPersons"]]


QUESTIONS: tuple[Question, ...] = (
    Question(
        "person360", "person 360° by identity number", PERSON_360,
        lambda s, t: {"idn": s["identity_number"]}, PERSON_360_CYPHER,
        lambda s, t: {"idn": s["identity_number"]}, _person_graphql, _person_cypher,
    ),
    Question(
        "elderly-building", f"residents aged ≥ {ELDERLY_AGE} in a building", ELDERLY_BUILDING,
        lambda s, t: {"place": s["building"]}, ELDERLY_BUILDING_CYPHER,
        lambda s, t: {"place": s["building"], "born_by": window(t)["born_by"]}, _persons_graphql, _persons_cypher,
    ),
    Question(
        "elderly-grid", f"residents aged ≥ {ELDERLY_AGE} in a grid", ELDERLY_GRID,
        lambda s, t: {"place": s["grid"]}, ELDERLY_GRID_CYPHER,
        lambda s, t: {"place": s["grid"], "born_by": window(t)["born_by"]}, _persons_graphql, _persons_cypher,
    ),
    Question(
        "elderly-street", f"residents aged ≥ {ELDERLY_AGE} in a grid, key restricted to its street",
        ELDERLY_GRID, lambda s, t: {"place": s["grid"]}, ELDERLY_GRID_IN_STREET_CYPHER,
        lambda s, t: {"place": s["grid"], "street": s["street"], "born_by": window(t)["born_by"]},
        _persons_graphql, _persons_cypher, street_key=True,
    ),
    Question(
        "expiring", f"companies at a building, licence expiring ≤ {EXPIRY_DAYS} days", EXPIRING,
        lambda s, t: {"building": s["company_building"], "today": t.isoformat(), "until": window(t)["until"].isoformat()},
        EXPIRING_CYPHER,
        lambda s, t: {"building": s["company_building"], "today": t, "until": window(t)["until"]},
        _expiring_graphql, _expiring_cypher,
    ),
    Question(
        "community", "residents and companies of a community", COMMUNITY_COUNTS,
        lambda s, t: {"community": s["community"]}, COMMUNITY_COUNTS_CYPHER,
        lambda s, t: {"community": s["community"]}, _counts_graphql, _counts_cypher,
    ),
    Question(
        "search", "search by name and birth year", SEARCH,
        lambda s, t: {"name": s["name"], "year": s["birth_year"]}, None, None, _search_graphql, None,
    ),
)  # fmt: skip


def agree(question: Question, graphql: Any, cypher: Any, subjects: dict[str, Any]) -> str | None:
    """None when the answers agree; else what differs. Search has no Cypher answer: the
    resident searched for must be among its hits."""
    if question.cypher is None:
        if not any(hit[0] == subjects["person"] for hit in graphql):
            return f"search: {subjects['person']} ({subjects['name']}) is not among the hits {graphql}"
        return None
    if graphql == cypher:
        return None
    return f"{question.key}: GraphQL answered\n  {graphql}\nCypher answered\n  {cypher}"


def summary(question: Question, answer: Any) -> str:
    """What the answer holds, in a few words (for the agreement line)."""
    if question.key == "person360":
        return (
            f"{answer['address_count']} addresses, {len(answer['companies'])} companies" if answer else "none"
        )
    if question.key.startswith("elderly"):
        return f"{answer['count']} persons"
    if question.key == "expiring":
        return f"{len(answer)} companies, {sum(len(e[2]) for e in answer)} licences"
    if question.key == "community":
        return f"{answer['persons']} residents, {answer['companies']} companies"
    return f"{len(answer)} hits"
