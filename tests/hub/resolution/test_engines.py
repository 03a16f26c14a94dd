"""A full pass on Spark leaves the hub as a full pass in process does (issue 17).

The demo district is synced without resolving, copied, and resolved in full once per engine:
the crosswalk (every mention's entity), the review items, the fitted models and the pass's
figures must be identical. 400 residents by default (two Spark passes on two shared cores take
minutes); GRIDHUB_SPARK_EQUIVALENCE_PERSONS=10000 runs the issue's size (see the README).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.errors import HubError
from hub.resolution import engines
from hub.resolution.engines import Engine, full_pass_engine, parse_engine
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import resolve_pass, sync_sources
from resolvers.linking.feature_columns import feature_keys
from resolvers.linking.presets import get_spec
from resolvers.spark import session as spark_session
from resolvers.spark.records import UNKNOWN_STREET
from tests.support.spark_fixture import TEST_CONFIG, require_spark

PERSONS = int(os.environ.get("GRIDHUB_SPARK_EQUIVALENCE_PERSONS", "400"))


@dataclass(frozen=True)
class Outcome:
    crosswalk: dict[str, dict[str, str]]  # type → mention id → entity id
    reviews: list[tuple[str, str, dict[str, Any]]]  # kind, subject, payload (ids and runs aside)
    models: dict[str, str | None]
    reports: list[dict[str, Any]]  # the pass's figures, its timings aside
    partitions: dict[str, dict[str, int]]  # Spark: type → street partition → Parquet files


def settings_for(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        ladybug_buffer_pool_mb=256,
        resolve_after_sync=False,
        spark_master=TEST_CONFIG.master,
        spark_driver_memory=TEST_CONFIG.driver_memory,
        spark_shuffle_partitions=TEST_CONFIG.shuffle_partitions,
    )


def resolve_copy(synced: Path, to: Path, engine: Engine) -> Outcome:
    shutil.copytree(synced, to)
    settings = settings_for(to)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        reports = resolve_pass(store, state, settings, full=True, engine=engine)
        types = [n for n in store.schema.node_types if n.resolver]
        crosswalk = {}
        for node in types:
            assert node.resolver is not None
            mentions = state.mention_columns(node.name, feature_keys(get_spec(node.resolver)))
            crosswalk[node.name] = dict(zip(mentions.ids.tolist(), mentions.entity_ids.tolist(), strict=True))
        reviews = [(i["kind"], i["subject"], i["payload"]) for i in state.review_queue(None, 1_000_000)]
        models = {node.name: state.model(node.name) for node in types}
    figures = [{k: v for k, v in r.items() if k != "seconds"} for r in reports]
    partitions = {
        written.name.removesuffix(".parquet"): {
            unquote(street.name.split("=", 1)[1]): len(list(street.iterdir())) for street in written.iterdir()
        }
        for written in settings.spark_dir.glob("*.parquet")
    }
    return Outcome(crosswalk, reviews, models, figures, partitions)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Outcome, Outcome]:
    require_spark()
    synced = tmp_path_factory.mktemp("district")
    generate_district(synced / "demo", persons=PERSONS, seed=3)
    settings = settings_for(synced)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    copies = tmp_path_factory.mktemp("resolved")
    return (
        resolve_copy(synced, copies / "inprocess", Engine.INPROCESS),
        resolve_copy(synced, copies / "spark", Engine.SPARK),
    )


@pytest.mark.integration
def test_the_same_crosswalk(outcomes: tuple[Outcome, Outcome]) -> None:
    inprocess, spark = outcomes
    assert spark.crosswalk == inprocess.crosswalk
    person = inprocess.crosswalk["Person"]
    assert len(set(person.values())) < len(person)  # mentions were merged: the test is not empty


@pytest.mark.integration
def test_the_same_review_items(outcomes: tuple[Outcome, Outcome]) -> None:
    inprocess, spark = outcomes
    assert spark.reviews == inprocess.reviews
    assert any(kind == "merge" for kind, _, _ in inprocess.reviews)


@pytest.mark.integration
def test_the_same_models_and_figures(outcomes: tuple[Outcome, Outcome]) -> None:
    inprocess, spark = outcomes
    assert spark.models == inprocess.models
    assert all(inprocess.models.values())
    assert spark.reports == inprocess.reports


@pytest.mark.integration
def test_the_mentions_go_to_spark_partitioned_by_their_street(outcomes: tuple[Outcome, Outcome]) -> None:
    inprocess, spark = outcomes
    assert inprocess.partitions == {}
    streets = spark.partitions["Person"]
    # The demo district's streets (by name), and "unknown" for mentions without a known building.
    named = [s for s in streets if s != UNKNOWN_STREET]
    assert len(named) >= 2
    assert all(s.endswith("街道") for s in named)


def test_the_spark_engine_runs_the_full_pass_only(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with (
        open_store(settings) as store,
        StateStore(settings.state_database_url) as state,
        pytest.raises(HubError, match="the spark engine runs the full pass only: add --full"),
    ):
        resolve_pass(store, state, settings, engine=Engine.SPARK)


def test_an_unknown_engine_is_named() -> None:
    assert parse_engine(None) is Engine.INPROCESS
    assert parse_engine(" Spark ") is Engine.SPARK
    with pytest.raises(HubError, match=r"unknown resolution engine 'dask' \(one of inprocess, spark\)"):
        parse_engine("dask")


def test_spark_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def unavailable() -> None:
        raise spark_session.SparkUnavailableError("the Spark engine needs the 'spark' extra")

    monkeypatch.setattr(spark_session, "check_available", unavailable)
    with (
        pytest.raises(HubError, match="needs the 'spark' extra"),
        full_pass_engine(Engine.SPARK, settings_for(tmp_path)),
    ):
        pass
    with full_pass_engine(Engine.INPROCESS, settings_for(tmp_path)) as run:
        assert run is engines.dedupe
