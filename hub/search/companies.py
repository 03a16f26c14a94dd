"""Company search by name: any part of the registered name, however the legal form is spelt.

A query and every indexed name go through the resolver's own steps: the org_name normaliser
(width, spaces, traditional → simplified), split_company_name (core / location / legal form /
branch: 深圳市福山餐饮有限公司 → 福山餐饮 + 有限公司, the city set aside) and the company_name
comparator's preparation (有限责任公司 and 有限公司 are one legal form), so 福山餐饮,
深圳市福山餐飲有限公司 and 福山餐饮有限责任公司 all meet the registered name at the comparator's top
level. The comparator's levels rank the hits; search adds one below its near levels, a query
contained in a longer core (福山 in 福山餐饮): people type part of a trade name.

Candidates come from blocking keys over the distinct cores: the core itself and with one
character deleted (a slip), its toneless pinyin (a homophone: 华信 / 华鑫), and its character
bigrams (the resolver's ``name_tokens`` key): a core containing the query holds every bigram of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce

import numpy as np
import pandas as pd

from hub.search.entities import Entities, best_per_entity, choose_labels, community_index, entity_codes
from hub.search.hits import SearchHit
from hub.search.keys import EMPTY, Groups, Ints, KeyIndex, Objects, one_deleted
from hub.search.source import MentionRows, Places
from resolvers.comparators import MISSING, get_comparator
from resolvers.comparators.companies import (
    BRANCH,
    FORM_UNKNOWN,
    NEAR,
    OTHER_FORM,
    SAME_NAME,
    prepare_company_names,
)
from resolvers.linking import legal_entity_spec
from resolvers.linking.derive import derive
from resolvers.normalize.companies import split_company_name
from resolvers.normalize.names import org_name
from resolvers.pinyin import lazy_pinyin

NAME = get_comparator("company_name")
CONTAINED, CONTAINED_BRANCH = 10, 11  # search's own levels
# By the comparator's levels.
SCORES = {SAME_NAME: 1.0, OTHER_FORM: 0.85, NEAR: 0.75, BRANCH: 0.5}
# A contained query scores by the share of the core it covers (福山 in 福山餐饮: 0.6), between the
# near levels and nothing: the more of the name typed, the likelier the one meant.
CONTAINED_BASE, CONTAINED_SPAN = 0.4, 0.4
VARIANT = 0.95  # as for persons: a spelling some source used, not the shown name
FEATURES = ("name", "building_id")
# The resolver's bigram key (legal_entity_spec: name_tokens = ngrams of name_core).
_TOKENS = next(d for d in legal_entity_spec().derived if d.name == "name_tokens")


def company_parts(names: Sequence[str]) -> list[tuple[str, str, str]]:
    """(core, legal form, branch) of each name as the company_name comparator prepares them, ""
    when absent; prepared in one call (the preparation is vectorised, a call per name is not)."""
    split = [split_company_name(org_name(name).value) for name in names]
    table = np.asarray([[p.core, p.legal_form or "", p.branch or ""] for p in split], dtype=object)
    prepared = prepare_company_names(table.reshape(len(split), 3))
    return [(str(core), str(form), str(branch)) for core, form, branch in prepared.tolist()]


@lru_cache(maxsize=20_000)
def _syllable(char: str) -> str:
    return "".join(lazy_pinyin(char)).lower()


def core_pinyin(core: str) -> str:
    """Toneless pinyin of a core, character by character: the homophone key. pypinyin reads a
    whole core in 0.15 ms (its phrase segmentation), 1.7 s for ten thousand cores; a character at
    a time, cached, costs nothing. A polyphone read differently within a phrase may then miss a
    key the comparator (which reads whole cores) would have agreed with; it never adds a false
    hit, since candidates are verified by the comparator."""
    return "".join(_syllable(char) for char in core)


def _tokens(cores: Sequence[str]) -> list[tuple[str, ...]]:
    derived = derive(_TOKENS.function, [pd.Series(list(cores), dtype=object)], _TOKENS.params)
    return [tuple(t) if isinstance(t, tuple) else () for t in derived.tolist()]


@dataclass(frozen=True)
class CompanyIndex:
    entities: Entities
    variants: Objects  # distinct (core, legal form, branch) tuples
    variant_names: Objects  # a name written for each variant (to show which one matched)
    cores: Objects  # distinct cores
    core_variants: Groups  # core code → variant codes
    bearers: Groups  # variant code → entity codes
    label_variants: Ints  # entity → variant code of its shown name (−1 when none)
    spellings: KeyIndex  # core, whole and with one character deleted → core codes
    sounds: KeyIndex  # core pinyin → core codes
    tokens: KeyIndex  # core bigram → core codes
    places: Places

    @property
    def nbytes(self) -> int:
        arrays = (self.entities.ids, self.entities.labels, self.variants, self.variant_names, self.cores,
                  self.label_variants)  # fmt: skip
        parts = (self.core_variants, self.bearers, self.spellings, self.sounds, self.tokens)
        return sum(a.nbytes for a in arrays) + sum(p.nbytes for p in parts) + self.entities.communities.nbytes

    def search(self, name: str, community: str | None = None, limit: int = 10) -> list[SearchHit]:
        query = company_parts([name])[0]
        if not query[0] or limit <= 0:
            return []
        matched = self._matches(query)
        if not matched:
            return []
        groups = [self.bearers[code] for code, _, _ in matched]
        entity = np.concatenate(groups)
        variant = np.concatenate([np.full(len(g), m[0]) for g, m in zip(groups, matched, strict=True)])
        base = np.concatenate([np.full(len(g), m[2]) for g, m in zip(groups, matched, strict=True)])
        score = np.where(self.label_variants[entity] == variant, base, base * VARIANT)
        if community is not None:
            keep = self.entities.communities.keep(entity, community)
            entity, variant, score = entity[keep], variant[keep], score[keep]
        level_of = {code: level for code, level, _ in matched}
        return [
            self._hit(query[0], name, int(entity[i]), int(variant[i]), level_of[int(variant[i])], float(score[i]), community)
            for i in best_per_entity(entity, score, limit)
        ]  # fmt: skip

    def _matches(self, query: tuple[str, str, str]) -> list[tuple[int, int, float]]:
        """(variant code, level, score) of every variant the query matches."""
        core = query[0]
        near = np.union1d(
            self.spellings.lookup({core} | (one_deleted(core) if len(core) >= 3 else set())),
            self.sounds.lookup([core_pinyin(core)]),
        )
        contained = self._containing(core)
        out = []
        near_codes = set(near.tolist())
        for code in np.union1d(near, contained).tolist():
            has = str(self.cores[code])
            for variant in self.core_variants[code].tolist():
                if code in near_codes:  # only these can reach a comparator level (see keys.py)
                    level = NAME.compare(query, self.variants[variant])
                    # Typed without its legal form, the registered name is still the name.
                    level = SAME_NAME if level == FORM_UNKNOWN else level
                    if level not in (0, MISSING):
                        out.append((variant, int(level), SCORES[int(level)]))
                        continue
                if core in has and core != has:
                    score = CONTAINED_BASE + CONTAINED_SPAN * len(core) / len(has)
                    if self.variants[variant][2] != query[2]:
                        # As in the comparator, a branch is not its parent: 隆腾科技 finds the
                        # company 上海隆腾科技有限公司 before its 深圳福保分公司.
                        out.append((variant, CONTAINED_BRANCH, min(score, SCORES[BRANCH])))
                    else:
                        out.append((variant, CONTAINED, score))
        return out

    def _containing(self, core: str) -> Ints:
        """Cores that hold every bigram of the query (a superset of those containing it)."""
        grams = _tokens([core])[0] if len(core) >= 2 else ()
        if not grams:
            return EMPTY
        found = [self.tokens.lookup([gram]) for gram in grams]
        return reduce(np.intersect1d, sorted(found, key=len))

    def _hit(
        self,
        core: str,
        written: str,
        entity: int,
        variant: int,
        level: int,
        score: float,
        community: str | None,
    ) -> SearchHit:
        shown = self.label_variants[entity] == variant
        label = self.entities.labels[entity]
        matched = str(label) if shown and label is not None else str(self.variant_names[variant])
        if level in (CONTAINED, CONTAINED_BRANCH):
            reasons = [f"the core name {self.variants[variant][0]} contains {core}"]
            if level == CONTAINED_BRANCH:
                reasons.append(
                    f"{NAME.describe_levels()[BRANCH]}: {self.variants[variant][2] or 'the parent'}"
                )
        else:
            reasons = [f"{written} / {matched}: {NAME.describe_levels()[level]}"]
        if not shown and label is not None:
            reasons.append(f"{matched} is how a source wrote the name; the company is shown as {label}")
        if community is not None:
            reasons.append(
                f"community {self.places.community_label(community)}: registered in one of its buildings"
            )
        return SearchHit(str(self.entities.ids[entity]), str(label or matched), round(score, 4), reasons)


def build_company_index(rows: MentionRows, places: Places, order: Sequence[str]) -> CompanyIndex:
    """The index over every LegalEntity mention (``rows`` read with :data:`FEATURES`)."""
    entity, ids = entity_codes(rows)
    names = rows.features["name"]
    labels = choose_labels(entity, names, rows, len(ids), order)
    name_code, distinct = pd.factorize(names)
    parts_of = np.empty(len(distinct) + 1, dtype=object)
    parts_of[:-1] = company_parts([str(n) for n in distinct])
    parts_of[-1] = ("", "", "")  # code −1: no name
    parts = parts_of[name_code]
    named = np.flatnonzero(np.fromiter((bool(p[0]) for p in parts), bool, len(parts)))
    variant_code, variant_uniques = pd.factorize(pd.Series(parts[named], dtype=object))
    # fromiter keeps each tuple one object (asarray would make a matrix of their parts).
    variants = np.fromiter(variant_uniques, dtype=object, count=len(variant_uniques))
    variant_code = variant_code.astype(np.int64)
    variant_names = np.full(len(variants), None, dtype=object)
    variant_names[variant_code[::-1]] = names[named][::-1]  # the first name written for each
    core_code, core_uniques = pd.factorize(pd.Series([v[0] for v in variants], dtype=object))
    cores = np.asarray(core_uniques, dtype=object)
    core_list = [str(c) for c in cores]
    label_variant = {str(n): int(v) for n, v in zip(names[named], variant_code, strict=True)}
    return CompanyIndex(
        entities=Entities(ids, labels, community_index(entity, rows.features["building_id"], places)),
        variants=variants,
        variant_names=variant_names,
        cores=cores,
        core_variants=Groups(
            core_code.astype(np.int64), np.arange(len(variants), dtype=np.int64), len(cores)
        ),
        bearers=Groups(variant_code, entity[named], len(variants)),
        label_variants=np.asarray([label_variant.get(str(label), -1) for label in labels], dtype=np.int64),
        spellings=KeyIndex(
            (key, i)
            for i, c in enumerate(core_list)
            for key in {c} | (one_deleted(c) if len(c) >= 3 else set())
        ),
        sounds=KeyIndex((core_pinyin(c), i) for i, c in enumerate(core_list)),
        tokens=KeyIndex((gram, i) for i, grams in enumerate(_tokens(core_list)) for gram in grams),
        places=places,
    )
