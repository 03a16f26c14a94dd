"""The person and company indexes on hand-written mentions: what each kind of noise finds, how
hits rank, what the filters keep and what the reasons say."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hub.search.companies import FEATURES as COMPANY_FEATURES
from hub.search.companies import CompanyIndex, build_company_index
from hub.search.persons import FEATURES as PERSON_FEATURES
from hub.search.persons import PersonIndex, build_person_index
from hub.search.source import Key, MentionRows, Places, key_name
from resolvers.normalize import get_normalizer

ORDER = ("trust", "frequency", "recency")
PLACES = Places({"B-1": "C-north", "B-2": "C-south"}, {"C-north": "北社区", "C-south": "南社区"})


def rows(features: tuple[Key, ...], mentions: list[dict[str, Any]]) -> MentionRows:
    """Mention rows as the state database gives them (features as text, None where absent; of
    several keys, the first present)."""

    def value(mention: dict[str, Any], key: Key) -> Any:
        keys = (key,) if isinstance(key, str) else key
        return next((mention[k] for k in keys if mention.get(k) is not None), None)

    return MentionRows(
        entity_ids=np.array([m["entity"] for m in mentions], dtype=object),
        trust=np.array([m.get("trust", 50) for m in mentions], dtype=np.int64),
        run_ids=np.array([m.get("run", "run-1") for m in mentions], dtype=object),
        features={key_name(k): np.array([value(m, k) for m in mentions], dtype=object) for k in features},
    )


def person(entity: str, written: str, year: str | None, sex: str | None, building: str | None = None,
           **extra: Any) -> dict[str, Any]:  # fmt: skip
    # The name as the mapping stores it: the person_name normaliser's value (張偉 → 张伟).
    return {"entity": entity, "name": get_normalizer("person_name")(written).value, "~birth_year": year,
            "~gender_any": sex, "building_id": building, **extra}  # fmt: skip


@pytest.fixture(scope="module")
def people() -> PersonIndex:
    mentions = [
        person("P-1", "张伟", "1980", "M", "B-1", trust=80),
        person("P-1", "張偉", "1980", "M", "B-1", trust=40),  # a Hong Kong permit, traditional
        person("P-2", "章伟", "1985", "M", "B-2"),  # another man whose name sounds the same
        person("P-3", "张伟", "1992", "F", "B-2"),  # a woman with the same name
        person("P-4", "陈建国", "1955", "M", "B-1"),
        person("P-5", "张传", "1980", "M", "B-1"),
        person("P-6", "李娜之女", "2026", "F", "B-1"),  # a newborn not yet named
        person("P-7", "欧阳娜娜", None, None, None, birth_date="1990-05-01", gender="女"),
        person("P-8", "张文", "1980", "M", "B-2"),
    ]
    return build_person_index(rows(PERSON_FEATURES, mentions), PLACES, ORDER)


def ids(hits: list[Any]) -> list[str]:
    return [h.entity_id for h in hits]


def test_the_shown_name_ranks_first_then_the_same_name_written_by_a_source(people: PersonIndex) -> None:
    hits = people.search("张伟")
    # P-1 and P-3 are shown as 张伟 (ties in id order); 章伟 sounds the same; 张文 is a letter off.
    assert ids(hits) == ["P-1", "P-3", "P-2", "P-8"]
    assert [h.score for h in hits] == [1.0, 1.0, 0.9, 0.7]
    assert hits[0].label == "张伟"
    assert hits[0].reasons == [
        "张伟 / 张伟: same name (once traditional characters are simplified and spaces dropped)"
    ]
    assert hits[2].reasons == ["张伟 / 章伟: same pinyin without tones: a homophone (e.g. 张伟/章玮)"]
    assert hits[3].reasons == ["张伟 / 张文: pinyin within one letter (e.g. 张伟/张文: zhangwei/zhangwen)"]


def test_a_homophone_finds_the_person_it_sounds_like(people: PersonIndex) -> None:
    hits = people.search("章伟")
    assert ids(hits)[:3] == ["P-2", "P-1", "P-3"]  # the 章伟 himself, then those it sounds like
    assert hits[1].score == 0.9


def test_traditional_characters_and_stray_spaces_are_the_same_name(people: PersonIndex) -> None:
    for written in ("張偉", "张 伟", "张　伟", "ＺＨＡＮＧ ＷＥＩ"):
        assert ids(people.search(written, birth_year=1980, gender="M"))[0] == "P-1", written
    assert people.search("張偉")[0].reasons[0].startswith("张伟 / 张伟: same name")


def test_one_wrong_character_in_a_longer_name_is_a_slip_but_not_in_a_two_character_one(
    people: PersonIndex,
) -> None:
    hits = people.search("陈建图")
    assert ids(hits) == ["P-4"]
    assert hits[0].score == 0.75
    assert "one character wrong, missing or extra" in hits[0].reasons[0]
    assert ids(people.search("陈国")) == ["P-4"]  # a character left out of 陈建国
    # 张传 and 张伟 share one character of two and sound different: another name, not a slip.
    assert "P-1" not in ids(people.search("张传"))


def test_filters_keep_the_birth_year_gender_and_community_asked_for(people: PersonIndex) -> None:
    assert ids(people.search("张伟", birth_year=1992)) == ["P-3"]
    assert ids(people.search("张伟", gender="女")) == ["P-3"]
    assert ids(people.search("张伟", gender="1")) == ["P-1", "P-2", "P-8"]
    assert ids(people.search("张伟", community="C-north")) == ["P-1"]
    assert ids(people.search("张伟", community="C-south", birth_year=1985)) == ["P-2"]
    assert people.search("张伟", community="C-nowhere") == []
    hit = people.search("张伟", birth_year=1980, gender="M", community="C-north")[0]
    assert hit.reasons[1:] == [
        "born 1980: same year only (or only the year is known)",
        "gender M: The recorded sexes are the same (M/F, 男/女 and 1/2 read alike).",
        "community 北社区 (C-north): a source places them in one of its buildings",
    ]
    with pytest.raises(ValueError, match="gender"):
        people.search("张伟", gender="X")


def test_birth_and_gender_fall_back_on_the_stated_values(people: PersonIndex) -> None:
    # No derived values stored (a mention written before the resolver derived them).
    assert ids(people.search("欧阳娜娜", birth_year=1990, gender="F")) == ["P-7"]


def test_a_placeholder_is_not_a_name_and_nothing_is_found_for_nothing(people: PersonIndex) -> None:
    assert people.search("李娜之女") == []
    assert people.search("") == []
    assert people.search("   ") == []
    assert people.search("张伟", limit=0) == []


def test_a_variant_a_source_wrote_ranks_below_the_shown_name() -> None:
    # 章伟 was written once for the person shown as 张伟 (by two more trusted sources).
    mentions = [person("P-1", "张伟", "1980", "M", trust=80), person("P-1", "张伟", "1980", "M"),
                person("P-1", "章伟", "1980", "M", trust=20), person("P-2", "章伟", "1985", "M")]  # fmt: skip
    index = build_person_index(rows(PERSON_FEATURES, mentions), PLACES, ORDER)
    hits = index.search("章伟")
    assert ids(hits) == ["P-2", "P-1"]
    assert [h.score for h in hits] == [1.0, 0.95]
    assert hits[1].label == "张伟"
    assert hits[1].reasons[1] == "章伟 is how a source wrote the name; the person is shown as 张伟"


def test_the_shown_name_follows_the_survivorship_rules() -> None:
    mentions = [person("P-1", "张伟", "1980", "M", trust=40, run="r1"), person("P-1", "张伟", None, None, trust=40, run="r1"),
                person("P-1", "章伟", "1980", "M", trust=90, run="r0")]  # fmt: skip
    by_trust = build_person_index(rows(PERSON_FEATURES, mentions), PLACES, ORDER)
    assert by_trust.search("张伟")[0].label == "章伟"  # the most trusted source's
    by_frequency = build_person_index(rows(PERSON_FEATURES, mentions), PLACES, ("frequency", "trust"))
    assert by_frequency.search("张伟")[0].label == "张伟"
    by_recency = build_person_index(rows(PERSON_FEATURES, mentions), PLACES, ("recency",))
    assert by_recency.search("张伟")[0].label == "张伟"


def company(entity: str, name: str, building: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "entity": entity,
        "name": get_normalizer("org_name")(name).value,
        "building_id": building,
        **extra,
    }


@pytest.fixture(scope="module")
def companies() -> CompanyIndex:
    mentions = [
        company("L-1", "深圳市福山餐饮有限公司", "B-1", trust=80),
        company("L-1", "福山餐饮（深圳）有限公司", "B-1"),
        company("L-2", "深圳市福山餐饮有限公司福田分公司", "B-2"),  # a branch: a legal entity of its own
        company("L-3", "深圳市富山餐饮有限公司", "B-2"),  # registered beside it, one homophone apart
        company("L-4", "深圳市福山建材有限公司", "B-1"),
        company("L-5", "上海隆腾科技有限公司", "B-2"),
    ]
    return build_company_index(rows(COMPANY_FEATURES, mentions), PLACES, ORDER)


@pytest.mark.parametrize(
    "written",
    ["福山餐饮", "深圳市福山餐饮有限公司", "深圳市福山餐飲有限公司", "深圳福山餐饮有限责任公司", "福山餐饮 有限公司",
     "福山餐饮(深圳)有限公司"],
)  # fmt: skip
def test_a_company_is_found_by_its_core_whatever_the_city_legal_form_or_script(
    companies: CompanyIndex, written: str
) -> None:
    hits = companies.search(written)
    assert hits[0].entity_id == "L-1"
    assert hits[0].score == 1.0
    assert hits[0].label == "深圳市福山餐饮有限公司"
    assert (
        hits[0]
        .reasons[0]
        .endswith("same name once the city marker and the spelling of the legal form are set aside")
    )


def test_company_hits_rank_by_the_comparator_levels_then_by_containment(companies: CompanyIndex) -> None:
    hits = companies.search("福山餐饮")
    assert ids(hits) == ["L-1", "L-3", "L-2"]
    assert [h.score for h in hits] == [1.0, 0.75, 0.5]
    assert (
        hits[1]
        .reasons[0]
        .endswith("core names one homophone or one character apart (e.g. 华信科技/华鑫科技)")
    )
    assert "a branch and its parent" in hits[2].reasons[0]
    # Part of the trade name: every core containing it, the more of it typed the better.
    part = companies.search("福山")
    assert ids(part) == ["L-1", "L-4", "L-2"]
    assert part[0].reasons == ["the core name 福山餐饮 contains 福山"]
    assert part[0].score == pytest.approx(0.6)
    # A parent from another city keeps its city in the core; the branch ranks below it.
    assert ids(companies.search("隆腾科技")) == ["L-5"]
    assert ids(companies.search("深圳市福山餐饮有限公司福田分公司"))[:2] == ["L-2", "L-1"]


def test_company_community_filter(companies: CompanyIndex) -> None:
    assert ids(companies.search("福山", community="C-south")) == ["L-2"]
    assert companies.search("福山", community="C-north")[0].reasons[-1] == (
        "community 北社区 (C-north): registered in one of its buildings"
    )
    assert companies.search("") == []
