"""A small demo district, generated once per test session (about a second)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectors.config import SourceConfig, load_source_configs
from graph_schema import default_schema
from hub.demo.generator import DEFAULT_AS_OF, STYLES, DemoManifest, World, build_world, generate_district
from hub.demo.run import sources_dir

SOURCES = Path(__file__).parents[3] / "hub" / "demo" / "sources"
PERSONS = 500
SEED = 11


@pytest.fixture(scope="session")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate_district(tmp_path_factory.mktemp("demo"), persons=PERSONS, seed=SEED)


@pytest.fixture(scope="session")
def world() -> World:
    """The district the files describe (rebuilt from the same seed: generation is deterministic)."""
    return build_world(PERSONS, SEED, DEFAULT_AS_OF)


@pytest.fixture(scope="session")
def configs() -> dict[str, SourceConfig]:
    return {c.name: c for c in load_source_configs(SOURCES, default_schema())}


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The file as the hub's file connectors read it: CSV as strings, JSON Lines as JSON values."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix == ".csv":
            return list(csv.DictReader(handle))
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture(scope="session")
def rows(manifest: DemoManifest) -> dict[str, list[dict[str, Any]]]:
    return {f.name: read_rows(f.path) for f in manifest.files}


@pytest.fixture(scope="session")
def truth(manifest: DemoManifest) -> list[dict[str, Any]]:
    return read_rows(manifest.truth.path)


@pytest.fixture(scope="session")
def noise(manifest: DemoManifest) -> dict[tuple[str, str, str], str]:
    """(source, record_id, column) → noise kind."""
    return {(r["source"], r["record_id"], r["column"]): r["kind"] for r in read_rows(manifest.noise.path)}


@dataclass(frozen=True)
class StyledDistrict:
    """The same small district written in one style, with that style's source declarations."""

    style: str
    manifest: DemoManifest
    configs: dict[str, SourceConfig]
    rows: dict[str, list[dict[str, Any]]]
    truth: list[dict[str, Any]]
    noise: dict[tuple[str, str, str], str]


@pytest.fixture(scope="session", params=STYLES)
def district(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> StyledDistrict:
    """Each writing style in turn: tests that take it must hold for every style."""
    style = str(request.param)
    m = generate_district(tmp_path_factory.mktemp(f"demo-{style}"), persons=PERSONS, seed=SEED, style=style)
    return StyledDistrict(
        style=style,
        manifest=m,
        configs={c.name: c for c in load_source_configs(sources_dir(style), default_schema())},
        rows={f.name: read_rows(f.path) for f in m.files},
        truth=read_rows(m.truth.path),
        noise={(r["source"], r["record_id"], r["column"]): r["kind"] for r in read_rows(m.noise.path)},
    )
