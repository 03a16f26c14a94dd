"""An incremental file source whose cursor column is a date written the way people write it:
the rows of a later day are read, whatever their text sorts as."""

from __future__ import annotations

from pathlib import Path

from connectors.config import SourceConfig, load_source_config
from graph_schema import default_schema
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync import sync_sources
from tests.hub.sync.test_pipeline import ADDRESSES, PEOPLE, SOURCES, write_csv

UPDATED = "更新时间"


def incremental_population() -> SourceConfig:
    config = load_source_config(SOURCES / "population.yaml", default_schema())
    return SourceConfig.model_validate(
        {**config.model_dump(), "mode": "incremental", "cursor_column": UPDATED}
    )


def test_rows_of_the_tenth_follow_rows_of_the_ninth(store: GraphStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, write_batch_size=2)
    write_csv(tmp_path / "demo" / "address_library.csv", ADDRESSES)
    first, second, _ = PEOPLE
    library = load_source_config(SOURCES / "address_library.yaml", default_schema())
    population = incremental_population()
    with StateStore(settings.state_database_url) as state:
        write_csv(tmp_path / "demo" / "population.csv", [{**first, UPDATED: "2024/1/9 17:30"}])
        report = sync_sources(store, state, [library, population], settings)
        assert {s.source: s.new for s in report.sources}["population"] == 1
        assert state.cursor("population") == "2024/1/9 17:30"

        # The next export: the old row again, and one of the tenth ("2024/1/10" < "2024/1/9" as text).
        write_csv(
            tmp_path / "demo" / "population.csv",
            [{**first, UPDATED: "2024/1/9 17:30"}, {**second, UPDATED: "2024/1/10 8:05"}],
        )
        report = sync_sources(store, state, [population], settings)
        (pop,) = report.sources
        assert (pop.read, pop.new) == (1, 1)  # the ninth's row skipped as synced, the tenth's read
        assert state.cursor("population") == "2024/1/10 8:05"
        assert store.find_nodes("Person", "identity_number", "440304198001010022")
