import numpy as np
import pytest

from resolvers.comparators import comparator_names, get_comparator


@pytest.mark.parametrize("name", comparator_names())
def test_every_comparator_explains_itself(name: str) -> None:
    comparator = get_comparator(name)
    doc = (comparator.compare.__doc__ or "").strip()
    assert doc, "the docstring is the explanation shown to stewards"
    assert "\n" not in doc, "the explanation is one line"
    levels = comparator.describe_levels()
    assert len(levels) >= 2
    assert all(levels)


@pytest.mark.parametrize(
    "name", ["person_name", "birth_date", "resident_id", "phone", "jaro_winkler", "postcode"]
)
def test_scalar_and_vectorised_agree_on_noisy_values(name: str) -> None:
    rng = np.random.default_rng(1)
    pool = {
        "person_name": ["张伟", "章玮", "張偉", "张文", "李娜", None, "王芳", "王方"],
        "birth_date": ["19460417", "1946-07-04", "1946", "19470417", None, "1980/1/2", "1946-04-18"],
        "resident_id": [
            "11010519491231002X",
            "11010519491231003X",
            "110105491231002",
            None,
            "11010519491213002X",
        ],
        "phone": ["+8613812345678", "13812345679", "1381234567", None, "0755-80117870"],
        "jaro_winkler": ["michaela", "michafla", "micheal", None, "zoe"],
        "postcode": ["4223", "4232", "4290", None, "6014"],
    }[name]
    values = np.empty(len(pool), dtype=object)
    values[:] = pool
    a, b = values[rng.integers(0, len(pool), 200)], values[rng.integers(0, len(pool), 200)]
    comparator = get_comparator(name)
    assert comparator.compare_many(a, b).tolist() == [
        comparator.compare(x, y) for x, y in zip(a, b, strict=True)
    ]


def test_unknown_comparator() -> None:
    with pytest.raises(KeyError, match="unknown comparator"):
        get_comparator("soundex")
