"""GraphQL queries over the tiny district graph; each test runs once per store kind."""

from __future__ import annotations

from typing import Any

from tests.hub.api.conftest import IDENTITY_NUMBER, PHONE, USCC, GraphQL

PERSON_360 = """
query ($idn: String!) {
  person(identityNumber: $idn) {
    id name identityNumber phone
    addresses { fullText floor building { buildingCode grid { gridCode } } }
    companies { name uscc licenses { licenseNumber validUntil } }
  }
}
"""


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def error_messages(body: dict[str, Any]) -> list[str]:
    return [error["message"] for error in body.get("errors", [])]


def test_person_by_identity_number_reaches_grid_and_licences(graphql: GraphQL) -> None:
    person = data(graphql(PERSON_360, idn=IDENTITY_NUMBER))["person"]
    assert person == {
        "id": "P1",
        "name": "张伟",
        "identityNumber": IDENTITY_NUMBER,
        "phone": PHONE,
        "addresses": [
            {
                "fullText": "福华三路88号1栋1201",
                "floor": 12,
                "building": [{"buildingCode": "440304001001B0001", "grid": [{"gridCode": "440304001001"}]}],
            }
        ],
        "companies": [
            {
                "name": "深圳市福山餐饮有限公司",
                "uscc": USCC,
                "licenses": [{"licenseNumber": "JY14403040000001", "validUntil": "2027-05-01"}],
            }
        ],
    }


def test_inverse_fields_walk_back(graphql: GraphQL) -> None:
    body = graphql(
        """query ($uscc: String!) {
          address(addressCode: "AD0001") { residents { id } }
          grid(gridCode: "440304001001") { buildings { addresses { id } } gridWorkers { name } }
          legalEntity(uscc: $uscc) { representatives { name } }
        }""",
        uscc=USCC,
    )
    result = data(body)
    assert result["address"] == {"residents": [{"id": "P1"}, {"id": "P2"}]}
    assert result["grid"] == {"buildings": [{"addresses": [{"id": "A1"}]}], "gridWorkers": [{"name": "李强"}]}
    assert result["legalEntity"] == {"representatives": [{"name": "张伟"}]}


def test_a_relationship_to_the_same_type_keeps_its_direction(graphql: GraphQL) -> None:
    result = data(
        graphql(
            '{ child: person(id: "P1") { mother { id } children { id } } '
            'mother: person(id: "P2") { mother { id } children { id birthDate } } }'
        )
    )
    assert result["child"] == {"mother": [{"id": "P2"}], "children": []}
    assert result["mother"] == {"mother": [], "children": [{"id": "P1", "birthDate": None}]}


def test_relationships_to_several_types_return_the_node_interface(graphql: GraphQL) -> None:
    body = graphql(
        """{ task(factKey: "licence-expiry:LC1") {
              item
              subject { __typename id ... on License { licenseNumber } }
              assignee { __typename ... on GridWorker { workerCode } }
           } }"""
    )
    assert data(body)["task"] == {
        "item": "证照到期提醒",
        "subject": [{"__typename": "License", "id": "LC1", "licenseNumber": "JY14403040000001"}],
        "assignee": [{"__typename": "GridWorker", "workerCode": "W001"}],
    }


def test_first_limits_each_relationship_field(graphql: GraphQL) -> None:
    result = data(
        graphql('{ address(id: "A1") { one: residents(first: 1) { id } none: residents(first: 0) { id } } }')
    )
    assert result["address"] == {"one": [{"id": "P1"}], "none": []}
    assert (
        "first must be between 0 and 500"
        in error_messages(graphql('{ address(id: "A1") { residents(first: 501) { id } } }'))[0]
    )


def test_lookup_by_id_and_missing_node(graphql: GraphQL) -> None:
    result = data(graphql('{ building(id: "B1") { name floors } license(licenseNumber: "nope") { id } }'))
    assert result == {"building": {"name": "1栋", "floors": None}, "license": None}


def test_a_lookup_needs_exactly_one_argument(graphql: GraphQL) -> None:
    for arguments, got in (("", 0), (f'(id: "P1", identityNumber: "{IDENTITY_NUMBER}")', 2)):
        body = graphql(f"{{ person{arguments} {{ id }} }}")
        assert body["data"] == {"person": None}
        assert error_messages(body) == [
            f"person: give exactly one of the arguments id, identityNumber (got {got})"
        ]


def test_stats_counts_nodes_per_type(graphql: GraphQL) -> None:
    stats = {row["type"]: row["count"] for row in data(graphql("{ stats { type count } }"))["stats"]}
    assert stats["Person"] == 2
    assert stats["Address"] == 1
    assert stats["SourceRecord"] == 0


def test_deep_queries_are_refused(graphql: GraphQL) -> None:
    query = '{ person(id: "P1") ' + "{ addresses { residents " * 5 + "{ id }" + " } }" * 5 + " }"
    body = graphql(query)
    assert body.get("data") is None
    assert any("exceeds maximum operation depth" in m for m in error_messages(body))


def test_many_aliases_are_refused(graphql: GraphQL) -> None:
    query = "{ " + " ".join(f'p{i}: person(id: "P1") {{ id }}' for i in range(31)) + " }"
    assert any("aliases found" in m for m in error_messages(graphql(query)))
