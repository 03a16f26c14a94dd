"""Value normalisers: valid values normalised, invalid ones kept as written and flagged."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from graph_schema import default_schema
from resolvers.normalize import get_normalizer, normalizer_names
from resolvers.normalize.identifiers import upgrade_15_to_18

resident_id = get_normalizer("resident_id")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),  # lower-case x
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width
        ("110105491231002", "11010519491231002X"),  # legacy 15-digit form upgraded
    ],
)
def test_resident_ids_are_normalised_to_the_18_character_form(written: str, expected: str) -> None:
    result = resident_id(written)
    assert result.valid
    assert result.value == expected


def test_a_resident_id_failing_its_checksum_is_kept_and_flagged() -> None:
    result = resident_id("110105194912310021")
    assert result.value == "110105194912310021"
    assert result.problem is not None
    assert "check character" in result.problem


def test_15_digit_upgrade_computes_the_check_character() -> None:
    upgraded = upgrade_15_to_18("110105560417001")
    assert upgraded.startswith("11010519560417001")
    assert ric.is_valid(upgraded)


def test_an_area_code_created_after_the_birth_year_is_still_valid() -> None:
    # Futian (440304) dates from 1990; residents born before then registered there hold such numbers.
    number = upgrade_15_to_18("440304560417001")
    assert not ric.is_valid(number)  # stdnum's stricter reading
    assert resident_id(number).valid
    no_such_area = resident_id(upgrade_15_to_18("999999560417001"))
    assert no_such_area.problem is not None
    assert "unknown area code" in no_such_area.problem
    assert not resident_id(upgrade_15_to_18("440304560230001")).valid  # no 30 February


def test_uscc_checksum() -> None:
    uscc = get_normalizer("uscc")
    assert uscc("91110000600037341L").valid
    assert uscc("91110000600037341l").value == "91110000600037341L"
    assert not uscc("91110000600037341X").valid


@pytest.mark.parametrize("written", ["138-1234-5678", "+86 138 1234 5678", "8613812345678", "13812345678"])
def test_mobile_numbers_become_e164(written: str) -> None:
    assert get_normalizer("phone")(written).value == "+8613812345678"


def test_an_impossible_phone_is_flagged() -> None:
    assert get_normalizer("phone")("12345").problem == "not a valid phone number"


def test_names_drop_spaces_and_become_simplified() -> None:
    assert get_normalizer("person_name")(" 張 偉 ").value == "张伟"
    assert get_normalizer("person_name")("John  Smith").value == "John Smith"
    assert (
        get_normalizer("org_name")("深圳市 某某科技（深圳）有限公司").value == "深圳市某某科技(深圳)有限公司"
    )


def test_every_normalizer_the_schema_names_exists() -> None:
    declared = {p.normalizer for n in default_schema().node_types for p in n.properties if p.normalizer}
    assert declared <= set(normalizer_names())


def test_a_newborns_placeholder_name_is_kept_but_never_golden_over_a_real_name() -> None:
    """李娜之子 (the newborn register's name for a child not yet named) is a problem, not a name:
    the register is trusted more than the grid collection, yet the name the grid worker wrote wins."""
    from resolvers.normalize.names import person_name
    from resolvers.survivorship import Statement, choose

    for placeholder in ("李娜之子", "李娜之女", "新生儿", "男婴"):
        normalized = person_name(placeholder)
        assert normalized.value == placeholder
        assert normalized.problem == "a placeholder, not yet a name"
    assert person_name("王子轩").valid
    assert person_name("之子豪").valid  # a name that only contains the characters
    register = Statement("name", "梁燕之子", 95, "run-1", valid=person_name("梁燕之子").valid)
    collected = Statement("name", "王子轩", 60, "run-1", valid=person_name("王子轩").valid)
    assert choose([register, collected]) == "王子轩"
    assert choose([register]) == "梁燕之子"  # nothing better: the placeholder is still shown
