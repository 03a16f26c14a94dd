"""How the workbench's search reads a query when the steward leaves the kind to it."""

from __future__ import annotations

import pytest

from hub.api.workbench.search import classify


@pytest.mark.parametrize(
    ("query", "searches"),
    [
        ("44030419900101001X", ["id"]),
        ("4403 0419 9001 0100 1x", ["id"]),  # spaced and lower-case, as typed
        ("９１４４０３００ＭＡ５ＤＸＸＸＸ１Ｘ", ["id"]),  # full-width, from a Chinese keyboard
        ("张伟", ["name"]),
        ("Acme 123", ["name"]),  # too few digits to be an identifier
        ("福华路1号", ["name", "address"]),
        ("星河华庭1栋2单元203", ["name", "address"]),
    ],
)
def test_classify(query: str, searches: list[str]) -> None:
    assert classify(query) == searches
