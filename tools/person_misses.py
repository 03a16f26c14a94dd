"""Person resolution errors of a synced demo district: the true pairs gridhub missed and the pairs
it merged wrongly, grouped by the sources involved and by what the two mentions have in common.

    python tools/person_misses.py DATA_DIR [--examples 5] [--noise]

DATA_DIR is a district the bench synced (``bench/district_quality.py --work W`` keeps
``W/district-…``): its state database (the mentions, their features and the fitted model),
``crosswalk.csv`` (the entity of every mention; the state's assignment when absent) and
``demo/truth.csv``. ``--noise`` adds the generator's noise record (``demo/noise.csv``) of the
examples' records: what was done to them, for reading, not for the resolver.

A true entity split over several gridhub entities is a "split"; for each pair of its parts the
pair of mentions the model scores highest stands for it (the one closest to being merged), and
the split counts the missed pairs between the two parts. Each representative is explained with
the fitted model (resolvers.linking.explain_pair, what `gridhub explain` prints) and classified
by the fields both mentions have and how they compare, and by whether any blocking rule made
them candidates at all.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.resolution.features import mention_frame  # noqa: E402
from hub.state import StateStore  # noqa: E402
from hub.state.mentions import SEP  # noqa: E402
from resolvers.comparators.addresses import ADDRESS_LEVELS  # noqa: E402
from resolvers.linking import FSModel, explain_pair  # noqa: E402
from resolvers.linking.explain import Explanation  # noqa: E402
from resolvers.linking.feature_columns import feature_keys, input_columns  # noqa: E402
from resolvers.linking.frame import prepare  # noqa: E402
from resolvers.linking.presets import person_spec  # noqa: E402

PERSON = "Person"
NAME = {3: "name=", 2: "name~homophone", 1: "name~1letter", 0: "name≠", -1: "name?"}
DATE = {4: "birth=", 3: "birth~swap", 2: "birth~1digit", 1: "birth~year", 0: "birth≠", -1: "birth?"}
IDENT = {2: "id=", 1: "id~slip", 0: "id≠", -1: "id?"}
PHONE = {2: "phone=", 1: "phone~", 0: "phone≠", -1: "phone?"}
ADDRESS = {4: "room=", 3: "bldg=,room?", 2: "bldg=,room≠", 1: "estate=", 0: "addr≠", -1: "addr?"}


def _id_state(row: pd.Series) -> str:
    if row["identity_number"] is None:
        return "none"
    return "valid" if row["identity_valid"] else "invalid"


def _phone_address(level: int) -> tuple[int, int]:
    """The combined phone*address level split into its parts (see comparators/combined.py)."""
    if level < 0:
        return -1, -1
    code, width = level + 1, len(ADDRESS_LEVELS) + 1
    return code // width - 1, code % width - 1


def describe(expl: Explanation, row_a: pd.Series, row_b: pd.Series) -> str:
    levels = {f.field: f.level for f in expl.fields}
    phone, address = _phone_address(levels["phone_address"])
    ids = "/".join(sorted((_id_state(row_a), _id_state(row_b))))
    return " ".join(
        (
            NAME[levels["name"]],
            DATE[levels["birth_date"]],
            f"{IDENT[levels['identity_number']]}({ids})",
            PHONE[phone],
            ADDRESS[address],
        )
    )


def blocked_by(prepared: pd.DataFrame, a: int, b: int, sizes: dict[str, pd.Series]) -> list[str]:
    """The blocking rules that make (a, b) a candidate pair (shared key, block within its cap)."""
    spec = person_spec()
    rules = []
    for rule in spec.blocking:
        key_a = tuple(prepared.at[a, c] for c in rule.columns)
        key_b = tuple(prepared.at[b, c] for c in rule.columns)
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in key_a) or key_a != key_b:
            continue
        cap = min(rule.max_block_size or spec.max_block_size, spec.max_block_size)
        size = int(sizes[rule.label].get(key_a, 0))
        rules.append(rule.label if size <= cap else f"{rule.label}(over cap: {size})")
    return rules


def block_sizes(prepared: pd.DataFrame) -> dict[str, pd.Series]:
    out = {}
    for rule in person_spec().blocking:
        keyed = prepared[list(rule.columns)].dropna()
        out[rule.label] = keyed.groupby(list(rule.columns)).size()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--examples", type=int, default=4, help="examples shown per class")
    parser.add_argument("--noise", action="store_true", help="show the generator's noise of the examples")
    args = parser.parse_args()
    data_dir: Path = args.data_dir
    spec = person_spec()
    with StateStore(f"sqlite:///{data_dir / 'state.db'}") as state:
        mentions = state.mention_columns(PERSON, feature_keys(spec))
        saved = state.model(PERSON)
    if saved is None:
        raise SystemExit("no fitted Person model in the state")
    model = FSModel.from_json(saved)
    frame = mention_frame(mentions, spec)
    records = frame[[c for c in input_columns(spec) if c in frame.columns]].reset_index(drop=True)
    prepared, _ = prepare(frame.reset_index(drop=True), spec.model_copy(update={"id_column": None}))
    sizes = block_sizes(prepared)

    ids = pd.Series(mentions.ids)
    parts = ids.str.split(SEP, expand=True)
    table = pd.DataFrame({"source": parts[0], "record_id": parts[1], "role": parts[2]})
    truth = pd.read_csv(data_dir / "demo" / "truth.csv", dtype=str, keep_default_na=False)
    truth = truth[truth["entity_type"] == PERSON].drop_duplicates(["source", "record_id", "role"])
    table = table.merge(
        truth[["source", "record_id", "role", "entity_id"]], how="left", on=["source", "record_id", "role"]
    ).rename(columns={"entity_id": "true"})
    crosswalk_csv = data_dir / "crosswalk.csv"
    if crosswalk_csv.exists():
        crosswalk = pd.read_csv(crosswalk_csv, dtype=str, keep_default_na=False)
        table = table.merge(
            crosswalk[["source", "record_id", "role", "entity_id"]].drop_duplicates(
                ["source", "record_id", "role"]
            ),
            how="left",
            on=["source", "record_id", "role"],
        ).rename(columns={"entity_id": "pred"})
    else:
        table["pred"] = mentions.entity_ids
    table["pred"] = table["pred"].fillna(pd.Series([f"unresolved:{i}" for i in range(len(table))]))
    noise: dict[tuple[str, str], list[str]] = defaultdict(list)
    if args.noise and (data_dir / "demo" / "noise.csv").exists():
        for r in pd.read_csv(data_dir / "demo" / "noise.csv", dtype=str).itertuples():
            noise[(str(r.source), str(r.record_id))].append(f"{r.column}:{r.kind}")

    cache: dict[tuple[int, int], Explanation] = {}

    def explained(a: int, b: int) -> Explanation:
        if (a, b) not in cache:
            ra = {k: (None if pd.isna(v) else v) for k, v in records.iloc[a].items()}
            rb = {k: (None if pd.isna(v) else v) for k, v in records.iloc[b].items()}
            cache[(a, b)] = explain_pair(spec, model, ra, rb)
        return cache[(a, b)]

    def label(i: int) -> str:
        r = table.iloc[i]
        return f"{r['source']}:{r['record_id']}:{r['role']}"

    def show(a: int, b: int, expl: Explanation) -> None:
        print(
            f"    {label(a)}  ×  {label(b)}   p={expl.probability:.4f} w={expl.weight:+.1f} → {expl.decision}"
            f"  blocked by: {', '.join(blocked_by(prepared, a, b, sizes)) or 'NONE'}"
        )
        for f in expl.fields:
            print(
                f"        {f.field:<16}{_fmt(f.value_a)} | {_fmt(f.value_b)}  {f.weight:+.2f}  {f.level_description}"
            )
        for i in (a, b):
            r = table.iloc[i]
            if noise.get((r["source"], r["record_id"])):
                print(f"        noise {label(i)}: {', '.join(noise[(r['source'], r['record_id'])])}")

    known = table[table["true"].notna()]
    # --- splits: true entities over several gridhub entities ---
    classes: Counter[str] = Counter()
    class_pairs: Counter[str] = Counter()
    examples: dict[str, list[tuple[int, int, Explanation]]] = defaultdict(list)
    sources: Counter[str] = Counter()
    probabilities: list[float] = []
    total_missed = 0
    for _, group in known.groupby("true"):
        if group["pred"].nunique() < 2:
            continue
        by_pred = {p: g.index.to_numpy() for p, g in group.groupby("pred")}
        for (_, ma), (_, mb) in combinations(by_pred.items(), 2):
            missed = len(ma) * len(mb)
            total_missed += missed
            best = max(((a, b) for a in ma for b in mb), key=lambda ab: explained(*ab).weight)
            expl = explained(*best)
            blocked = blocked_by(prepared, *best, sizes)
            reach = "candidate" if any("over cap" not in r for r in blocked) else "NOT BLOCKED"
            kind = (
                f"{describe(expl, prepared.iloc[best[0]], prepared.iloc[best[1]])} [{reach}, {expl.decision}]"
            )
            classes[kind] += 1
            class_pairs[kind] += missed
            pair_sources = " × ".join(sorted((table.at[best[0], "source"], table.at[best[1], "source"])))
            sources[pair_sources] += missed
            probabilities.append(expl.probability)
            if len(examples[kind]) < args.examples:
                examples[kind].append((best[0], best[1], expl))
    print(f"Person mentions {len(table):,} (with truth {len(known):,}); missed true pairs {total_missed:,}")
    print("\nmissed pairs by sources (of the best pair between the two parts):")
    for key, count in sources.most_common():
        print(f"  {count:6,}  {key}")
    if probabilities:
        bins = np.histogram(probabilities, bins=[0, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0])[0]
        print(
            "\nsplit parts by the model's probability of their best pair "
            "[0-.01 .01-.1 .1-.5 .5-.9 .9-.99 .99-1]:",
            bins.tolist(),
        )
    print("\nsplit parts by class (parts, missed pairs):")
    for kind, count in classes.most_common():
        print(f"  {count:5,} {class_pairs[kind]:6,}  {kind}")
    print("\nexamples:")
    for kind, _ in classes.most_common():
        print(f"  {kind}")
        for a, b, expl in examples[kind]:
            show(a, b, expl)

    # --- false merges: gridhub entities holding several true entities ---
    wrong: Counter[str] = Counter()
    wrong_pairs: Counter[str] = Counter()
    wrong_examples: dict[str, list[tuple[int, int, Explanation]]] = defaultdict(list)
    total_wrong = 0
    for _, group in known.groupby("pred"):
        if group["true"].nunique() < 2:
            continue
        by_true = {t: g.index.to_numpy() for t, g in group.groupby("true")}
        for (_, ma), (_, mb) in combinations(by_true.items(), 2):
            total_wrong += len(ma) * len(mb)
            best = max(((a, b) for a in ma for b in mb), key=lambda ab: explained(*ab).weight)
            expl = explained(*best)
            kind = f"{describe(expl, prepared.iloc[best[0]], prepared.iloc[best[1]])} [{expl.decision}]"
            wrong[kind] += 1
            wrong_pairs[kind] += len(ma) * len(mb)
            if len(wrong_examples[kind]) < args.examples:
                wrong_examples[kind].append((best[0], best[1], expl))
    print(f"\nfalse merges: wrong pairs {total_wrong:,}")
    for kind, count in wrong.most_common():
        print(f"  {count:5,} {wrong_pairs[kind]:6,}  {kind}")
        for a, b, expl in wrong_examples[kind]:
            show(a, b, expl)


def _fmt(value: Any) -> str:
    if isinstance(value, tuple):
        return "/".join(_fmt(v) for v in value)
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


if __name__ == "__main__":
    main()
