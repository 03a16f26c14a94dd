"""Golden values by trust, frequency and recency; conflicts on strong attributes."""

from __future__ import annotations

from datetime import date

from resolvers.survivorship import Statement, choose, golden_record


def test_the_most_trusted_source_wins_then_frequency_then_recency() -> None:
    statements = [
        Statement("phone", "+8613800000001", trust=60, seen="r1"),
        Statement("phone", "+8613800000002", trust=90, seen="r1"),
        Statement("phone", "+8613800000003", trust=60, seen="r2"),
    ]
    assert choose(statements) == "+8613800000002"
    assert choose(statements, ("recency", "trust")) == "+8613800000003"
    same_trust = [
        Statement("name", "张伟", 60, "r1"),
        Statement("name", "张伟", 60, "r1"),
        Statement("name", "章伟", 60, "r2"),
    ]
    assert choose(same_trust) == "张伟"


def test_an_invalid_value_never_wins_over_a_valid_one() -> None:
    statements = [
        Statement("identity_number", "110105194912310021", trust=95, seen="r1", valid=False),
        Statement("identity_number", "11010519491231002X", trust=60, seen="r1"),
    ]
    assert choose(statements) == "11010519491231002X"


def test_valid_disagreement_on_a_strong_attribute_is_a_conflict() -> None:
    statements = [
        Statement("birth_date", date(1956, 4, 17), 90, "r1"),
        Statement("birth_date", date(1956, 4, 17), 60, "r1"),
        Statement("birth_date", date(1956, 7, 14), 60, "r1"),
        Statement("phone", "+8613800000001", 60, "r1"),
        Statement("phone", "+8613800000002", 90, "r1"),
    ]
    golden = golden_record(statements, strong={"birth_date", "identity_number"})
    assert golden.values == {"birth_date": date(1956, 4, 17), "phone": "+8613800000002"}
    assert [(c.prop, c.values) for c in golden.conflicts] == [
        ("birth_date", (date(1956, 4, 17), date(1956, 7, 14)))
    ]
