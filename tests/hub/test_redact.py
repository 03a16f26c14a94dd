"""The last line of defence: identity and mobile numbers masked in any text that is logged or printed."""

from __future__ import annotations

import pytest

from hub.redact import redact_pii, redact_value


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("id 440304198711057311 fails", "id 4403**********7311 fails"),  # check character right
        ("11010519491231002X", "1101**********002X"),  # X as the check character
        ("440304198711057312", "4403**********7312"),  # one digit wrong: still a person's number
        ("legacy 440304871105731", "legacy 4403*******5731"),  # 15 digits, born 1987-11-05
        ("value 440304198711057311, which", "value 4403**********7311, which"),  # ladybug's wording
        ("call 13987654321.", "call 139****4321."),
        ("电话13987654321号", "电话139****4321号"),
        ("+86 139 8765 4321", "+86 139****4321"),
        ("8613987654321", "139****4321"),
        ("138-1234-5678", "138****5678"),
    ],
)
def test_identity_and_mobile_numbers_are_masked(text: str, shown: str) -> None:
    assert redact_pii(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "123456789012345678",  # 18 digits, but no check character nor birth date fits
        "run 20260102T030405123456Z-a1b2c3",  # run ids
        "Person p-0123456789abcdef",  # entity ids (a hex digest)
        "911100001000000001A",  # longer than an identity number
        "1234567 rows in 13.5 s",
        "0755-8321-1234",  # a landline: not masked (any count could look like one)
        "population:R1",
    ],
)
def test_other_numbers_are_left_as_they_are(text: str) -> None:
    assert redact_pii(text) == text


def test_values_of_a_log_event_are_masked_wherever_they_sit() -> None:
    event = {
        "error": ValueError("bad 440304198711057311"),
        "ids": [440304198711057311, ("13987654321",)],
        "count": 3,
        "ok": True,
        "ratio": 0.5,
    }
    assert redact_value(event) == {
        "error": "ValueError: bad 4403**********7311",
        "ids": ["4403**********7311", ("139****4321",)],
        "count": 3,
        "ok": True,
        "ratio": 0.5,
    }
