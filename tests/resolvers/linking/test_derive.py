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
