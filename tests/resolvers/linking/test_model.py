import math

import numpy as np

from resolvers.linking import FieldModel, FSModel
from resolvers.linking.tf import TermFrequencies


def model() -> FSModel:
    return FSModel(
        entity_type="Person",
        prior=1e-4,
        fields=(
            FieldModel(
                "name", ("different", "homophone", "same"), (0.05, 0.05, 0.9), (0.9, 0.05, 0.05), (True,) * 3
            ),
            FieldModel(
                "phone",
                ("different", "slip", "same"),
                (0.2, 0.1, 0.7),
                (0.98, 0.01, 0.01),
                (True, False, True),
            ),
        ),
        term_frequencies=(TermFrequencies("name", 2, "name", 100, {"张伟": 10}),),
    )


def test_weights_are_log2_bayes_factors() -> None:
    m = model()
    assert m.fields[0].weights()[2] == math.log2(0.9 / 0.05)
    assert m.fields[1].weights()[1] == 0.0  # a level never seen while fitting carries no weight
    table = m.weight_table()
    assert table.shape == (2, 4)
    assert (table[:, 0] == 0).all()
    assert math.isclose(m.prior_weight, math.log2(1e-4 / (1 - 1e-4)))


def test_judgements_move_m_and_u_the_right_way() -> None:
    before = model()
    same = np.array([[1, 2], [1, 2], [1, 0]], dtype=np.int8)  # stewards: homophones were the same
    different = np.array([[2, 2], [2, -1]], dtype=np.int8)  # and exact names were not always
    after = before.apply_judgements(same, different, strength=10)
    assert after.field("name").m[1] > before.field("name").m[1]
    assert after.field("name").u[2] > before.field("name").u[2]
    assert after.field("phone").u[2] > before.field("phone").u[2]
    assert after.field("name").weights()[2] < before.field("name").weights()[2]
    assert after.field("name").weights()[1] > before.field("name").weights()[1]
    assert math.isclose(sum(after.field("name").m), 1.0)
    assert math.isclose(sum(after.field("phone").u), 1.0)
    assert after.judgements == (3, 2)


def test_json_round_trip() -> None:
    original = model()
    restored = FSModel.from_json(original.to_json())
    assert restored == original
    assert restored.term_frequencies[0].frequency("张伟") == 0.1
    assert restored.term_frequencies[0].frequency("欧阳明轩") == 0.01


def test_a_weaker_level_never_outweighs_a_stronger_one() -> None:
    # A rare level seen in few random pairs gets a tiny u: its raw weight beats the exact level's.
    dates = FieldModel("birth_date", ("different", "swapped", "same"), (0.01, 0.01, 0.98), (0.99, 1e-9, 1e-4),
                       (True,) * 3, ordered=3)  # fmt: skip
    weights = dates.weights()
    assert weights[1] == weights[2] == math.log2(0.98 / 1e-4)
    unranked = FieldModel(
        "phone_address", ("a", "b", "c"), (0.01, 0.01, 0.98), (0.99, 1e-9, 1e-4), (True,) * 3
    )
    assert unranked.weights()[1] > unranked.weights()[2]  # a combination of two comparators has no ranking


def test_a_saved_model_fits_only_the_levels_it_was_fitted_to() -> None:
    """A comparator that gained a level (company_name's same registered name) makes the saved
    model unusable: the resolution pass refits instead of indexing past its weights."""
    from hub.resolution.passes import _fitting_model
    from resolvers.linking import legal_entity_spec

    spec = legal_entity_spec()
    fields = tuple(
        FieldModel(f.name, f.level_descriptions(), (0.5,) * len(f.level_descriptions()),
                   (0.5,) * len(f.level_descriptions()), (True,) * len(f.level_descriptions()))
        for f in spec.fields
    )  # fmt: skip
    model = FSModel("LegalEntity", 0.01, fields)
    assert _fitting_model(model.to_json(), spec) == model.to_json()
    older = FSModel("LegalEntity", 0.01, (FieldModel("name", fields[0].levels[:-1], (0.5,) * 5, (0.5,) * 5, (True,) * 5), *fields[1:]))  # fmt: skip
    assert _fitting_model(older.to_json(), spec) is None
    assert _fitting_model(None, spec) is None
