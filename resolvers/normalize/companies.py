"""Company names split into core name, location marker, legal form and branch.

深圳市X科技有限公司, X科技（深圳）有限公司 and 深圳X科技有限公司 are one company written three ways:
the core (X科技) and the legal form agree, the location marker is noise. A branch (…福田分公司) is
a legal entity of its own and must never be taken for its parent, so it is kept apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Longest first: the first that ends the name wins.
LEGAL_FORMS = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "(有限合伙)", "(普通合伙)", "合伙企业",
    "个人独资企业", "农民专业合作社", "股份合作公司", "合作社", "集团", "公司",
)  # fmt: skip
# An individual business is registered as 深圳市福田区X便利店 and written 福田区X便利店 as often: the
# district is a location marker with or without the city, but only with its 区: 福田 alone is a
# trade name as often as a place (深圳市福田投资控股有限公司 is not 深圳市投资控股有限公司).
_LOCATION_PREFIX = re.compile(r"^(?:广东省)?(?:深圳市|深圳)(?:福田区)?|^福田区|^(?:广东省)(?:深圳)?")
_LOCATION_BRACKET = re.compile(r"\((深圳市?|广东省?|深圳福田|福田)\)")
# The parent is the longest head ending in a legal form (or a bracket, as in …(有限合伙)): a lazy
# match would stop at the location bracket of X科技（深圳）有限公司福田分公司 and file the parent's
# legal form under the branch.
_BRANCH = re.compile(
    r"^(?P<parent>.+(?:公司|企业|集团|\)))(?P<branch>[\u4e00-\u9fff0-9]{0,12}(?:分公司|分店|营业部|分部|办事处|分厂|分行|支行))$"
)


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
        name, branch = match.group("parent"), match.group("branch")
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


def _canonical_location(location: str | None) -> str | None:
    if location is None:
        return None
    if "深圳" in location or location.startswith("福田"):
        return "深圳"
    return location.removesuffix("省").removesuffix("市")
