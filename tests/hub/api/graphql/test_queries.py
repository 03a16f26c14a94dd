"""Set queries, connections, single-valued relationships and aggregates on both stores."""

from __future__ import annotations

from datetime import date

import pytest

from hub.api.graphql import root
from hub.api.security.principal import Principal
from hub.store import GraphStore, RelRow
from tests.hub.api.conftest import IDENTITY_NUMBER, PHONE, USCC, add_companies_with_licences
from tests.hub.api.graphql.conftest import Run, codes, data, execute


def place_in_street_s1(district: GraphStore) -> None:
    """The district's grid G1 in community C1 of street S1."""
    district.upsert_nodes("Community", [{"id": "C1", "name": "福山社区"}])
    district.upsert_nodes("Street", [{"id": "S1", "name": "福田街道"}])
    district.upsert_relationships("IN_COMMUNITY", "Grid", "Community", [RelRow("G1", "C1")])
    district.upsert_relationships("IN_STREET", "Community", "Street", [RelRow("C1", "S1")])


def place_in_street_s1_with_a_second_home_elsewhere(district: GraphStore) -> None:
    """As above, and P1 also lives at A2, which lies in no street."""
    place_in_street_s1(district)
    district.upsert_nodes("Address", [{"id": "A2", "full_text": "别处"}])
    district.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P1", "A2")])


PERSON_360 = """
query ($idn: String!) {
  person(identityNumber: $idn) {
    id name identityNumber phone age
    addresses { totalCount nodes { fullText floor building { buildingCode grid { gridCode } } } }
    companies { nodes { name uscc licenses { nodes { licenseNumber validUntil } } } }
  }
}
"""


def test_person_360_reaches_grid_and_licences(run: Run) -> None:
    person = data(run(PERSON_360, idn=IDENTITY_NUMBER))["person"]
    assert person == {
        "id": "P1",
        "name": "张伟",
        "identityNumber": IDENTITY_NUMBER,
        "phone": PHONE,
        "age": None,
        "addresses": {
            "totalCount": 1,
            "nodes": [
                {
                    "fullText": "福华三路88号1栋1201",
                    "floor": 12,
                    "building": {"buildingCode": "440304001001B0001", "grid": {"gridCode": "440304001001"}},
                }
            ],
        },
        "companies": {
            "nodes": [
                {
                    "name": "深圳市福山餐饮有限公司",
                    "uscc": USCC,
                    "licenses": {
                        "nodes": [{"licenseNumber": "JY14403040000001", "validUntil": "2027-05-01"}]
                    },
                }
            ]
        },
    }


def test_identifiers_are_normalised_before_lookup(district: GraphStore) -> None:
    district.upsert_nodes("Person", [{"id": "P9", "identity_number": "44030419900101002X"}])
    for written in ("44030419900101002x", " 440304 19900101 002X ", "４４０３０４１９９００１０１００２Ｘ"):
        body, _ = execute(district, "query ($i: String!) { person(identityNumber: $i) { id } }", i=written)
        assert data(body)["person"] == {"id": "P9"}, written
    # The 15-digit form of an 18-digit number (no century, no check character).
    district.upsert_nodes("Person", [{"id": "P8", "identity_number": "440304199001010038"}])
    body, _ = execute(district, '{ person(identityNumber: "440304900101003") { id } }')
    assert data(body)["person"] == {"id": "P8"}


def test_an_id_merged_away_finds_its_survivor(district: GraphStore) -> None:
    body, _ = execute(district, '{ person(id: "P77") { id redirectedFrom } }', aliases={"P77": "P1"})
    assert data(body)["person"] == {"id": "P1", "redirectedFrom": "P77"}
    body, _ = execute(district, '{ person(id: "P1") { id redirectedFrom } }', aliases={"P77": "P1"})
    assert data(body)["person"] == {"id": "P1", "redirectedFrom": None}
    # The other way: from the survivor, the ids merged into it (a department's copy matched).
    merged = {"P77": "P1", "P78": "P1", "P90": "P2"}
    body, ctx = execute(district, "{ persons { nodes { id mergedIds } } }", aliases=merged)
    assert data(body)["persons"]["nodes"] == [
        {"id": "P1", "mergedIds": ["P77", "P78"]},
        {"id": "P2", "mergedIds": ["P90"]},
    ]
    assert ctx.round_trips == 2  # the page, then the merged ids of all of it at once


