"""Tiny synthetic mention tables with known truth, for the linking tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from stdnum.cn import ric

from resolvers.linking import BlockingRule, Derived, EMSettings, FieldSpec, KeyRule, LinkSpec, Thresholds

COMMON = ["张伟", "王芳", "李娜"]
RARE = ["欧阳明轩", "司马静怡", "诸葛子涵", "上官浩宇", "端木雨桐", "皇甫嘉怡", "慕容思远", "令狐晓彤"]
HOMOPHONE = {"张": "章", "伟": "玮", "芳": "方", "娜": "那"}


def resident_id(rng: np.random.Generator, birth: str) -> str:
    body = "440304" + birth + f"{rng.integers(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def people(entities: int = 300, seed: int = 0) -> pd.DataFrame:
    """Mentions of ``entities`` people, 1–3 each, with homophones, ID typos and gaps."""
    rng = np.random.default_rng(seed)
    rows = []
    for e in range(entities):
        name = COMMON[e % 3] if e % 4 == 0 else RARE[e % len(RARE)] + "abcdefghijklmnopqrstuvwxyz"[e % 26]
        birth = f"{rng.integers(1950, 2010)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
        number = resident_id(rng, birth)
        phone = f"+861{rng.integers(3, 9)}{rng.integers(0, 10**9):09d}"
        building = f"B{rng.integers(0, 40)}"
        room = f"{building}-{rng.integers(100, 130)}"
        for k in range(int(rng.integers(1, 4))):
            mention = {"mid": f"m{e}-{k}", "entity": f"E{e}", "name": name, "birth_date": birth,
                       "identity_number": number, "phone": phone, "room": room, "building": building}  # fmt: skip
            noise = rng.random(4)
            if noise[0] < 0.2:  # a homophone typed for one character
                mention["name"] = "".join(HOMOPHONE.get(ch, ch) for ch in name)
            if noise[1] < 0.15:  # one digit mistyped: fails the check character
                digit = str((int(number[12]) + 1) % 10)
                mention["identity_number"] = number[:12] + digit + number[13:]
            if noise[2] < 0.2:
                mention["phone"] = None
            if noise[3] < 0.1:
                mention["birth_date"] = birth[:4] + birth[6:8] + birth[4:6]  # day and month swapped
            rows.append(mention)
    return pd.DataFrame(rows)


def person_spec(**changes: object) -> LinkSpec:
    """A small Person spec over the factory's columns (resolvers.linking.presets has the real one)."""
    spec = LinkSpec(
        entity_type="Person",
        id_column="mid",
        fields=(
            FieldSpec(name="name", comparator="person_name", columns=("name",), term_frequency={3: "name"}),
            FieldSpec(name="birth_date", comparator="birth_date", columns=("birth_date",)),
            FieldSpec(name="identity_number", comparator="resident_id", columns=("identity_number",)),
            FieldSpec(name="phone", comparator="phone", columns=("phone",)),
            FieldSpec(name="room", comparator="exact", columns=("room",)),
        ),
        derived=(),
        blocking=(
            BlockingRule(columns=("name",)),
            BlockingRule(columns=("birth_date",)),
            BlockingRule(columns=("phone",)),
            BlockingRule(columns=("identity_number",)),
            BlockingRule(columns=("building",)),
        ),
        thresholds=Thresholds(upper=0.99, lower=0.5),
        em=EMSettings(random_pairs=20_000),  # plenty for a few hundred records, and fast
    )
    return spec.model_copy(update=changes)


def with_key(spec: LinkSpec) -> LinkSpec:
    """The spec with valid identity numbers as a key (an invalid one is only evidence)."""
    valid = Derived(name="identity_valid", function="resident_id_valid", columns=("identity_number",))
    key = KeyRule(field="identity_number", valid_column="identity_valid")
    return spec.model_copy(update={"keys": (key,), "derived": (*spec.derived, valid)})


def pair_f1(clusters: pd.Series, truth: pd.Series) -> float:
    """Pairwise F1 of clusters (id → cluster) against truth (id → entity)."""
    frame = pd.DataFrame({"pred": clusters, "true": truth.reindex(clusters.index)})

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    tp = pairs(frame.groupby(["pred", "true"]).size())
    predicted, true = pairs(frame.groupby("pred").size()), pairs(frame.groupby("true").size())
    precision, recall = tp / max(predicted, 1), tp / max(true, 1)
    return 2 * precision * recall / max(precision + recall, 1e-12)
