from tests.resolvers.comparators.twins import check_levels

DIFFERENT, SLIP, SAME, MISSING = 0, 1, 2, -1


def test_phone_levels() -> None:
    check_levels(
        "phone",
        [
            ("+8613812345678", "138-1234-5678", SAME),
            ("+8613812345678", "8613812345678", SAME),
            ("+86 138 1234 5678", "008613812345678", SAME),
            ("+8613812345678", "13812345679", SLIP),  # one digit mistyped
            ("+8613812345678", "13812345687", SLIP),  # two swapped
            ("+8613812345678", "1381234567", SLIP),  # the last digit lost
            ("+8613812345678", "13812345", SLIP),  # cut short, 8 digits left
            ("+8613812345678", "13912345000", DIFFERENT),
            ("0755-80117870", "+8613812345678", DIFFERENT),
            (None, "13812345678", MISSING),
            ("n/a", "13812345678", MISSING),
        ],
    )
