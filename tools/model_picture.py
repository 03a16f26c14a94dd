"""Regenerate docs/model.png, the README's picture of `gridhub model show --html`.

The demo district (2,000 residents, seed 7) synced into a throwaway embedded store; the page shows
the Person model (match weights like Splink's chart, m and u, the numbers). Needs Debian's
`chromium` on PATH (and a CJK font such as fonts-wqy-zenhei for the Chinese level names).

    PYTHONPATH=. .venv/bin/python tools/model_picture.py [docs/model.png]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.resolution.models import model_diagnostics
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from resolvers.linking.charts import models_html
from tools.screenshot import screenshot

PERSONS = 2_000
ENTITY_TYPE = "Person"


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        generate_district(data / "demo", persons=PERSONS, seed=7)
        settings = Settings(data_dir=data, ladybug_buffer_pool_mb=256)
        with open_store(settings) as store, StateStore(settings.state_database_url) as state:
            sync_sources(store, state, demo_sources(store.schema), settings)
            models = model_diagnostics(state, ENTITY_TYPE)
        page = data / "model.html"
        page.write_text(models_html(models), encoding="utf-8")
        screenshot(page, target, "1100,1500")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/model.png"))
