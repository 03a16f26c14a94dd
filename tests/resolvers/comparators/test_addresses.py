from tests.resolvers.comparators.twins import check_levels

DIFFERENT, ESTATE, BUILDING, ROOM, MISSING = 0, 1, 2, 3, -1


def test_address_levels() -> None:
    room = ("R1", "B1", "E1")
    check_levels(
        "address",
        [
            (room, ("R1", "B1", "E1"), ROOM),
            (room, ("R2", "B1", "E1"), BUILDING),
            (room, (None, "B1", "E1"), BUILDING),  # the room is unknown on one side
            (room, ("R3", "B2", "E1"), ESTATE),
            (room, (None, None, "E1"), ESTATE),
            (room, ("R4", "B3", "E2"), DIFFERENT),
            (room, (None, None, "E2"), DIFFERENT),
            (room, (None, None, None), MISSING),
        ],
    )
