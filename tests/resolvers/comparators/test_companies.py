from resolvers.comparators.companies import BRANCH, DIFFERENT, FORM_UNKNOWN, NEAR, OTHER_FORM, SAME_NAME
from resolvers.normalize.companies import split_company_name
from resolvers.normalize.names import org_name
from tests.resolvers.comparators.twins import check_levels

SAME, FORM, MISSING = SAME_NAME, OTHER_FORM, -1


def parts(name: str) -> tuple[str, str | None, str | None]:
    """A raw name as the mapping stores it: core, legal form, branch (see normalize.companies)."""
    split = split_company_name(org_name(name).value)
    return split.core, split.legal_form, split.branch


def test_company_name_levels() -> None:
    x = parts("深圳市华信科技有限公司")
    check_levels(
        "company_name",
        [
            (x, parts("华信科技（深圳）有限公司"), SAME),
            (x, parts("深圳华信科技有限公司"), SAME),
            (x, parts("深圳市华信科技有限责任公司"), SAME),  # one legal form, two spellings
            (x, parts("华信科技"), FORM_UNKNOWN),  # a trade name: no legal form
            (x, parts("深圳市華信科技有限公司"), SAME),  # traditional characters
            (x, parts("深圳市华信科技股份有限公司"), FORM),
            (x, parts("深圳市华鑫科技有限公司"), NEAR),  # one homophone apart: a hard negative
            (x, parts("深圳市华信达科技有限公司"), NEAR),  # one character more
            (x, parts("深圳市华信科技有限公司福田分公司"), BRANCH),  # a branch is never its parent
            (parts("深圳市华信科技有限公司福田分公司"), parts("深圳市华信科技有限公司南山分公司"), BRANCH),
            (parts("深圳市华信科技有限公司福田分公司"), parts("深圳市华信科技有限公司福田分公司"), SAME),
            # The location bracket of the parent does not pull its legal form into the branch.
            (
                parts("华信科技（深圳）有限公司福田分公司"),
                parts("华信科技（深圳）公司福田分公司"),
                SAME,
            ),
            (parts("华信科技（深圳）有限公司福田分公司"), parts("深圳市华信科技有限公司福田分公司"), SAME),
            (parts("华信科技（深圳）有限公司福田分公司"), parts("华信科技（深圳）有限公司"), BRANCH),
            (x, parts("深圳市明云医疗器械有限公司"), DIFFERENT),
            (x, (None, None, None), MISSING),
        ],
    )


def test_the_issue_cases_both_directions() -> None:
    """Issue 13: location marker, brackets, full-width space and legal-form spelling are one name;
    a one-character difference, a branch and another authority's name are not."""
    a = parts("深圳市福华餐饮有限公司")
    check_levels(
        "company_name",
        [
            (a, parts("深圳市福田区福华餐饮有限公司"), SAME),  # the district marker present
            (a, parts("福田区福华餐饮有限公司"), SAME),
            (a, parts("福华餐饮有限公司"), SAME),  # no marker at all
            (a, parts("福华餐饮（深圳）有限公司"), SAME),
            (a, parts("福华餐饮(深圳)有限公司"), SAME),  # half-width brackets
            (a, parts("福华餐饮【深圳】有限公司"), SAME),
            (a, parts("深圳市\u3000福华餐饮\u3000有限公司"), SAME),  # full-width spaces
            (a, parts("深圳市福华餐饮有限责任公司"), SAME),  # Company Law art. 7: one form
            (a, parts("深圳市福華餐飲有限公司"), SAME),  # traditional characters
            (a, parts("深圳市福华餐饮公司"), SAME),  # a bare 公司 names no other form
            (a, parts("深圳市福华饮食有限公司"), DIFFERENT),  # another core: never the same name
            (a, parts("深圳市福桦餐饮有限公司"), NEAR),  # one homophone apart
            (a, parts("深圳市福华餐厅有限公司"), NEAR),  # one character apart
            (a, parts("深圳市福华餐饮有限公司福田分店"), BRANCH),
            (a, parts("广州市福华餐饮有限公司"), DIFFERENT),  # another authority's name
            (a, parts("广东省福华餐饮有限公司"), DIFFERENT),  # the province registers its own
            (a, parts("深圳市福华餐饮股份有限公司"), FORM),
            (a, parts("深圳市福华餐饮集团有限公司"), FORM),  # a group is a related company
        ],
    )


def test_branches_are_told_apart_by_name_and_number() -> None:
    first = parts("深圳市福华餐饮有限公司第二分店")
    check_levels(
        "company_name",
        [
            (first, parts("深圳市福华餐饮有限公司第2分店"), SAME),
            (first, parts("福华餐饮（深圳）有限责任公司第二分店"), SAME),
            (first, parts("深圳市福华餐饮有限公司第3分店"), BRANCH),
            (first, parts("深圳市福华餐饮有限公司"), BRANCH),
            (parts("深圳市福华餐饮有限公司沙头分公司"), parts("深圳市福华餐饮有限公司香蜜湖分公司"), BRANCH),
        ],
    )


def test_an_individual_business_without_legal_form() -> None:
    check_levels(
        "company_name",
        [
            (parts("深圳市福田区昌顺瑞水果店"), parts("福田区昌顺瑞水果店"), SAME),
            (parts("深圳市福田区昌顺瑞水果店"), parts("昌顺瑞水果店"), SAME),
            (parts("深圳市福田区昌顺瑞水果店"), parts("深圳市福田区昌顺水果店"), NEAR),
        ],
    )


def test_placeholders_are_no_name() -> None:
    check_levels(
        "company_name",
        [
            (("无", None, None), ("无", None, None), MISSING),
            (("个体工商户", None, None), ("个体工商户", None, None), MISSING),
            (("-", None, None), ("-", None, None), MISSING),
        ],
    )


def test_district_marker_and_registry_legal_form() -> None:
    check_levels(
        "company_name",
        [
            (("福田区信昌便利店", None, None), ("信昌便利店", "个体工商户", None), SAME),
            (("新美医药", "有限责任公司分公司", "华富分公司"), ("新美医药", "有限公司", "华富分公司"), SAME),
            (("新美医药", "有限责任公司(自然人独资)", None), ("新美医药", "有限公司", None), SAME),
            (("新美医药", "股份有限公司(非上市)", None), ("新美医药", "股份公司", None), SAME),
        ],
    )
