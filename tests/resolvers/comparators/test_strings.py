from resolvers.comparators import get_comparator
from tests.resolvers.comparators.twins import check_levels


def test_exact_and_gender() -> None:
    check_levels("exact", [("NSW", "nsw ", 1), ("nsw", "vic", 0), (None, "vic", -1), (42.0, "42", 1)])
    check_levels("gender", [("男", "M", 1), ("1", "male", 1), ("女", "M", 0), ("F", None, -1)])


def test_jaro_winkler_levels() -> None:
    thresholds = [0.92, 0.8]
    check_levels(
        "jaro_winkler",
        [
            ("michaela", "michaela", 3),
            ("michaela", "michafla", 2),
            ("stanley", "stanfield", 1),
            ("blake", "zoe", 0),
        ],
        thresholds=thresholds,
    )
    assert get_comparator("jaro_winkler").describe_levels({"thresholds": thresholds}) == (
        "different",
        "similar (Jaro–Winkler ≥ 0.8)",
        "similar (Jaro–Winkler ≥ 0.92)",
        "same",
    )


def test_edit_distance_and_postcode_levels() -> None:
    check_levels(
        "edit_distance",
        [
            ("5304218", "5304218", 3),
            ("5304218", "5304281", 2),
            ("5304218", "5309281", 1),
            ("5304218", "1234567", 0),
        ],
        distances=[1, 2],
    )
    check_levels(
        "postcode",
        [
            ("4223", "4223", 3),
            ("4223", "4232", 2),
            ("4223", "4290", 1),
            ("4223", "6014", 0),
            ("", "6014", -1),
        ],
        prefix=2,
    )
