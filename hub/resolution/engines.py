"""Which engine computes a full clustering: the in-process one, or Spark.

The incremental and per-entity passes always run in process (a batch against the candidates it
reaches is small); a full pass may run its blocking and comparisons on Spark
(:mod:`resolvers.spark`), with the same spec, comparators and model, and its results written
back by the same code (:func:`hub.resolution.clustering.cluster_and_apply`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Protocol

import pandas as pd

from hub.errors import HubError
from hub.resolution.streets import building_streets, mention_streets
from hub.settings import Settings
from hub.store import GraphStore
from resolvers.linking import FSModel, LinkResult, LinkSpec, dedupe


class Engine(StrEnum):
    INPROCESS = "inprocess"
    SPARK = "spark"


class Dedupe(Protocol):
    """What a full clustering calls: :func:`resolvers.linking.dedupe`'s signature."""

    def __call__(
        self,
        df: pd.DataFrame,
        spec: LinkSpec,
        must_link: Collection[tuple[object, object]] = (),
        cannot_link: Collection[tuple[object, object]] = (),
        *,
        model: FSModel | None = None,
    ) -> LinkResult: ...


def parse_engine(value: object) -> Engine:
    try:
        return Engine(str(value or Engine.INPROCESS).strip().lower())
    except ValueError:
        raise HubError(
            f"unknown resolution engine {value!r} (one of {', '.join(e.value for e in Engine)})"
        ) from None


@contextmanager
def full_pass_engine(engine: Engine, settings: Settings, store: GraphStore | None = None) -> Iterator[Dedupe]:
    """The dedupe a full pass calls; for Spark, a session started from the settings and stopped
    after the pass. A clear :class:`HubError` when Spark cannot run here. ``store``: where the
    Spark engine finds each mention's street (its Parquet partition; without it, one partition)."""
    if engine is Engine.INPROCESS:
        yield dedupe
        return
    from resolvers.spark.session import SparkConfig, SparkUnavailableError, start_session

    config = SparkConfig(
        master=settings.spark_master,
        driver_memory=settings.spark_driver_memory,
        shuffle_partitions=settings.spark_shuffle_partitions,
        checkpoint_dir=settings.spark_dir / "checkpoints",
    )
    try:
        session = start_session(config)
    except SparkUnavailableError as exc:
        raise HubError(str(exc)) from exc
    from resolvers.spark.engine import dedupe_spark

    # Building → street, read once per pass (the types' mentions share the buildings).
    streets_of: dict[str, str] | None = None

    def on_spark(
        df: pd.DataFrame,
        spec: LinkSpec,
        must_link: Collection[tuple[object, object]] = (),
        cannot_link: Collection[tuple[object, object]] = (),
        *,
        model: FSModel | None = None,
    ) -> LinkResult:
        nonlocal streets_of
        streets = None
        if store is not None:
            streets_of = building_streets(store) if streets_of is None else streets_of
            streets = mention_streets(store, df, streets_of)
        return dedupe_spark(
            df,
            spec,
            must_link,
            cannot_link,
            session=session,
            work_dir=settings.spark_dir,
            model=model,
            streets=streets,
        )

    try:
        yield on_spark
    finally:
        session.stop()
