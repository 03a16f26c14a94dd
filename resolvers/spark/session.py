"""Starting a SparkSession for the resolution pass, with a clear error when it cannot start.

Three things must be right before the JVM starts, or not at all: the driver's memory (a setting
read at JVM launch, ignored afterwards), the Python the workers run (the hub's own, which has
pyarrow and the comparators; Spark would otherwise start whatever ``python3`` is on the PATH)
and the import path of the workers (the project root, which pytest and ``-m hub.cli`` put on
``sys.path`` only, not in the environment the workers inherit).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# The directory holding the ``resolvers`` package: what a worker must be able to import.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SparkUnavailableError(RuntimeError):
    """Spark cannot run here: the ``spark`` extra is not installed, or there is no Java."""


@dataclass(frozen=True, slots=True)
class SparkConfig:
    master: str = "local[*]"
    driver_memory: str = "2g"
    # Spark's default of 200 shuffle partitions makes hundreds of tiny tasks on a few cores.
    shuffle_partitions: int = 8
    checkpoint_dir: Path | None = None
    app_name: str = "gridhub-resolve"


def check_available() -> None:
    """Raise :class:`SparkUnavailableError` naming what is missing."""
    if importlib.util.find_spec("pyspark") is None:
        raise SparkUnavailableError(
            "the Spark engine needs the 'spark' extra: pip install -e '.[spark]' (pyspark 4.x)"
        )
    java_home = os.environ.get("JAVA_HOME")
    java = Path(java_home, "bin", "java") if java_home else None
    if not (java is not None and java.exists()) and shutil.which("java") is None:
        raise SparkUnavailableError(
            "the Spark engine needs Java 17 or later: install a JDK (Debian: openjdk-17-jre-headless) "
            "or set JAVA_HOME"
        )


def start_session(config: SparkConfig) -> SparkSession:
    """A session as ``config`` says (an already running one in this process is reused by Spark,
    with its own memory: the driver's memory cannot change once the JVM runs)."""
    check_available()
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    paths = [str(PROJECT_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    builder = (
        SparkSession.builder.master(config.master)
        .appName(config.app_name)
        .config("spark.driver.memory", config.driver_memory)
        .config("spark.sql.shuffle.partitions", str(config.shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Street names that look like numbers stay text when the partitions are read back.
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if config.checkpoint_dir is not None:
        config.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        session.sparkContext.setCheckpointDir(str(config.checkpoint_dir))
    return session