def test_root_lists_filter_sort_and_page(run: Run) -> None:
    query = """query ($after: String) {
      persons(sort: [{name: DESC}], first: 1, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id }
      }
    }"""
    first = data(run(query))["persons"]
    assert first["totalCount"] == 2
    assert first["nodes"] == [{"id": "P2"}]  # 王芳 sorts after 张伟 by code point, descending first
    assert first["pageInfo"]["hasNextPage"] is True
    second = data(run(query, after=first["pageInfo"]["endCursor"]))["persons"]
    assert second["nodes"] == [{"id": "P1"}]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert codes(run(query, after="not-a-cursor")) == ["BAD_USER_INPUT"]


def test_a_page_and_its_total_count_are_one_store_call(district: GraphStore) -> None:
    query = """{ persons(first: 1, where: {addresses: {some: {id: {eq: "A1"}}}}) {
      totalCount nodes { id companies { totalCount } } } }"""
    body, ctx = execute(district, query)
    assert data(body)["persons"] == {"totalCount": 2, "nodes": [{"id": "P1", "companies": {"totalCount": 1}}]}
    assert ctx.round_trips == 1  # the page, its total and the relationships below it
    district.reads_ahead = False  # type: ignore[misc]
    level_by_level, ctx = execute(district, query)
    assert level_by_level == body
    assert ctx.round_trips == 3  # the page, the count, the companies


def test_conditions_across_relationships(run: Run) -> None:
    in_grid = data(
        run(
            """{ persons(where: {addresses: {some: {building: {grid: {gridCode: {eq: "440304001001"}}}}}}) {
                 nodes { id } } }"""
        )
    )
    assert in_grid["persons"]["nodes"] == [{"id": "P1"}, {"id": "P2"}]
    licences = data(
        run(
            """{ licenses(where: {holders: {some: {representatives: {some: {name: {startsWith: "张"}}}}},
                                   validUntil: {lte: "2027-06-01"}}) { nodes { id } } }"""
        )
    )
    assert licences["licenses"]["nodes"] == [{"id": "LC1"}]
    elderly = data(run("{ persons(where: {age: {gte: 60}}) { nodes { id age } } }"))
    assert elderly["persons"]["nodes"] == [{"id": "P2", "age": 61}]
    nobody = data(
        run('{ persons(where: {OR: [{name: {eq: "x"}}, {NOT: {id: {in: ["P1", "P2"]}}}]}) { totalCount } }')
    )
    assert nobody["persons"]["totalCount"] == 0


def test_single_valued_relationships_are_objects(run: Run) -> None:
    result = data(run('{ child: person(id: "P1") { mother { id } children { totalCount } } }'))
    assert result["child"] == {"mother": {"id": "P2"}, "children": {"totalCount": 0}}


def test_a_relationship_list_is_never_cut_off_silently(district: GraphStore) -> None:
    district.upsert_nodes("Address", [{"id": f"AX{i:03d}", "full_text": f"x{i}"} for i in range(120)])
    district.upsert_relationships(
        "IN_BUILDING", "Address", "Building", [RelRow(f"AX{i:03d}", "B1") for i in range(120)]
    )
    body, _ = execute(
        district,
        '{ building(id: "B1") { addresses { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }',
    )
    page = data(body)["building"]["addresses"]
    assert page["totalCount"] == 121
    assert len(page["nodes"]) == 100
    assert page["pageInfo"]["hasNextPage"] is True
    rest, _ = execute(
        district,
        'query ($a: String) { building(id: "B1") { addresses(after: $a, first: 1000) { nodes { id } } } }',
        a=page["pageInfo"]["endCursor"],
    )
    assert len(data(rest)["building"]["addresses"]["nodes"]) == 21


def test_relationship_lineage_and_record_nodes(district: GraphStore) -> None:
    district.upsert_nodes("SourceRecord", [{"id": "census:7", "source": "census", "record_id": "7"}])
    district.upsert_relationships(
        "LIVES_AT", "Person", "Address", [RelRow("P1", "A1", {"records": ["census:7"]})]
    )
    body, _ = execute(
        district, '{ person(id: "P1") { addresses { edges { records assertedBy { source recordId } } } } }'
    )
    (edge,) = data(body)["person"]["addresses"]["edges"]
    assert edge == {"records": ["census:7"], "assertedBy": [{"source": "census", "recordId": "7"}]}
    # The records are read only when shown: either field alone reads them, neither does not.
    for selected, expected in [
        ("assertedBy { recordId }", {"assertedBy": [{"recordId": "7"}]}),
        ("records", {"records": ["census:7"]}),
        ("node { id }", {"node": {"id": "A1"}}),
    ]:
        body, _ = execute(district, f'{{ person(id: "P1") {{ addresses {{ edges {{ {selected} }} }} }} }}')
        assert data(body)["person"]["addresses"]["edges"] == [expected]


