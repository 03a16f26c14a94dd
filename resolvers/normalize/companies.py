"""Company names split into core name, location marker, legal form and branch.

深圳市X科技有限公司, X科技（深圳）有限公司 and 深圳X科技有限公司 are one company written three ways:
the core (X科技) and the legal form agree, the location marker is noise. A branch (…福田分公司) is
a legal entity of its own and must never be taken for its parent, so it is kept apart.

The location markers set aside are those of the district's own registration authorities (the
city's, with or without the district for an individual business): the registry refuses a second
company with the same core under one authority, so within the district the marker says nothing.
A name registered by another authority keeps its place in the core (广州市X科技, X科技(北京),
广东省X实业: the province registers companies of its own), so it never meets a local X科技.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The district the hub serves: its province, city and district, as names write them.
PROVINCE, CITY, DISTRICT = "广东", "深圳", "福田"

# Longest first: the first that ends the name wins.
LEGAL_FORMS = (
    "股份有限责任公司", "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "(有限合伙)", "(普通合伙)",
    "合伙企业", "个人独资企业", "农民专业合作社", "股份合作公司", "合作社", "集团", "公司",
)  # fmt: skip
# One legal form, several spellings. The Company Law (art. 7) lets a limited liability company
# write 有限责任公司 or 有限公司 and a company limited by shares 股份有限公司 or 股份公司: the same
# form, so the same registered name. 有限公司 and 股份有限公司 are two forms (a company converting
# from one to the other keeps its credit code, which links it; the name alone does not).
# A bare 公司 (深圳市X科技公司, how many systems shorten the name) names no form: it is compatible
# with any company form but equal to none. 集团有限公司 is kept: a group and a company sharing a
# trade name are related companies, not one. A registry's 企业类型 may qualify the form
# (有限责任公司(自然人独资)), name the branch's (有限责任公司分公司) or say 个体工商户, whose names
# carry no form at all: the qualifier and the branch are dropped, the individual business is "".
_FORM_SPELLINGS = {
    "有限责任公司": "有限公司",
    "股份公司": "股份有限公司",
    "股份有限责任公司": "股份有限公司",  # not a form, but written for one
    "个体工商户": "",
    "个体": "",
    "集团": "",
}
BARE_COMPANY = "公司"
COMPANY_FORMS = frozenset({"有限公司", "股份有限公司", BARE_COMPANY})
_FORM_QUALIFIER = re.compile(r"\((?!有限合伙|普通合伙)[^()]*\)$")

# An individual business is registered as 深圳市福田区X便利店 and written 福田区X便利店 as often: the
# district is a location marker with or without the city, but only with its 区: 福田 alone is a
# trade name as often as a place (深圳市福田投资控股有限公司 is not 深圳市投资控股有限公司).
_LOCATION_PREFIX = re.compile(rf"^(?:{PROVINCE}省?)?{CITY}市?(?:{DISTRICT}区)?|^{DISTRICT}区")
_LOCATION_BRACKET = re.compile(rf"\(((?:{PROVINCE}省?)?{CITY}市?(?:{DISTRICT}区?)?|{DISTRICT}区?)\)")
# The parent is the longest head ending in a legal form (or a bracket, as in …(有限合伙)): a lazy
# match would stop at the location bracket of X科技（深圳）有限公司福田分公司 and file the parent's
# legal form under the branch.
_BRANCH = re.compile(
    r"^(?P<parent>.+(?:公司|企业|集团|\)))(?P<branch>[\u4e00-\u9fff0-9]{0,12}(?:分公司|分店|营业部|分部|办事处|分厂|分行|支行))$"
)
# 第二分店 and 第2分店 are one branch number.
_BRANCH_NUMBER = re.compile(r"第([零〇一二两三四五六七八九十]+)")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


@dataclass(frozen=True, slots=True)
class CompanyName:
    core: str
    legal_form: str | None
    location: str | None
    branch: str | None


def split_company_name(name: str) -> CompanyName:
    """Split an already folded, simplified name (see names.org_name) into its parts."""
    branch = None
    match = _BRANCH.match(name)
    if match:
        name, branch = match.group("parent"), _branch_numbers(match.group("branch"))
    location = None
    bracket = _LOCATION_BRACKET.search(name)
    if bracket:
        location = bracket.group(1)
        name = name[: bracket.start()] + name[bracket.end() :]
    prefix = _LOCATION_PREFIX.match(name)
    if prefix and len(name) > prefix.end():
        location = location or prefix.group(0)
        name = name[prefix.end() :]
    legal_form = next((form for form in LEGAL_FORMS if name.endswith(form) and len(name) > len(form)), None)
    core = name[: -len(legal_form)] if legal_form else name
    return CompanyName(
        core=core, legal_form=legal_form, location=_canonical_location(location), branch=branch
    )


def canonical_legal_form(form: str | None) -> str:
    """The legal form in one spelling ("" when the name or the registry gives none)."""
    if not form:
        return ""
    form = _FORM_QUALIFIER.sub("", form.removesuffix("分公司")).removesuffix("分公司")
    return _FORM_SPELLINGS.get(form, form)


def legal_forms_equal(a: str, b: str) -> bool:
    """Two canonical legal forms name one form: the same spelling, or a bare 公司 beside a company
    form (both absent counts as equal: an individual business has none)."""
    return a == b or (BARE_COMPANY in (a, b) and a in COMPANY_FORMS and b in COMPANY_FORMS)


def _branch_numbers(branch: str) -> str:
    return _BRANCH_NUMBER.sub(lambda m: f"第{_chinese_number(m.group(1))}", branch)


def _chinese_number(text: str) -> str:
    """一 → 1, 十二 → 12, 二十 → 20, 二十三 → 23 (a branch number); other text is returned as is."""
    if "十" not in text:
        return "".join(str(_DIGITS[c]) for c in text)
    tens, _, ones = text.partition("十")
    if "十" in ones or any(c not in _DIGITS for c in tens + ones) or len(tens) > 1 or len(ones) > 1:
        return text
    return str((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0))


def _canonical_location(location: str | None) -> str | None:
    if location is None:
        return None
    return CITY if CITY in location or location.startswith(DISTRICT) else location
