"""Person search by name: the register's spelling, a homophone, traditional characters or a slip.

A query is normalised and compared exactly as the resolver compares two mentions: the name
normaliser folds width, drops spaces and simplifies traditional characters (張偉 → 张伟), and the
person_name comparator (resolvers/comparators/names.py) puts the query and each candidate name on
its levels: same name, same toneless pinyin (张伟 / 章伟), pinyin one letter apart (张伟 / 张文).
Search adds one level the comparator leaves out, a wrong, missing or extra character in a longer
name (刘国强 / 刘国墙 is a homophone already, 陈建国 / 陈建图 is not): the resolver pairs such a slip
with the birth date, a search may have only the name. At least two characters must agree, so
张伟 / 张传 (one character of two) is another name, not a slip.

Candidates come from blocking keys (see keys.py), never from a scan: the name's toneless pinyin
(the resolver's own ``name_pinyin`` key, stored with each mention), with one pinyin letter deleted,
and, for names of two or more characters, with one character deleted. Each distinct name is
indexed once, whatever the number of people bearing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz.distance import Levenshtein

from hub.search.entities import Entities, best_per_entity, choose_labels, community_index, entity_codes
from hub.search.hits import SearchHit
from hub.search.keys import EMPTY, Groups, Ints, KeyIndex, Objects, ValueIndex, one_deleted
from hub.search.source import Key, MentionRows, Places
from resolvers.comparators import get_comparator
from resolvers.comparators.base import map_unique
from resolvers.comparators.dates import date_key
from resolvers.comparators.names import name_pinyin, simplified
from resolvers.comparators.strings import GENDERS
from resolvers.linking.feature_columns import derived_key

NAME = get_comparator("person_name")
BIRTH = get_comparator("birth_date")
GENDER = get_comparator("gender")
# The comparator's levels (3 same, 2 homophone, 1 pinyin one letter apart), and search's own.
SAME, HOMOPHONE, ONE_LETTER = 3, 2, 1
ONE_CHARACTER = 10
TYPO_REASON = "one character wrong, missing or extra (a typing error; the other characters agree)"
# Ranked as the comparator ranks its levels; a character slip in a longer name (two characters
# or more still agree exactly) above a pinyin letter apart, which is as often another common
# name (张伟 / 张文) as a slip.
SCORES = {SAME: 1.0, HOMOPHONE: 0.9, ONE_CHARACTER: 0.75, ONE_LETTER: 0.7}
# A name some source wrote but not the one shown (the golden name) ranks below the same match on
# the shown name, and above the next level: 章伟 finds the person a clerk recorded as 章伟 before
# the 张伟 whose name merely sounds alike.
VARIANT = 0.95
# Mention features the index reads: the name, its stored blocking key, birth year and sex (the
# resolver's derived values, which fall back on an identity number's), and the building.
PINYIN, YEAR, SEX = derived_key("name_pinyin"), derived_key("birth_year"), derived_key("gender_any")
FEATURES: tuple[Key, ...] = ("name", PINYIN, (YEAR, "birth_date"), (SEX, "gender"), "building_id")


def gender_code(value: object) -> str | None:
    """M/F, 男/女 and 1/2 read alike (as the gender comparator reads them): "m" or "f"."""
    text = str(value).strip().lower() if value is not None else ""
    return GENDERS.get(text)


def _year(value: object) -> str | None:
    key = date_key(value)
    return None if key < 0 else f"{key // 10_000:04d}"


@dataclass(frozen=True)
class PersonIndex:
    entities: Entities
    names: Objects  # distinct searchable names (simplified; placeholders such as 李娜之女 left out)
    bearers: Groups  # name code → entity codes
    label_codes: Ints  # entity → code of its shown name among ``names`` (−1: not searchable)
    sounds: KeyIndex  # toneless pinyin, whole and with one letter deleted → name codes
    spellings: KeyIndex  # the name, whole and with one character deleted → name codes
    birth_years: ValueIndex
    genders: ValueIndex
    places: Places

    @property
    def nbytes(self) -> int:
        """The index's arrays (strings they point to are shared with the interned names)."""
        arrays = (self.entities.ids, self.entities.labels, self.names, self.label_codes)
        parts = (self.bearers, self.sounds, self.spellings, self.birth_years, self.genders)
        return sum(a.nbytes for a in arrays) + sum(p.nbytes for p in parts) + self.entities.communities.nbytes

    def search(
        self,
        name: str,
        birth_year: int | None = None,
        gender: str | None = None,
        community: str | None = None,
        limit: int = 10,
    ) -> list[SearchHit]:
        query = simplified(name)
        if not query or limit <= 0:
            return []
        sex = None if gender is None else gender_code(gender)
        if gender is not None and sex is None:
            raise ValueError(f"gender {gender!r}: expected M/F, 男/女 or 1/2")
        matched = self._matches(query)
        if not matched:
            return []
        # One row per (matched name, bearer): its name code and the score of the name's level.
        groups = [self.bearers[code] for code, _ in matched]
        entity = np.concatenate(groups)
        name_of = np.concatenate(
            [np.full(len(g), code) for g, (code, _) in zip(groups, matched, strict=True)]
        )
        base = np.concatenate(
            [np.full(len(g), SCORES[level]) for g, (_, level) in zip(groups, matched, strict=True)]
        )
        level_of = dict(matched)
        score = np.where(self.label_codes[entity] == name_of, base, base * VARIANT)
        keep = np.ones(len(entity), dtype=bool)
        if birth_year is not None:
            keep &= self.birth_years.keep(entity, f"{birth_year:04d}")
        if sex is not None:
            keep &= self.genders.keep(entity, sex)
        if community is not None:
            keep &= self.entities.communities.keep(entity, community)
        entity, name_of, score = entity[keep], name_of[keep], score[keep]
        best = best_per_entity(entity, score, limit)
        return [
            self._hit(query, int(entity[i]), int(name_of[i]), level_of[int(name_of[i])], float(score[i]),
                      birth_year, sex, community)
            for i in best
        ]  # fmt: skip

    def _matches(self, query: str) -> list[tuple[int, int]]:
        """(name code, level) of every indexed name the query matches at some level."""
        sound = name_pinyin(query)
        sounds = self.sounds.lookup({sound} | one_deleted(sound)) if sound else EMPTY
        spelled = self.spellings.lookup({query} | (one_deleted(query) if len(query) >= 3 else set()))
        out = []
        for code in np.union1d(sounds, spelled).tolist():
            level = name_level(query, str(self.names[code]))
            if level is not None:
                out.append((code, level))
        return out

    def _hit(
        self,
        query: str,
        entity: int,
        name: int,
        level: int,
        score: float,
        birth_year: int | None,
        sex: str | None,
        community: str | None,
    ) -> SearchHit:
        written, label = str(self.names[name]), self.entities.labels[entity]
        reasons = [f"{query} / {written}: {level_reason(level)}"]
        if label is not None and label != written:
            reasons.append(f"{written} is how a source wrote the name; the person is shown as {label}")
        if birth_year is not None:
            reasons.append(
                f"born {birth_year:04d}: {BIRTH.describe_levels()[BIRTH.compare(str(birth_year), str(birth_year))]}"
            )
        if sex is not None:
            reasons.append(f"gender {sex.upper()}: {GENDER.explanation}")
        if community is not None:
            reasons.append(
                f"community {self.places.community_label(community)}: a source places them in one of its buildings"
            )
        return SearchHit(str(self.entities.ids[entity]), str(label or written), round(score, 4), reasons)