def test_aggregates_count_by_place(district: GraphStore) -> None:
    district.upsert_nodes("Person", [{"id": "P3", "name": "陈静", "birth_date": date(1950, 1, 2)}])
    body, _ = execute(
        district,
        """{ personsAggregate(groupBy: GRID) { count birthDate { min max }
               groups { place { id ... on Grid { name } } count } } }""",
    )
    result = data(body)["personsAggregate"]
    assert result["count"] == 3
    assert result["birthDate"] == {"min": "1950-01-02", "max": "1965-03-08"}
    assert result["groups"] == [
        {"place": {"id": "G1", "name": "福山第一网格"}, "count": 2},
        {"place": None, "count": 1},
    ]


def test_pii_is_masked_without_the_scope_and_types_need_read_scopes(run: Run) -> None:
    reader = Principal(name="r", scopes=frozenset({"read"}))
    person = data(run(PERSON_360, reader, idn=IDENTITY_NUMBER))["person"]
    assert person["identityNumber"] == "4403**********0012"
    assert person["phone"] == "+86 138****5678"
    buildings_only = Principal(name="b", scopes=frozenset({"read:Building"}))
    body = run('{ person(id: "P1") { id } building(id: "B1") { name } }', buildings_only)
    assert body["data"]["building"] == {"name": "1栋"}
    assert codes(body) == ["FORBIDDEN"]


def test_a_street_restriction_hides_what_lies_elsewhere(district: GraphStore) -> None:
    place_in_street_s1(district)
    district.upsert_nodes("Street", [{"id": "S2", "name": "南园街道"}])
    here = Principal(name="s1", scopes=frozenset({"read"}), streets=frozenset({"S1"}))
    there = Principal(name="s2", scopes=frozenset({"read"}), streets=frozenset({"S2"}))
    query = (
        '{ persons { totalCount } person(id: "P1") { id } address(id: "A1") { residents { totalCount } } }'
    )
    assert data(execute(district, query, here)[0]) == {
        "persons": {"totalCount": 2},
        "person": {"id": "P1"},
        "address": {"residents": {"totalCount": 2}},
    }
    assert data(execute(district, query, there)[0]) == {
        "persons": {"totalCount": 0},
        "person": None,
        "address": None,
    }


def test_costly_queries_are_refused_before_they_run(run: Run) -> None:
    query = "{ persons(first: 1000) { nodes { addresses(first: 1000) { nodes { residents(first: 1000) { nodes { id } } } } } } }"
    body = run(query)
    assert body["data"] is None
    assert codes(body) == ["QUERY_TOO_COSTLY"]


def test_a_request_costs_a_bounded_number_of_round_trips(district: GraphStore) -> None:
    walks = "{ persons(first: 50) { nodes { addresses { nodes { building { grid { id } } } } } } }"
    # The root nodes and every relationship selected below them, in one store call.
    for query, variables in ((PERSON_360, {"idn": IDENTITY_NUMBER}), (walks, {})):
        body, ctx = execute(district, query, **variables)
        assert ctx.round_trips == 1, data(body)
    # A store that does not read ahead: one call per level (person, addresses, building and
    # grid, companies, licences), an address's building and its grid in one where the store
    # reads such a walk in one query (Neo4j).
    district.reads_ahead = False  # type: ignore[misc]
    walk = 1 if district.chains_in_one_query else 2
    _, ctx = execute(district, PERSON_360, idn=IDENTITY_NUMBER)
    assert ctx.round_trips == 4 + walk
    _, ctx = execute(district, walks)
    assert ctx.round_trips == 2 + walk


