from resolvers.normalize.companies import split_company_name
from resolvers.normalize.names import org_name
from tests.resolvers.comparators.twins import check_levels

DIFFERENT, BRANCH, NEAR, FORM, SAME, MISSING = 0, 1, 2, 3, 4, -1


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
            (x, parts("华信科技"), SAME),  # a brand: no legal form
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


def test_district_marker_and_registry_legal_form() -> None:
    check_levels(
        "company_name",
        [
            (("福田区信昌便利店", None, None), ("信昌便利店", "个体工商户", None), SAME),
            (("新美医药", "有限责任公司分公司", "华富分公司"), ("新美医药", "有限公司", "华富分公司"), SAME),
        ],
    )
