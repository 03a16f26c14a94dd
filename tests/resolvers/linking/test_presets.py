import pandas as pd

from resolvers.linking import LinkSpec, dedupe, febrl_spec, legal_entity_spec, person_spec
from resolvers.linking.presets import get_spec, resolver_for
from tests.resolvers.linking.factories import people


def test_presets_validate_and_round_trip() -> None:
    for spec in (person_spec(), legal_entity_spec(), febrl_spec()):
        assert LinkSpec.from_json(spec.to_json()) == spec


def test_the_registry_names_the_presets_a_schema_can_use() -> None:
    assert get_spec("person") == person_spec()
    assert get_spec("legal_entity") == legal_entity_spec()
    assert (resolver_for("Person"), resolver_for("LegalEntity"), resolver_for("Address")) == (
        "person",
        "legal_entity",
        None,
    )


def test_person_preset_on_a_household() -> None:
    rows = [
        # One person three ways: a homophone, traditional characters, a day/month swap, an ID typo.
        ("p1", "张伟", "11010519491231002X", "1949-12-31", "M", "+8613812345678", "R1", "B1", "E1"),
        ("p2", "章玮", "11010519491231002X", "1949/12/31", "男", "138-1234-5678", "R1", "B1", "E1"),
        ("p3", "張偉", "11010519491231003X", "1949-12-31", "1", None, None, "B1", "E1"),
        # His son: same name, same room, same phone, another number and birth date.
        ("s1", "张伟", "110105197503120017", "1975-03-12", "M", "+8613812345678", "R1", "B1", "E1"),
        ("s2", "张伟", None, "1975-03-12", "M", "+8613812345678", "R1", "B1", "E1"),
    ]
    columns = [
        "mid",
        "name",
        "identity_number",
        "birth_date",
        "gender",
        "phone",
        "address_id",
        "building_id",
        "estate",
    ]
    household = pd.DataFrame(rows, columns=columns).set_index("mid")
    household["room_number"] = household["address_id"].map({"R1": "501"})
    # The model is fitted on a district-like table, then applied to the household.
    district = people(400, seed=5).rename(columns={"room": "address_id", "building": "building_id"})
    district = district.assign(
        gender="M", estate=district["building_id"].str[:2], room_number=district["address_id"]
    ).set_index("mid")
    model = dedupe(district.drop(columns="entity"), person_spec()).model
    clusters = dedupe(household, person_spec(), model=model).clusters
    assert clusters["p1"] == clusters["p2"] == clusters["p3"]
    assert clusters["s1"] == clusters["s2"] != clusters["p1"]