def test_source_record_versions_newest_first(district: GraphStore) -> None:
    from datetime import UTC, datetime

    district.upsert_nodes("SourceRecord", [{"id": "census:7", "source": "census", "department": "公安分局"}])
    district.upsert_nodes(
        "RecordVersion",
        [
            {
                "id": "census:7@a",
                "record": "census:7",
                "raw": '{"v": 1}',
                "read_at": datetime(2026, 1, 1, tzinfo=UTC),
            },
            {
                "id": "census:7@b",
                "record": "census:7",
                "raw": '{"v": 2}',
                "read_at": datetime(2026, 6, 1, tzinfo=UTC),
            },
            {"id": "other:1@c", "record": "other:1", "raw": "{}"},
        ],
    )
    body, _ = execute(district, '{ sourceRecord(id: "census:7") { department versions { id raw } } }')
    assert data(body)["sourceRecord"] == {
        "department": "公安分局",
        "versions": [{"id": "census:7@b", "raw": '{"v": 2}'}, {"id": "census:7@a", "raw": '{"v": 1}'}],
    }


def test_value_lineage_names_every_source_and_the_golden_value(district: GraphStore) -> None:
    rows = {
        "P1": [
            {
                "source": "census",
                "record_id": "7",
                "role": "self",
                "trust": 90,
                "run_id": "r1",
                "features": {"name": "张伟", "phone": "+8613812345678", "~name_pinyin": "zhangwei"},
            },
            {
                "source": "grid",
                "record_id": "9",
                "role": "self",
                "trust": 60,
                "run_id": "r2",
                "features": {"name": "章伟", "phone": None},
            },
        ]
    }
    schema_ctx = {"mentions": lambda ids: {i: rows.get(i, []) for i in ids}}
    from tests.hub.api.graphql.conftest import execute_with

    body = execute_with(
        district,
        '{ person(id: "P1") { valueLineage(property: "name") { value golden source record trust } } }',
        **schema_ctx,
    )
    assert data(body)["person"]["valueLineage"] == [
        {"value": "张伟", "golden": True, "source": "census", "record": "census:7", "trust": 90},
        {"value": "章伟", "golden": False, "source": "grid", "record": "grid:9", "trust": 60},
    ]
    masked = execute_with(
        district,
        '{ person(id: "P1") { valueLineage(property: "phone") { value golden } } }',
        principal=Principal(name="r", scopes=frozenset({"read"})),
        **schema_ctx,
    )
    assert data(masked)["person"]["valueLineage"] == [{"value": "+86 138****5678", "golden": True}]


def test_relationship_aggregates_count_and_range_dates_per_parent(district: GraphStore) -> None:
    add_companies_with_licences(district)
    query = """query ($until: Date!) {
      legalEntities { nodes { id
        licensesAggregate { count validUntil { min max } }
        soon: licensesAggregate(where: {validUntil: {lte: $until}}) { count }
        licenses { totalCount nodes { validUntil } } } } }"""
    body, ctx = execute(district, query, until="2027-12-31")
    companies = data(body)["legalEntities"]["nodes"]
    assert [(c["id"], c["licensesAggregate"]["count"], c["soon"]["count"]) for c in companies] == [
        ("L1", 2, 2),
        ("L2", 1, 0),
        ("L3", 0, 0),
    ]
    for company in companies:  # the figures are those of the list they summarise
        days = sorted(n["validUntil"] for n in company["licenses"]["nodes"])
        assert company["licensesAggregate"]["count"] == company["licenses"]["totalCount"]
        expected = {"min": days[0], "max": days[-1]} if days else {"min": None, "max": None}
        assert company["licensesAggregate"]["validUntil"] == expected
    # Read ahead with the companies, in the same store call as their licences.
    assert ctx.round_trips == 1
    # Level by level, each aggregate field is one store query for every company of the page.
    district.reads_ahead = False  # type: ignore[misc]
    body_by_level, level_by_level = execute(district, query, until="2027-12-31")
    assert level_by_level.round_trips == 4  # companies, licences, and the two aggregates
    assert body_by_level == body


def test_relationship_aggregates_keep_scopes_and_restrictions(district: GraphStore) -> None:
    place_in_street_s1_with_a_second_home_elsewhere(district)
    query = '{ person(id: "P1") { addressesAggregate { count } } }'
    everyone = data(execute(district, query)[0])["person"]["addressesAggregate"]
    assert everyone == {"count": 2}
    # A caller restricted to street S1 counts only the address that lies there.
    here = Principal(name="s1", scopes=frozenset({"read"}), streets=frozenset({"S1"}))
    assert data(execute(district, query, here)[0])["person"]["addressesAggregate"] == {"count": 1}
    # Without the far type's read scope, the figures are refused like the list.
    persons_only = Principal(name="p", scopes=frozenset({"read:Person"}))
    body, _ = execute(district, query, persons_only)
    assert codes(body) == ["FORBIDDEN"]


