from resolvers.comparators import get_comparator
from resolvers.comparators.names import NAME_LEVELS, name_initials, name_pinyin
from tests.resolvers.comparators.twins import check_levels

DIFFERENT, ONE_LETTER, HOMOPHONE, SAME, MISSING = 0, 1, 2, 3, -1


def test_name_levels() -> None:
    check_levels(
        "person_name",
        [
            ("张伟", "张伟", SAME),
            ("張偉", "张伟", SAME),  # traditional characters
            ("张 伟", "张伟", SAME),  # a stray space
            ("ＡＢＣ", "ABC", SAME),  # full width
            ("张伟", "章伟", HOMOPHONE),  # 张/章
            ("张伟", "张玮", HOMOPHONE),  # 伟/玮
            ("張偉", "章玮", HOMOPHONE),
            ("张伟", "张文", ONE_LETTER),  # zhangwei / zhangwen
            ("李娜", "王芳", DIFFERENT),
            ("张伟", "张伟强", DIFFERENT),
            (None, "张伟", MISSING),
            ("", "张伟", MISSING),
            (float("nan"), "张伟", MISSING),
            ("李娜之女", "王芳", MISSING),  # a newborn's placeholder is no name
        ],
    )


def test_pinyin_keys_survive_homophones_and_traditional() -> None:
    assert name_pinyin("张伟") == name_pinyin("章玮") == name_pinyin("張偉") == "zhangwei"
    assert name_initials("张伟") == "zw"


def test_levels_are_described_and_explained() -> None:
    comparator = get_comparator("person_name")
    assert comparator.describe_levels() == NAME_LEVELS
    assert "homophone" in NAME_LEVELS[HOMOPHONE]
    assert comparator.explanation.endswith(".")
    assert "\n" not in comparator.explanation


def test_known_pinyin_is_taken_instead_of_computed_and_forgotten_after() -> None:
    import numpy as np

    from resolvers.comparators.names import known_pinyin, prepare_names

    names = np.array(["张伟", "李娜", None], dtype=object)
    # A marker no pinyin library would produce: the comparator must have taken it, not computed.
    with known_pinyin(names, np.array(["zhang-wei-stored", None, None], dtype=object)):
        prepared = prepare_names(names)
        assert prepared[:, 1].tolist() == ["zhang-wei-stored", "lina", ""]
        with known_pinyin(names, np.array(["inner", "inner", None], dtype=object)):
            assert name_pinyin("张伟") == "zhang-wei-stored"  # an outer block's value stays
            assert name_pinyin("李娜") == "inner"
        assert name_pinyin("李娜") == "lina"
    assert name_pinyin("张伟") == "zhangwei"
