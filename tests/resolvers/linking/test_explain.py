import math

from resolvers.linking import dedupe, explain_pair
from tests.resolvers.linking.factories import people, person_spec


def test_explanation_matches_the_engine() -> None:
    df = people(200)
    spec = person_spec()
    result = dedupe(df, spec, keep_all=True)
    records = df.set_index("mid")
    for _, pair in result.pairs.sample(40, random_state=0).iterrows():
        explained = explain_pair(
            spec, result.model, records.loc[pair.id_l].to_dict(), records.loc[pair.id_r].to_dict()
        )
        assert math.isclose(explained.weight, pair.weight, abs_tol=1e-9)
        assert explained.decision == pair.decision or pair.decision == "review"
        for field in explained.fields:
            assert field.level == pair[f"gamma_{field.field}"]
            assert math.isclose(field.weight, pair[f"w_{field.field}"], abs_tol=1e-9)


def test_explanation_says_why() -> None:
    df = people(200)
    spec = person_spec()
    model = dedupe(df, spec).model
    a = {"mid": "a", "name": "张伟", "birth_date": "1980-04-07", "identity_number": None,
         "phone": "+8613812345678", "room": "R1", "building": "B1"}  # fmt: skip
    b = {**a, "mid": "b", "name": "章玮", "birth_date": "1980-07-04", "phone": "138-1234-5678"}
    explained = explain_pair(spec, model, a, b)
    by_field = {f.field: f for f in explained.fields}
    assert by_field["name"].level == 2
    assert "homophone" in by_field["name"].level_description
    assert by_field["name"].explanation.startswith("The names are the same")
    assert by_field["birth_date"].level == 3
    assert "swapped" in by_field["birth_date"].level_description
    assert by_field["identity_number"].level == -1
    assert by_field["identity_number"].weight == 0
    assert (by_field["name"].value_a, by_field["name"].value_b) == ("张伟", "章玮")
    total = explained.prior_weight + sum(f.weight for f in explained.fields)
    assert math.isclose(total, explained.weight)
    text = explained.render()
    assert "homophone" in text
    assert "张伟 | 章玮" in text
    assert explained.decision in text
