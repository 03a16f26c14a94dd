"""`gridhub demo`: generate a district, sync its sources, serve the API, show a first query."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from connectors.config import SourceConfig, load_source_configs
from graph_schema import Schema

DEMO_DIR = Path(__file__).parent
SOURCES_DIR = DEMO_DIR / "sources"


def sources_dir(style: str) -> Path:
    """The demo's source declarations for districts written in `style` (hub/demo/sources for the
    standard style, hub/demo/sources_<style> for another)."""
    from hub.demo.generator.styles import STANDARD, writing_style

    writing_style(style)  # unknown styles fail here
    return SOURCES_DIR if style == STANDARD else DEMO_DIR / f"sources_{style}"


@dataclass(frozen=True)
class DemoExample:
    find: str
    graphql: str


@dataclass(frozen=True)
class DemoConfig:
    persons: int
    seed: int
    example: DemoExample


def load_demo_config(path: Path = DEMO_DIR / "demo.yaml") -> DemoConfig:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return DemoConfig(
        persons=int(raw["persons"]), seed=int(raw["seed"]), example=DemoExample(**raw["example"])
    )


def demo_sources(
    schema: Schema, data_dir: Path | None = None, *, style: str | None = None
) -> list[SourceConfig]:
    """The demo's source declarations: for `style`, else for the style recorded in the manifest of
    the district generated under `data_dir` (data_dir/demo/manifest.json), else the standard ones."""
    if style is None:
        from hub.demo.generator import STANDARD, district_style

        style = STANDARD if data_dir is None else district_style(Path(data_dir) / "demo")
    return load_source_configs(sources_dir(style), schema)


def ask_api(base_url: str, query: str, variables: dict[str, Any], api_key: str) -> dict[str, Any]:
    """POST the query as a department system would, with its API key; raises on HTTP or
    GraphQL errors."""
    import httpx  # only the demo asks its API: not loaded by every command (0.07 s with ssl)

    response = httpx.post(
        f"{base_url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=30,
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise RuntimeError(f"the API answered with errors: {body['errors']}")
    return body
