"""Company names, compared as (core name, legal form, branch) once the city marker is set aside.

深圳市X科技有限公司, 深圳X科技有限公司, X科技（深圳）有限公司 and X科技有限责任公司 are one company: the
name normaliser splits each into the core (X科技), the legal form and the branch, and drops the
location marker. Within the district such a name is a near-unique feature: the registry refuses
a second company with the same core under one authority, so two mentions agreeing on the whole
name (core, branch, and the legal form in any of its spellings) are one company, and the linking
spec makes that level a rule rather than a weight (see presets.legal_entity_spec). A branch
(X科技有限公司福田分公司) is a legal entity of its own, so a branch and its parent, or two
branches, never reach the top levels however alike they read; names one homophone or one
character apart (华信科技 / 华鑫科技 / 华信达科技) are two companies the registry allows side by side.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein

from resolvers.comparators.base import (
    MISSING,
    Comparator,
    Levels,
    Values,
    as_text,
    column,
    is_missing,
    levels_from,
    score_rows,
)
from resolvers.normalize.companies import (
    BARE_COMPANY,
    COMPANY_FORMS,
    canonical_legal_form,
    legal_forms_equal,
)
from resolvers.normalize.names import org_name
from resolvers.pinyin import lazy_pinyin

DIFFERENT, BRANCH, NEAR, OTHER_FORM, FORM_UNKNOWN, SAME_NAME = range(6)
COMPANY_LEVELS = (
    "different names",
    "same core name, but a branch and its parent or two different branches (distinct legal entities)",
    "core names one homophone or one character apart (e.g. 华信科技/华鑫科技)",
    "same core name, different legal forms",
    "same core name, the legal form written on one side only (a trade name)",
    "same name once the city marker and the spelling of the legal form are set aside",
)


# Individual businesses are written 深圳市福田区X便利店 or 福田区X便利店. The name normaliser strips
# both markers now (so the cores also block together); a core split by an older normaliser and
# stored with its mention may still start with the district, so it is set aside here as well.
_DISTRICT = re.compile(r"^(?:广东省)?(?:深圳市?)?福田区")


@lru_cache(maxsize=200_000)
def _text(value: str) -> str:
    return org_name(value).value


# What sources write when they have no name: no evidence, never "the same name" (a hundred
# licences whose holder is 无 are not one company).
_PLACEHOLDERS = frozenset(
    {"无", "暂无", "不详", "未知", "空", "个体", "个体户", "个体工商户", "公司", "null", "none", "na", "n/a"}
)


@lru_cache(maxsize=200_000)
def _core(value: str) -> str:
    text = _text(value)
    core = _DISTRICT.sub("", text) or text
    if core.lower() in _PLACEHOLDERS or sum(ch.isalnum() for ch in core) < 2:
        return ""
    return core


@lru_cache(maxsize=200_000)
def _pinyin(core: str) -> str:
    return "".join(lazy_pinyin(core)).lower()


@lru_cache(maxsize=1_000)
def legal_form(value: str) -> str:
    """The legal form in one spelling (see normalize.companies.canonical_legal_form); a registry's
    企业类型 such as 有限责任公司分公司 names the parent's form (the branch is compared separately)."""
    return canonical_legal_form(_text(value) if value else "")


def _part(value: object, index: int) -> str:
    if isinstance(value, (tuple, list)) and len(value) > index and not is_missing(value[index]):
        return _text(str(value[index]))
    return ""


def company_name(a: object, b: object) -> int:
    """The company names agree once city and legal-form spelling are set aside; a branch is never its parent."""
    core_a, core_b = _core(_part(a, 0)), _core(_part(b, 0))
    if not core_a or not core_b:
        return MISSING
    if _part(a, 2) != _part(b, 2):  # a branch against its parent, or two branches
        return BRANCH if core_a == core_b else DIFFERENT
    if core_a == core_b:
        form_a, form_b = legal_form(_part(a, 1)), legal_form(_part(b, 1))
        if legal_forms_equal(form_a, form_b):
            return SAME_NAME
        return FORM_UNKNOWN if not form_a or not form_b else OTHER_FORM
    near = _pinyin(core_a) == _pinyin(core_b) or Levenshtein.distance(core_a, core_b, score_cutoff=1) <= 1
    return NEAR if near else DIFFERENT


def prepare_company_names(values: Values) -> Values:
    """(n, 3): core, canonical legal form and branch ("" when absent)."""
    core, _ = as_text(column(values, 0), _core)
    form, _ = as_text(column(values, 1), legal_form)
    branch, _ = as_text(column(values, 2), _text)
    return np.stack((core, form, branch), axis=1)


def _forms_equal(form_a: Values, form_b: Values) -> npt.NDArray[np.bool_]:
    """:func:`legal_forms_equal`, row by row."""
    companies = np.asarray(list(COMPANY_FORMS), dtype=object)
    bare = np.asarray((form_a == BARE_COMPANY) | (form_b == BARE_COMPANY), dtype=bool)
    same = np.asarray(form_a == form_b, dtype=bool)
    return same | (bare & np.isin(form_a, companies) & np.isin(form_b, companies))


def compare_company_names(a: Values, b: Values) -> Levels:
    """:func:`company_name` over prepared names."""
    core_a, core_b = a[:, 0], b[:, 0]
    same_branch = a[:, 2] == b[:, 2]
    same_core = core_a == core_b
    forms_equal = _forms_equal(a[:, 1], b[:, 1])
    form_missing = (a[:, 1] == "") | (b[:, 1] == "")
    present = (core_a != "") & (core_b != "")
    differ = present & ~same_core & same_branch
    near = differ & (score_rows(differ, core_a, core_b, Levenshtein.distance, score_cutoff=2) <= 1)
    candidates = np.flatnonzero(differ & ~near)
    if len(candidates):  # homophones: pinyin only where the characters differ
        near[candidates] = as_text(core_a[candidates], _pinyin)[0] == as_text(core_b[candidates], _pinyin)[0]
    same = same_core & same_branch
    return levels_from(
        {
            BRANCH: same_core & ~same_branch,
            NEAR: near & same_branch & ~same_core,
            OTHER_FORM: same,
            FORM_UNKNOWN: same & form_missing,
            SAME_NAME: same & forms_equal,
            MISSING: (core_a == "") | (core_b == ""),
        },
        len(core_a),
    )


COMPARATORS = (
    Comparator(
        "company_name", company_name, prepare_company_names, compare_company_names, COMPANY_LEVELS, arity=3
    ),
)
