"""Company names: one company written three ways shares core and legal form; a branch stays a branch."""

from __future__ import annotations

import pytest

from resolvers.normalize import get_normalizer
from resolvers.normalize.companies import split_company_name

org_name = get_normalizer("org_name")


@pytest.mark.parametrize(
    "written",
    ["深圳市某某科技有限公司", "某某科技（深圳）有限公司", "深圳某某科技有限公司", "深圳 某某科技有限公司"],
)
def test_one_company_written_three_ways(written: str) -> None:
    derived = org_name(written).derived
    assert derived["name_core"] == "某某科技"
    assert derived["legal_form"] == "有限公司"
    assert derived["location_marker"] == "深圳"
    assert "branch" not in derived


def test_a_branch_is_marked_and_keeps_its_parent_core() -> None:
    parts = split_company_name("深圳市某某科技有限公司福田分公司")
    assert (parts.core, parts.legal_form, parts.branch) == ("某某科技", "有限公司", "福田分公司")


@pytest.mark.parametrize(
    "written",
    [
        "某某科技（深圳）有限公司福田分公司",
        "某某科技(深圳)公司福田分公司",
        "深圳市某某科技有限责任公司福田分公司",
    ],
)
def test_a_branch_of_a_bracketed_parent_keeps_the_legal_form_with_the_parent(written: str) -> None:
    parts = split_company_name(org_name(written).value)
    assert (parts.core, parts.branch) == ("某某科技", "福田分公司")
    assert parts.legal_form in ("有限公司", "公司", "有限责任公司")


def test_a_partnership_branch_and_a_sub_branch() -> None:
    partnership = split_company_name("某某投资合伙企业(有限合伙)深圳分公司")
    assert (partnership.core, partnership.legal_form, partnership.branch) == (
        "某某投资合伙企业",
        "(有限合伙)",
        "深圳分公司",
    )
    assert split_company_name("招商银行股份有限公司深圳福田支行").branch == "深圳福田支行"


@pytest.mark.parametrize("written", ["深圳市福田区昌顺瑞水果店", "福田区昌顺瑞水果店", "昌顺瑞水果店"])
def test_an_individual_business_has_one_core_with_or_without_the_district(written: str) -> None:
    # The core is a blocking key: 福田区X店 must land in the block of 深圳市福田区X店.
    assert split_company_name(written).core == "昌顺瑞水果店"


def test_futian_without_its_district_suffix_is_a_trade_name() -> None:
    assert split_company_name("深圳市福田投资控股有限公司").core == "福田投资控股"
    assert split_company_name("深圳福田区某某科技有限公司").core == "某某科技"


def test_legal_forms_are_told_apart() -> None:
    assert split_company_name("某某科技有限责任公司").legal_form == "有限责任公司"
    assert split_company_name("某某科技股份有限公司").legal_form == "股份有限公司"
    assert split_company_name("某某咨询合伙企业(有限合伙)").legal_form == "(有限合伙)"


def test_a_shop_without_legal_form_keeps_its_whole_name_as_core() -> None:
    parts = split_company_name("深圳市福田区昌顺瑞水果店")
    assert (parts.core, parts.legal_form, parts.location) == ("昌顺瑞水果店", None, "深圳")


def test_traditional_characters_and_full_width_brackets_fold_first() -> None:
    assert org_name("某某科技（深圳）有限公司").value == "某某科技(深圳)有限公司"
    assert org_name("深圳市某某科技有限公司").derived == org_name("深圳市某某科技有限公司").derived
    assert org_name("深圳市華強電子有限公司").derived["name_core"] == "华强电子"


@pytest.mark.parametrize(
    "written",
    [
        "深圳市福华餐饮有限公司",
        "深圳市福田区福华餐饮有限公司",
        "福田区福华餐饮有限公司",
        "福华餐饮有限公司",
        "福华餐饮（深圳）有限公司",
        "福华餐饮(深圳市)有限公司",
        "福华餐饮【深圳】有限公司",
        "福华餐饮(深圳福田)有限公司",
        "广东省深圳市福华餐饮有限公司",
        "深圳市\u3000福华餐饮\u3000有限公司",
        "深圳市福華餐飲有限公司",
        "“福华”餐饮有限公司",
    ],
)
def test_the_location_marker_width_brackets_and_script_leave_one_core(written: str) -> None:
    parts = split_company_name(org_name(written).value)
    assert (parts.core, parts.branch) == ("福华餐饮", None)
    assert parts.location in (None, "深圳")


@pytest.mark.parametrize(
    ("written", "core"),
    [
        ("广东省福华餐饮有限公司", "广东省福华餐饮"),  # the province's own registration
        ("福华餐饮（广东）有限公司", "福华餐饮(广东)"),
        ("广州市福华餐饮有限公司", "广州市福华餐饮"),
        ("福华餐饮（北京）有限公司", "福华餐饮(北京)"),
        ("深圳市南山区福华餐饮店", "南山区福华餐饮店"),  # another district's individual business
        ("深圳市福华饮食有限公司", "福华饮食"),
    ],
)
def test_another_authority_or_another_core_keeps_its_own_core(written: str, core: str) -> None:
    assert split_company_name(org_name(written).value).core == core


def test_legal_form_spellings() -> None:
    from resolvers.normalize.companies import canonical_legal_form, legal_forms_equal

    canonical = {
        "有限责任公司": "有限公司",
        "有限公司": "有限公司",
        "股份公司": "股份有限公司",
        "股份有限公司": "股份有限公司",
        "有限责任公司分公司": "有限公司",
        "有限责任公司(自然人独资)": "有限公司",
        "个体工商户": "",
        "(有限合伙)": "(有限合伙)",
        None: "",
    }
    assert {k: canonical_legal_form(k) for k in canonical} == canonical
    assert legal_forms_equal("有限公司", "有限公司")
    assert legal_forms_equal("公司", "有限公司")
    assert legal_forms_equal("股份有限公司", "公司")
    assert legal_forms_equal("", "")
    assert not legal_forms_equal("有限公司", "股份有限公司")
    assert not legal_forms_equal("有限公司", "")
    assert not legal_forms_equal("公司", "(有限合伙)")
    assert not legal_forms_equal("集团有限公司", "有限公司")


def test_branch_numbers_are_written_one_way() -> None:
    for written, branch in [
        ("深圳市福华餐饮有限公司第二分店", "第2分店"),
        ("深圳市福华餐饮有限公司第2分店", "第2分店"),
        ("深圳市福华餐饮有限公司第十二分店", "第12分店"),
        ("深圳市福华餐饮有限公司第二十分店", "第20分店"),
        ("深圳市福华餐饮有限公司福田第一分公司", "福田第1分公司"),
    ]:
        assert split_company_name(written).branch == branch