def test_where_on_how_many_neighbours_match(district: GraphStore) -> None:
    """`licensesAggregate: {where, count}` in a where: the nodes whose matching neighbours
    number as asked; the same figure the aggregate field shows."""
    add_companies_with_licences(district)  # L1 holds LC1 (2027-05-01) and LC2; L2 LC3; L3 none
    query = """query ($n: Int!, $until: Date) {
      legalEntities(where: {licensesAggregate: {count: {gte: $n}, where: {validUntil: {lte: $until}}}}) {
        nodes { id licensesAggregate(where: {validUntil: {lte: $until}}) { count } }
      }
    }"""
    found = data(execute(district, query, n=1, until="2027-12-31")[0])["legalEntities"]["nodes"]
    assert found == [{"id": "L1", "licensesAggregate": {"count": 2}}]
    found = data(execute(district, query, n=0)[0])["legalEntities"]["nodes"]
    assert [c["id"] for c in found] == ["L1", "L2", "L3"]
    none = "{ legalEntities(where: {licensesAggregate: {count: {eq: 0}}}) { nodes { id } } }"
    assert data(execute(district, none)[0])["legalEntities"]["nodes"] == [{"id": "L3"}]
    body, _ = execute(district, "{ legalEntities(where: {licensesAggregate: {count: {}}}) { nodes { id } } }")
    assert codes(body) == ["BAD_USER_INPUT"]
    # Counted as listed, companies with no licence too (ladybug 0.22 dropped them from a
    # count when the COUNT { } stood in the MATCH's WHERE); an empty flat A5 in building B1.
    district.upsert_nodes("Address", [{"id": "A5", "full_text": "空房"}])
    district.upsert_relationships("IN_BUILDING", "Address", "Building", [RelRow("A5", "B1")])
    at_most_one = """{
      legalEntities(first: 1, where: {licensesAggregate: {count: {lte: 1}}}) { totalCount nodes { id } }
      legalEntitiesAggregate(where: {licensesAggregate: {count: {lte: 1}}}) { count }
      grid(id: "G1") { buildings { nodes { addressesAggregate(where: {residentsAggregate: {count: {eq: 0}}}) { count } } } }
    }"""
    assert data(execute(district, at_most_one)[0]) == {
        "legalEntities": {"totalCount": 2, "nodes": [{"id": "L2"}]},
        "legalEntitiesAggregate": {"count": 2},
        "grid": {"buildings": {"nodes": [{"addressesAggregate": {"count": 1}}]}},
    }


def test_some_none_and_all_look_only_among_the_neighbours_a_restricted_caller_can_list(
    district: GraphStore,
) -> None:
    place_in_street_s1_with_a_second_home_elsewhere(district)
    here = Principal(name="s1", scopes=frozenset({"read"}), streets=frozenset({"S1"}))

    def ids(where: str, principal: Principal | None = None) -> list[str]:
        query = f"{{ persons(where: {where}) {{ nodes {{ id }} }} }}"
        body = execute(district, query, principal)[0] if principal else execute(district, query)[0]
        return [n["id"] for n in data(body)["persons"]["nodes"]]

    # P1's second home A2 lies in no street: its own addresses list does not show it to `here`
    assert data(execute(district, '{ person(id: "P1") { addresses { nodes { id } } } }', here)[0]) == {
        "person": {"addresses": {"nodes": [{"id": "A1"}]}}
    }
    # ... so no filter may find P1 by it either.
    at_a2 = '{addresses: {some: {id: {eq: "A2"}}}}'
    assert ids(at_a2) == ["P1"]
    assert ids(at_a2, here) == []
    assert ids('{addresses: {none: {id: {eq: "A2"}}}}', here) == ["P1", "P2"]
    assert ids('{addresses: {all: {id: {eq: "A1"}}}}') == ["P2"]
    assert ids('{addresses: {all: {id: {eq: "A1"}}}}', here) == ["P1", "P2"]
    # Nested: the narrowing holds at every hop, and inside NOT and OR.
    assert ids(f"{{NOT: {at_a2}}}", here) == ["P1", "P2"]
    assert ids(f'{{OR: [{at_a2}, {{id: {{eq: "P9"}}}}]}}', here) == []
    in_g1 = '{addresses: {some: {building: {grid: {id: {eq: "G1"}}}}}}'
    assert ids(in_g1, here) == ids(in_g1) == ["P1", "P2"]


