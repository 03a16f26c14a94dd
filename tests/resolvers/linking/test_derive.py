"""Derived columns the person preset relies on: the birth date an identity number encodes."""

from __future__ import annotations

import pandas as pd
from stdnum.cn import ric

from resolvers.linking.derive import derive


def _valid(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check character


def test_a_valid_identity_number_gives_its_birth_date_and_fills_a_missing_one() -> None:
    ids = pd.Series([_valid("44030419760805001"), "440304197608050019", None], dtype=object)
    keys = derive("resident_id", [ids], {})
    valid = derive("resident_id_valid", [keys], {})
    assert valid.tolist()[:2] == [True, ric.is_valid("440304197608050019")]
    of_id = derive("birth_date_of_id", [keys, valid], {})
    assert of_id.iloc[0] == "19760805"
    assert of_id.iloc[2] is None
    if not valid.iloc[1]:
        assert of_id.iloc[1] is None  # a number failing its check says nothing about the birth date
    stated = pd.Series([None, "1980-01-01", ""], dtype=object)
    both = derive("first_present", [stated, of_id], {})
    assert both.tolist()[:2] == ["19760805", "1980-01-01"]


def test_a_valid_identity_number_gives_its_holders_sex() -> None:
    ids = pd.Series([_valid("44030419760805001"), _valid("44030419760805002"), None], dtype=object)
    valid = derive("resident_id_valid", [ids], {})
    assert derive("gender_of_id", [ids, valid], {}).tolist() == ["M", "F", None]


def test_comparators_take_the_pinyin_a_frame_holds() -> None:
    """A stored name_pinyin column stands in for computing the pinyin again while fields are
    prepared (the value here is a marker no pinyin library gives)."""
    from resolvers.linking import person_spec
    from resolvers.linking.compare import prepare_fields
    from resolvers.linking.derive import reusing

    spec = person_spec()
    field = next(f for f in spec.fields if f.comparator == "person_name")
    frame = pd.DataFrame({"name": ["张伟", "王芳"], "name_pinyin": ["stored-zw", None]})
    with reusing(spec, frame):
        inside = prepare_fields([field], frame, None).left[0]
    after = prepare_fields([field], frame, None).left[0]
    assert inside[:, 1].tolist() == ["stored-zw", "wangfang"]
    assert after[:, 1].tolist() == ["zhangwei", "wangfang"]
