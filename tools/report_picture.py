"""Regenerate docs/report.png, the README's picture of `gridhub report --html`.

The demo district (300 residents) plus one extra source, "visitors": the population register's
first 40 residents with addresses the standard library cannot place — so the picture shows what a
flagged source looks like. Needs Debian's `chromium` on PATH.

    PYTHONPATH=. .venv/bin/python tools/report_picture.py [docs/report.png]
"""

from __future__ import annotations

import csv
import shutil
import sys
import tempfile
from pathlib import Path

from connectors.config import load_source_configs
from hub.demo.generator import generate_district
from hub.quality import build_report, render_html
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from tools.screenshot import screenshot

SOURCES = Path(__file__).parents[1] / "hub" / "demo" / "sources"


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        generate_district(data / "demo", persons=300, seed=7)
        with (data / "demo" / "population.csv").open(encoding="utf-8", newline="") as handle:
            people = list(csv.DictReader(handle))[:40]
        for row in people:
            row["地址编码"], row["居住地址"] = "", "某处"
        with (data / "demo" / "visitors.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(people[0]))
            writer.writeheader()
            writer.writerows(people)
        config_dir = data / "sources"
        shutil.copytree(SOURCES, config_dir)
        text = (SOURCES / "population.yaml").read_text(encoding="utf-8")
        text = text.replace("name: population", "name: visitors").replace(
            "demo/population.csv", "demo/visitors.csv"
        )
        (config_dir / "visitors.yaml").write_text(text, encoding="utf-8")
        settings = Settings(data_dir=data, ladybug_buffer_pool_mb=256)
        with open_store(settings) as store, StateStore(settings.state_database_url) as state:
            sync_sources(store, state, load_source_configs(config_dir, store.schema), settings)
            report = build_report(state)
        page = data / "report.html"
        # The headless browser here may lack CJK fonts: a title without them.
        page.write_text(render_html(report, title="gridhub - data quality report"), encoding="utf-8")
        screenshot(page, target, "1200,1600")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/report.png"))
