from resolvers.comparators import get_comparator
from tests.resolvers.comparators.twins import check_levels


def level(phone: int, address: int) -> int:
    """The combined level of part levels (−1 = unknown); the address part has 5 levels."""
    return (phone + 1) * 6 + address


def test_phone_and_address_as_one_field() -> None:
    home = ("+8613812345678", "R1", "B1", "E1", "501")
    check_levels(
        "phone*address",
        [
            (home, ("13812345678", "R1", "B1", "E1", "501"), level(2, 4)),
            (home, ("13812345678", "R9", "B9", "E9", None), level(2, 0)),
            (home, ("13900000000", "R1", "B1", "E1", "501"), level(0, 4)),
            (home, (None, "R2", "B1", "E1", "502"), level(-1, 2)),
            (home, (None, None, "B1", "E1", None), level(-1, 3)),
            (home, ("13812345678", None, None, None, None), level(2, -1)),
            (home, (None, None, None, None, None), -1),
        ],
    )
    comparator = get_comparator("phone*address")
    described = comparator.describe_levels()
    assert described[level(2, 4)] == "same number; same room"
    assert len(described) == level(2, 4) + 1
    assert not comparator.ordered  # its levels combine two rankings
    assert "phone numbers" in comparator.explanation
    assert "addresses" in comparator.explanation
