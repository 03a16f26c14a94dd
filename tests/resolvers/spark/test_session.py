"""What the Spark engine says when it cannot run: the extra or Java missing, named."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from resolvers.spark import session
from resolvers.spark.session import SparkUnavailableError, check_available


def test_without_pyspark_the_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a)
    )
    with pytest.raises(SparkUnavailableError, match=r"needs the 'spark' extra: pip install -e '\.\[spark\]'"):
        check_available()


def test_without_java_a_jdk_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    # pyspark taken as installed: the check for Java comes after the one for the extra.
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: object() if name == "pyspark" else real(name, *a)
    )
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(SparkUnavailableError, match="needs Java 17 or later"):
        check_available()
    assert session.PROJECT_ROOT.joinpath("resolvers", "spark", "session.py").exists()
