from resolvers.comparators import get_comparator
from tests.resolvers.comparators.twins import check_levels


def level(phone: int, address: int) -> int:
    """The combined level of part levels (−1 = unknown); the address part has 4 levels."""
    return (phone + 1) * 5 + address


def test_phone_and_address_as_one_field() -> None:
    home = ("+8613812345678", "R1", "B1", "E1")
    check_levels(
        "phone*address",
        [
            (home, ("13812345678", "R1", "B1", "E1"), level(2, 3)),
            (home, ("13812345678", "R9", "B9", "E9"), level(2, 0)),
            (home, ("13900000000", "R1", "B1", "E1"), level(0, 3)),
            (home, (None, "R2", "B1", "E1"), level(-1, 2)),
            (home, ("13812345678", None, None, None), level(2, -1)),
            (home, (None, None, None, None), -1),
        ],
    )
    comparator = get_comparator("phone*address")
    described = comparator.describe_levels()
    assert described[level(2, 3)] == "same number; same room"
    assert len(described) == level(2, 3) + 1
    assert not comparator.ordered  # its levels combine two rankings
    assert "phone numbers" in comparator.explanation
    assert "addresses" in comparator.explanation