def name_level(query: str, name: str) -> int | None:
    """How the query matches a name: the person_name comparator's level, or a character slip."""
    level = NAME.compare(query, name)
    if level >= ONE_LETTER:
        return int(level)
    if Levenshtein.distance(query, name, score_cutoff=1) <= 1:
        agree = min(len(query), len(name)) - (1 if len(query) == len(name) else 0)
        if agree >= 2:
            return ONE_CHARACTER
    return None


def level_reason(level: int) -> str:
    return TYPO_REASON if level == ONE_CHARACTER else NAME.describe_levels()[level]


def build_person_index(rows: MentionRows, places: Places, order: Sequence[str]) -> PersonIndex:
    """The index over every Person mention (``rows`` read with :data:`FEATURES`)."""
    entity, ids = entity_codes(rows)
    stored = rows.features["name"]
    labels = choose_labels(entity, stored, rows, len(ids), order)
    plain = map_unique(stored, simplified, missing="")
    searchable = np.flatnonzero(plain != "")
    code, names = pd.factorize(plain[searchable])
    names = np.asarray(names, dtype=object)
    code = code.astype(np.int64)
    # The pinyin the resolver stored with a mention of the name, else computed (an old mention).
    pinyin = np.full(len(names), None, dtype=object)
    given = rows.features[PINYIN][searchable]
    known = np.flatnonzero(pd.notna(given))
    pinyin[code[known]] = given[known]
    for i in np.flatnonzero(pd.isna(pinyin)).tolist():
        pinyin[i] = name_pinyin(str(names[i]))
    position = {str(n): i for i, n in enumerate(names)}
    label_codes = np.asarray([position.get(str(label), -1) for label in labels], dtype=np.int64)
    sounds = KeyIndex((key, i) for i, p in enumerate(pinyin.tolist()) if p for key in {p} | one_deleted(p))
    spellings = KeyIndex(
        (key, i)
        for i, n in enumerate(names.tolist())
        for key in {n} | (one_deleted(n) if len(n) >= 3 else set())
    )
    years = map_unique(rows.features[YEAR], _year)  # a year as it is, a stated birth date's year
    sexes = map_unique(rows.features[SEX], gender_code)
    return PersonIndex(
        entities=Entities(ids, labels, community_index(entity, rows.features["building_id"], places)),
        names=names,
        bearers=Groups(code, entity[searchable], len(names)),
        label_codes=label_codes,
        sounds=sounds,
        spellings=spellings,
        birth_years=ValueIndex(years, entity),
        genders=ValueIndex(sexes, entity),
        places=places,
    )