def test_a_restricted_callers_groups_are_its_own_places(district: GraphStore) -> None:
    place_in_street_s1_with_a_second_home_elsewhere(district)
    # P1's second home A2 now lies in street S2, through a building, grid and community of its own.
    district.upsert_nodes("Building", [{"id": "B2"}])
    district.upsert_nodes("Grid", [{"id": "G2"}])
    district.upsert_nodes("Community", [{"id": "C2"}])
    district.upsert_nodes("Street", [{"id": "S2", "name": "南园街道"}])
    for rel, src, dst, a, b in [
        ("IN_BUILDING", "Address", "Building", "A2", "B2"),
        ("IN_GRID", "Building", "Grid", "B2", "G2"),
        ("IN_COMMUNITY", "Grid", "Community", "G2", "C2"),
        ("IN_STREET", "Community", "Street", "C2", "S2"),
    ]:
        district.upsert_relationships(rel, src, dst, [RelRow(a, b)])
    here = Principal(name="s1", scopes=frozenset({"read"}), streets=frozenset({"S1"}))

    def groups(level: str, principal: Principal | None = None) -> dict[str | None, int]:
        query = f"{{ personsAggregate(groupBy: {level}) {{ count groups {{ place {{ id }} count }} }} }}"
        body = execute(district, query, principal)[0] if principal else execute(district, query)[0]
        found = data(body)["personsAggregate"]
        return {(g["place"] or {}).get("id"): g["count"] for g in found["groups"]}

    # Unrestricted, P1 counts in both of its streets (a node placed twice counts in both groups).
    assert groups("STREET") == {"S1": 2, "S2": 1}
    assert groups("ADDRESS") == {"A1": 2, "A2": 1}
    # Restricted to S1, the groups show no place outside it: not where else P1 lives.
    for level, only in [
        ("STREET", "S1"),
        ("COMMUNITY", "C1"),
        ("GRID", "G1"),
        ("BUILDING", "B1"),
        ("ADDRESS", "A1"),
    ]:
        assert groups(level, here) == {only: 2}, level


def test_more_groups_than_the_most_is_refused(district: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    place_in_street_s1_with_a_second_home_elsewhere(district)
    monkeypatch.setattr(root, "MAX_GROUPS", 1)  # the district's two addresses are one too many
    body = execute(district, "{ personsAggregate(groupBy: ADDRESS) { groups { count } } }")[0]
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "2 groups at the level Address, more than 1" in body["errors"][0]["message"]
    assert "errors" not in execute(district, "{ personsAggregate(groupBy: GRID) { groups { count } } }")[0]


def test_where_on_how_many_neighbours_keeps_scopes_masks_and_restrictions(district: GraphStore) -> None:
    place_in_street_s1_with_a_second_home_elsewhere(district)
    two = "{ persons(where: {addressesAggregate: {count: {eq: 2}}}) { nodes { id } } }"
    assert data(execute(district, two)[0])["persons"]["nodes"] == [{"id": "P1"}]
    # Restricted to street S1, P1 has one address there: counted as the aggregate field does.
    here = Principal(name="s1", scopes=frozenset({"read"}), streets=frozenset({"S1"}))
    assert data(execute(district, two, here)[0])["persons"]["nodes"] == []
    one = "{ persons(where: {addressesAggregate: {count: {eq: 1}}}) { nodes { id addressesAggregate { count } } } }"
    assert data(execute(district, one, here)[0])["persons"]["nodes"] == [
        {"id": "P1", "addressesAggregate": {"count": 1}},
        {"id": "P2", "addressesAggregate": {"count": 1}},
    ]
    # Counting what the caller may not read, or testing a masked value by prefix, is refused.
    persons_only = Principal(name="p", scopes=frozenset({"read:Person"}))
    assert codes(execute(district, two, persons_only)[0]) == ["FORBIDDEN"]
    reader = Principal(name="r", scopes=frozenset({"read"}))
    masked = (
        "{ addresses(where: {residentsAggregate: {count: {gte: 1}, "
        'where: {identityNumber: {startsWith: "4403"}}}}) { nodes { id } } }'
    )
    assert codes(execute(district, masked, reader)[0]) == ["FORBIDDEN"]
    assert data(execute(district, masked)[0])["addresses"]["nodes"] == [{"id": "A1"}, {"id": "A2"}]
