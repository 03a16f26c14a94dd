from tests.resolvers.comparators.twins import check_levels

DIFFERENT, ESTATE, OTHER_ROOM, ROOM_UNKNOWN, ROOM, MISSING = 0, 1, 2, 3, 4, -1


def test_address_levels() -> None:
    room = ("R1", "B1", "E1", "501")
    check_levels(
        "address",
        [
            (room, ("R1", "B1", "E1", "501"), ROOM),
            (room, ("R2", "B1", "E1", "502"), OTHER_ROOM),
            (room, (None, "B1", "E1", None), ROOM_UNKNOWN),  # the room is unknown on one side
            (room, ("R3", "B2", "E1", "501"), ESTATE),
            (room, (None, None, "E1", None), ESTATE),
            (room, ("R4", "B3", "E2", None), DIFFERENT),
            (room, (None, None, "E2", None), DIFFERENT),
            (room, (None, None, None, None), MISSING),
        ],
    )


def test_a_room_number_places_an_address_known_only_by_its_building() -> None:
    """A library kept at building level, or a text naming no unit: the room number the text
    gives is the room, unless both sides are standard rooms (501 of two units)."""
    check_levels(
        "address",
        [
            ((None, "B1", None, "501"), (None, "B1", None, "501"), ROOM),
            ((None, "B1", None, "501"), ("R1", "B1", None, "501"), ROOM),
            ((None, "B1", None, "501"), (None, "B1", None, "1201"), OTHER_ROOM),
            ((None, "B1", None, "501"), (None, "B1", None, None), ROOM_UNKNOWN),
            (("R1", "B1", None, "501"), ("R2", "B1", None, "501"), OTHER_ROOM),  # two units' 501
            ((None, "B1", None, "501"), (None, "B2", None, "501"), DIFFERENT),
        ],
    )
