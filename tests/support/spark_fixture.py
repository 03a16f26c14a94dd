"""Module fixture ``spark``: a small SparkSession (local[2], 4 shuffle partitions, no UI).

Use it by importing it into a test module::

    from tests.support.spark_fixture import spark  # noqa: F401

One session per module: starting the JVM costs seconds, and a module's tests share it.

Environment:

* ``GRIDHUB_REQUIRE_SPARK=1`` - fail instead of skip when the ``spark`` extra (pyspark) or Java
  is missing (CI sets it, and installs the extra: a Spark test never skips silently there).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from resolvers.spark.session import SparkConfig, SparkUnavailableError, check_available, start_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TEST_CONFIG = SparkConfig(master="local[2]", driver_memory="1g", shuffle_partitions=4)


def require_spark() -> None:
    """Skip (fail with GRIDHUB_REQUIRE_SPARK=1) when Spark cannot run here."""
    try:
        check_available()
    except SparkUnavailableError as exc:
        if os.environ.get("GRIDHUB_REQUIRE_SPARK") == "1":
            pytest.fail(f"{exc} (GRIDHUB_REQUIRE_SPARK=1)")
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    require_spark()
    checkpoints: Path = tmp_path_factory.mktemp("spark-checkpoints")
    session = start_session(
        SparkConfig(
            master=TEST_CONFIG.master,
            driver_memory=TEST_CONFIG.driver_memory,
            shuffle_partitions=TEST_CONFIG.shuffle_partitions,
            checkpoint_dir=checkpoints,
        )
    )
    try:
        yield session
    finally:
        session.stop()
